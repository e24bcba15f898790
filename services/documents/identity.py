"""Citizens reach their space without an account: a signed, single-use magic link sent to
their e-mail opens a session. The session's subject is the SHA-256 of the e-mail, so neither
tokens nor logs carry the address. An OpenID Connect (FranceConnect) login can plug in as
another way to obtain a `Citizen` (see `citizen_from_request`)."""

import hashlib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated

import jwt
from fastapi import Depends, Request
from pymongo.asynchronous.database import AsyncDatabase

from shared.mongo import Document, insert_once
from shared.problems import ProblemError

LINK_AUDIENCE = "relais-documents-link"
SESSION_AUDIENCE = "relais-documents-session"
USED_LINKS = "used_links"
LINKS_SENT = "links_sent"
BEARER = {"WWW-Authenticate": "Bearer"}


@dataclass(frozen=True)
class Citizen:
    owner: str
    email: str | None = None


def owner_of(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def _sign(claims: Mapping[str, object], *, secret: str, ttl_s: int, audience: str) -> str:
    now = datetime.now(UTC)
    full = dict(claims) | {"aud": audience, "iat": now, "exp": now + timedelta(seconds=ttl_s)}
    return jwt.encode(full, secret, algorithm="HS256")


def _verify(token: str, *, secret: str, audience: str, what: str) -> dict[str, object]:
    try:
        return dict(
            jwt.decode(
                token,
                secret,
                algorithms=["HS256"],
                audience=audience,
                options={"require": ["sub", "exp", "aud"]},
            )
        )
    except jwt.ExpiredSignatureError as exc:
        raise ProblemError(
            401, f"{what} a expiré : demandez un nouveau lien.", headers=BEARER
        ) from exc
    except jwt.PyJWTError as exc:
        raise ProblemError(401, f"{what} est invalide.", headers=BEARER) from exc


def magic_link_token(*, email: str, secret: str, ttl_s: int) -> str:
    claims = {"sub": owner_of(email), "email": email.strip(), "jti": uuid.uuid4().hex}
    return _sign(claims, secret=secret, ttl_s=ttl_s, audience=LINK_AUDIENCE)


async def open_session(
    *, token: str, secret: str, db: AsyncDatabase[Document], ttl_s: int
) -> tuple[str, datetime]:
    """Exchange a magic link (once) for a session token; returns it and its expiry."""
    claims = _verify(token, secret=secret, audience=LINK_AUDIENCE, what="Ce lien de connexion")
    expires = datetime.fromtimestamp(int(str(claims["exp"])), UTC)
    used = {"_id": str(claims.get("jti", "")), "expires_at": expires}
    if not used["_id"] or not await insert_once(db, USED_LINKS, used):
        raise ProblemError(401, "Ce lien de connexion a déjà servi : demandez-en un nouveau.")
    session = _sign({"sub": claims["sub"]}, secret=secret, ttl_s=ttl_s, audience=SESSION_AUDIENCE)
    return session, datetime.now(UTC) + timedelta(seconds=ttl_s)


async def may_send_link(*, db: AsyncDatabase[Document], email: str, interval_s: int) -> bool:
    """At most one link per address per interval, so the form cannot flood an inbox."""
    now = datetime.now(UTC)
    owner = owner_of(email)
    sent = await db[LINKS_SENT].find_one_and_update(
        {"_id": owner, "sent_at": {"$lt": now - timedelta(seconds=interval_s)}},
        {"$set": {"sent_at": now}},
    )
    return sent is not None or await insert_once(db, LINKS_SENT, {"_id": owner, "sent_at": now})


def citizen_from_request(request: Request) -> Citizen:
    """FastAPI dependency: the citizen of the session bearer token."""
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ProblemError(
            401, "Connexion requise : ouvrez le lien reçu par courriel.", headers=BEARER
        )
    secret = request.app.state.documents.settings.magic_link_secret
    claims = _verify(token.strip(), secret=secret, audience=SESSION_AUDIENCE, what="Votre session")
    return Citizen(owner=str(claims["sub"]))


CurrentCitizen = Annotated[Citizen, Depends(citizen_from_request)]
