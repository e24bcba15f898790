"""The town's identity on its web pages: name, colours, logo, footer links (from settings)."""

from pydantic import BaseModel, Field

from shared.config import ServiceSettings


class FooterLink(BaseModel):
    label: str = Field(min_length=1, max_length=100)
    url: str = Field(min_length=1, max_length=500)


class TownSettings(ServiceSettings):
    """Settings of a web face; `TOWN_FOOTER_LINKS` is JSON: [{"label": ..., "url": ...}]."""

    town_name: str = "Ville-Exemple"
    town_tagline: str = "Mairie de Ville-Exemple"
    # Text on the background colour, and links: both must keep a 4.5:1 contrast with white.
    town_primary_colour: str = Field(default="#1b4d89", pattern=r"^#[0-9a-fA-F]{6}$")
    town_accent_colour: str = Field(default="#8a3b12", pattern=r"^#[0-9a-fA-F]{6}$")
    town_logo_url: str | None = Field(default=None, description="Else the bundled emblem")
    town_footer_links: list[FooterLink] = Field(
        default_factory=lambda: [
            FooterLink(label="Mentions légales", url="https://ville.example/mentions-legales"),
            FooterLink(label="Données personnelles", url="https://ville.example/donnees"),
            FooterLink(label="Site de la mairie", url="https://ville.example/"),
        ]
    )
    accessibility_contact: str = "accessibilite@ville.example"
    cookie_secure: bool = Field(default=True, description="false only for plain-HTTP dev hosts")
