"""Routing's HTTP API: explain (any agent); what-if, rules and models (administrators)."""

import asyncio
from dataclasses import asdict
from typing import Any

from fastapi import APIRouter

from services.routing import learning, versions
from services.routing.access import AdminAgent
from services.routing.context import NoSuchVersion, Routing, RoutingContext
from services.routing.router import Decision, Query
from services.routing.schemas import (
    ActivationView,
    DecisionView,
    ExplainInput,
    Move,
    Reason,
    RulesChange,
    SuggestionView,
    TrainingRequest,
    TrainingResult,
    VersionsView,
    VersionView,
    WhatIfInput,
    WhatIfResult,
)
from services.routing.store import Kind
from services.routing.whatif import what_if
from shared.auth import CurrentAgent
from shared.problems import ProblemError

router = APIRouter(prefix="/v1/routing", tags=["routing"])
AUTH: dict[int | str, dict[str, Any]] = {
    401: {"description": "Jeton d'agent absent, invalide ou expiré"},
}
ADMIN: dict[int | str, dict[str, Any]] = {**AUTH, 403: {"description": "Rôle admin requis"}}


def _view(decision: Decision, routing: Routing) -> DecisionView:
    departments = routing.catalogue.departments
    return DecisionView(
        department=decision.department,
        department_label=departments[decision.department],
        category=decision.category.code,
        category_label=decision.category.label,
        triage=decision.triage,
        confidence=round(decision.confidence, 4),
        rule=decision.rule,
        rules_version=decision.ruleset_version,
        model_version=decision.model_version,
        suggestions=[
            SuggestionView(
                department=s.department,
                department_label=departments[s.department],
                category=s.category,
                score=s.score,
            )
            for s in decision.suggestions
        ],
        explanation=decision.explanation,
    )


@router.post(
    "/explain", summary="Décision de routage d'un texte, sans rien publier", responses=AUTH
)
async def explain(
    body: ExplainInput, _agent: CurrentAgent, routing: RoutingContext
) -> DecisionView:
    query = Query(
        text=" ".join(filter(None, [body.subject, body.description])),
        category=body.category,
        channel=body.channel.value if body.channel else None,
        form_type=body.form_type,
        address=body.address,
    )
    current = await routing.router()
    return _view(await asyncio.to_thread(current.decide, query), routing)


@router.post("/whatif", summary="Rejouer des règles ou un modèle candidats", responses=ADMIN)
async def replay(body: WhatIfInput, _admin: AdminAgent, routing: RoutingContext) -> WhatIfResult:
    if body.last > routing.settings.whatif_max_requests:
        limit = routing.settings.whatif_max_requests
        raise ProblemError(422, f"« last » ne peut dépasser {limit}.", field="last")
    try:
        result = await what_if(
            routing, rules=body.rules, model_version=body.model_version, last=body.last
        )
    except versions.InvalidRules as exc:
        raise ProblemError(422, "Règles invalides.", errors=exc.problems) from exc
    except NoSuchVersion as exc:
        raise ProblemError(404, f"Version de modèle inconnue : {body.model_version}.") from exc
    moves = [
        Move(from_department=a, to_department=b, count=n)
        for (a, b), n in result.moves.most_common()
    ]
    return WhatIfResult(
        replayed=result.replayed,
        changed=result.changed,
        moves=moves,
        rules_version=result.rules_version,
        model_version=result.model_version,
        labelled=result.labelled,
        right_before=result.right_before,
        right_after=result.right_after,
    )


async def _versions(routing: Routing, kind: Kind) -> VersionsView:
    active = await routing.store.active(kind)
    assert active is not None
    docs = await routing.store.versions(kind)
    return VersionsView(
        active=active.version,
        versions=[
            VersionView(
                version=doc["_id"],
                actor=doc["actor"],
                reason=doc["reason"],
                created_at=doc["created_at"],
                active=doc["_id"] == active.version,
                metrics=doc.get("metrics"),
                rules=doc.get("rules"),
            )
            for doc in docs
        ],
        activations=[ActivationView(**_fields(a)) for a in await routing.store.activations(kind)],
    )


def _fields(activation: Any) -> dict[str, Any]:
    fields = asdict(activation)
    fields.pop("kind")
    return fields


@router.get("/rules", summary="Versions des règles et historique", responses=ADMIN)
async def list_rules(_admin: AdminAgent, routing: RoutingContext) -> VersionsView:
    return await _versions(routing, "rules")


@router.post("/rules", status_code=201, summary="Nouvelle version des règles", responses=ADMIN)
async def change_rules(
    body: RulesChange, admin: AdminAgent, routing: RoutingContext
) -> VersionsView:
    try:
        await versions.propose_rules(routing, body.rules, actor=admin.agent_id, reason=body.reason)
    except versions.InvalidRules as exc:
        raise ProblemError(422, "Règles invalides.", errors=exc.problems) from exc
    return await _versions(routing, "rules")


@router.get("/models", summary="Versions du modèle et historique", responses=ADMIN)
async def list_models(_admin: AdminAgent, routing: RoutingContext) -> VersionsView:
    return await _versions(routing, "model")


@router.post("/models", status_code=201, summary="Réentraîner le modèle", responses=ADMIN)
async def train_model(
    body: TrainingRequest, admin: AdminAgent, routing: RoutingContext
) -> TrainingResult:
    outcome = await learning.retrain(
        routing, actor=admin.agent_id, reason=body.reason, params=body.params
    )
    return TrainingResult(**asdict(outcome))


@router.post("/{kind}/rollback", summary="Revenir à la version précédente", responses=ADMIN)
async def rollback(
    kind: str, body: Reason, admin: AdminAgent, routing: RoutingContext
) -> VersionsView:
    kinds: dict[str, Kind] = {"rules": "rules", "models": "model"}
    if kind not in kinds:
        raise ProblemError(
            404, "Seules les règles (rules) et les modèles (models) ont des versions."
        )
    try:
        await versions.rollback(routing, kinds[kind], actor=admin.agent_id, reason=body.reason)
    except versions.NothingToRollBack as exc:
        raise ProblemError(409, "Aucune version précédente vers laquelle revenir.") from exc
    return await _versions(routing, kinds[kind])
