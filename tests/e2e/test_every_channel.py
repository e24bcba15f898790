"""Every intake channel, end to end: the citizen gets their reference and a status link that
opens the request, on the channel they used.

The services run as processes (email, web and desk adapters, routing, tracking, notification,
the SMTP sink, the citizens' site); the platforms notification sends to are real HTTP servers
on 127.0.0.1 (a Graph API, a chatbot platform checking the reply's signature, an SMS gateway),
and letters are read back from the mail room's API. The five requests are filed at once and
go through one pipeline together. SMS quiet hours (20:00-08:00, Sundays, holidays) are
switched off, or an acknowledgement filed in the evening would wait for the morning.
"""

import asyncio
import io
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import httpx
import pytest
from pypdf import PdfReader

from shared.auth import DEV_SECRET, Agent, issue_token
from shared.signatures import sign_chatbot, sign_facebook
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import LINK, acknowledgement, open_status_link, send_email
from tests.e2e.platforms import Platform, Platforms, running_platforms
from tests.support import eventually
from tools.devstack import stop_services

NAMES = ("email_adapter", "web", "desk", "routing", "tracking", "notification", "mailsink", "site")
EMAIL_CITIZEN = "lea.petit@example.org"
APP_SECRET = "facebook-app-secret-of-the-town"
TELEPHONY_SECRET = "telephony-secret-of-the-town"
NO_QUIET_HOURS = {  # start == end: no quiet time; no closed weekday; holidays allowed
    "SMS_QUIET_START": "00:00",
    "SMS_QUIET_END": "00:00",
    "SMS_QUIET_WEEKDAYS": "[]",
    "SMS_QUIET_HOLIDAYS": "false",
}
MOBILE, MOBILE_E164 = "06 12 34 56 78", "+33612345678"
DESK_AGENT = {
    "authorization": "Bearer "
    + issue_token(
        agent=Agent(agent_id="a-7", name="Paul Accueil", department="accueil", roles=["agent"]),
        secret=DEV_SECRET,
    )
}
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"


@dataclass
class Stack:
    pipeline: Pipeline
    platforms: Platforms
    client: httpx.AsyncClient


@dataclass(frozen=True)
class Filed:
    """What each citizen was given at intake, where the channel answers with it."""

    psid: str
    conversation_id: str
    phone_reference: str
    postal_reference: str
    chatbot_reference: str


@pytest.fixture(scope="module")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Stack]:
    async with running_platforms() as platforms:
        env = platforms.env() | NO_QUIET_HOURS
        env |= {"FACEBOOK_APP_SECRET": APP_SECRET, "TELEPHONY_WEBHOOK_SECRET": TELEPHONY_SECRET}
        running = await start_pipeline(
            # eight services starting at once on a shared machine
            tmp_path_factory.mktemp("channels"),
            names=NAMES,
            extra_env=env,
            timeout_s=150,
        )
        try:
            async with httpx.AsyncClient(timeout=20) as client:
                yield Stack(pipeline=running, platforms=platforms, client=client)
        finally:
            stop_services(running.handles)
            await drop_databases(running)


async def facebook_message(stack: Stack, psid: str) -> None:
    now = int(time.time() * 1000)
    event = {
        "sender": {"id": psid},
        "recipient": {"id": "page-ville"},
        "timestamp": now,
        "message": {"mid": f"m_{uuid.uuid4().hex}", "text": "Le banc du parc est cassé."},
    }
    body = json.dumps(
        {"object": "page", "entry": [{"id": "page-ville", "time": now, "messaging": [event]}]}
    ).encode()
    answer = await stack.client.post(
        stack.pipeline.url("web") + "/v1/facebook/webhook",
        content=body,
        headers={
            "content-type": "application/json",
            "X-Hub-Signature-256": sign_facebook(secret=APP_SECRET, body=body),
        },
    )
    assert answer.status_code == 200 and answer.json()["new_requests"] == 1, answer.text


async def chatbot_message(stack: Stack, conversation_id: str) -> str:
    body = json.dumps(
        {
            "conversation_id": conversation_id,
            "message_id": uuid.uuid4().hex,
            "text": "Les poubelles de la rue des Lilas n'ont pas été ramassées.",
            "user": {"name": "Camille Martin"},
        }
    ).encode()
    stamp = int(time.time())
    answer = await stack.client.post(
        stack.pipeline.url("web") + "/v1/chatbot/webhook",
        content=body,
        headers={
            "content-type": "application/json",
            "X-Relais-Timestamp": str(stamp),
            "X-Relais-Signature": sign_chatbot(
                secret=stack.platforms.env()["CHATBOT_SECRET"], timestamp=stamp, body=body
            ),
        },
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["reference"])


async def phone_call(stack: Stack, call_id: str) -> str:
    """The telephony reports the call, then the agent who took it logs the request."""
    desk = stack.pipeline.url("desk")
    for second, kind in ((0, "newCall"), (3, "answer"), (40, "hangup")):
        event = {
            "event": kind,
            "call_id": call_id,
            "from": MOBILE,
            "to": "01 40 00 00 00",
            "timestamp": f"2026-03-02T10:00:{second:02d}+01:00",
        }
        answer = await stack.client.post(
            desk + "/v1/telephony/events",
            json=event,
            headers={"X-Telephony-Secret": TELEPHONY_SECRET},
        )
        assert answer.status_code == 200, answer.text
    call = {
        "category": "eclairage",
        "description": "Lampadaire éteint devant le 3 rue du Moulin.",
        "call_id": call_id,
        "citizen": {"name": "Louis Bernard", "preferred_contact": "sms"},
    }
    answer = await stack.client.post(desk + "/v1/calls", json=call, headers=DESK_AGENT)
    assert answer.status_code == 202, answer.text
    return str(answer.json()["reference"])


