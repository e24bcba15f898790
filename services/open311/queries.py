"""The filters of GET requests, checked and turned into a bounded search (pure)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from services.open311.formats import Open311Error
from services.open311.mapping import statuses_for

WINDOW = timedelta(days=90)
MAX_RESULTS = 1000


@dataclass(frozen=True)
class RequestQuery:
    references: tuple[str, ...] = ()
    service_codes: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None


def _csv(value: str | None) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v.strip() for v in (value or "").split(",") if v.strip()))


def parse_datetime(value: str, *, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise Open311Error(
            400, f"{name} : date invalide (ISO 8601 attendu, ex. 2026-03-01T08:00:00+01:00)."
        ) from None
    if moment.tzinfo is None:
        raise Open311Error(400, f"{name} : le fuseau horaire est obligatoire (Z ou +01:00).")
    return moment


def _window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    try:
        if start is None:
            end = end or now
            return end - WINDOW, end
        if end is None:
            return start, start + WINDOW
    except OverflowError:
        raise Open311Error(400, "Date hors des limites acceptées.") from None
    if end < start:
        raise Open311Error(400, "end_date doit être postérieure à start_date.")
    if end - start > WINDOW:
        raise Open311Error(400, "La période demandée ne peut dépasser 90 jours.")
    return start, end


def parse_query(
    *,
    service_request_id: str | None,
    service_code: str | None,
    start_date: str | None,
    end_date: str | None,
    status: str | None,
    now: datetime,
) -> RequestQuery:
    """Per the spec, listed service_request_ids override every other filter."""
    references = _csv(service_request_id)
    if len(references) > MAX_RESULTS:
        raise Open311Error(400, f"Au plus {MAX_RESULTS} service_request_id par appel.")
    if references:
        return RequestQuery(references=references)
    wanted = {s.lower() for s in _csv(status)}
    if unknown := wanted - {"open", "closed"}:
        raise Open311Error(
            400, f"status inconnu : {', '.join(sorted(unknown))} (valeurs : open, closed)."
        )
    start = parse_datetime(start_date, name="start_date") if start_date else None
    end = parse_datetime(end_date, name="end_date") if end_date else None
    start, end = _window(start, end, now)
    return RequestQuery(
        service_codes=_csv(service_code),
        statuses=tuple(statuses_for(wanted)) if wanted else (),
        start=start,
        end=end,
    )
