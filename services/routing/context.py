"""What routing's handlers and routes share: the store and the versions in force."""

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

import structlog
from fastapi import Depends, Request

from services.routing import serialization
from services.routing.classifier import Classifier, Example, Hyperparameters, fit
from services.routing.examples import phrases
from services.routing.router import Router
from services.routing.ruleset import RuleSet
from services.routing.settings import RoutingSettings
from services.routing.store import Store
from shared.catalogue import Catalogue
from shared.kafka.producer import EventPublisher
from shared.mongo import Document
from shared.problems import ProblemError

log = structlog.get_logger(__name__)
SYSTEM = "routing"


class NoSuchVersion(LookupError):
    """A rule set or model version that is not stored."""


@dataclass
class Routing:
    settings: RoutingSettings
    catalogue: Catalogue
    store: Store
    publisher: EventPublisher
    seed: list[Example]
    _router: Router | None = None
    _checked: float = 0.0
    _models: dict[int, Classifier] = field(default_factory=dict)
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _ready: asyncio.Event = field(default_factory=asyncio.Event)
    _starting: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Bootstrap in the background: HTTP answers at once, /readyz says when routing can."""
        self._starting = asyncio.create_task(self._bootstrap_until_done(), name="bootstrap")

    async def stop(self) -> None:
        if self._starting is not None and not self._starting.done():
            self._starting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._starting

    async def _bootstrap_until_done(self) -> None:
        delay = 0.5
        while True:
            try:
                await self.bootstrap()
            except Exception as exc:  # the store down, or a bad catalogue: said, then retried
                log.warning("routing.bootstrap_failed", error=repr(exc))
                await asyncio.sleep(delay)
                delay = min(delay * 2, 30)
                continue
            self._ready.set()
            return

    async def ready(self) -> bool:
        return self._ready.is_set()

    async def router(self) -> Router:
        """The versions in force; re-read from the store at most every reload_interval_s."""
        if self._starting is not None:
            await self._ready.wait()  # consumers wait for the first versions
        stale = time.monotonic() - self._checked >= self.settings.reload_interval_s
        if self._router is None or stale:
            await self.refresh()
        assert self._router is not None
        return self._router

    async def refresh(self) -> None:
        """Load whatever versions are active now: hot reload, no restart."""
        async with self._lock:
            rules, model = await self.store.active("rules"), await self.store.active("model")
            if rules is None or model is None:
                raise RuntimeError("routing has no active rule set or model (bootstrap first)")
            current = self._router
            if current is None or (current.rules_version, current.model_version) != (
                rules.version,
                model.version,
            ):
                self._router = Router(
                    catalogue=self.catalogue,
                    rules=await self.rules(rules.version),
                    rules_version=rules.version,
                    classifier=await self.classifier(model.version),
                    model_version=model.version,
                )
                log.info("routing.versions_loaded", rules=rules.version, model=model.version)
            self._checked = time.monotonic()

    async def rules(self, version: int) -> RuleSet:
        doc = await self.store.version("rules", version)
        if doc is None:
            raise NoSuchVersion(f"rules v{version}")
        return RuleSet.model_validate(doc["rules"])

    async def classifier(self, version: int) -> Classifier:
        if version not in self._models:
            doc = await self.store.version("model", version)
            if doc is None:
                raise NoSuchVersion(f"model v{version}")
            self._models = {version: await asyncio.to_thread(self._unpack, doc)} | {
                v: m for v, m in self._models.items() if v != version
            }
            while len(self._models) > 3:  # keep the few versions a rollback or what-if wants
                self._models.pop(next(reversed(self._models)))
        return self._models[version]

    def _unpack(self, doc: Document) -> Classifier:
        key = self.settings.model_signing_key
        try:
            return serialization.load(bytes(doc["blob"]), doc["signature"], key=key)
        except serialization.UntrustedModel:
            # Written with another key (rotated?): refit from the stored examples instead.
            log.warning("routing.model_refit", version=doc["_id"])
            examples = [Example(e["text"], e["category"], e["weight"]) for e in doc["training"]]
            params = Hyperparameters.model_validate(doc["params"])
            return fit(examples, phrases=phrases(self.catalogue), params=params)

    async def bootstrap(self) -> None:
        """Indexes, and the bundled rules and a model trained on the seed when none exist."""
        from services.routing.learning import first_model  # avoids an import cycle

        await self.store.ensure_indexes()
        if await self.store.active("rules") is None:
            version = await self.store.add_version(
                "rules",
                rules_doc(
                    RuleSet().fitted_to(self.catalogue), actor=SYSTEM, reason="Règles par défaut"
                ),
            )
            await self.store.activate("rules", version, actor=SYSTEM, reason="Règles par défaut")
        if await self.store.active("model") is None:
            await first_model(self)
        await self.refresh()


def rules_doc(rules: RuleSet, *, actor: str, reason: str) -> Document:
    return {
        "rules": rules.model_dump(mode="json"),
        "actor": actor,
        "reason": reason,
        "created_at": datetime.now(UTC),
    }


async def _routing(request: Request) -> Routing:
    routing: Routing = request.app.state.routing
    if not await routing.ready():
        raise ProblemError(
            503,
            "Le routage démarre : réessayez dans quelques instants.",
            headers={"Retry-After": "5"},
        )
    return routing


RoutingContext = Annotated[Routing, Depends(_routing)]
