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
