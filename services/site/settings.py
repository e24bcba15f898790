"""Citizens' site settings, read from the environment."""

from pydantic import Field

from shared.web.town import TownSettings


class SiteSettings(TownSettings):
    service_name: str = "site"
    http_port: int = 8070
    portal_url: str = Field(default="http://127.0.0.1:8001", description="Portal adapter")
    tracking_url: str = Field(default="http://127.0.0.1:8020", description="Tracking service")
    payments_url: str = Field(default="http://127.0.0.1:8060", description="Payments service")
    payment_page_origins: str = Field(
        default="",
        description="Origins of the payment provider's pages, space-separated (PayFiP's); "
        "the form that starts a payment may go there. Empty: the payments service's origin "
        "(the development provider)",
    )
    documents_url: str = Field(default="http://127.0.0.1:8050", description="Documents service")
    site_url: str = Field(
        default="http://127.0.0.1:8070", description="This site's public address (QR codes)"
    )
    upstream_timeout_s: float = Field(default=10.0, gt=0)
    max_upload_bytes: int = Field(default=25 * 1024 * 1024, gt=0)
