"""A router trained on the seed examples, built once per test session (training takes seconds)."""

from functools import cache
from pathlib import Path

from services.routing.classifier import Classifier, Hyperparameters
from services.routing.examples import load_seed
from services.routing.router import Router
from services.routing.ruleset import RuleSet
from services.routing.training import train, training_set
from shared.catalogue import load_catalogue

EVALUATION = Path(__file__).parent / "data" / "routing" / "evaluation.tsv"
CATALOGUE = load_catalogue()


@cache
def seed_classifier() -> Classifier:
    params = Hyperparameters()
    data = training_set(catalogue=CATALOGUE, seed=load_seed(CATALOGUE), labels=[], params=params)
    return train(data, catalogue=CATALOGUE, params=params)


def seed_router(rules: RuleSet | None = None) -> Router:
    return Router(
        catalogue=CATALOGUE,
        rules=rules or RuleSet(),
        rules_version=1,
        classifier=seed_classifier(),
        model_version=1,
    )
