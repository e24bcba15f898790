"""The development stack's own machinery: managed processes, the mail sink, the infrastructure."""

import dataclasses
import os
import smtplib
import socket
import sys
import uuid
from email.message import EmailMessage
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from shared.kafka.topics import REQUESTS
from tests.store_support import dedicated_store, free_port
from tools.devstack import SERVICES, DevstackError, ManagedProcess, start_services, stop_services
from tools.devstack.infra import COMPONENTS, Component, Infra, bring_up
from tools.devstack.kafka import DEFAULT_BOOTSTRAP, kafka_answers
from tools.devstack.processes import wait_ready
from tools.devstack.services import ExtraPort, shifted
from tools.devstack.store import DEFAULT_URI, mongo_answers


def managed(tmp_path: Path) -> tuple[ManagedProcess, str]:
    marker = f"relais-test-{uuid.uuid4().hex}"
    return ManagedProcess("child", marker=marker, run_dir=tmp_path, log_dir=tmp_path), marker


def python(code: str, marker: str) -> list[str]:
    return [sys.executable, "-c", code, marker]  # extra argument: only sys.argv sees it


def exists(pid: int) -> bool:
    """True while the process exists, even as a zombie nobody reaped."""
    return Path(f"/proc/{pid}").exists()


def test_start_writes_pid_file_and_stop_ends_the_process(tmp_path: Path) -> None:
    process, marker = managed(tmp_path)
    pid = process.start(python("import time; time.sleep(60)", marker))

    assert process.is_running()
    assert process.pid_file.read_text().strip() == str(pid)
    assert process.start(python("import time; time.sleep(60)", marker)) == pid  # no second one

    assert process.stop(timeout_s=5)
    assert not process.is_running()
    assert not process.pid_file.exists()
    assert not exists(pid)  # reaped, not left as a zombie


async def test_stop_kills_a_process_that_ignores_sigterm(tmp_path: Path) -> None:
    process, marker = managed(tmp_path)
    code = (
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); "
        "print('ready', flush=True); time.sleep(60)"
    )
    pid = process.start(python(code, marker))

    async def handler_installed() -> bool:
        return "ready" in process.log_file.read_text()

    await wait_ready(handler_installed, what="child", timeout_s=10, process=process)
    assert process.stop(timeout_s=0.5)
    assert not exists(pid)


def test_a_pid_that_is_not_ours_is_never_signalled(tmp_path: Path) -> None:
    process, _ = managed(tmp_path)
    tmp_path.joinpath("child.pid").write_text(f"{os.getpid()}\n")  # this test runner's pid

    assert not process.is_running()
    assert not process.stop()
    assert not process.pid_file.exists()  # the stale pid file is cleaned up


async def test_a_process_that_dies_during_start_up_is_reported_with_its_log(
    tmp_path: Path,
) -> None:
    process, marker = managed(tmp_path)
    process.start(python("import sys; sys.exit('port already taken')", marker))

    async def never() -> bool:
        return False

    with pytest.raises(DevstackError, match="port already taken"):
        await wait_ready(never, what="child", timeout_s=10, process=process)


def test_shifted_moves_every_port() -> None:
    moved = {spec.name: spec for spec in shifted(SERVICES, 1000)}
    assert moved["portal"].docs_url() == "http://127.0.0.1:9001/docs"
    assert moved["mailsink"].addresses() == ["smtp://127.0.0.1:2025"]


async def test_mailsink_writes_each_message_to_the_mail_dir(tmp_path: Path) -> None:
    port = free_port()
    (spec,) = [s for s in SERVICES if s.name == "mailsink"]
    spec = dataclasses.replace(spec, extra_ports=(ExtraPort("smtp", "SMTP_SINK_PORT", port),))
    mail_dir = tmp_path / "mail"
    handles = await start_services([spec], run_dir=tmp_path, env={"MAIL_DIR": str(mail_dir)})
    try:
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "mairie@x.fr", "a@y.fr", "Reçu"
        message.set_content("Votre demande est enregistrée.")
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message, to_addrs=["a@y.fr", "bcc@y.fr"])
    finally:
        assert stop_services(handles) == ["mailsink"]

    (stored,) = mail_dir.glob("*.eml")
    text = stored.read_text()
    assert "X-Envelope-To: a@y.fr, bcc@y.fr" in text
    assert "Subject: =?utf-8?q?Re=C3=A7u?=" in text


@pytest.mark.integration
async def test_infrastructure_answers_and_topics_are_provisioned() -> None:
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP)
    assert await mongo_answers(os.environ.get("MONGODB_URI", DEFAULT_URI))
    assert await kafka_answers(bootstrap)

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        topics = await admin.list_topics()
    finally:
        await admin.close()
    assert os.environ.get("TOPIC_PREFIX", "") + REQUESTS in topics


async def test_the_store_launcher_starts_a_durable_store_and_stops_only_its_own(
    tmp_path: Path,
) -> None:
    async with dedicated_store(tmp_path) as store:
        pid = store.process.pid()
        assert pid is not None and store.process.pid_file.read_text().strip() == str(pid)
        assert await mongo_answers(store.uri)
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        assert b"--sync-on-commit" in cmdline
        assert str(store.storage).encode() in cmdline
    assert not store.process.is_running()
    assert not await mongo_answers(store.uri)


def store_component(port: int, tmp_path: Path) -> Component:
    """The store component aimed at `port`, with a handle that owns no process there."""
    (component,) = [c for c in COMPONENTS if c.name == "store"]
    return dataclasses.replace(
        component,
        env_var=f"RELAIS_TEST_UNSET_{uuid.uuid4().hex}",  # never external
        default_address=f"mongodb://127.0.0.1:{port}/",
        port=port,
        handle=lambda: ManagedProcess("store", marker="none", run_dir=tmp_path, log_dir=tmp_path),
    )


async def test_a_store_another_checkout_started_is_reused_and_never_owned(tmp_path: Path) -> None:
    async with dedicated_store(tmp_path / "theirs") as store:
        infra = Infra("unused", store.uri)
        await bring_up(store_component(store.port, tmp_path), infra)
        assert (infra.reused, infra.started) == (["store"], [])
        assert store.process.is_running()


async def test_a_busy_port_that_is_no_store_is_refused(tmp_path: Path) -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        with pytest.raises(DevstackError, match="does not answer as store"):
            await bring_up(store_component(port, tmp_path), Infra("unused", "unused"))
