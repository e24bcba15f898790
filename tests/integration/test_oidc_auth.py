"""Agents' tokens checked against a real OpenID Connect provider process (tests/oidc_provider.py):
claims mapping, issuer and audience, expiry, key rotation and the JWKS refetch limit."""

import time
from collections.abc import Iterator

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from shared.auth import DEV_SECRET, Agent, AgentAuthSettings, OidcVerifier, issue_token
from shared.problems import ProblemError
from tests.oidc import Provider, oidc_provider


@pytest.fixture(scope="module")
def provider() -> Iterator[Provider]:
    with oidc_provider() as running:
        yield running


def verifier(provider: Provider, **overrides: object) -> OidcVerifier:
    return OidcVerifier(AgentAuthSettings(**provider.settings(**overrides)))  # type: ignore[arg-type]


def refused(check: OidcVerifier, token: str) -> ProblemError:
    with pytest.raises(ProblemError) as caught:
        check.verify(token)
    return caught.value


def test_department_and_roles_come_from_the_configured_claims(provider: Provider) -> None:
    token = provider.token("u-1", department="urbanisme", roles=["agent", "supervisor"])
    agent = verifier(provider).verify(token)
    assert agent == Agent(
        agent_id="u-1", name="u-1", department="urbanisme", roles=["agent", "supervisor"]
    )
    # Keycloak: realm roles nested, department as a group path.
    keycloak = provider.token(
        "u-2", realm_access={"roles": ["triage"]}, groups=["/accueil"], name="Léa"
    )
    found = verifier(
        provider, oidc_roles_claim="realm_access.roles", oidc_department_claim="groups"
    ).verify(keycloak)
    assert (found.department, found.roles, found.name) == ("accueil", ["triage"], "Léa")


def test_issuer_audience_expiry_and_algorithm_are_enforced(provider: Provider) -> None:
    check = verifier(provider)
    wrong_audience = provider.token("u-1", audience="another-app")
    wrong_issuer = provider.token("u-1", issuer="http://evil.example")
    expired = provider.token("u-1", ttl_s=-120)
    hs256 = issue_token(agent=Agent(agent_id="u", name="u", department="x"), secret=DEV_SECRET)
    for token in (wrong_audience, wrong_issuer, hs256, "not-a-jwt"):
        problem = refused(check, token)
        assert problem.status == 401 and problem.detail == "Jeton d'agent invalide."
    assert refused(check, expired).detail == "Le jeton d'agent a expiré."


def test_a_rotated_key_is_fetched_and_the_retired_one_refused(provider: Provider) -> None:
    check = verifier(provider, oidc_jwks_min_refresh_s=0)
    before = provider.token("u-1", department="urbanisme", roles=["agent"])
    assert check.verify(before).agent_id == "u-1"
    provider.rotate("ES256", keep_previous=False)
    after = provider.token("u-1", department="urbanisme", roles=["agent"])
    assert jwt.get_unverified_header(after)["alg"] == "ES256"
    assert check.verify(after).department == "urbanisme"  # unknown kid: JWKS refetched
    problem = refused(check, before)
    assert problem.status == 401 and "clé inconnue" in problem.detail
    provider.rotate("RS256", keep_previous=True)  # overlap: both keys published
    newest = provider.token("u-1", roles=["agent"])
    assert check.verify(newest).roles == ["agent"] and check.verify(after).roles == ["agent"]


def test_unknown_key_ids_refetch_at_most_once_per_interval(provider: Provider) -> None:
    check = verifier(provider, oidc_jwks_min_refresh_s=60)
    good = provider.token("u-1", roles=["agent"])
    check.verify(good)
    fetches = check._jwks.fetches
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for n in range(20):
        forged = jwt.encode({"sub": "x"}, stranger, algorithm="RS256", headers={"kid": f"k{n}"})
        assert refused(check, forged).status == 401
    provider.rotate("RS256", keep_previous=True)
    rotated = provider.token("u-1", roles=["agent"])
    start = time.monotonic()
    assert refused(check, rotated).status == 401  # within the interval: not refetched
    assert check._jwks.fetches == fetches and time.monotonic() - start < 1


def test_the_provider_down_answers_503_not_401() -> None:
    with oidc_provider() as provider:
        check = verifier(provider)
        token = provider.token("u-1", roles=["agent"])
    problem = refused(check, token)
    assert problem.status == 503 and "réessayez" in problem.detail
