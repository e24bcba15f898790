"""Routing over the evaluation set: French requests as citizens write them, never trained on."""

import pytest

from services.routing.evaluation import evaluate, load_cases, render
from services.routing.examples import load_seed
from tests.routing_support import CATALOGUE, EVALUATION, seed_router


def test_the_evaluation_set_is_large_covers_every_department_and_is_apart_from_training() -> None:
    cases = load_cases(EVALUATION)
    assert len(cases) >= 200
    assert {c.department for c in cases} == set(CATALOGUE.departments)
    trained = {e.text.casefold() for e in load_seed(CATALOGUE)}
    assert not [c.text for c in cases if c.text.casefold() in trained]


def test_routing_accuracy_and_confusion_on_the_evaluation_set(
    capsys: pytest.CaptureFixture[str],
) -> None:
    report = evaluate(seed_router(), load_cases(EVALUATION))
    with capsys.disabled():  # shown in every run, not only on failure
        print("\n" + render(report))
    assert report.accuracy >= 0.90
    assert report.confident_wrong_rate <= 0.03
