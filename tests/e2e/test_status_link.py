"""A citizen who writes by email gets their reference and a status link that works.

The services run as processes: an email arrives at the email adapter over SMTP, routing
routes it, notification sends the acknowledgement to the SMTP sink; the link read from that
email opens the request's status page on the citizens' site. The code exists in clear only
where the citizen reads it: no service log, no Kafka record and no stored document holds it.
"""

import asyncio
import email
import email.policy
import smtplib
from collections.abc import AsyncIterator
from email.message import EmailMessage
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from shared.kafka.topics import REQUESTS
from shared.mongo import connect
from tests.conftest import MONGODB_URI
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import LINK, open_status_link
from tests.support import eventually
from tools.devstack import stop_services

NAMES = ("email_adapter", "routing", "tracking", "notification", "mailsink", "portal", "site")
CITIZEN = "camille.martin@example.org"


@pytest.fixture(scope="module")
async def email_pipeline(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    running = await start_pipeline(tmp_path_factory.mktemp("email"), names=NAMES)
    yield running
    stop_services(running.handles)
    await drop_databases(running)


def _send(port: int) -> None:
    message = EmailMessage()
    message["From"] = f"Camille Martin <{CITIZEN}>"
    message["To"] = "mairie@ville.example"
    message["Subject"] = "Lampadaire éteint rue des Lilas"
    message["Message-ID"] = "<lampadaire-lilas-1@example.org>"
    message.set_content(
        "Bonjour, le lampadaire devant le 12 rue des Lilas est éteint depuis lundi."
    )
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.send_message(message)


async def _acknowledgement(mail_dir: Path) -> EmailMessage:
    found: list[EmailMessage] = []

    async def arrived() -> bool:
        for path in mail_dir.glob("*.eml"):
            message = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            to = message["To"].addresses if message["To"] else ()
            subject = str(message["Subject"])
            if any(a.addr_spec == CITIZEN for a in to) and "accusé de réception" in subject:
                found.append(message)
                return True
        return False

    await eventually(arrived, timeout=60, interval=0.3)
    return found[0]


async def _records(pipeline: Pipeline) -> list[bytes]:
    consumer = AIOKafkaConsumer(
        pipeline.prefix + REQUESTS,
        bootstrap_servers=pipeline.bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    values: list[bytes] = []
    try:
        for _ in range(6):
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                values.extend(b"".join([r.value or b"", *(v for _, v in r.headers)]) for r in batch)
    finally:
        await consumer.stop()
    return values


async def _stored_documents(pipeline: Pipeline) -> list[str]:
    client = connect(uri=MONGODB_URI)
    texts: list[str] = []
    try:
        for name in await client.list_database_names():
            if not name.startswith(pipeline.prefix.replace(".", "_")):
                continue
            db = client[name]
            for collection in await db.list_collection_names():
                texts.extend([str(doc) async for doc in db[collection].find({})])
    finally:
        await client.close()
    return texts


async def test_an_email_citizen_gets_a_reference_and_a_status_link_that_opens_the_request(
    email_pipeline: Pipeline,
) -> None:
    await asyncio.to_thread(_send, email_pipeline.extra_port("email_adapter"))
    mail = await _acknowledgement(email_pipeline.mail_dir)
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    found = LINK.search(text.get_content())
    assert found, text.get_content()
    reference, code = found["reference"], found["code"]
    assert reference in str(mail["Subject"]) and reference.startswith(("2026-E", "2027-E"))
    assert f"Votre code de suivi : {code}" in text.get_content()
    assert found.group(0) in html.get_content()

    async with httpx.AsyncClient(timeout=15) as client:
        await open_status_link(client, found.group(0), reference)

    logs = [
        p.read_text(errors="replace") for p in Path(email_pipeline.mail_dir).parent.rglob("*.log")
    ]
    assert logs and not any(code in log for log in logs)
    records = await _records(email_pipeline)
    assert records and not any(code.encode() in record for record in records)
    documents = await _stored_documents(email_pipeline)
    assert any(reference in doc for doc in documents)
    assert not any(code in doc for doc in documents)
