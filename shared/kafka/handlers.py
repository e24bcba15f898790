"""Handlers registered per event type: what a consumer group does with each event it reads.

A service declares its handlers once, at module level; each handler's signature says which
event it consumes and which dependencies it needs (keyword-only), and the service binds those
dependencies when it wires itself up (app.py):

    handlers = Handlers()

    @handlers.handles(RequestSubmitted)
    async def on_submitted(
        envelope: Envelope[RequestSubmitted], *, publisher: EventPublisher
    ) -> None: ...

    runtime.consume(group="routing", handlers=handlers.bind(publisher=runtime.publisher))

`register(RequestSubmitted, fn)` does the same without a decorator (a bound method, a
partial). A batch handler (`handles_batch` / `register_batch`) receives, in log order, the
consecutive events of one partition it handles; it must be idempotent by event id like any
handler, and is called again with one event at a time when a batch fails for good, so that
only the failing record goes to the dead-letter topic. Events nobody handles are skipped.
"""

import inspect
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Concatenate, ParamSpec, TypeVar

from shared.envelope import Envelope
from shared.events import Event

E = TypeVar("E", bound=Event)
P = ParamSpec("P")
Handler = Callable[[Envelope[Any]], Awaitable[None]]
BatchHandler = Callable[[Sequence[Envelope[Any]]], Awaitable[None]]
EventHandler = Callable[Concatenate[Envelope[E], P], Awaitable[None]]
EventBatchHandler = Callable[Concatenate[Sequence[Envelope[E]], P], Awaitable[None]]


@dataclass
class Handlers:
    """A consumer group's handlers by event type; `bind(**deps)` supplies their dependencies."""

    single: dict[type[Event], Callable[..., Awaitable[None]]] = field(default_factory=dict)
    batch: dict[type[Event], Callable[..., Awaitable[None]]] = field(default_factory=dict)

    def register(self, event_type: type[E], handler: EventHandler[E, P]) -> None:
        self._claim(event_type)
        self.single[event_type] = handler

    def register_batch(
        self, event_types: Iterable[type[E]], handler: EventBatchHandler[E, P]
    ) -> None:
        for event_type in event_types:
            self._claim(event_type)
            self.batch[event_type] = handler

    def handles(self, event_type: type[E]) -> Callable[[EventHandler[E, P]], EventHandler[E, P]]:
        """Decorator form of `register`."""

        def decorate(handler: EventHandler[E, P]) -> EventHandler[E, P]:
            self.register(event_type, handler)
            return handler

        return decorate

    def handles_batch(
        self, *event_types: type[E]
    ) -> Callable[[EventBatchHandler[E, P]], EventBatchHandler[E, P]]:
        """Decorator form of `register_batch`."""

        def decorate(handler: EventBatchHandler[E, P]) -> EventBatchHandler[E, P]:
            self.register_batch(event_types, handler)
            return handler

        return decorate

    def bind(self, **dependencies: Any) -> "Handlers":
        """The same handlers with each one's keyword-only dependencies taken from `dependencies`."""
        provided = set(dependencies)
        bound = Handlers()
        done: dict[int, Callable[..., Awaitable[None]]] = {}  # one bound handler per function
        for target, source in ((bound.single, self.single), (bound.batch, self.batch)):
            for event_type, handler in source.items():
                if id(handler) not in done:
                    wanted = {n: dependencies[n] for n in _keyword_only(handler) & provided}
                    done[id(handler)] = partial(handler, **wanted) if wanted else handler
                target[event_type] = done[id(handler)]
        used = {n for h in (*self.single.values(), *self.batch.values()) for n in _keyword_only(h)}
        if unknown := provided - used:
            raise TypeError(f"no handler takes {sorted(unknown)}")
        bound.check()
        return bound

    def check(self) -> None:
        """Refuse, at wiring time, a handler whose dependencies are not all bound."""
        for handler in (*self.single.values(), *self.batch.values()):
            if missing := _required_keyword_only(handler):
                raise TypeError(f"{_name(handler)} needs {sorted(missing)}")

    def handler_for(self, event_type: type[Event]) -> Handler | None:
        return self.single.get(event_type)

    def batch_handler_for(self, event_type: type[Event]) -> BatchHandler | None:
        return self.batch.get(event_type)

    @property
    def event_types(self) -> frozenset[type[Event]]:
        return frozenset(self.single) | frozenset(self.batch)

    def _claim(self, event_type: type[Event]) -> None:
        if event_type in self.single or event_type in self.batch:
            raise ValueError(f"{event_type.__name__} already has a handler")


def _keyword_only(handler: Callable[..., Any]) -> set[str]:
    params = inspect.signature(handler).parameters.values()
    return {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY}


def _required_keyword_only(handler: Callable[..., Any]) -> set[str]:
    params = inspect.signature(handler).parameters.values()
    return {
        p.name
        for p in params
        if p.kind is inspect.Parameter.KEYWORD_ONLY and p.default is inspect.Parameter.empty
    }


def _name(handler: Callable[..., Any]) -> str:
    return getattr(handler, "__qualname__", None) or repr(handler)
