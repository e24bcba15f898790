"""Accept rate of every channel adapter: requests acknowledged (after Kafka's ack) per second."""

import asyncio
import json
import smtplib
import time
import uuid
from collections.abc import Awaitable, Callable
from email.message import EmailMessage

import httpx

from services.web.settings import WebSettings
from shared.signatures import sign_chatbot, sign_facebook
from tests.e2e.conftest import Pipeline
from tests.e2e.flow import AGENT_TOKEN

ADAPTERS = ("portal", "desk", "web", "open311", "email_adapter")
ENV = {"CONTACT_RATE_LIMIT": "1000000/minute"}
CITIZEN = {"name": "Camille Martin", "email": "camille.martin@example.org"}
Send = Callable[[httpx.AsyncClient, int], Awaitable[httpx.Response]]


async def _rate(send: Send, *, count: int, concurrency: int, ok: int) -> float:
    async with httpx.AsyncClient(timeout=60) as client:
        numbers = iter(range(count))

        async def worker() -> None:
            for n in numbers:
                response = await send(client, n)
                if response.status_code != ok:
                    raise RuntimeError(f"{response.status_code}: {response.text[:300]}")

        await asyncio.gather(*(worker() for _ in range(2)))  # warm-up
        numbers = iter(range(count))
        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - started)


def _senders(p: Pipeline) -> dict[str, tuple[Send, int]]:
    web, secrets = p.url("web"), WebSettings()
    run = uuid.uuid4().hex[:8]

    def facebook(client: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        stamp = int(time.time() * 1000)
        body = json.dumps(
            {
                "object": "page",
                "entry": [
                    {
                        "id": "page",
                        "time": stamp,
                        "messaging": [
                            {
                                "sender": {"id": f"psid-{run}-{n}"},
                                "recipient": {"id": "page"},
                                "timestamp": stamp,
                                "message": {
                                    "mid": f"m-{run}-{n}",
                                    "text": "Lampadaire en panne rue Haute",
                                },
                            }
                        ],
                    }
                ],
            }
        )
        signature = sign_facebook(secret=secrets.facebook_app_secret, body=body.encode())
        return client.post(
            f"{web}/v1/facebook/webhook",
            content=body,
            headers={"x-hub-signature-256": signature, "content-type": "application/json"},
        )

    def chatbot(client: httpx.AsyncClient, n: int) -> Awaitable[httpx.Response]:
        body = json.dumps(
            {
                "conversation_id": f"c-{run}-{n}",
                "message_id": f"m-{run}-{n}",
                "text": "Un arbre est tombé dans le parc",
                "user": CITIZEN,
            }
        ).encode()
        stamp = int(time.time())
        return client.post(
            f"{web}/v1/chatbot/webhook",
            content=body,
            headers={
                "content-type": "application/json",
                "x-relais-timestamp": str(stamp),
                "x-relais-signature": sign_chatbot(
                    secret=secrets.chatbot_secret, timestamp=stamp, body=body
                ),
            },
        )

    visit = {
        "category": "etat_civil",
        "description": "Demande d'acte de naissance",
        "citizen": CITIZEN,
    }
    return {
        "portal": (
            lambda c, n: c.post(
                f"{p.url('portal')}/v1/requests",
                json={"category": "voirie", "description": "Nid-de-poule", "citizen": CITIZEN},
            ),
            202,
        ),
        "desk_visit": (
            lambda c, n: c.post(
                f"{p.url('desk')}/v1/visits",
                json=visit,
                headers={"authorization": f"Bearer {AGENT_TOKEN}"},
            ),
            202,
        ),
        "web_contact_form": (
            lambda c, n: c.post(
                f"{web}/v1/contact",
                json={"email": CITIZEN["email"], "message": "Bruit la nuit place du marché"},
            ),
            202,
        ),
        "web_facebook": (facebook, 200),
        "web_chatbot": (chatbot, 202),
        "open311": (
            lambda c, n: c.post(
                f"{p.url('open311')}/open311/v2/requests.json",
                data={
                    "api_key": "dev-open311-key",
                    "service_code": "voirie",
                    "lat": "48.85",
                    "long": "2.35",
                    "description": "Trou dans la chaussée",
                },
            ),
            201,
        ),
    }


def _email_rate(port: int, *, count: int, concurrency: int) -> float:
    def worker(numbers: list[int]) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            for n in numbers:
                message = EmailMessage()
                message["From"] = f"Camille Martin <camille{n}@example.org>"
                message["To"] = "mairie@ville.example"
                message["Subject"] = "Dépôt sauvage rue des Lilas"
                message["Message-ID"] = f"<bench-{uuid.uuid4().hex}@example.org>"
                message.set_content("Bonjour,\nun dépôt sauvage encombre le trottoir.\n")
                smtp.send_message(message)

    from concurrent.futures import ThreadPoolExecutor

    chunks = [list(range(i, count, concurrency)) for i in range(concurrency)]
    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, chunks))
    return count / (time.perf_counter() - started)


async def adapter_rates(p: Pipeline, *, count: int) -> dict[str, float]:
    figures = {}
    for name, (send, ok) in _senders(p).items():
        figures[f"accepts_per_s_{name}"] = await _rate(send, count=count, concurrency=16, ok=ok)
    port = p.extra_port("email_adapter")
    figures["accepts_per_s_email_smtp"] = await asyncio.to_thread(
        _email_rate, port, count=count, concurrency=8
    )
    return figures
