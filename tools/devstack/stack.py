"""The whole development stack: infrastructure first, then every service that exists."""

import asyncio
import signal
from collections.abc import Callable
from dataclasses import dataclass

from tools.devstack.infra import COMPONENTS, Infra, infra_down, infra_up
from tools.devstack.launcher import (
    ServiceHandle,
    service_handle,
    start_services,
    stop_services,
)
from tools.devstack.paths import log_dir, run_dir, var_dir
from tools.devstack.processes import port_open
from tools.devstack.services import SERVICES, ServiceSpec, missing_modules


@dataclass
class StackUp:
    infra: Infra
    services: list[ServiceHandle]
    missing: list[ServiceSpec]


@dataclass(frozen=True)
class Status:
    name: str
    pid: int | None
    state: str  # running, stopped, external or not ours
    addresses: list[str]
    docs_url: str | None = None


def stack_env(infra: Infra) -> dict[str, str]:
    """What every service of the local stack is told about its surroundings."""
    (sink,) = [spec for spec in SERVICES if spec.name == "mailsink"]
    return {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap,
        "MONGODB_URI": infra.mongodb_uri,
        "MAIL_DIR": str(var_dir() / "mail"),
        "SMTP_PORT": str(sink.extra_ports[0].port),  # outgoing mail goes to the dev sink
    }


def stack_handles() -> list[ServiceHandle]:
    return [service_handle(spec, run_dir=run_dir(), log_dir=log_dir()) for spec in SERVICES]


async def stack_up() -> StackUp:
    """Infrastructure, then the services whose modules exist; the missing ones are reported."""
    infra = await infra_up()
    missing = missing_modules(SERVICES)
    available = [spec for spec in SERVICES if spec not in missing]
    try:
        handles = await start_services(
            available, run_dir=run_dir(), log_dir=log_dir(), env=stack_env(infra)
        )
    except BaseException:
        infra_down(infra.started)
        raise
    return StackUp(infra, handles, missing)


def stack_down() -> list[str]:
    """Stop what `stack up` started, services first; returns the names stopped."""
    return stop_services(stack_handles()) + infra_down()


def stack_status() -> list[Status]:
    rows = []
    for component in COMPONENTS:
        pid = component.handle().pid()
        state = "external" if component.is_external() else ("running" if pid else "stopped")
        if state == "stopped" and port_open(component.port):
            state = "not ours"  # another checkout's server on our port: used, never stopped
        rows.append(Status(component.name, pid, state, [component.address()]))
    for handle in stack_handles():
        pid = handle.process.pid()
        rows.append(
            Status(
                handle.spec.name,
                pid,
                "running" if pid else "stopped",
                handle.spec.addresses(),
                handle.spec.docs_url(),
            )
        )
    return rows


async def run_stack(on_ready: Callable[[StackUp], None]) -> list[str]:
    """Run the stack in the foreground until SIGINT, SIGTERM or SIGHUP, then stop what this call
    started (services first) and return the names stopped."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # SIGHUP: terminal closed
        loop.add_signal_handler(sig, stop.set)
    up = await stack_up()
    on_ready(up)
    await stop.wait()
    stopped = stop_services([handle for handle in up.services if not handle.reused])
    return stopped + infra_down(up.infra.started)
