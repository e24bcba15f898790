"""Routing decisions and due dates (pure logic)."""

from datetime import UTC, date, datetime, time

import pytest

from services.routing.deadlines import add_working_days, due_at
from services.routing.handlers import routed_event
from services.routing.rules import decide
from services.routing.settings import RoutingSettings
from shared.catalogue import load_catalogue, parse_catalogue
from tests.factories import envelope, submitted

CATALOGUE = load_catalogue()


def test_a_known_category_goes_to_its_department() -> None:
    decision = decide(submitted(category="etat_civil"), CATALOGUE)
    assert decision.category.department == "etat_civil"
    assert decision.rule == "category:etat_civil"
    assert "État civil" in decision.explanation


def test_without_category_keywords_decide_accents_and_case_aside() -> None:
    request = submitted(
        category=None,
        subject="ECLAIRAGE en panne",
        description="Le lampadaire de la place ne s'allume plus.",
    )
    decision = decide(request, CATALOGUE)
    assert decision.category.code == "eclairage"
    assert decision.rule == "keyword:eclairage"
    assert "éclairage" in decision.explanation


def test_keywords_match_whole_words_only() -> None:
    request = submitted(category=None, subject="Question", description="Je voudrais un arbrisseau")
    assert decide(request, CATALOGUE).rule == "fallback"


def test_unknown_category_falls_back_to_the_front_office_with_a_reason() -> None:
    decision = decide(
        submitted(category="inconnue", subject=None, description="Bonjour"), CATALOGUE
    )
    assert decision.category.code == "general"
    assert decision.category.department == "accueil"
    assert "inconnue" in decision.explanation


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 27), 1, date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 12, 24), 1, date(2026, 12, 28)),  # Christmas and the weekend skipped
        (date(2026, 7, 13), 1, date(2026, 7, 15)),  # 14 juillet skipped
        (date(2026, 4, 30), 2, date(2026, 5, 5)),  # 1er mai (Friday) and weekend skipped
    ],
)
def test_working_days_skip_weekends_and_french_holidays(
    start: date, days: int, expected: date
) -> None:
    assert add_working_days(start, days) == expected


def test_due_at_is_closing_time_in_the_town_time_zone() -> None:
    received = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)  # a Saturday: counts from Monday
    due = due_at(
        received_at=received, working_days=1, timezone="Europe/Paris", closing=time(17, 30)
    )
    assert due.isoformat() == "2026-11-30T17:30:00+01:00"


def test_routing_the_same_event_twice_gives_the_same_event_id() -> None:
    source = envelope(submitted(category="voirie"))
    first = routed_event(source, catalogue=CATALOGUE, settings=RoutingSettings())
    second = routed_event(source, catalogue=CATALOGUE, settings=RoutingSettings())
    assert first.id == second.id
    assert first.causation_id == source.id
    assert first.data.department.label == "Services techniques"


def test_a_catalogue_naming_an_unknown_department_is_refused() -> None:
    raw = {
        "departments": {"a": "A"},
        "fallback_category": "x",
        "categories": [{"code": "x", "label": "X", "department": "b", "deadline_days": 1}],
    }
    with pytest.raises(ValueError, match="unknown department"):
        parse_catalogue(raw)
