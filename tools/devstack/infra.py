"""Kafka and the store together: start what is missing, reuse what runs, skip what env provides."""

import asyncio
import os
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field

from tools.devstack import kafka, store
from tools.devstack.paths import DevstackError
from tools.devstack.processes import ManagedProcess, port_open


@dataclass(frozen=True)
class Component:
    name: str
    env_var: str  # when set, the component is external: used, never started or stopped
    default_address: str
    port: int
    handle: Callable[[], ManagedProcess]
    start: Callable[[], ManagedProcess]
    answers: Callable[[str], Awaitable[bool]]
    wait: Callable[[str, ManagedProcess | None], Awaitable[None]]

    def address(self) -> str:
        return os.environ.get(self.env_var) or self.default_address

    def is_external(self) -> bool:
        return bool(os.environ.get(self.env_var))


COMPONENTS = (
    Component(
        name="kafka",
        env_var="KAFKA_BOOTSTRAP_SERVERS",
        default_address=kafka.DEFAULT_BOOTSTRAP,
        port=9092,
        handle=kafka.kafka_process,
        start=kafka.start_kafka,
        answers=kafka.kafka_answers,
        wait=lambda address, process: kafka.wait_for_kafka(address, process=process),
    ),
    Component(
        name="store",
        env_var="MONGODB_URI",
        default_address=store.DEFAULT_URI,
        port=store.PORT,
        handle=store.store_process,
        start=store.start_store,
        answers=store.mongo_answers,
        wait=lambda address, process: store.wait_for_mongo(address, process=process),
    ),
)


@dataclass
class Infra:
    kafka_bootstrap: str
    mongodb_uri: str
    started: list[str] = field(default_factory=list)
    reused: list[str] = field(default_factory=list)
    external: list[str] = field(default_factory=list)
    topics_created: list[str] = field(default_factory=list)


async def infra_up(*, topic_prefix: str | None = None) -> Infra:
    """Make Kafka and the store answer, then provision the topics (with TOPIC_PREFIX by default)."""
    infra = Infra(COMPONENTS[0].address(), COMPONENTS[1].address())
    prefix = os.environ.get("TOPIC_PREFIX", "") if topic_prefix is None else topic_prefix
    try:
        results = await asyncio.gather(
            *(bring_up(component, infra) for component in COMPONENTS), return_exceptions=True
        )
        if errors := [result for result in results if isinstance(result, BaseException)]:
            raise errors[0]
        infra.topics_created = await provision(infra.kafka_bootstrap, prefix)
    except BaseException:
        infra_down(infra.started)  # leave nothing half-started behind
        raise
    return infra


def infra_down(names: Iterable[str] | None = None) -> list[str]:
    """Stop the components this checkout started (all, or only `names`); returns those stopped."""
    wanted = set(names) if names is not None else None
    return [
        component.name
        for component in COMPONENTS
        if (wanted is None or component.name in wanted) and component.handle().stop()
    ]


async def provision(bootstrap_servers: str, prefix: str) -> list[str]:
    from shared.kafka.topics import provision_topics  # owned by the shared library

    return await provision_topics(bootstrap_servers=bootstrap_servers, prefix=prefix)


async def bring_up(component: Component, infra: Infra) -> None:
    address = component.address()
    if component.is_external():
        await component.wait(address, None)
        infra.external.append(component.name)
        return
    process = component.handle()
    if process.is_running():
        infra.reused.append(component.name)
    elif port_open(component.port):
        await _reuse_foreign(component, address)
        infra.reused.append(component.name)
        return
    else:
        process = await asyncio.to_thread(component.start)
        infra.started.append(component.name)
    await component.wait(address, process)


async def _reuse_foreign(component: Component, address: str) -> None:
    """Use a server another checkout (or a person) started on our port, if it is the right
    kind; it is not ours, so it is never stopped (its pid is in no pid file of ours)."""
    if not await component.answers(address):
        raise DevstackError(
            f"127.0.0.1:{component.port} is already in use by a process this checkout did "
            f"not start, and it does not answer as {component.name}; stop it, or set "
            f"{component.env_var} to the {component.name} to use"
        )
