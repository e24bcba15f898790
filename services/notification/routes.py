"""The citizen's preferences page, reached from the link at the foot of every message.

GET shows « Ne plus recevoir de messages » with a button; POST (the button, or a mail
client's RFC 8058 one-click) records the opt-out; `action=resume` takes it back. A token
that does not verify is a 404 problem document, never a page.
"""

from typing import Annotated

from fastapi import APIRouter, Form
from fastapi.responses import HTMLResponse

from services.notification.context import Notification
from services.notification.rendering import render
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/preferences", tags=["préférences"])
BAD_TOKEN = "Lien invalide : il a pu être tronqué. Copiez le lien complet reçu dans le message."


def _point(notification: Notification, token: str) -> str:
    point = notification.tokens.read(token)
    if point is None:
        raise ProblemError(404, BAD_TOKEN)
    return point


def _page(notification: Notification, *, token: str, opted_out: bool, changed: bool) -> str:
    return render(
        notification.templates,
        channel="pages",
        template="preferences",
        ext="html",
        token=token,
        opted_out=opted_out,
        changed=changed,
        town_name=notification.town_name,
    )


@router.get(
    "/{token}",
    response_class=HTMLResponse,
    summary="Page « Ne plus recevoir de messages » d'un moyen de contact",
    responses={404: {"description": "Lien invalide"}},
)
async def show(token: str, notification: Notification) -> HTMLResponse:
    point = _point(notification, token)
    preference = await notification.preferences.of(point)
    return HTMLResponse(
        _page(notification, token=token, opted_out=preference.opted_out, changed=False)
    )


@router.post(
    "/{token}",
    response_class=HTMLResponse,
    summary="Ne plus recevoir de messages (ou les recevoir de nouveau avec action=resume)",
    responses={404: {"description": "Lien invalide"}},
)
async def choose(
    token: str, notification: Notification, action: Annotated[str, Form()] = "opt_out"
) -> HTMLResponse:
    point = _point(notification, token)
    if action == "resume":
        await notification.preferences.resume(point)
    else:
        await notification.preferences.opt_out_point(point)
    opted_out = action != "resume"
    return HTMLResponse(_page(notification, token=token, opted_out=opted_out, changed=True))
