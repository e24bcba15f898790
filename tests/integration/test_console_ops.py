"""The console's operations page against the real broker: lag, dead letters, replay of one."""

import re

import httpx

from services.console.app import build_app
from services.console.settings import ConsoleSettings
from shared.kafka.producer import EventPublisher
from shared.kafka.topics import REQUESTS
from tests.factories import envelope
from tests.integration.test_ops_deadletters import GROUP, dead_letter, replays_in
from tests.support import serve_app


async def login(client: httpx.AsyncClient, *, admin: bool) -> None:
    page = await client.get("/connexion")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf
    form = {"csrf": csrf.group(1), "name": "Alex Admin", "department": "accueil"}
    response = await client.post("/connexion/dev", data=form | ({"admin": "oui"} if admin else {}))
    assert response.status_code == 303


async def test_an_administrator_sees_a_dead_letter_with_its_error_and_replays_it_once(
    kafka_bootstrap: str, topic_prefix: str, publisher: EventPublisher
) -> None:
    bad = envelope()
    await dead_letter(kafka_bootstrap, publisher, topic_prefix, [bad])
    settings = ConsoleSettings(
        kafka_bootstrap_servers=kafka_bootstrap, topic_prefix=topic_prefix, cookie_secure=False
    )
    async with serve_app(build_app(settings)) as base:
        async with httpx.AsyncClient(base_url=base, timeout=30) as agent:
            await login(agent, admin=False)
            assert (await agent.get("/exploitation")).status_code == 403
        async with httpx.AsyncClient(base_url=base, timeout=30) as admin:
            await login(admin, admin=True)
            overview = await admin.get("/exploitation")
            assert overview.status_code == 200
            assert f"{topic_prefix}{GROUP}" in overview.text
            letters = await admin.get(f"/exploitation/{GROUP}")
            assert "catégorie inconnue" in letters.text
            offset = re.search(rf"/exploitation/{GROUP}/(\d+)/rejouer", letters.text)
            assert offset, letters.text
            csrf = re.search(r'name="csrf" value="([^"]+)"', letters.text)
            assert csrf
            url = f"/exploitation/{GROUP}/{offset.group(1)}/rejouer"
            first = await admin.post(url, data={"csrf": csrf.group(1)})
            assert first.status_code == 303
            after = await admin.get(f"/exploitation/{GROUP}")
            assert "rejouée vers son topic" in after.text and "déjà rejouée" in after.text
            again = await admin.post(url, data={"csrf": csrf.group(1)})
            assert again.status_code == 303
            assert "déjà été rejouée" in (await admin.get(f"/exploitation/{GROUP}")).text
    replayed = await replays_in(kafka_bootstrap, topic_prefix + REQUESTS)
    assert [dict(r.headers)["ce_id"].decode() for r in replayed] == [bad.id]
