"""The operators' commands end to end through `relais`, against the real broker."""

import asyncio

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from typer.testing import CliRunner

from shared.kafka.dead_letter import dead_letter_headers
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import dead_letter_topic
from tests.factories import envelope
from tools.cli import app


async def relais(kafka: str, prefix: str, *args: str) -> tuple[int, str]:
    """Run the command in a thread (it calls asyncio.run) with the test's broker and prefix."""
    env = {"KAFKA_BOOTSTRAP_SERVERS": kafka, "TOPIC_PREFIX": prefix, "COLUMNS": "400"}
    result = await asyncio.to_thread(CliRunner().invoke, app, list(args), env=env)
    if result.exception and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.output


def rows(output: str) -> list[list[str]]:
    """The cells of every table row printed."""
    return [
        [c.strip() for c in line.split("│")[1:-1]] for line in output.splitlines() if "│" in line
    ]


async def first_record(kafka: str, topic: str):
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        return await asyncio.wait_for(consumer.getone(), timeout=20)
    finally:
        await consumer.stop()


async def committed(kafka: str, group_id: str) -> dict[int, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group_id)
    finally:
        await admin.close()
    return {tp.partition: meta.offset for tp, meta in offsets.items()}


async def test_dlq_list_and_replay_through_the_cli(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    env = envelope()
    await publisher.publish(env)
    record = await first_record(kafka_bootstrap, publisher.topic)
    headers = dead_letter_headers(record, error=KeyError("voirie"), group="tracking", attempts=5)
    dlq = topic_prefix + dead_letter_topic("tracking")
    await publisher.send_raw(topic=dlq, key=record.key, value=record.value, headers=headers)

    code, output = await relais(kafka_bootstrap, topic_prefix, "dlq", "list", "--group", "tracking")
    assert code == 0, output
    assert ["tracking", dlq, "1", "1"] in rows(output)
    assert env.id in output and "KeyError" in output and "relais.request.submitted.v1" in output

    args = ("dlq", "replay", "--group", "tracking", "--all")
    code, output = await relais(kafka_bootstrap, topic_prefix, *args, "--dry-run")
    assert (code, output.splitlines()[0]) == (0, f"would replay 1 record(s) of {dlq}: 0")
    code, output = await relais(kafka_bootstrap, topic_prefix, *args)
    assert (code, output.splitlines()[0]) == (0, f"replayed 1 record(s) of {dlq}: 0")
    code, output = await relais(kafka_bootstrap, topic_prefix, *args)
    assert (code, output.splitlines()) == (
        0,
        [f"replayed 0 record(s) of {dlq}: -", "skipped 1 record(s) already replayed"],
    )


async def test_replay_shows_the_plan_and_applies_it_only_with_yes(
    kafka_bootstrap: str, publisher: EventPublisher, topic_prefix: str
) -> None:
    for _ in range(3):
        await publisher.publish(envelope())
    group_id = topic_prefix + "notification"
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka_bootstrap, group_id=group_id)
    await consumer.start()  # a stopped service that had handled everything
    try:
        ends = await consumer.end_offsets([TopicPartition(publisher.topic, p) for p in range(12)])
        consumer.assign(list(ends))
        await consumer.commit(ends)
    finally:
        await consumer.stop()
    before = await committed(kafka_bootstrap, group_id)
    assert sum(before.values()) == 3

    args = ("replay", "--group", "notification", "--to-earliest")
    code, output = await relais(kafka_bootstrap, topic_prefix, *args)
    assert code == 0, output
    assert "3 event(s) handled again, 0 skipped" in output
    assert "nothing changed: run again with --yes" in output
    plan = {int(r[0]): (r[1], r[2], r[3]) for r in rows(output)}
    assert sorted(plan) == list(range(12))
    assert (
        sum(
            int(effect.removeprefix("replays "))
            for *_, effect in plan.values()
            if effect != "unchanged"
        )
        == 3
    )
    assert all(new == "0" for _, new, _ in plan.values())
    assert await committed(kafka_bootstrap, group_id) == before

    code, output = await relais(kafka_bootstrap, topic_prefix, *args, "--yes")
    assert code == 0, output
    assert f"offsets of {group_id} moved" in output
    assert set((await committed(kafka_bootstrap, group_id)).values()) == {0}

    code, output = await relais(kafka_bootstrap, topic_prefix, "topics")
    assert code == 0, output
    assert [publisher.topic, "12", "3"] in rows(output)
    assert [group_id, "3", ""] in rows(output)
