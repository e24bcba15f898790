"""Documents service settings, read from the environment."""

from typing import Literal

from pydantic import Field

from shared.attachment_links import AttachmentReaderSettings
from shared.auth import DEV_SECRET
from shared.config import ServiceSettings

SOURCE = "/relais/documents"
DEV_LINK_SECRET = "relais-dev-magic-link-secret-change-me"


class DocumentsSettings(ServiceSettings, AttachmentReaderSettings):
    service_name: str = "documents"
    http_port: int = 8050
    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=16)
    magic_link_secret: str = Field(default=DEV_LINK_SECRET, min_length=16)
    magic_link_ttl_s: int = Field(default=900, gt=0, description="How long a link may be used")
    magic_link_interval_s: int = Field(
        default=60, ge=0, description="At most one link per address in this time (no spam)"
    )
    session_ttl_s: int = Field(default=7200, gt=0, description="A citizen's session after a link")
    magic_link_url: str = Field(
        default="http://127.0.0.1:8070/mes-documents/connexion?jeton={token}",
        description="Page of the citizens' site that posts {token} to /v1/citizen/sessions "
        "(?jeton= works without JavaScript; #jeton= keeps the token out of every request)",
    )
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    mail_from: str = "Mairie de Ville-Exemple <relais@ville.example>"
    max_upload_bytes: int = Field(default=20 * 1024 * 1024, gt=0)
    scanner: Literal["eicar", "clamd", "clamscan"] = Field(
        default="eicar", description="eicar: development scanner (recognises only EICAR)"
    )
    clamd_socket: str = Field(default="", description="clamd unix socket (else host/port)")
    clamd_host: str = "127.0.0.1"
    clamd_port: int = 3310
    clamscan_path: str = "clamscan"
    clamscan_database: str = Field(default="", description="-d for clamscan; empty: its default")
    scan_timeout_s: float = Field(default=60.0, gt=0)
    request_retention_days: int = Field(
        default=365, ge=0, description="Documents kept only for a request: days after it closed"
    )
    retention_interval_s: float = Field(default=3600.0, gt=0)
    triage_department: str = "accueil"
    adapter_timeout_s: float = Field(
        default=30.0, gt=0, description="Fetching an attachment from the adapter keeping it"
    )
