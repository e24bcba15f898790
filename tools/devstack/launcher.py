"""Start services as background processes, wait until they answer, stop them."""

import asyncio
import os
import sys
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tools.devstack.kafka import DEFAULT_BOOTSTRAP
from tools.devstack.paths import DevstackError, venv_python
from tools.devstack.processes import ManagedProcess, port_open, wait_ready
from tools.devstack.services import HOST, ServiceSpec, missing_modules
from tools.devstack.store import DEFAULT_URI


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
    """Stop the running ones, all at once (each may take seconds); returns the names stopped."""
    with ThreadPoolExecutor(max_workers=max(len(handles), 1)) as pool:
        stopped = list(pool.map(lambda handle: handle.process.stop(), handles))
    return [handle.spec.name for handle, done in zip(handles, stopped, strict=True) if done]


async def service_answers(spec: ServiceSpec) -> bool:
    """True if every port answers: GET /healthz is 200, other ports accept connections."""
    import httpx  # imported here: `relais stack status` stays quick

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
