"""The mail room in Debian's Chromium: an agent downloads the queued letters, prints them in
one PDF and marks them posted (by mouse, then by keyboard alone); axe-core finds nothing."""

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from services.notification.channels.base import ContactPoint, Notice
from services.notification.channels.postal import PostalChannel
from services.notification.settings import NotificationSettings
from shared.mongo import connect
from tests.conftest import MONGODB_URI
from tests.e2e.browser import assert_accessible, login, new_page, require_chromium, tab_to
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tools.devstack import stop_services

HOME = ContactPoint(
    channel="postal", address="12 rue des Lilas\n99999 VILLE-EXEMPLE", name="Joëlle Lefèvre"
)


@pytest.fixture(scope="module")
async def mailroom(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    require_chromium()
    running = await start_pipeline(
        tmp_path_factory.mktemp("mailroom"), names=("tracking", "notification", "console")
    )
    yield running
    stop_services(running.handles)
    await drop_databases(running)


async def queue_letters(running: Pipeline, count: int) -> list[str]:
    """Letters queued by the postal channel in the running service's own database."""
    settings = NotificationSettings(
        mongodb_uri=MONGODB_URI, database_prefix=running.prefix.replace(".", "_")
    )
    client = connect(uri=MONGODB_URI)
    channel = PostalChannel(db=client[settings.database_name], settings=settings)
    start = datetime.now(UTC)
    references = [f"2026-C{n:06d}" for n in range(1, count + 1)]
    try:
        for n, reference in enumerate(references):
            notice = Notice(
                key=f"evt-{n}:postal",
                request_id=f"req-{n}",
                reference=reference,
                template="acknowledgement",
                context={"tracking_code": f"CODE-{n:04d}"},
                created_at=start + timedelta(seconds=n),
            )
            await channel.send(notice, HOME)
    finally:
        await client.close()
    return references


async def downloaded_text(page: Any, selector: str) -> list[str]:
    async with page.expect_download() as info:
        await page.click(selector)
    path = Path(await (await info.value).path())
    return [p.extract_text() for p in PdfReader(io.BytesIO(path.read_bytes())).pages]


async def test_an_agent_prints_the_queued_letters_and_marks_them_posted(
    mailroom: Pipeline, browser: Any
) -> None:
    first, second = await queue_letters(mailroom, 2)
    console = mailroom.url("console")
    page = await new_page(browser)
    await login(page, console, name="Paul Courrier", department="accueil")
    await page.click("nav a[href='/courrier']")
    await assert_accessible(page)
    rows = page.locator("#letters tbody tr")
    assert await rows.count() == 2
    assert first in await rows.nth(0).inner_text() and second in await rows.nth(1).inner_text()

    [text] = await downloaded_text(page, f"#letters tbody tr:has-text('{first}') a")
    assert "Joëlle Lefèvre" in text and f"Référence : {first}" in text
    batch = await downloaded_text(page, "a[href='/courrier/lot.pdf']")
    assert [first in batch[0], second in batch[1]] == [True, True]

    await rows.nth(0).locator("button").click()
    assert f"Courrier de la demande {first} marqué comme posté." in await page.inner_text(
        "[role=status]"
    )
    assert await rows.count() == 1 and second in await rows.nth(0).inner_text()
    await assert_accessible(page)

    await tab_to(page, "#letters form button")  # the keyboard alone is enough
    await page.keyboard.press("Enter")
    await page.locator("[role=status]", has_text=second).wait_for(timeout=10_000)
    assert "Aucun courrier à envoyer." in await page.inner_text("#letters")
    await assert_accessible(page)
