"""The application services: which to run, on which ports, and how to start and stop them."""

import asyncio
import dataclasses
import importlib.util
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx

from shared.devstack.ferretdb import DEFAULT_URI
from shared.devstack.kafka import DEFAULT_BOOTSTRAP
from shared.devstack.paths import DevstackError, venv_python
from shared.devstack.processes import ManagedProcess, port_open, wait_ready

HOST = "127.0.0.1"


@dataclass(frozen=True)
class ExtraPort:
    """A non-HTTP port; `env_var` tells the service which port number to use."""

    label: str
    env_var: str
    port: int


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    module: str
    http_port: int | None = None
    docs_path: str | None = None
    extra_ports: tuple[ExtraPort, ...] = ()

    def addresses(self) -> list[str]:
        http = [f"http://{HOST}:{self.http_port}"] if self.http_port else []
        return http + [f"{extra.label}://{HOST}:{extra.port}" for extra in self.extra_ports]

    def docs_url(self) -> str | None:
        if self.http_port is None or self.docs_path is None:
            return None
        return f"http://{HOST}:{self.http_port}{self.docs_path}"

    def port_env(self) -> dict[str, str]:
        env = {extra.env_var: str(extra.port) for extra in self.extra_ports}
        if self.http_port is not None:
            env["HTTP_PORT"] = str(self.http_port)
        return env

    def ports(self) -> list[int]:
        return [p for p in (self.http_port, *(e.port for e in self.extra_ports)) if p is not None]


SERVICES: tuple[ServiceSpec, ...] = (
    ServiceSpec("portal", "services.portal", http_port=8001, docs_path="/docs"),
    ServiceSpec("routing", "services.routing", http_port=8010),
    ServiceSpec("tracking", "services.tracking", http_port=8020, docs_path="/docs"),
    ServiceSpec("notification", "services.notification", http_port=8030),
    ServiceSpec(
        "mailsink", "services.mailsink", extra_ports=(ExtraPort("smtp", "SMTP_SINK_PORT", 1025),)
    ),
)


def shifted(specs: Sequence[ServiceSpec], offset: int) -> list[ServiceSpec]:
    """The same services with every port moved by `offset` (e.g. for end-to-end tests)."""
    return [
        dataclasses.replace(
            spec,
            http_port=spec.http_port + offset if spec.http_port is not None else None,
            extra_ports=tuple(
                dataclasses.replace(e, port=e.port + offset) for e in spec.extra_ports
            ),
        )
        for spec in specs
    ]


def missing_modules(specs: Sequence[ServiceSpec]) -> list[ServiceSpec]:
    """The services whose module does not exist (yet) in this checkout."""
    return [spec for spec in specs if importlib.util.find_spec(spec.module) is None]


@dataclass
class ServiceHandle:
    spec: ServiceSpec
    process: ManagedProcess
    argv: list[str]
    reused: bool = False


def service_handle(
    spec: ServiceSpec, *, run_dir: Path, log_dir: Path | None = None, python: Path | None = None
) -> ServiceHandle:
    """How `spec` runs from this checkout; the pid file in `run_dir` says whether it does."""
    python = python or (venv_python() if venv_python().exists() else Path(sys.executable))
    argv = [str(python), "-m", spec.module]
    process = ManagedProcess(
        spec.name, marker=" ".join(argv), run_dir=run_dir, log_dir=log_dir or run_dir
    )
    return ServiceHandle(spec, process, argv)


async def start_services(
    specs: Sequence[ServiceSpec],
    *,
    run_dir: Path,
    log_dir: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout_s: float = 30.0,
) -> list[ServiceHandle]:
    """Start the services (reusing running ones) and wait until each answers; all or nothing.

    Each gets this process's environment, KAFKA_BOOTSTRAP_SERVERS and MONGODB_URI defaults,
    then `env`, then its own ports (HTTP_PORT and each extra port's variable).
    """
    if missing := missing_modules(specs):
        names = ", ".join(f"{spec.name} ({spec.module})" for spec in missing)
        raise DevstackError(f"no such service module: {names}")
    base = {
        "KAFKA_BOOTSTRAP_SERVERS": DEFAULT_BOOTSTRAP,
        "MONGODB_URI": DEFAULT_URI,
        **os.environ,
        "PYTHONUNBUFFERED": "1",
        **(env or {}),
    }
    handles = [service_handle(spec, run_dir=run_dir, log_dir=log_dir) for spec in specs]
    started: list[ServiceHandle] = []
    try:
        for handle in handles:
            handle.reused = handle.process.is_running()
            if not handle.reused:
                _ensure_ports_free(handle.spec)
                handle.process.start(handle.argv, env={**base, **handle.spec.port_env()})
                started.append(handle)
        await asyncio.gather(*(wait_for_service(h, timeout_s=timeout_s) for h in handles))
    except BaseException:
        stop_services(started)
        raise
    return handles


def stop_services(handles: Sequence[ServiceHandle]) -> list[str]:
    """Stop the running ones, last started first; returns the names stopped."""
    return [h.spec.name for h in reversed(handles) if h.process.stop()]


async def service_answers(spec: ServiceSpec) -> bool:
    """True if every port answers: GET /healthz is 200, other ports accept connections."""
    if not all(port_open(extra.port) for extra in spec.extra_ports):
        return False
    if spec.http_port is None:
        return True
    try:
        async with httpx.AsyncClient(timeout=2.0) as client:
            response = await client.get(f"http://{HOST}:{spec.http_port}/healthz")
    except httpx.HTTPError:
        return False
    return response.status_code == 200


async def wait_for_service(handle: ServiceHandle, *, timeout_s: float = 30.0) -> None:
    await wait_ready(
        lambda: service_answers(handle.spec),
        what=handle.spec.name,
        timeout_s=timeout_s,
        process=handle.process,
    )


def _ensure_ports_free(spec: ServiceSpec) -> None:
    if busy := [port for port in spec.ports() if port_open(port)]:
        raise DevstackError(
            f"cannot start {spec.name}: port(s) {busy} already in use "
            "by a process this checkout did not start"
        )
