"""A request's statuses: which moves are allowed, and how citizens and agents read them (pure)."""

from shared.events import RequestStatus

S = RequestStatus

LABELS: dict[RequestStatus, str] = {
    S.RECEIVED: "reçue",
    S.ROUTED: "transmise au service",
    S.IN_PROGRESS: "en cours de traitement",
    S.WAITING_CITIZEN: "en attente de votre réponse",
    S.RESOLVED: "traitée",
    S.CLOSED: "clôturée",
    S.CANCELLED: "annulée",
}
FINAL = frozenset({S.CLOSED, S.CANCELLED})
FINISHED = frozenset({S.RESOLVED, S.CLOSED})
"""Work is over; a message from the citizen may still reopen the request."""
DONE = frozenset({S.RESOLVED, S.CLOSED, S.CANCELLED})
"""No longer waiting for the town: never overdue."""
REOPENS_TO = S.IN_PROGRESS

_FORWARD: dict[RequestStatus, frozenset[RequestStatus]] = {
    S.RECEIVED: frozenset({S.ROUTED}),
    S.ROUTED: frozenset({S.IN_PROGRESS}),
    S.IN_PROGRESS: frozenset({S.WAITING_CITIZEN, S.RESOLVED}),
    S.WAITING_CITIZEN: frozenset({S.IN_PROGRESS}),
    S.RESOLVED: frozenset({S.CLOSED, REOPENS_TO}),
    S.CLOSED: frozenset({REOPENS_TO}),
    S.CANCELLED: frozenset(),
}
# Order of progress, so that a late routing decision never moves a request back.
_RANK = {status: rank for rank, status in enumerate(S)}


def allowed_next(current: RequestStatus) -> frozenset[RequestStatus]:
    """Statuses an agent may move a request to from `current`."""
    cancel = frozenset() if current in FINAL else frozenset({S.CANCELLED})
    return _FORWARD[current] | cancel


def can_move(current: RequestStatus, target: RequestStatus) -> bool:
    return target in allowed_next(current)


def is_before(status: RequestStatus, other: RequestStatus) -> bool:
    """True when `status` comes earlier than `other` in a request's life."""
    return _RANK[status] < _RANK[other]


def label(status: RequestStatus | str) -> str:
    return LABELS[RequestStatus(status)]


def next_statuses(current: RequestStatus) -> list[RequestStatus]:
    """`allowed_next` in the order of a request's life."""
    return sorted(allowed_next(current), key=_RANK.__getitem__)


def refusal(current: RequestStatus, target: RequestStatus) -> str:
    """French explanation of a refused move, for the agent."""
    options = next_statuses(current)
    possible = ", ".join(f"« {LABELS[s]} »" for s in options) or "aucun (statut définitif)"
    return (
        f"Impossible de passer une demande « {LABELS[current]} » au statut "
        f"« {LABELS[target]} ». Statuts possibles : {possible}."
    )
