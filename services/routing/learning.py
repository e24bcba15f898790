"""Model versions: trained from the seed and the town's corrections, kept only if not worse."""

import asyncio
from dataclasses import dataclass
from datetime import UTC, datetime

from bson import Binary

from services.routing import serialization
from services.routing.classifier import Classifier, Hyperparameters
from services.routing.context import SYSTEM, Routing
from services.routing.training import (
    Label,
    TrainingSet,
    department_accuracy,
    train,
    training_set,
)


@dataclass(frozen=True)
class Outcome:
    version: int
    activated: bool
    held_out_accuracy: float
    active_accuracy: float | None
    held_out_size: int
    train_size: int
    labels: int


async def labels(routing: Routing) -> list[Label]:
    """Every agent's transfer recorded in the history is a corrected label."""
    return [
        Label(
            key=doc["_id"],
            text=doc["text"],
            department=doc["label"]["department"],
            category=doc["label"].get("category"),
        )
        for doc in await routing.store.labelled()
        if doc.get("text")
    ]


async def retrain(
    routing: Routing, *, actor: str, reason: str, params: Hyperparameters | None = None
) -> Outcome:
    """Train a candidate; activate it only if held-out accuracy is at least the active one's."""
    params = params or Hyperparameters()
    found = await labels(routing)
    data = training_set(catalogue=routing.catalogue, seed=routing.seed, labels=found, params=params)
    candidate = await asyncio.to_thread(train, data, catalogue=routing.catalogue, params=params)
    current = await routing.router()
    score, baseline = await asyncio.to_thread(
        lambda: (
            department_accuracy(candidate, data.held_out, routing.catalogue),
            department_accuracy(current.classifier, data.held_out, routing.catalogue),
        )
    )
    activated = score >= baseline
    version = await _store(routing, candidate, data, params, actor=actor, reason=reason, metrics={
        "held_out_accuracy": score, "active_accuracy": baseline,
        "compared_with": current.model_version, "labels": len(found), "activated": activated,
    })  # fmt: skip
    if activated:
        await routing.store.activate("model", version, actor=actor, reason=reason)
        await routing.refresh()
    return Outcome(
        version, activated, score, baseline, len(data.held_out), len(data.train), len(found)
    )


async def first_model(routing: Routing) -> None:
    params = Hyperparameters()
    data = training_set(catalogue=routing.catalogue, seed=routing.seed, labels=[], params=params)
    model = await asyncio.to_thread(train, data, catalogue=routing.catalogue, params=params)
    score = department_accuracy(model, data.held_out, routing.catalogue)
    reason = "Modèle initial (exemples du dépôt)"
    version = await _store(routing, model, data, params, actor=SYSTEM, reason=reason, metrics={
        "held_out_accuracy": score, "active_accuracy": None, "labels": 0, "activated": True,
    })  # fmt: skip
    await routing.store.activate("model", version, actor=SYSTEM, reason=reason)


async def _store(
    routing: Routing,
    model: Classifier,
    data: TrainingSet,
    params: Hyperparameters,
    *,
    actor: str,
    reason: str,
    metrics: dict[str, object],
) -> int:
    blob, signature = serialization.dump(model, key=routing.settings.model_signing_key)
    return await routing.store.add_version(
        "model",
        {
            "actor": actor,
            "reason": reason,
            "created_at": datetime.now(UTC),
            "params": params.model_dump(),
            "metrics": {**metrics, "train_size": len(data.train), "held_out": len(data.held_out)},
            "training": [
                {"text": e.text, "category": e.category, "weight": e.weight} for e in data.train
            ],
            "blob": Binary(blob),
            "signature": signature,
        },
    )
