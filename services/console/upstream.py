"""The console's only way to the rest of Relais: the HTTP APIs of tracking, the desk,
notification, documents and payments."""

import json
from dataclasses import dataclass
from typing import Any

import httpx

from services.console.settings import ConsoleSettings


class UpstreamDown(Exception):
    """Tracking or the desk did not answer, or answered 5xx."""


class TokenRejected(Exception):
    """The agent's token was refused (expired or revoked): log in again."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: Any

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict):
            return str(self.body.get("detail") or "Action refusée.")
        return "Action refusée."

    @property
    def errors(self) -> list[dict[str, str]]:
        return list(self.body.get("errors") or []) if isinstance(self.body, dict) else []


class Upstream:
    def __init__(self, settings: ConsoleSettings, client: httpx.AsyncClient | None = None) -> None:
        self.tracking = settings.tracking_url.rstrip("/")
        self.desk = settings.desk_url.rstrip("/")
        self.notification = settings.notification_url.rstrip("/")
        self.documents = settings.documents_url.rstrip("/")
        self.payments = settings.payments_url.rstrip("/")
        self.client = client or httpx.AsyncClient(timeout=settings.upstream_timeout_s)

    async def send(self, method: str, url: str, *, token: str, **kwargs: Any) -> httpx.Response:
        """The agent's request; TokenRejected on 401, UpstreamDown when no useful answer."""
        headers = {"authorization": f"Bearer {token}", **kwargs.pop("headers", {})}
        try:
            response = await self.client.request(method, url, headers=headers, **kwargs)
        except httpx.HTTPError as exc:
            raise UpstreamDown(str(exc)) from exc
        if response.status_code == 401:
            raise TokenRejected
        if response.status_code >= 500:
            raise UpstreamDown(response.status_code)
        return response

    async def call(self, method: str, url: str, *, token: str, **kwargs: Any) -> Answer:
        response = await self.send(method, url, token=token, **kwargs)
        try:
            return Answer(response.status_code, response.json())
        except ValueError as exc:
            raise UpstreamDown(response.status_code) from exc

    async def requests(self, *, token: str, filters: dict[str, str], limit: int) -> Answer:
        params = {**filters, "limit": str(limit)}
        return await self.call("GET", f"{self.tracking}/v1/requests", token=token, params=params)

    async def request(self, *, token: str, request_id: str) -> Answer:
        return await self.call("GET", f"{self.tracking}/v1/requests/{request_id}", token=token)

    async def act(
        self, *, token: str, request_id: str, action: str, body: dict[str, Any], version: str
    ) -> Answer:
        """One of the workspace's commands, on the version of the request the agent saw."""
        url = f"{self.tracking}/v1/requests/{request_id}/{action}"
        headers = {"If-Match": f'"{version}"'} if version.isdigit() else {}
        return await self.call("POST", url, token=token, json=body, headers=headers)

    async def adoption(self, *, token: str) -> dict[str, Any] | None:
        """Tracking's weekly adoption figures (None: not allowed to see them)."""
        answer = await self.call("GET", f"{self.tracking}/v1/stats/adoption", token=token)
        ok = answer.status == 200 and isinstance(answer.body, dict)
        return answer.body if ok else None

    async def adoption_csv(self, *, token: str) -> bytes | None:
        url = f"{self.tracking}/v1/stats/adoption"
        found = await self.download(url, token=token, params={"format": "csv"})
        return found.content if found is not None else None

    async def download(
        self, url: str, *, token: str, params: dict[str, str] | None = None
    ) -> httpx.Response | None:
        """A file (CSV, PDF) as it came; None when refused or absent (4xx)."""
        response = await self.send("GET", url, token=token, params=params)
        return response if response.status_code == 200 else None

    async def letters(self, *, token: str, cursor: str | None, limit: int) -> Answer:
        """The mail room's queued letters, oldest first."""
        params = {"state": "queued", "limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        url = f"{self.notification}/v1/letters"
        return await self.call("GET", url, token=token, params=params)

    async def letter_pdf(
        self, *, token: str, name: str, params: dict[str, str] | None = None
    ) -> httpx.Response | None:
        """One letter (`<id>.pdf`) or the batch of queued ones (`batch.pdf`)."""
        url = f"{self.notification}/v1/letters/{name}"
        return await self.download(url, token=token, params=params)

    async def letter_posted(self, *, token: str, letter_id: str) -> Answer:
        url = f"{self.notification}/v1/letters/{letter_id}/posted"
        return await self.call("POST", url, token=token)

    async def request_files(self, *, token: str, request_id: str) -> Answer:
        """The documents the citizen shared with a request, and its channels' attachments."""
        url = f"{self.documents}/v1/agent/requests/{request_id}/documents"
        return await self.call("GET", url, token=token)

    async def request_file(
        self, *, token: str, request_id: str, kind: str, file_id: str
    ) -> httpx.Response | None:
        """One of them (`documents` or `attachments`); documents records the read."""
        url = f"{self.documents}/v1/agent/requests/{request_id}/{kind}/{file_id}/content"
        return await self.download(url, token=token)

    async def invoice(self, *, token: str, invoice_id: str) -> Answer:
        return await self.call("GET", f"{self.payments}/v1/invoices/{invoice_id}", token=token)

    async def invoices(self, *, token: str, status: str | None, limit: int, offset: int) -> Answer:
        """The invoices, most recent first; `status`: unpaid, overdue, paid or refunded."""
        params = {"limit": str(limit), "offset": str(offset)} | (
            {"status": status} if status else {}
        )
        return await self.call("GET", f"{self.payments}/v1/invoices", token=token, params=params)

    async def department_stats(self, *, token: str) -> list[dict[str, Any]]:
        answer = await self.call("GET", f"{self.tracking}/v1/stats/departments", token=token)
        ok = answer.status == 200 and isinstance(answer.body, list)
        return [line for line in answer.body if isinstance(line, dict)] if ok else []

    async def log_contact(
        self,
        *,
        token: str,
        kind: str,
        body: dict[str, Any],
        idempotency_key: str,
        files: dict[str, tuple[str, bytes, str]] | None = None,
    ) -> Answer:
        """A visit or a call (JSON), or a letter (multipart: `data` JSON and the `scan`)."""
        url = f"{self.desk}/v1/{kind}"
        headers = {"Idempotency-Key": idempotency_key}
        if files is None:
            return await self.call("POST", url, token=token, json=body, headers=headers)
        parts = {"data": ("data.json", json.dumps(body).encode(), "application/json"), **files}
        return await self.call("POST", url, token=token, files=parts, headers=headers)

    async def ready(self) -> bool:
        """Tracking answers its health check (the desk is needed by one page only)."""
        try:
            (await self.client.get(f"{self.tracking}/healthz")).raise_for_status()
        except httpx.HTTPError:
            return False
        return True

    async def close(self) -> None:
        await self.client.aclose()
