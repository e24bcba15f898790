"""Agent authentication: bearer tokens from the town's OpenID Connect provider.

With `OIDC_ISSUER` set, tokens must be signed (RS256/ES256) by a key of the provider's JWKS,
carry its issuer and (when `OIDC_AUDIENCE` is set) the audience; the department and roles come
from claims whose names are configurable (ProConnect, Keycloak...). Without an issuer, the
development mode accepts HS256 tokens signed with `AGENT_JWT_SECRET` (`relais dev-token`):
setting an issuer turns that mode off entirely.

Services either set `app.state.agent_verifier` (see `install_agent_auth`) or, as before,
`app.state.agent_jwt_secret`.
"""

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Protocol

import jwt
from fastapi import Depends, FastAPI, Request
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings

from shared.jwks import JwksCache, JwksUnavailable
from shared.problems import ProblemError

ISSUER = "relais"
DEV_SECRET = "relais-dev-secret-change-me-in-production"
ASYMMETRIC = ("RS256", "ES256")


class Agent(BaseModel):
    agent_id: str
    name: str
    department: str
    roles: list[str] = []


class AgentAuthSettings(BaseSettings):
    """Mixed into a service's settings: how it checks agents' tokens."""

    agent_jwt_secret: str = Field(default=DEV_SECRET, min_length=16)
    oidc_issuer: str = Field(default="", description="Empty: development HS256 tokens")
    oidc_audience: str = Field(default="", description="Empty: audience not checked")
    oidc_jwks_url: str = Field(default="", description="Empty: from the issuer's discovery")
    oidc_department_claim: str = Field(default="department", description="Dotted path")
    oidc_roles_claim: str = Field(default="roles", description="e.g. realm_access.roles")
    oidc_name_claim: str = "name"
    oidc_jwks_min_refresh_s: float = Field(default=30.0, ge=0)
    oidc_leeway_s: float = Field(default=30.0, ge=0)


class TokenVerifier(Protocol):
    def verify(self, token: str) -> Agent: ...


def _unauthorized(detail: str) -> ProblemError:
    return ProblemError(401, detail, headers={"WWW-Authenticate": "Bearer"})


def issue_token(*, agent: Agent, secret: str, ttl: timedelta = timedelta(hours=12)) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": agent.agent_id,
        "name": agent.name,
        "department": agent.department,
        "roles": agent.roles,
        "iss": ISSUER,
        "iat": now,
        "exp": now + ttl,
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def verify_token(token: str, *, secret: str) -> Agent:
    """A development HS256 token (`relais dev-token`)."""
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=["HS256"],
            issuer=ISSUER,
            options={"require": ["sub", "exp", "iss"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise _unauthorized("Le jeton d'agent a expiré.") from exc
    except jwt.PyJWTError as exc:
        raise _unauthorized("Jeton d'agent invalide.") from exc
    return Agent(
        agent_id=claims["sub"],
        name=claims.get("name", ""),
        department=claims.get("department", ""),
        roles=claims.get("roles", []),
    )


class DevVerifier:
    def __init__(self, secret: str) -> None:
        self._secret = secret

    def verify(self, token: str) -> Agent:
        return verify_token(token, secret=self._secret)


def claim(claims: dict[str, Any], path: str) -> Any:
    """A claim by dotted path (`realm_access.roles`), None when absent."""
    value: Any = claims
    for part in path.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _department(value: Any) -> str:
    """A department claim: a code, or a list of them / of groups (`/services_techniques`)."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, str) and v), "")
    return value.strip("/") if isinstance(value, str) else ""


def _roles(value: Any) -> list[str]:
    if isinstance(value, str):
        return value.split()
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


class OidcVerifier:
    """Checks RS256/ES256 tokens against the provider's JWKS (cached, refetched on new kid)."""

    def __init__(self, settings: AgentAuthSettings, *, jwks: JwksCache | None = None) -> None:
        self._settings = settings
        self._jwks = jwks or JwksCache(
            issuer=settings.oidc_issuer,
            jwks_url=settings.oidc_jwks_url,
            min_refresh_s=settings.oidc_jwks_min_refresh_s,
        )

    def verify(self, token: str) -> Agent:
        claims = self._claims(token)
        s = self._settings
        name = claim(claims, s.oidc_name_claim)
        return Agent(
            agent_id=str(claims["sub"]),
            name=name if isinstance(name, str) else "",
            department=_department(claim(claims, s.oidc_department_claim)),
            roles=_roles(claim(claims, s.oidc_roles_claim)),
        )

    def _claims(self, token: str) -> dict[str, Any]:
        s = self._settings
        try:
            header = jwt.get_unverified_header(token)
            if header.get("alg") not in ASYMMETRIC:
                raise _unauthorized("Jeton d'agent invalide.")
            key = self._jwks.key(str(header.get("kid") or ""))
            if key is None:
                raise _unauthorized("Jeton d'agent signé par une clé inconnue.")
            return jwt.decode(
                token,
                key,
                algorithms=[header["alg"]],
                issuer=s.oidc_issuer,
                audience=s.oidc_audience or None,
                leeway=s.oidc_leeway_s,
                options={"require": ["sub", "exp", "iss"], "verify_aud": bool(s.oidc_audience)},
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized("Le jeton d'agent a expiré.") from exc
        except jwt.PyJWTError as exc:
            raise _unauthorized("Jeton d'agent invalide.") from exc
        except JwksUnavailable as exc:
            raise ProblemError(
                503,
                "Le service d'authentification ne répond pas ; réessayez dans un instant.",
                headers={"Retry-After": "5"},
            ) from exc


def verifier_for(settings: AgentAuthSettings) -> TokenVerifier:
    if settings.oidc_issuer:
        return OidcVerifier(settings)
    return DevVerifier(settings.agent_jwt_secret)


def install_agent_auth(app: FastAPI, settings: AgentAuthSettings) -> None:
    """Check agents' tokens the way `settings` says (OIDC, or development HS256)."""
    app.state.agent_verifier = verifier_for(settings)
    app.state.agent_jwt_secret = settings.agent_jwt_secret


def bearer(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Authentification d'agent requise (jeton Bearer).")
    return token.strip()


def agent_from_request(request: Request) -> Agent:
    """FastAPI dependency (sync: FastAPI runs it in a thread, so a JWKS fetch never blocks)."""
    token = bearer(request)
    verifier: TokenVerifier | None = getattr(request.app.state, "agent_verifier", None)
    if verifier is None:
        verifier = DevVerifier(request.app.state.agent_jwt_secret)
    return verifier.verify(token)


CurrentAgent = Annotated[Agent, Depends(agent_from_request)]
