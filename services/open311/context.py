"""What the Open311 routes share: settings, catalogue, read model, intake; and its checks."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends

from services.open311 import mapping
from services.open311.formats import Open311Error
from services.open311.settings import Open311Settings
from services.open311.store import RequestBook
from shared.catalogue import Catalogue, Category
from shared.http import app_state
from shared.intake import Intake


@dataclass(frozen=True)
class Open311:
    settings: Open311Settings
    catalogue: Catalogue
    book: RequestBook
    intake: Intake

    @property
    def services(self) -> list[Category]:
        return mapping.public_categories(self.catalogue, self.settings.private_services)

    @property
    def service_codes(self) -> list[str]:
        return [c.code for c in self.services]

    def service(self, code: str) -> Category:
        category = self.catalogue.category(code)
        if category is None or code in self.settings.private_services:
            raise Open311Error(404, f"Service inconnu : « {code[:64]} ».")
        return category

    def check_jurisdiction(self, jurisdiction_id: str | None) -> None:
        if jurisdiction_id and jurisdiction_id != self.settings.open311_jurisdiction:
            raise Open311Error(404, f"Juridiction inconnue : « {jurisdiction_id[:100]} ».")

    def checked_api_key(self, api_key: Any) -> str:
        key = api_key.encode() if isinstance(api_key, str) else b""
        if not any(secrets.compare_digest(key, k.encode()) for k in self.settings.api_keys):
            raise Open311Error(403, "Clé d'API (api_key) absente ou invalide.")
        return str(api_key)

    @staticmethod
    def message_id(*, api_key: str, idempotency_key: str | None) -> str | None:
        """Idempotency keys are scoped to the client (its api_key) that chose them."""
        if idempotency_key is None:
            return None
        client = hashlib.sha256(api_key.encode()).hexdigest()[:12]
        return f"{client}:{idempotency_key}"

    def present(self, doc: dict[str, Any]) -> dict[str, Any]:
        return mapping.request_item(doc, catalogue=self.catalogue, timezone=self.settings.timezone)


Context = Annotated[Open311, Depends(app_state("open311"))]
