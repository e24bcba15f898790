"""Settings of postal letters and the mail room (mixed into the notification settings)."""

from pathlib import Path

from pydantic import Field

from shared.auth import AgentAuthSettings


class LetterSettings(AgentAuthSettings):
    """The letterhead, and who may use the mail room (agents' tokens, as tracking's API)."""

    town_address: list[str] = Field(
        default=["Hôtel de ville", "1 place de la Mairie", "99999 VILLE-EXEMPLE"],
        description="The letterhead's address lines (JSON list)",
    )
    letter_contact: str = "Tél. 01 23 45 67 89 · relais@ville.example · ville.example"
    letter_signature: str = "Pour le Maire, le service Relations avec les usagers"
    letter_logo_path: Path | None = Field(default=None, description="PNG or JPEG letterhead logo")
    letter_font_dir: Path = Field(
        default=Path("/usr/share/fonts/truetype/dejavu"),
        description="DejaVu TTF fonts (Debian's fonts-dejavu-core); else latin-1 core fonts",
    )
    mailroom_department: str = Field(
        default="accueil", description="The department that posts letters (and admins)"
    )
    letters_kept_days: int = Field(
        default=30, ge=1, le=3650, description="Days a posted letter stays (reprints)"
    )
    batch_max_letters: int = Field(
        default=200, ge=1, le=2000, description="Letters in one printable batch PDF"
    )
