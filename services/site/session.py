"""The citizen's document-space session and the CSRF token of its forms (cookies only).

The session cookie holds the documents service's own session token (HttpOnly, SameSite=Lax,
scoped to /mes-documents): the site keeps no state and needs no secret of its own. Every form
under /mes-documents carries a random token also set in a cookie (double submit), so another
site can neither act in the citizen's space nor log them into someone else's.
"""

import hmac
import secrets
from datetime import UTC, datetime

from fastapi import Request, Response

from services.site.settings import SiteSettings

PATH = "/mes-documents"
SESSION = "relais_documents"
CSRF = "relais_documents_csrf"


class CsrfRefused(Exception):
    """A form came without the token its page gave."""


class SessionEnded(Exception):
    """No session, or the documents service no longer accepts it."""


def session_of(request: Request) -> str:
    token = request.cookies.get(SESSION, "")
    if not token:
        raise SessionEnded
    return token


def csrf_token(request: Request) -> str:
    """This browser's token (a new one is set on the page's response by `keep_csrf`)."""
    token = request.cookies.get(CSRF) or getattr(request.state, "csrf", None)
    if not token:
        token = request.state.csrf = secrets.token_urlsafe(32)
    return str(token)


def keep_csrf(request: Request, response: Response, settings: SiteSettings) -> None:
    if getattr(request.state, "csrf", None) and not request.cookies.get(CSRF):
        response.set_cookie(
            CSRF,
            request.state.csrf,
            path=PATH,
            httponly=True,
            secure=settings.cookie_secure,
            samesite="strict",
        )


def check_csrf(request: Request, values: dict[str, str]) -> None:
    sent, expected = values.get("csrf", ""), request.cookies.get(CSRF, "")
    if not (sent and expected and hmac.compare_digest(sent, expected)):
        raise CsrfRefused


def open_session(
    response: Response, *, token: str, expires_at: str, settings: SiteSettings
) -> None:
    left = datetime.fromisoformat(expires_at) - datetime.now(UTC)
    response.set_cookie(
        SESSION,
        token,
        max_age=max(int(left.total_seconds()), 0),
        path=PATH,
        httponly=True,
        secure=settings.cookie_secure,
        samesite="lax",
    )


def close_session(response: Response, settings: SiteSettings) -> None:
    response.delete_cookie(
        SESSION, path=PATH, httponly=True, secure=settings.cookie_secure, samesite="lax"
    )
