"""Fixtures shared by every test tier: real Kafka and MongoDB-wire endpoints, isolated names."""

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from shared.mongo import connect
from tests.support import fresh_topics

KAFKA = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
MONGODB_URI = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017/")


def namespaced(prefix: str, service: str) -> dict[str, Any]:
    """Settings fields of a service under test: the test broker and store, topics under
    `prefix`, a database of its own (`test_<service>_...`)."""
    return {
        "kafka_bootstrap_servers": KAFKA,
        "topic_prefix": prefix,
        "mongodb_uri": MONGODB_URI,
        "mongodb_database": f"test_{service}_{uuid.uuid4().hex[:10]}",
    }


@asynccontextmanager
async def dropped(database: str) -> AsyncIterator[None]:
    """Drops `database` once the block is over."""
    try:
        yield
    finally:
        client = connect(uri=MONGODB_URI)
        await client.drop_database(database)
        await client.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.fspath)
        if f"{os.sep}integration{os.sep}" in path:
            item.add_marker(pytest.mark.integration)
        elif f"{os.sep}e2e{os.sep}" in path:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def kafka_bootstrap() -> str:
    return KAFKA


@pytest.fixture
def mongodb_uri() -> str:
    return MONGODB_URI


@pytest.fixture
async def topic_prefix() -> AsyncIterator[str]:
    """A fresh namespace of provisioned topics, deleted afterwards."""
    async with fresh_topics(KAFKA) as prefix:
        yield prefix


@pytest.fixture
async def publisher(topic_prefix: str) -> AsyncIterator[EventPublisher]:
    pub = EventPublisher(bootstrap_servers=KAFKA, topic=topic_prefix + REQUESTS)
    await pub.start()
    yield pub
    await pub.stop()


@pytest.fixture
async def mongo_db() -> AsyncIterator[object]:
    """A fresh database, dropped afterwards."""
    client = connect(uri=MONGODB_URI)
    name = f"test_{uuid.uuid4().hex[:12]}"
    yield client[name]
    await client.drop_database(name)
    await client.close()
