"""Server-rendered pages: Jinja2 templates, static files, the town's colours, security headers.

No inline script or style anywhere: the Content-Security-Policy allows only our own files.
"""

from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from shared.web import french
from shared.web.town import TownSettings

HERE = Path(__file__).parent
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if response.headers.get("content-type", "").startswith("text/html"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response


def town_css(settings: TownSettings) -> str:
    return (
        f":root {{ --town-primary: {settings.town_primary_colour}; "
        f"--town-accent: {settings.town_accent_colour}; }}\n"
    )


class Pages:
    """The face's templates (its own directory first, then the shared layout)."""

    def __init__(self, *, templates_dir: Path, settings: TownSettings) -> None:
        env = Environment(
            loader=ChoiceLoader(
                [FileSystemLoader(templates_dir), FileSystemLoader(HERE / "templates")]
            ),
            autoescape=select_autoescape(default=True),
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.globals["town"] = settings
        env.filters["date_fr"] = french.french_date
        env.filters["datetime_fr"] = french.french_datetime
        env.filters["iso"] = french.iso
        self.templates = Jinja2Templates(env=env)

    def render(
        self, request: Request, name: str, status_code: int = 200, **context: Any
    ) -> HTMLResponse:
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)


def install_pages(app: FastAPI, *, settings: TownSettings, static_dir: Path | None = None) -> None:
    """Security headers, /static (shared files, then the face's own) and /static/town.css."""
    app.add_middleware(SecurityHeaders)
    css = town_css(settings)

    @app.get("/static/town.css", include_in_schema=False)
    async def town_stylesheet() -> Response:
        return Response(css, media_type="text/css")

    if static_dir is not None:
        app.mount("/static/face", StaticFiles(directory=static_dir), name="face-static")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
