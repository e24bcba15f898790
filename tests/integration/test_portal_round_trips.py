"""Store round trips of one portal submission before its 202: as few as correctness allows.

Counted with PyMongo's command monitoring on the portal's own database: the raw original,
the delivery record (its unique `_id` is the de-duplication) and, once per block of
references, the counter. Marking the delivery "published" happens after the answer.
"""

import uuid
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from pymongo import monitoring

from services.portal.app import build_app
from services.portal.settings import PortalSettings
from shared.directory import MESSAGE_IDS
from shared.directory import REQUESTS as DIRECTORY
from shared.references import BLOCK
from tests.conftest import dropped, namespaced
from tests.support import eventually, serve_app

REQUEST = {
    "category": "voirie",
    "description": "Un nid-de-poule devant le 12 rue des Lilas.",
    "citizen": {"email": "camille.martin@example.org"},
}

READ_MODEL = {DIRECTORY, MESSAGE_IDS}


class Commands(monitoring.CommandListener):
    """Commands sent to one database, by name, while recording.

    The portal's read model of requests is written by its consumer from the log, not by a
    submission: commands on its collections are left out."""

    def __init__(self, database: str) -> None:
        self.database = database
        self.seen: Counter[str] = Counter()

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        if event.database_name == self.database and target not in READ_MODEL:
            self.seen[event.command_name] += 1

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass

    def take(self) -> Counter[str]:
        seen, self.seen = self.seen, Counter()
        return seen


@pytest.fixture
async def counted(topic_prefix: str) -> AsyncIterator[tuple[httpx.AsyncClient, Commands]]:
    settings = PortalSettings(**namespaced(topic_prefix, "trips"))
    commands = Commands(settings.database_name)
    monitoring.register(commands)  # applies to clients created from now on: the portal's
    try:
        async with (
            dropped(settings.database_name),
            serve_app(build_app(settings)) as base,
            httpx.AsyncClient(base_url=base, timeout=15) as http,
        ):
            yield http, commands
    finally:
        commands.database = ""  # PyMongo cannot unregister a listener: make it inert


async def _submit(http: httpx.AsyncClient, commands: Commands) -> Counter[str]:
    commands.take()
    response = await http.post(
        "/v1/requests", json=REQUEST, headers={"Idempotency-Key": uuid.uuid4().hex}
    )
    assert response.status_code == 202, response.text
    return commands.take()


async def test_a_submission_costs_two_round_trips_before_its_answer(
    counted: tuple[httpx.AsyncClient, Commands],
) -> None:
    http, commands = counted
    first = await _submit(http, commands)
    # Claiming the year's first block also creates the counter (read, seed, increment).
    assert first["insert"] == 3 and first["findAndModify"] == 2, first
    steady = [await _submit(http, commands) for _ in range(5)]
    for trips in steady:
        # The raw original and the delivery record. Updates are the "published" marks of
        # earlier submissions, written after their answers: any number may land in between.
        assert trips - Counter({"update": trips["update"]}) == Counter({"insert": 2}), trips
    await eventually(lambda: _marked(commands, first, *steady))
    print(f"\nround trips before 202: first {sum(first.values())}, then 2 (block of {BLOCK})")


async def _marked(commands: Commands, *before: Counter[str]) -> bool:
    """Every delivery was marked published, after its answer."""
    updates = sum(trips["update"] for trips in before) + commands.seen["update"]
    return updates == len(before)
