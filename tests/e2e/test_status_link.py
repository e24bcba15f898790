"""A citizen who writes by email gets their reference and a status link that works.

The services run as processes: an email arrives at the email adapter over SMTP, routing
routes it, notification sends the acknowledgement to the SMTP sink; the link read from that
email opens the request's status page on the citizens' site. The code exists in clear only
where the citizen reads it: no service log, no Kafka record and no stored document holds it.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer

from shared.kafka.topics import REQUESTS
from shared.mongo import connect
from tests.conftest import MONGODB_URI
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import LINK, acknowledgement, open_status_link, send_email
from tools.devstack import stop_services

NAMES = ("email_adapter", "routing", "tracking", "notification", "mailsink", "portal", "site")
CITIZEN = "camille.martin@example.org"


@pytest.fixture(scope="module")
async def email_pipeline(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    running = await start_pipeline(tmp_path_factory.mktemp("email"), names=NAMES)
    yield running
    stop_services(running.handles)
    await drop_databases(running)


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
    await asyncio.to_thread(send_email, email_pipeline.extra_port("email_adapter"), CITIZEN)
    mail = await acknowledgement(email_pipeline.mail_dir, CITIZEN)
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
