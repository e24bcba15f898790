"""The running pipeline through its public interfaces: portal, tracking, mail sink, Kafka."""

import asyncio

import httpx
from aiokafka import AIOKafkaConsumer

from shared.kafka.dead_letter import dead_letter_info
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS, dead_letter_topic
from tests.e2e.conftest import Pipeline
from tests.e2e.flow import AGENT_TOKEN, REQUEST, department_label, mail_for, routed_view


async def test_a_portal_request_is_routed_tracked_and_acknowledged_by_email(
    pipeline: Pipeline,
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{pipeline.url('portal')}/v1/requests", json=REQUEST)
        assert response.status_code == 202, response.text
        accepted = response.json()
        assert accepted["reference"].startswith(("2026-P", "2027-P"))
        assert accepted["status_url"].endswith(accepted["reference"])

        view = await routed_view(client, pipeline.url("tracking"), accepted)
        assert department_label(view) == "Services techniques"
        assert view["reference"] == accepted["reference"]
        assert view["due_at"] > view.get("submitted_at", "")
        assert "camille" not in str(view).lower()  # no personal data in the public view

        wrong = await client.get(
            f"{pipeline.url('tracking')}/v1/public/requests/{accepted['reference']}",
            headers={"X-Tracking-Token": "not-the-token"},
        )
        assert wrong.status_code == 404
        assert wrong.headers["content-type"].startswith("application/problem+json")

        agent = await client.get(
            f"{pipeline.url('tracking')}/v1/requests/{accepted['id']}",
            headers={"authorization": f"Bearer {AGENT_TOKEN}"},
        )
        assert agent.status_code == 200, agent.text

    mail = await mail_for(pipeline.mail_dir, accepted["reference"])
    assert mail["To"].addresses[0].addr_spec == REQUEST["citizen"]["email"]
    assert mail["Auto-Submitted"] == "auto-replied"
    assert "/v1/preferences/" in str(mail["List-Unsubscribe"])
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and accepted["reference"] in body.get_content()
    assert "Services techniques" in body.get_content()


async def _dead_letters(pipeline: Pipeline, group: str, *, count: int) -> list:
    consumer = AIOKafkaConsumer(
        pipeline.prefix + dead_letter_topic(group),
        bootstrap_servers=pipeline.bootstrap,
        group_id=None,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    records: list = []
    try:
        deadline = asyncio.get_running_loop().time() + 30
        while len(records) < count and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def test_a_poison_record_is_dead_lettered_and_requests_keep_flowing(
    pipeline: Pipeline,
) -> None:
    publisher = EventPublisher(
        bootstrap_servers=pipeline.bootstrap, topic=pipeline.prefix + REQUESTS
    )
    await publisher.start()
    try:
        await publisher.send_raw(
            topic=publisher.topic,
            key=b"poison",
            value=b"\xff{oops",
            headers=[("ce_type", b"relais.request.submitted.v1"), ("ce_id", b"poison-1")],
        )
    finally:
        await publisher.stop()

    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{pipeline.url('portal')}/v1/requests", json=REQUEST)
        assert response.status_code == 202
        view = await routed_view(client, pipeline.url("tracking"), response.json())
        assert department_label(view) == "Services techniques"

    for group in ("routing", "tracking", "notification"):
        records = await _dead_letters(pipeline, group, count=1)
        assert len(records) == 1, group
        info = dead_letter_info(records[0].headers)
        assert records[0].value == b"\xff{oops"
        assert info["dlq_original_topic"] == pipeline.prefix + REQUESTS
        assert "ce_source" in info["dlq_error"] or "ce_time" in info["dlq_error"]
