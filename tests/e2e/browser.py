"""Browser test support: Debian's Chromium driven by Playwright, axe-core injected per page."""

import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
CACHE = Path(os.environ.get("RELAIS_CACHE_DIR", Path.home() / ".cache" / "relais"))
AXE_JS = CACHE / "axe" / "node_modules" / "axe-core" / "axe.min.js"
AXE_RULES = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
PNG = b"\x89PNG\r\n\x1a\n" + bytes(200)
VIOLATIONS = """(tags) => axe.run(document, {runOnly: tags}).then(result =>
  result.violations.map(v => ({id: v.id, help: v.help, nodes: v.nodes.map(n => n.html)})))"""


def require_chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"Chromium not installed ({CHROMIUM}); apt-get install chromium")
    if not AXE_JS.exists():
        pytest.fail(f"axe-core missing at {AXE_JS}: `make test` installs it (npm)")
    return CHROMIUM


async def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's WCAG 2.1 A/AA and best-practice violations on the current page."""
    await page.add_script_tag(path=str(AXE_JS))
    found: list[dict[str, Any]] = await page.evaluate(VIOLATIONS, AXE_RULES)
    return found


async def tab_to(page: Any, selector: str, *, limit: int = 60) -> None:
    """Press Tab until `selector` has the focus: it is reachable by keyboard alone."""
    for _ in range(limit):
        await page.keyboard.press("Tab")
        if await page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} not reachable with Tab")


async def new_page(browser: Any) -> Any:
    # axe-core is injected as an inline script, which the pages' CSP rightly refuses.
    context = await browser.new_context(bypass_csp=True, locale="fr-FR")
    return await context.new_page()


async def assert_accessible(page: Any) -> None:
    violations = await axe_violations(page)
    assert violations == [], f"{page.url}: {violations}"


async def login(
    page: Any, console: str, *, name: str, department: str, axe: bool = True, admin: bool = False
) -> None:
    await page.goto(f"{console}/")
    assert page.url.endswith("/connexion")
    if axe:
        await assert_accessible(page)
    await page.fill("#f-name", name)
    await page.select_option("#f-department", department)
    await page.set_checked("#f-admin", admin)
    await page.click("form[action='/connexion/dev'] button")
    assert page.url == f"{console}/"


async def file_request(page: Any, site: str, *, description: str) -> tuple[str, str]:
    """The generic form with a photo attached: first a wrong email, then the right one."""
    await page.goto(f"{site}/demarches/demande_generale")
    await page.select_option("#f-category", "voirie")
    await page.fill("#f-description", description)
    await page.fill("#f-citizen-name", "Camille Martin")
    await page.fill("#f-citizen-email", "camille-sans-arobase")
    await page.click("form button[type=submit]")
    error = page.locator("#f-citizen-email-error")
    assert "Adresse électronique invalide" in await error.inner_text()
    described = await page.get_attribute("#f-citizen-email", "aria-describedby")
    assert "f-citizen-email-error" in (described or "")
    await assert_accessible(page)
    await page.fill("#f-citizen-email", "camille.martin@example.org")
    await page.set_input_files(
        "#f-files", files=[{"name": "trou.png", "mimeType": "image/png", "buffer": PNG}]
    )
    await page.click("form button[type=submit]")
    await assert_accessible(page)
    assert await page.locator(".qr img").get_attribute("src") or ""
    return await page.inner_text("#reference"), await page.inner_text("#tracking-code")


async def open_status(page: Any, site: str, reference: str, code: str) -> None:
    await page.goto(f"{site}/suivi/{reference}")
    assert await page.input_value("#f-reference") == reference
    await page.fill("#f-code", code)
    await page.click("form button[type=submit]")
    assert code not in page.url and "code" not in page.url  # posted, never in the address
    heading = await page.inner_text("h1")
    assert heading == f"Demande {reference}", await page.inner_text("main")
