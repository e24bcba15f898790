"""Replaying a candidate rule set or model over the latest requests, without publishing."""

import asyncio
from collections import Counter
from dataclasses import dataclass, replace

from services.routing.context import Routing
from services.routing.router import Query
from services.routing.ruleset import RuleSet
from services.routing.versions import InvalidRules


@dataclass(frozen=True)
class Replay:
    replayed: int
    changed: int
    moves: Counter[tuple[str, str]]  # (recorded department, candidate department) -> count
    rules_version: int | None  # None: the candidate rules given in the call
    model_version: int
    labelled: int  # replayed requests an agent transferred (their right department is known)
    right_before: int  # ... that the recorded decision had sent to that department
    right_after: int  # ... that the candidate sends there


async def what_if(
    routing: Routing, *, rules: RuleSet | None, model_version: int | None, last: int
) -> Replay:
    current = await routing.router()
    candidate = current
    if rules is not None:
        if problems := rules.problems(routing.catalogue):
            raise InvalidRules(problems)
        candidate = replace(candidate, rules=rules, rules_version=0)
    if model_version is not None:
        classifier = await routing.classifier(model_version)
        candidate = replace(candidate, classifier=classifier, model_version=model_version)
    history = await routing.store.recent(limit=last)
    queries = [
        Query(
            text=doc["text"],
            category=doc.get("category_requested"),
            channel=doc.get("channel"),
            form_type=doc.get("form_type"),
            address=doc.get("address"),
        )
        for doc in history
    ]
    decisions = await asyncio.to_thread(candidate.decide_many, queries)
    moves = Counter(
        (doc["department"], decision.department)
        for doc, decision in zip(history, decisions, strict=True)
        if doc["department"] != decision.department
    )
    labels = [
        (doc["department"], decision.department, doc["label"]["department"])
        for doc, decision in zip(history, decisions, strict=True)
        if "label" in doc
    ]
    return Replay(
        replayed=len(history),
        changed=sum(moves.values()),
        moves=moves,
        rules_version=None if rules is not None else current.rules_version,
        model_version=candidate.model_version,
        labelled=len(labels),
        right_before=sum(before == right for before, _, right in labels),
        right_after=sum(after == right for _, after, right in labels),
    )
