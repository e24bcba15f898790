"""The pipeline's service processes, on free ports, in their own topic and database namespace."""

import json
import os
import random
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Any

import pytest

from shared.kafka.topics import provision_topics
from shared.mongo import connect
from tests.conftest import KAFKA, MONGODB_URI
from tests.e2e.browser import require_chromium
from tools.devstack import (
    SERVICES,
    DevstackError,
    ServiceHandle,
    ServiceSpec,
    shifted,
    start_services,
    stop_services,
)
from tools.devstack.processes import port_open

PIPELINE = ("portal", "routing", "tracking", "notification", "mailsink")
ADAPTERS = ("portal", "desk", "web", "email_adapter")  # those keeping attachments
# Shared by the adapters and notification, as in production (not the development default).
TRACKING_SECRET = f"e2e-tracking-secret-{uuid.uuid4().hex}"


@dataclass
class Pipeline:
    prefix: str
    bootstrap: str
    mail_dir: Path
    handles: list[ServiceHandle]

    def url(self, service: str) -> str:
        spec = next(h.spec for h in self.handles if h.spec.name == service)
        return f"http://127.0.0.1:{spec.http_port}"

    def extra_port(self, service: str) -> int:
        spec = next(h.spec for h in self.handles if h.spec.name == service)
        return spec.extra_ports[0].port


def _free_offset(names: tuple[str, ...]) -> int:
    specs = [s for s in SERVICES if s.name in names]
    for _ in range(50):
        # Every port stays below Linux's ephemeral range (32768+), where client sockets of
        # this very test run could already hold it.
        offset = random.randrange(10000, 24000, 100)
        if not any(port_open(p) for s in shifted(specs, offset) for p in s.ports()):
            return offset
    raise RuntimeError("no free port range for the pipeline")


async def start_pipeline(
    workdir: Path,
    *,
    bootstrap: str = KAFKA,
    names: tuple[str, ...] = PIPELINE,
    extra_env: dict[str, str] | None = None,
    timeout_s: float = 60,
) -> Pipeline:
    prefix = f"e2e{uuid.uuid4().hex[:8]}."
    await provision_topics(bootstrap_servers=bootstrap, prefix=prefix)
    for attempt in range(3):
        try:
            return await _start(
                workdir / f"try{attempt}", prefix, bootstrap, names, extra_env, timeout_s
            )
        except DevstackError as error:  # a port taken between the check and the bind
            if attempt == 2 or "address already in use" not in str(error):
                raise
    raise AssertionError("unreachable")


async def _start(
    workdir: Path,
    prefix: str,
    bootstrap: str,
    names: tuple[str, ...],
    extra_env: dict[str, str] | None,
    timeout_s: float,
) -> Pipeline:
    offset = _free_offset(names)
    specs = shifted([s for s in SERVICES if s.name in names], offset)
    smtp_port = next((e.port for s in specs if s.name == "mailsink" for e in s.extra_ports), 1025)
    tracking_port = next((s.http_port for s in specs if s.name == "tracking"), 8020)
    site_port = next((s.http_port for s in specs if s.name == "site"), 8070)
    urls = {
        f"{s.name.upper()}_URL": f"http://127.0.0.1:{s.http_port}" for s in specs if s.http_port
    }
    mail_dir = workdir.parent / "mail"
    mail_dir.mkdir(parents=True, exist_ok=True)
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": bootstrap,
        "MONGODB_URI": MONGODB_URI,
        "TOPIC_PREFIX": prefix,
        "DATABASE_PREFIX": prefix.replace(".", "_"),
        "MAIL_DIR": str(mail_dir),
        "SMTP_PORT": str(smtp_port),
        "PUBLIC_TRACKING_URL": f"http://127.0.0.1:{tracking_port}/v1/public/requests/{{reference}}",
        "PUBLIC_STATUS_URL": f"http://127.0.0.1:{site_port}/suivi/{{reference}}?code={{code}}",
        "MAGIC_LINK_URL": f"http://127.0.0.1:{site_port}/mes-documents/connexion?jeton={{token}}",
        "RELAIS_TRACKING_SECRET": TRACKING_SECRET,
        "PUBLISH_TIMEOUT_S": "3",
        "LOG_LEVEL": os.environ.get("E2E_LOG_LEVEL", "INFO"),
        # Where the web faces find the other services (PORTAL_URL, TRACKING_URL, SITE_URL...).
        **urls,
        **_attachment_adapters(specs),
        # Extra values may name those addresses: "$SITE_URL/factures/{invoice_id}".
        **{k: Template(v).safe_substitute(urls) for k, v in (extra_env or {}).items()},
    }
    handles = await start_services(
        specs, run_dir=workdir / "run", log_dir=workdir / "log", env=env, timeout_s=timeout_s
    )
    return Pipeline(prefix=prefix, bootstrap=bootstrap, mail_dir=mail_dir, handles=handles)


def _attachment_adapters(specs: list[ServiceSpec]) -> dict[str, str]:
    """Where tracking and documents fetch the adapters' attachments, on the shifted ports."""
    urls = {s.name: f"http://127.0.0.1:{s.http_port}" for s in specs if s.name in ADAPTERS}
    return {"ATTACHMENT_ADAPTERS": json.dumps(urls)} if urls else {}


async def drop_databases(running: Pipeline) -> None:
    """The pipeline's databases, dropped once its services are stopped."""
    client = connect(uri=MONGODB_URI)
    try:
        for name in await client.list_database_names():
            if name.startswith(running.prefix.replace(".", "_")):
                await client.drop_database(name)
    finally:
        await client.close()


@pytest.fixture(scope="module")
async def pipeline(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Pipeline]:
    running = await start_pipeline(tmp_path_factory.mktemp("pipeline"))
    yield running
    stop_services(running.handles)
    await drop_databases(running)


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Any]:
    """Debian's Chromium through Playwright, one per test module."""
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=require_chromium(), args=["--no-sandbox"]
        )
        yield launched
        await launched.close()
