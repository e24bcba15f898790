"""Bodies of routing's HTTP API."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from services.routing.classifier import Hyperparameters
from services.routing.ruleset import RuleSet
from shared.events import Channel


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ExplainInput(Strict):
    subject: str | None = Field(default=None, max_length=300)
    description: str = Field(min_length=1, max_length=20000)
    category: str | None = Field(default=None, max_length=64, description="Choisie par l'usager")
    channel: Channel | None = None
    form_type: str | None = Field(default=None, max_length=64)
    address: str | None = Field(default=None, max_length=500)


class SuggestionView(BaseModel):
    department: str
    department_label: str
    category: str
    score: float


class DecisionView(BaseModel):
    department: str
    department_label: str
    category: str
    category_label: str
    triage: bool = Field(description="Vrai : file de tri de l'accueil, voir les suggestions")
    confidence: float
    rule: str
    rules_version: int
    model_version: int
    suggestions: list[SuggestionView]
    explanation: str


class Reason(Strict):
    reason: str = Field(min_length=3, max_length=500, description="Pourquoi ce changement")


class RulesChange(Reason):
    rules: RuleSet


class TrainingRequest(Reason):
    params: Hyperparameters = Field(default_factory=Hyperparameters)


class WhatIfInput(Strict):
    rules: RuleSet | None = Field(
        default=None, description="Règles candidates (défaut : en vigueur)"
    )
    model_version: int | None = Field(default=None, ge=1, description="Modèle candidat")
    last: int = Field(default=500, ge=1, description="Nombre de demandes récentes rejouées")


class Move(BaseModel):
    from_department: str
    to_department: str
    count: int


class WhatIfResult(BaseModel):
    replayed: int
    changed: int
    moves: list[Move]
    rules_version: int | None
    model_version: int
    labelled: int = Field(description="Demandes rejouées qu'un agent a transférées")
    right_before: int = Field(description="... que la décision enregistrée envoyait au bon service")
    right_after: int = Field(description="... que le candidat envoie au bon service")


class VersionView(BaseModel):
    version: int
    actor: str
    reason: str
    created_at: datetime
    active: bool
    metrics: dict[str, float | int | bool | None] | None = None
    rules: RuleSet | None = None


class ActivationView(BaseModel):
    version: int
    previous: int | None
    actor: str
    reason: str
    at: datetime
    rollback: bool


class VersionsView(BaseModel):
    active: int
    versions: list[VersionView]
    activations: list[ActivationView]


class TrainingResult(BaseModel):
    version: int
    activated: bool
    held_out_accuracy: float
    active_accuracy: float | None
    held_out_size: int
    train_size: int
    labels: int
