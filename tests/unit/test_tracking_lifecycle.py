"""Allowed status moves and their French labels."""

from itertools import pairwise

import pytest

from services.tracking import lifecycle
from shared.events import RequestStatus

S = RequestStatus
HAPPY_PATH = [
    S.RECEIVED,
    S.ROUTED,
    S.IN_PROGRESS,
    S.WAITING_CITIZEN,
    S.IN_PROGRESS,
    S.RESOLVED,
    S.CLOSED,
]


def test_the_usual_life_of_a_request_is_allowed_step_by_step() -> None:
    for current, target in pairwise(HAPPY_PATH):
        assert lifecycle.can_move(current, target), (current, target)


@pytest.mark.parametrize("status", [S.RECEIVED, S.ROUTED, S.IN_PROGRESS, S.WAITING_CITIZEN])
def test_any_open_request_can_be_cancelled(status: RequestStatus) -> None:
    assert lifecycle.can_move(status, S.CANCELLED)


def test_a_cancelled_request_is_final() -> None:
    assert lifecycle.allowed_next(S.CANCELLED) == frozenset()
    assert lifecycle.next_statuses(S.CANCELLED) == []


def test_a_closed_request_can_only_be_reopened() -> None:
    assert lifecycle.allowed_next(S.CLOSED) == {S.IN_PROGRESS}


def test_a_resolved_request_can_be_reopened_or_closed() -> None:
    assert lifecycle.can_move(S.RESOLVED, S.IN_PROGRESS)
    assert lifecycle.can_move(S.RESOLVED, S.CLOSED)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.RECEIVED, S.RESOLVED),
        (S.ROUTED, S.CLOSED),
        (S.IN_PROGRESS, S.IN_PROGRESS),
        (S.IN_PROGRESS, S.RECEIVED),
        (S.WAITING_CITIZEN, S.CLOSED),
        (S.CLOSED, S.RESOLVED),
        (S.CANCELLED, S.IN_PROGRESS),
    ],
)
def test_skipping_or_going_back_is_refused(current: RequestStatus, target: RequestStatus) -> None:
    assert not lifecycle.can_move(current, target)


def test_every_status_has_a_french_label() -> None:
    assert set(lifecycle.LABELS) == set(S)
    assert lifecycle.label("received") == "reçue"
    assert lifecycle.label(S.ROUTED) == "transmise au service"
    assert lifecycle.label(S.IN_PROGRESS) == "en cours de traitement"
    assert lifecycle.label(S.WAITING_CITIZEN) == "en attente de votre réponse"
    assert lifecycle.label(S.RESOLVED) == "traitée"
    assert lifecycle.label(S.CLOSED) == "clôturée"
    assert lifecycle.label(S.CANCELLED) == "annulée"


def test_next_statuses_follow_the_order_of_a_request_s_life() -> None:
    assert lifecycle.next_statuses(S.IN_PROGRESS) == [S.WAITING_CITIZEN, S.RESOLVED, S.CANCELLED]


def test_a_refusal_says_in_french_what_is_possible() -> None:
    text = lifecycle.refusal(S.CLOSED, S.RESOLVED)
    assert "« clôturée »" in text and "« traitée »" in text
    assert "Statuts possibles : « en cours de traitement »" in text
    assert "aucun (statut définitif)" in lifecycle.refusal(S.CANCELLED, S.CLOSED)


def test_is_before_orders_statuses() -> None:
    assert lifecycle.is_before(S.RECEIVED, S.ROUTED)
    assert not lifecycle.is_before(S.IN_PROGRESS, S.ROUTED)
    assert not lifecycle.is_before(S.ROUTED, S.ROUTED)
