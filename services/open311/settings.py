"""Open311 adapter settings, read from the environment."""

from pydantic import Field

from shared.config import ServiceSettings
from shared.tokens import TrackingCodeSettings

BASE_PATH = "/open311/v2"
SOURCE = "/relais/open311"
LETTER = "O"


def _csv(value: str) -> frozenset[str]:
    return frozenset(item.strip() for item in value.split(",") if item.strip())


class Open311Settings(ServiceSettings, TrackingCodeSettings):
    service_name: str = "open311"
    http_port: int = 8004
    open311_api_keys: str = Field(
        default="dev-open311-key", description="Comma-separated keys allowed to POST requests"
    )
    open311_jurisdiction: str = Field(default="ville.example", min_length=1)
    open311_private_services: str = Field(
        default=(
            "etat_civil,papiers_identite,elections,candidature,action_sociale,seniors,logement,"
            "inscription_scolaire,periscolaire,petite_enfance,facturation,taxes_locales,"
            "cimetiere,reservation_salles,vie_associative"
        ),
        description="Catalogue categories never offered nor listed (personal matters)",
    )
    timezone: str = "Europe/Paris"

    @property
    def api_keys(self) -> frozenset[str]:
        return _csv(self.open311_api_keys)

    @property
    def private_services(self) -> frozenset[str]:
        return _csv(self.open311_private_services)
