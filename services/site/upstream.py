"""The site's only way to the rest of Relais: the portal's, tracking's, payments' and documents'
HTTP APIs."""

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from services.site.settings import SiteSettings

JSON = "application/json"
Files = list[tuple[str, tuple[str, bytes, str]]]


class UpstreamDown(Exception):
    """The service called did not answer, or answered 5xx: nothing was recorded."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: dict[str, Any]

    @property
    def errors(self) -> list[dict[str, str]]:
        return list(self.body.get("errors") or [])

    @property
    def detail(self) -> str:
        return str(self.body.get("detail") or "La demande n'a pas pu être enregistrée.")


def _answer(response: httpx.Response) -> Answer:
    if response.status_code >= 500:
        raise UpstreamDown(response.status_code)
    if response.status_code == 204:
        return Answer(204, {})
    try:
        body = response.json()
    except ValueError as exc:
        raise UpstreamDown(response.status_code) from exc
    return Answer(response.status_code, body if isinstance(body, dict) else {"items": body})


class Upstream:
    def __init__(self, settings: SiteSettings, client: httpx.AsyncClient | None = None) -> None:
        self.portal = settings.portal_url.rstrip("/")
        self.tracking = settings.tracking_url.rstrip("/")
        self.payments = settings.payments_url.rstrip("/")
        self.documents = settings.documents_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=settings.upstream_timeout_s)

    async def _call(self, method: str, url: str, **kwargs: Any) -> Answer:
        try:
            return _answer(await self.client.request(method, url, **kwargs))
        except httpx.HTTPError as exc:
            raise UpstreamDown(str(exc)) from exc

    async def categories(self) -> list[dict[str, str]]:
        answer = await self._call("GET", f"{self.portal}/v1/categories")
        return list(answer.body.get("items", []))

    async def submit_form(
        self, *, form_type: str, data: str, files: Files, idempotency_key: str
    ) -> Answer:
        parts: Files = [("data", ("data.json", data.encode(), JSON)), *files]
        return await self._call(
            "POST",
            f"{self.portal}/v1/forms/{form_type}",
            files=parts,
            headers={"Idempotency-Key": idempotency_key},
        )

    async def public_view(self, *, reference: str, code: str) -> Answer:
        return await self._call(
            "GET",
            f"{self.tracking}/v1/public/requests/{reference}",
            headers={"X-Tracking-Token": code},
        )

    async def add_message(
        self, *, reference: str, code: str, text: str, files: Files, idempotency_key: str
    ) -> Answer:
        return await self._call(
            "POST",
            f"{self.portal}/v1/requests/{reference}/messages",
            files=[("data", ("data.json", json.dumps({"text": text}).encode(), JSON)), *files],
            headers={"X-Tracking-Token": code, "Idempotency-Key": idempotency_key},
        )

    async def invoice(self, *, invoice_id: str, code: str) -> Answer:
        return await self._call(
            "GET",
            f"{self.payments}/v1/citizen/invoices/{quote(invoice_id, safe='')}",
            params={"code": code},
        )

    async def start_payment(self, *, invoice_id: str, code: str) -> Answer:
        """The provider's page to send the citizen to (the same while a payment is open)."""
        return await self._call(
            "POST",
            f"{self.payments}/v1/citizen/invoices/{quote(invoice_id, safe='')}/payments",
            params={"code": code},
        )

    async def documents_call(
        self,
        method: str,
        path: str,
        *,
        session: str | None = None,
        headers: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> Answer:
        """One call to the documents API, with the citizen's session when there is one."""
        headers = dict(headers or {})
        if session:
            headers["authorization"] = f"Bearer {session}"
        return await self._call(method, f"{self.documents}{path}", headers=headers, **kwargs)

    async def document_content(self, *, session: str, document_id: str) -> httpx.Response:
        """A document's file as the documents API serves it (404 and 401 passed on)."""
        url = f"{self.documents}/v1/citizen/documents/{document_id}/content"
        try:
            response = await self.client.get(url, headers={"authorization": f"Bearer {session}"})
        except httpx.HTTPError as exc:
            raise UpstreamDown(str(exc)) from exc
        if response.status_code >= 500:
            raise UpstreamDown(response.status_code)
        return response

    async def ready(self) -> bool:
        """The portal and tracking answer their health checks."""
        try:
            for base in (self.portal, self.tracking):
                (await self.client.get(f"{base}/healthz")).raise_for_status()
        except httpx.HTTPError:
            return False
        return True

    async def close(self) -> None:
        await self.client.aclose()
