"""Both web faces in Debian's Chromium: a citizen files, an agent sees it live and answers.

axe-core runs on every page the journeys visit (WCAG 2.1 A/AA and best practices: zero
violations); the same journey is then done with the keyboard alone.
"""

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from tests.e2e.browser import (
    assert_accessible,
    file_request,
    login,
    new_page,
    open_status,
    require_chromium,
    tab_to,
)
from tests.e2e.conftest import Pipeline, drop_databases, start_pipeline
from tests.e2e.flow import REQUEST, routed_view
from tools.devstack import stop_services

FACES = ("portal", "routing", "tracking", "desk", "site", "console")
SITE_PAGES = (
    "/",
    "/demarches/demande_generale",
    "/demarches/inscription_scolaire",
    "/demarches/occupation_domaine_public",
    "/demarches/candidature",
    "/suivi",
    "/accessibilite",
    "/accessibilite/signaler",
)
CONSOLE_PAGES = ("/", "/accueil", "/statistiques", "/aide")


@pytest.fixture(scope="module")
async def faces(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    require_chromium()
    running = await start_pipeline(
        tmp_path_factory.mktemp("faces"), names=FACES, extra_env={"LIVE_POLL_S": "0.5"}
    )
    yield running
    stop_services(running.handles)
    await drop_databases(running)


async def test_every_page_of_both_faces_has_no_accessibility_violation(
    faces: Pipeline, browser: Any
) -> None:
    page = await new_page(browser)
    for path in SITE_PAGES:
        response = await page.goto(faces.url("site") + path)
        assert response.status == 200, path
        await assert_accessible(page)
    await login(page, faces.url("console"), name="Julie Moreau", department="services_techniques")
    for path in CONSOLE_PAGES:
        response = await page.goto(faces.url("console") + path)
        assert response.status == 200, path
        await assert_accessible(page)
    admin = await new_page(browser)
    await login(admin, faces.url("console"), name="Alex Admin", department="accueil", admin=True)
    for path in ("/exploitation", "/exploitation/tracking", "/statistiques"):
        response = await admin.goto(faces.url("console") + path)
        assert response.status == 200, path
        await assert_accessible(admin)
    assert "Adoption par semaine" in await admin.inner_text("main")  # weekly figures and charts


async def test_a_citizen_files_an_agent_sees_it_live_answers_and_the_citizen_reads_it(
    faces: Pipeline, browser: Any
) -> None:
    site, console = faces.url("site"), faces.url("console")
    agent = await new_page(browser)
    await login(agent, console, name="Julie Moreau", department="services_techniques")
    await agent.evaluate("window.stillTheSamePage = true")
    citizen = await new_page(browser)
    reference, code = await file_request(citizen, site, description="Nid-de-poule rue des Lilas")

    row = agent.locator("#queue-rows a", has_text=reference)
    await row.wait_for(timeout=30_000)  # pushed by server-sent events
    assert await agent.evaluate("window.stillTheSamePage") is True  # no reload
    await row.click()
    await assert_accessible(agent)
    assert "trou.png" in await agent.inner_text("main")

    # Every workspace form is on the page, each with its CSRF token and the version seen.
    forms = agent.locator("main form[method=post]")
    assert await forms.count() >= 7
    for index in range(await forms.count()):
        form = forms.nth(index)
        assert await form.locator("input[name=csrf]").count() == 1
        assert await form.locator("input[name=version]").count() == 1

    await agent.click("form[action$='/actions/prise-en-charge'] button")
    assert "prise en charge" in await agent.inner_text("[role=status]")
    await agent.locator("#request-timeline", has_text="prise en charge par Julie Moreau").wait_for(
        timeout=30_000
    )
    await agent.reload()
    await agent.fill("#f-note-text", "Équipe voirie prévenue")
    await agent.click("form[action$='/actions/note'] button")
    note = agent.locator("#request-timeline li", has_text="Équipe voirie prévenue")
    await note.wait_for(timeout=30_000)
    assert "note interne" in await note.inner_text()
    await agent.reload()
    reply = "Nous intervenons dans la semaine."
    await agent.fill("#f-reponse-text", reply)
    await agent.click("form[action$='/actions/reponse'] button")
    assert "Réponse envoyée" in await agent.inner_text("[role=status]")
    await agent.locator("#request-timeline", has_text=reply).wait_for(timeout=30_000)
    await agent.reload()
    await assert_accessible(agent)  # every form, with the timeline filled in

    for status, label, comment in (
        ("in_progress", "en cours de traitement", ""),
        ("resolved", "traitée", "Le nid-de-poule a été rebouché ce matin."),
    ):
        await agent.select_option("#f-status", status)
        await agent.fill("#f-comment", comment)
        await agent.click("form[action$='/statut'] button")
        assert "enregistré" in await agent.inner_text("[role=status]")
        await agent.locator("#current-status", has_text=label).wait_for(timeout=30_000)
        await agent.reload()

    await open_status(citizen, site, reference, code)
    await assert_accessible(citizen)
    assert "Traitée" in await citizen.inner_text("#status-label")
    timeline = await citizen.inner_text("#timeline")
    assert "Le nid-de-poule a été rebouché ce matin." in timeline
    assert reply in timeline  # the public reply action
    assert "Équipe voirie prévenue" not in timeline  # the internal note stays internal

    await citizen.fill("#f-text", "Merci, c'est parfait !")
    await citizen.click("form[action='/suivi/message'] button")
    assert "bien été transmis" in await citizen.inner_text("[role=status]")
    message = agent.locator("#request-timeline", has_text="Merci, c'est parfait !")
    await message.wait_for(timeout=30_000)


async def test_an_agent_of_another_department_cannot_open_the_request(
    faces: Pipeline, browser: Any
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{faces.url('portal')}/v1/requests", json=REQUEST)
        accepted = response.json()
        await routed_view(client, faces.url("tracking"), accepted)
    page = await new_page(browser)
    await login(page, faces.url("console"), name="Paul Durand", department="urbanisme")
    # Tracking answers another department's request exactly like an unknown one.
    response = await page.goto(f"{faces.url('console')}/demandes/{accepted['id']}")
    assert response.status == 404
    assert "Demande introuvable" in await page.inner_text("main")
    unknown = await page.goto(f"{faces.url('console')}/demandes/{'0' * 32}")
    assert unknown.status == 404
    await page.goto(f"{faces.url('console')}/")
    assert accepted["reference"] not in await page.inner_text("#queue-rows")


async def test_the_citizens_status_link_opens_the_request_and_the_code_leaves_no_trace(
    faces: Pipeline, browser: Any
) -> None:
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.post(f"{faces.url('portal')}/v1/requests", json=REQUEST)
        accepted = response.json()
        await routed_view(client, faces.url("tracking"), accepted)
    reference, code = accepted["reference"], accepted["tracking_token"]
    referers: list[str] = []
    # As the town's messages give it (PUBLIC_STATUS_URL), then with the code in the fragment.
    for link in (f"/suivi/{reference}?code={code}", f"/suivi/{reference}#code={code}"):
        page = await new_page(browser)
        page.on("request", lambda request: referers.append(request.headers.get("referer") or ""))
        response = await page.goto(faces.url("site") + link)
        assert response.status == 200
        await page.wait_for_selector("#status-label")
        assert await page.inner_text("h1") == f"Demande {reference}"
        assert code not in page.url and "code" not in page.url, page.url
        await assert_accessible(page)
    assert response.headers.get("referrer-policy") == "no-referrer"
    assert not any(code in referer for referer in referers)
    wrong = await page.goto(f"{faces.url('site')}/suivi/{reference}?code=pas-le-bon-code")
    assert wrong.status == 404
    assert await page.input_value("#f-reference") == reference
    assert "Aucune demande ne correspond" in await page.inner_text("main")


async def keyboard_fill(page: Any, selector: str, text: str) -> None:
    await tab_to(page, selector)
    await page.keyboard.type(text)


async def test_the_whole_journey_by_keyboard_alone(faces: Pipeline, browser: Any) -> None:
    site, console = faces.url("site"), faces.url("console")
    citizen = await new_page(browser)
    await citizen.goto(f"{site}/")
    await citizen.keyboard.press("Tab")
    assert await citizen.evaluate("document.activeElement.textContent") == "Aller au contenu"
    await tab_to(citizen, "main a[href='/demarches/demande_generale']")
    async with citizen.expect_navigation():
        await citizen.keyboard.press("Enter")
    await tab_to(citizen, "#f-category")
    await citizen.keyboard.press("ArrowDown")  # from « Voirie » to « Éclairage public »
    assert await citizen.input_value("#f-category") == "eclairage"
    await keyboard_fill(citizen, "#f-description", "Lampadaire éteint place de la Mairie")
    await keyboard_fill(citizen, "#f-citizen-name", "Léa Petit")
    await keyboard_fill(citizen, "#f-citizen-email", "lea.petit@example.org")
    await tab_to(citizen, "form button[type=submit]")
    async with citizen.expect_navigation():
        await citizen.keyboard.press("Enter")
    reference = await citizen.inner_text("#reference")
    code = await citizen.inner_text("#tracking-code")

    agent = await new_page(browser)
    await agent.goto(f"{console}/")
    await keyboard_fill(agent, "#f-name", "Marc Lefèvre")
    await tab_to(agent, "#f-department")
    await agent.keyboard.press("ArrowDown")  # from « Accueil » to « Services techniques »
    assert await agent.input_value("#f-department") == "services_techniques"
    await tab_to(agent, "form[action='/connexion/dev'] button")
    async with agent.expect_navigation():
        await agent.keyboard.press("Enter")
    assert agent.url == f"{console}/"
    link = agent.locator("#queue-rows a", has_text=reference)
    await link.wait_for(timeout=30_000)
    await tab_to(agent, f"#queue-rows a[href='{await link.get_attribute('href')}']")
    async with agent.expect_navigation():
        await agent.keyboard.press("Enter")
    await agent.keyboard.press("s")  # shortcut: the status field
    assert await agent.evaluate("document.activeElement.id") == "f-status"
    await tab_to(agent, "#f-comment")
    answer = "Pris en charge : les équipes passent cette semaine."
    await agent.keyboard.type(answer)  # in a field, "s" is typed, not a shortcut
    assert await agent.input_value("#f-comment") == answer
    await tab_to(agent, "form[action$='/statut'] button")
    async with agent.expect_navigation():
        await agent.keyboard.press("Enter")
    await agent.locator("#current-status", has_text="en cours").wait_for(timeout=30_000)
    await agent.reload()  # the version the forms carry: the page was older than the change
    await agent.keyboard.press("p")  # shortcut: claim
    await agent.locator("#request-timeline", has_text="prise en charge par Marc").wait_for(
        timeout=30_000
    )
    await agent.keyboard.press("n")  # shortcut: the internal note
    assert await agent.evaluate("document.activeElement.id") == "f-note-text"
    await agent.keyboard.press("Escape")
    await agent.evaluate("document.activeElement.blur()")
    await agent.keyboard.press("r")  # shortcut: the reply to the citizen
    assert await agent.evaluate("document.activeElement.id") == "f-reponse-text"

    await citizen.goto(f"{site}/suivi/{reference}")
    await keyboard_fill(citizen, "#f-code", code)
    async with citizen.expect_navigation():
        await citizen.keyboard.press("Enter")
    assert answer in await citizen.inner_text("#timeline")


async def test_pages_keep_their_content_security_policy_and_work_without_inline_script(
    faces: Pipeline, browser: Any
) -> None:
    context = await browser.new_context()  # the CSP enforced
    page = await context.new_page()
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security" in m.text else None)
    response = await page.goto(f"{faces.url('site')}/")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert "unsafe-inline" not in response.headers["content-security-policy"]
    await login(
        page, faces.url("console"), name="Julie Moreau", department="services_techniques", axe=False
    )
    await page.goto(f"{faces.url('console')}/aide")
    await page.locator("[data-shortcut-toggle]").wait_for(state="visible")  # our script ran
    cookie = next(c for c in await context.cookies() if c["name"] == "relais_console")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert refused == []
    await context.close()
