"""PayFiP (DGFiP) client: create an operation, send the citizen to PayFiP's page, then ask
PayFiP for the result. Spoken as JSON over HTTP with PayFiP's field names (creerPaiementSecurise,
recupererDetailPaiementSecurise); a SOAP transport for the real endpoints would implement the
same `Provider` interface with the same fields."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from services.payments.providers import KnownPayment, Operation, Outcome, ProviderUnavailable, State

PARIS = ZoneInfo("Europe/Paris")
RESULTS = {"P": State.PAID, "R": State.REFUSED, "A": State.ABANDONED}


class PayFiP:
    name = "payfip"

    def __init__(
        self, *, url: str, page_url: str, numcli: str, saisie: str, timeout_s: float = 10.0
    ) -> None:
        self._url, self._page = url.rstrip("/"), page_url
        self._numcli, self._saisie, self._timeout = numcli, saisie, timeout_s

    async def _call(self, operation: str, body: dict[str, Any]) -> Any:
        try:
            async with httpx.AsyncClient(timeout=self._timeout) as client:
                answer = await client.post(f"{self._url}/ws/{operation}", json=body)
        except httpx.HTTPError as exc:
            raise ProviderUnavailable(f"PayFiP {operation}: {exc!r}") from exc
        if answer.status_code >= 500 or answer.status_code == 404:
            raise ProviderUnavailable(f"PayFiP {operation}: HTTP {answer.status_code}")
        answer.raise_for_status()
        return answer.json()

    async def create(
        self,
        *,
        reference: str,
        label: str,
        amount_cents: int,
        email: str,
        year: int,
        notify_url: str,
        return_url: str,
    ) -> Operation:
        body = {
            "numcli": self._numcli,
            "exer": str(year),
            "refdet": reference,
            "objet": label[:100],
            "montant": amount_cents,
            "mel": email,
            "urlnotif": notify_url,
            "urlredirect": return_url,
            "saisie": self._saisie,
        }
        id_op = str((await self._call("creerPaiementSecurise", body))["idOp"])
        return Operation(id_op, f"{self._page}?idop={id_op}")

    async def outcome(self, operation_id: str) -> Outcome:
        detail = await self._call("recupererDetailPaiementSecurise", {"idOp": operation_id})
        state = RESULTS.get(detail.get("resultrans") or "", State.PENDING)
        if state != State.PAID:
            return Outcome(state)
        when = datetime.strptime(detail["dattrans"] + detail["heurtrans"], "%d%m%Y%H%M")
        return Outcome(
            State.PAID,
            amount_cents=int(detail["montant"]),
            authorisation=detail["numauto"],
            paid_at=when.replace(tzinfo=PARIS),
        )

    async def paid_on(self, day: date) -> list[KnownPayment]:
        body = {"numcli": self._numcli, "date": f"{day:%d%m%Y}"}
        return [
            KnownPayment(str(d["idOp"]), str(d["refdet"]), int(d["montant"]))
            for d in await self._call("listerPaiements", body)
        ]
