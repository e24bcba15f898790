"""`make screenshots`: the main pages of both faces, as PNGs in docs/screenshots/."""

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import async_playwright

from tests.e2e.browser import CHROMIUM, file_request, login, open_status
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import routed_view
from tools.devstack import stop_services

OUT = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
FACES = ("portal", "routing", "tracking", "desk", "site", "console")
SAMPLES = (
    ("voirie", "Trottoir abîmé avenue Jean-Jaurès"),
    ("eclairage", "Lampadaire éteint place de la Mairie"),
    ("proprete", "Dépôt sauvage rue du Moulin"),
    ("espaces_verts", "Branche tombée au parc des Tilleuls"),
    ("voirie", "Nid-de-poule rue Victor-Hugo"),
)


async def _samples(pipeline: Pipeline) -> None:
    """A few requests of several departments, so that the queue and the charts have content."""
    async with httpx.AsyncClient(timeout=10) as client:
        for category, subject in SAMPLES:
            body = {
                "category": category,
                "subject": subject,
                "description": subject + ".",
                "citizen": {"email": "habitant@example.org", "name": "Habitant"},
            }
            response = await client.post(f"{pipeline.url('portal')}/v1/requests", json=body)
            await routed_view(client, pipeline.url("tracking"), response.json())


async def _shoot(page: Any, name: str) -> None:
    await page.screenshot(path=str(OUT / f"{name}.png"), full_page=True)
    print(OUT / f"{name}.png")


async def capture(pipeline: Pipeline) -> None:
    site, console = pipeline.url("site"), pipeline.url("console")
    await _samples(pipeline)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = await browser.new_context(
            viewport={"width": 1280, "height": 900}, locale="fr-FR", bypass_csp=True
        )
        page = await context.new_page()
        await page.goto(f"{site}/")
        await _shoot(page, "site-home")
        await page.goto(f"{site}/demarches/occupation_domaine_public")
        await _shoot(page, "site-form")
        reference, code = await file_request(page, site, description="Nid-de-poule rue des Lilas")
        await _shoot(page, "site-confirmation")
        agent = await context.new_page()
        await login(
            agent, console, name="Julie Moreau", department="services_techniques", axe=False
        )
        await agent.locator("#queue-rows a", has_text=reference).wait_for(timeout=30_000)
        await _shoot(agent, "console-queue")
        await agent.click(f"#queue-rows a:has-text('{reference}')")
        await agent.select_option("#f-status", "in_progress")
        await agent.fill("#f-comment", "Nous intervenons cette semaine.")
        await agent.click("form[action$='/statut'] button")
        await agent.locator("#current-status", has_text="en cours").wait_for(timeout=30_000)
        await agent.reload()
        await _shoot(agent, "console-request")
        # The weekly figures are for supervisors and admins: their own session.
        admin = await (
            await browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
        ).new_page()
        await login(admin, console, name="Alex Admin", department="accueil", admin=True, axe=False)
        await admin.goto(f"{console}/statistiques")
        await _shoot(admin, "console-statistics")
        await open_status(page, site, reference, code)
        await _shoot(page, "site-status")
        await browser.close()


async def capture_letter(workdir: Path) -> None:
    """A sample postal letter, as Chromium's PDF viewer shows it (no service needed)."""
    from datetime import UTC, datetime

    from services.notification.channels.base import ContactPoint, Notice
    from services.notification.channels.postal import compose, letterhead
    from services.notification.letter import render
    from services.notification.settings import NotificationSettings

    settings = NotificationSettings()
    notice = Notice(
        key="sample",
        request_id="sample",
        reference="2026-C000042",
        template="acknowledgement",
        context={
            "department": "Services techniques",
            "due_date": "vendredi 18 décembre 2026",
            "tracking_code": "K7P2-QX9M",
        },
        created_at=datetime(2026, 12, 2, 9, tzinfo=UTC),
    )
    to = ContactPoint(
        channel="postal", address="12 rue des Lilas\n99999 VILLE-EXEMPLE", name="Joëlle Lefèvre"
    )
    pdf = workdir / "letter.pdf"
    pdf.write_bytes(render(compose(notice, to, settings=settings), head=letterhead(settings)).pdf)
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = await browser.new_page(viewport={"width": 900, "height": 1000})
        await page.goto(pdf.as_uri())
        await page.wait_for_timeout(2000)  # the viewer draws the page
        await _shoot(page, "letter")
        await browser.close()


async def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="relais-letter-") as workdir:
        await capture_letter(Path(workdir))
    with tempfile.TemporaryDirectory(prefix="relais-screens-") as workdir:
        pipeline = await start_pipeline(Path(workdir), names=FACES)
        try:
            await capture(pipeline)
        finally:
            stop_services(pipeline.handles)
            await drop_databases(pipeline)


if __name__ == "__main__":
    asyncio.run(main())
