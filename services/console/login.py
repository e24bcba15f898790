"""Logging in (the town's OpenID provider, or the development page) and out."""

import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from services.console.context import ConsoleDep
from services.console.session import Csrf, csrf_token, open_session
from services.console.wording import ADMIN, AGENT
from shared.auth import Agent, issue_token

router = APIRouter(include_in_schema=False)
log = structlog.get_logger(__name__)


def _home() -> RedirectResponse:
    return RedirectResponse("/", status_code=303)


def _login(
    request: Request,
    console: ConsoleDep,
    *,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    csrf_token(request)
    return console.render(
        request,
        "login.html",
        agent=None,
        status_code=status_code,
        errors=errors or {},
        values=values or {},
        oidc=console.oauth is not None,
        town_dev_login=console.settings.dev_login,
        departments=list(console.catalogue.departments.items()),
    )


@router.get("/connexion")
async def login_page(request: Request, console: ConsoleDep) -> HTMLResponse:
    return _login(request, console)


@router.post("/connexion/dev", dependencies=[Csrf])
async def dev_login(request: Request, console: ConsoleDep) -> Response:
    if not console.settings.dev_login:
        return _login(request, console, status_code=404)
    form = await request.form()
    values = {k: str(form.get(k) or "").strip() for k in ("name", "department")}
    errors = {}
    if not values["name"]:
        errors["name"] = "Indiquez votre nom."
    if values["department"] not in console.catalogue.departments:
        errors["department"] = "Choisissez votre service."
    if errors:
        return _login(request, console, errors=errors, values=values, status_code=422)
    roles = [ADMIN] if form.get("admin") else [AGENT]
    agent = Agent(
        agent_id=f"dev:{values['name'].lower().replace(' ', '.')}",
        name=values["name"],
        department=values["department"],
        roles=roles,
    )
    _start(request, console, agent)
    return _home()


def _start(request: Request, console: ConsoleDep, agent: Agent) -> None:
    token = issue_token(agent=agent, secret=console.settings.agent_jwt_secret)
    open_session(request, token=token, agent=agent)
    log.info("console.login", agent_id=agent.agent_id, department=agent.department)


@router.get("/connexion/oidc")
async def oidc_login(request: Request, console: ConsoleDep) -> Response:
    """Authorization code flow with PKCE (S256) at the town's OpenID provider."""
    if console.oauth is None:
        return _home()
    redirect_uri = str(request.url_for("oidc_callback"))
    response: Response = await console.oauth.town.authorize_redirect(request, redirect_uri)
    return response


@router.get("/connexion/oidc/retour", name="oidc_callback")
async def oidc_callback(request: Request, console: ConsoleDep) -> Response:
    if console.oauth is None:
        return _home()
    try:
        token = await console.oauth.town.authorize_access_token(request)
    except Exception as exc:  # Authlib raises several error types for a refused login
        log.warning("console.oidc_refused", error=type(exc).__name__)
        error = {"oidc": "La connexion par le fournisseur d'identité a échoué ; réessayez."}
        return _login(request, console, errors=error, status_code=401)
    # Claims from the ID token when the provider sends one, else from its userinfo endpoint.
    claims = token.get("userinfo") or await console.oauth.town.userinfo(token=token)
    settings = console.settings
    roles = claims.get(settings.oidc_roles_claim) or []
    agent = Agent(
        agent_id=str(claims.get("sub", "")),
        name=str(claims.get("name") or claims.get("preferred_username") or ""),
        department=str(claims.get(settings.oidc_department_claim) or ""),
        roles=[str(r) for r in roles] if isinstance(roles, list) else [],
    )
    _start(request, console, agent)
    return _home()


@router.post("/deconnexion", dependencies=[Csrf])
async def logout(request: Request) -> Response:
    request.session.clear()
    return RedirectResponse("/connexion", status_code=303)
