"""Payments service settings, read from the environment."""

from typing import Literal

from pydantic import Field

from shared.auth import DEV_SECRET
from shared.config import ServiceSettings

SOURCE = "/relais/payments"
DEV_BILLING_KEY = "dev-billing-key"


class PaymentsSettings(ServiceSettings):
    service_name: str = "payments"
    http_port: int = 8060
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=16)
    billing_api_keys: str = Field(
        default=DEV_BILLING_KEY, description="Keys of the billing software (comma-separated)"
    )
    public_url: str = Field(
        default="http://127.0.0.1:8060", description="How PayFiP and browsers reach this service"
    )
    citizen_return_url: str = Field(
        default="http://127.0.0.1:8070/factures/{invoice_id}/retour",
        description="The citizens' site page the citizen lands on after paying ({invoice_id})",
    )
    citizen_invoice_url: str = Field(
        default="http://127.0.0.1:8070/factures/{invoice_id}?code={code}",
        description="The citizen's link to their invoice on the site ({invoice_id}, {code})",
    )
    provider: Literal["dev", "payfip"] = "dev"
    payfip_url: str = Field(default="", description="PayFiP web service base URL")
    payfip_page_url: str = Field(default="", description="PayFiP payment page (idop appended)")
    payfip_numcli: str = Field(default="000000", description="The town's PayFiP client number")
    payfip_saisie: Literal["T", "X", "W"] = Field(default="T", description="T test, W production")
    provider_timeout_s: float = Field(default=10.0, gt=0)
    payment_timeout_s: int = Field(
        default=1800, gt=0, description="An unfinished payment is abandoned after this"
    )
    recovery_interval_s: float = Field(default=60.0, gt=0)
    max_page_size: int = Field(default=200, ge=1, le=1000)
