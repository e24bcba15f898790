"""Routing decisions and due dates (pure logic)."""

from datetime import UTC, date, datetime, time

import pytest

from services.routing.deadlines import add_working_days, due_at
from services.routing.handlers import routed_event
from services.routing.router import Query
from services.routing.ruleset import PlaceRule, RuleSet
from services.routing.settings import RoutingSettings
from shared.catalogue import parse_catalogue
from shared.events import Channel, FormData
from tests.factories import envelope, submitted
from tests.routing_support import CATALOGUE, seed_router


def test_a_category_chosen_by_the_citizen_is_certain() -> None:
    decision = seed_router().decide(Query(text="Bonjour", category="etat_civil"))
    assert decision.department == "etat_civil"
    assert (decision.rule, decision.confidence, decision.triage) == (
        "category:etat_civil",
        1,
        False,
    )
    assert "État civil" in decision.explanation


def test_the_other_request_category_still_goes_through_the_classifier() -> None:
    query = Query(text="Plusieurs lampadaires sont éteints allée des Tilleuls", category="general")
    decision = seed_router().decide(query)
    assert decision.department == "services_techniques"
    assert decision.category.code == "eclairage"
    assert decision.rule == "model:v1"


def test_a_form_type_decides_before_the_text() -> None:
    query = Query(text="Mon chien aboie", form_type="candidature")
    assert seed_router().decide(query).rule == "form:candidature"


def test_a_channel_rule_decides_when_the_town_sets_one() -> None:
    rules = RuleSet(channels={Channel.CHATBOT: "communication"})
    decision = seed_router(rules).decide(Query(text="lampadaire éteint", channel="chatbot"))
    assert (decision.department, decision.rule) == ("communication", "channel:chatbot")


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("Plusieurs lampadaires sont éteints allée des Tilleuls", "services_techniques"),
        ("Ma facture de cantine de janvier est erronée", "finances"),
        ("Comment réserver la salle des fêtes ?", "sport_associations"),
    ],
)
def test_the_issue_examples_go_to_the_right_department(text: str, department: str) -> None:
    decision = seed_router().decide(Query(text=text))
    assert decision.department == department
    assert not decision.triage
    assert decision.suggestions[0].department == department
    assert decision.confidence == decision.suggestions[0].score


def test_every_category_is_scored_and_runners_up_are_kept() -> None:
    decision = seed_router().decide(Query(text="facture de cantine fausse"))
    assert len(decision.suggestions) == 3
    scores = [s.score for s in decision.suggestions]
    assert scores == sorted(scores, reverse=True)
    assert len({s.department for s in decision.suggestions}) == 3


def test_below_the_threshold_the_request_goes_to_triage_with_three_suggestions() -> None:
    decision = seed_router(RuleSet(threshold=0.99)).decide(Query(text="facture de cantine"))
    assert decision.triage and decision.department == "accueil" and decision.rule == "triage"
    assert len(decision.suggestions) == 3
    assert decision.suggestions[0].department == "finances"
    assert (
        "file de tri" in decision.explanation and "Finances et facturation" in decision.explanation
    )


def test_the_explanation_names_the_model_the_score_and_the_words_as_written() -> None:
    decision = seed_router().decide(Query(text="Plusieurs lampadaires sont éteints"))
    assert decision.explanation.startswith("Modèle v1 : « Éclairage public »")
    assert "« lampadaires »" in decision.explanation
    assert "%" in decision.explanation


def test_a_place_rule_sends_field_work_in_that_street_to_its_department() -> None:
    rules = RuleSet(
        places=[
            PlaceRule(
                place="ZAC des Portes", department="espaces_verts", for_departments=["proprete"]
            )
        ]
    )
    router = seed_router(rules)
    dump = router.decide(
        Query(text="dépôt sauvage de gravats", address="3 rue de la ZAC des Portes")
    )
    assert (dump.department, dump.rule) == ("espaces_verts", "place:ZAC des Portes")
    assert "ZAC des Portes" in dump.explanation
    bill = router.decide(Query(text="facture de cantine erronée ZAC des Portes"))
    assert bill.department == "finances"  # not field work: the place rule does not apply


def test_rules_naming_unknown_categories_or_departments_are_refused() -> None:
    rules = RuleSet(
        form_types={"x": "licornes"}, places=[PlaceRule(place="rue Haute", department="nulle")]
    )
    problems = rules.problems(CATALOGUE)
    assert any("licornes" in p for p in problems)
    assert any("nulle" in p for p in problems)
    assert RuleSet().problems(CATALOGUE) == []


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


def test_the_routed_event_carries_versions_confidence_and_runners_up() -> None:
    source = envelope(submitted(category=None, subject=None, description="facture de cantine"))
    decision = seed_router().decide(Query.of(source.data))
    first = routed_event(source, decision, catalogue=CATALOGUE, settings=RoutingSettings())
    second = routed_event(source, decision, catalogue=CATALOGUE, settings=RoutingSettings())
    assert first.id == second.id and first.causation_id == source.id
    routed = first.data
    assert routed.department.label == "Finances et facturation"
    assert (routed.rules_version, routed.model_version, routed.triage) == (1, 1, False)
    assert routed.confidence == pytest.approx(decision.confidence, abs=1e-4)
    assert routed.suggestions[0].department.code == "finances"


def test_query_reads_the_form_type_and_the_address() -> None:
    request = submitted(form=FormData(form_type="candidature", fields={}), category=None)
    assert Query.of(request).form_type == "candidature"


def test_a_catalogue_naming_an_unknown_department_is_refused() -> None:
    raw = {
        "departments": {"a": "A"},
        "fallback_category": "x",
        "categories": [{"code": "x", "label": "X", "department": "b", "deadline_days": 1}],
    }
    with pytest.raises(ValueError, match="unknown department"):
        parse_catalogue(raw)
