"""Routes that check who calls them before reading the body: 401 comes before 422."""

import secrets
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from shared.auth import agent_from_request
from shared.problems import ProblemError

TELEPHONY_HEADER = "X-Telephony-Secret"


def guarded(check: Callable[[Request], object]) -> type[APIRoute]:
    class GuardedRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def route(request: Request) -> Response:
                check(request)
                return await handler(request)

            return route

    return GuardedRoute


def check_telephony_secret(request: Request) -> None:
    given = request.headers.get(TELEPHONY_HEADER, "").encode()
    expected = request.app.state.desk.settings.telephony_webhook_secret.encode()
    if not secrets.compare_digest(given, expected):
        raise ProblemError(401, f"Secret de la téléphonie absent ou invalide ({TELEPHONY_HEADER}).")


AgentRoute = guarded(agent_from_request)
TelephonyRoute = guarded(check_telephony_secret)