async def postal_letter(stack: Stack) -> str:
    data = {
        "sender": {
            "name": "Marcel Dupont",
            "postal_address": "4 rue Haute\n99999 VILLE-EXEMPLE",
            "preferred_contact": "postal",
        },
        "date_received": date.today().isoformat(),
        "category": "voirie",
        "description": "Un trou dans le trottoir devant le 4 rue Haute.",
    }
    files = {
        "data": (None, json.dumps(data), "application/json"),
        "scan": ("lettre.pdf", PDF, "application/pdf"),
    }
    answer = await stack.client.post(
        stack.pipeline.url("desk") + "/v1/letters", files=files, headers=DESK_AGENT
    )
    assert answer.status_code == 202, answer.text
    return str(answer.json()["reference"])


@pytest.fixture(scope="module")
async def filed(stack: Stack) -> Filed:
    """The five requests, filed at once."""
    psid, conversation_id = f"psid-{uuid.uuid4().hex[:12]}", f"conv-{uuid.uuid4().hex[:12]}"
    smtp_port = stack.pipeline.extra_port("email_adapter")
    _, _, chatbot, phone, postal = await asyncio.gather(
        asyncio.to_thread(send_email, smtp_port, EMAIL_CITIZEN, message_id=f"<{psid}@example.org>"),
        facebook_message(stack, psid),
        chatbot_message(stack, conversation_id),
        phone_call(stack, f"call-{uuid.uuid4().hex[:8]}"),
        postal_letter(stack),
    )
    return Filed(
        psid=psid,
        conversation_id=conversation_id,
        chatbot_reference=chatbot,
        phone_reference=phone,
        postal_reference=postal,
    )


async def received(platform: Platform, matches: Any) -> dict[str, Any]:
    """The first message the platform received that `matches`."""
    found: list[dict[str, Any]] = []

    async def arrived() -> bool:
        found.extend(m for m in platform.received if matches(m))
        return bool(found)

    await eventually(arrived, timeout=90, interval=0.3)
    assert not platform.refused, platform.refused
    return found[0]


async def check_link(stack: Stack, text: str, *, reference: str | None = None) -> str:
    """The status link in `text` names the request and opens its page; its reference."""
    link = LINK.search(text)
    assert link, text
    assert reference is None or link["reference"] == reference
    assert f"{link['reference']}" in text.replace(link.group(0), "")  # said in words too
    await open_status_link(stack.client, link.group(0), link["reference"])
    return link["reference"]


async def test_email_citizen_gets_the_link_by_email(stack: Stack, filed: Filed) -> None:
    mail = await acknowledgement(stack.pipeline.mail_dir, EMAIL_CITIZEN, timeout=90)
    text = mail.get_body(preferencelist=("plain",))
    assert text is not None
    reference = await check_link(stack, text.get_content())
    assert reference in str(mail["Subject"]) and reference[4:6] == "-E"


async def test_facebook_citizen_gets_the_link_in_messenger(stack: Stack, filed: Filed) -> None:
    sent = await received(stack.platforms.graph, lambda m: m["recipient"]["id"] == filed.psid)
    assert sent["messaging_type"] == "RESPONSE"
    reference = await check_link(stack, sent["message"]["text"])
    assert reference[4:6] == "-S"


async def test_chatbot_citizen_gets_the_link_in_the_conversation(
    stack: Stack, filed: Filed
) -> None:
    sent = await received(
        stack.platforms.chatbot, lambda m: m["conversation_id"] == filed.conversation_id
    )
    assert sent["reference"] == filed.chatbot_reference
    assert sent["status_url"] in sent["text"]
    await check_link(stack, sent["text"], reference=filed.chatbot_reference)


async def test_caller_who_prefers_sms_gets_the_link_by_sms(stack: Stack, filed: Filed) -> None:
    sent = await received(stack.platforms.sms, lambda m: m["recipient"] == MOBILE_E164)
    assert sent["segments"] >= 1
    await check_link(stack, sent["text"], reference=filed.phone_reference)


async def test_postal_citizen_gets_a_letter_with_the_link(stack: Stack, filed: Filed) -> None:
    notification = stack.pipeline.url("notification")
    letters: list[dict[str, Any]] = []

    async def queued() -> bool:
        answer = await stack.client.get(notification + "/v1/letters", headers=DESK_AGENT)
        assert answer.status_code == 200, answer.text
        letters.extend(
            item for item in answer.json()["items"] if item["reference"] == filed.postal_reference
        )
        return bool(letters)

    await eventually(queued, timeout=90, interval=0.5)
    assert letters[0]["recipient"] == "Marcel Dupont"
    pdf = await stack.client.get(notification + letters[0]["pdf_url"], headers=DESK_AGENT)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"Référence : {filed.postal_reference}" in text
    await check_link(stack, text, reference=filed.postal_reference)
