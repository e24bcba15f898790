"""GET requests filters: date window, statuses, ids override."""

from datetime import UTC, datetime, timedelta

import pytest

from services.open311.formats import Open311Error
from services.open311.queries import WINDOW, parse_query

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _query(**filters: str | None):  # type: ignore[no-untyped-def]
    arguments: dict[str, str | None] = dict.fromkeys(
        ("service_request_id", "service_code", "start_date", "end_date", "status")
    )
    arguments.update(filters)
    return parse_query(**arguments, now=NOW)


def _refused(**filters: str | None) -> str:
    with pytest.raises(Open311Error) as caught:
        _query(**filters)
    assert caught.value.status == 400
    return caught.value.descriptions[0]


def test_the_default_window_is_the_last_90_days() -> None:
    query = _query()
    assert (query.start, query.end) == (NOW - WINDOW, NOW)
    assert query.statuses == () and query.service_codes == ()


def test_a_start_alone_opens_90_days_and_an_end_alone_closes_them() -> None:
    start = _query(start_date="2026-01-01T00:00:00+01:00")
    assert start.end is not None and start.start is not None
    assert start.end - start.start == WINDOW
    end = _query(end_date="2026-02-01T00:00:00Z")
    assert end.end == datetime(2026, 2, 1, tzinfo=UTC)


def test_dates_need_a_time_zone_and_a_range_of_at_most_90_days() -> None:
    assert "fuseau horaire" in _refused(start_date="2026-01-01T00:00:00")
    assert "ISO 8601" in _refused(end_date="hier")
    assert "90 jours" in _refused(start_date="2026-01-01T00:00:00Z", end_date="2026-05-01T00:00Z")
    assert "postérieure" in _refused(
        start_date="2026-02-01T00:00:00Z", end_date="2026-01-01T00:00Z"
    )
    assert "limites" in _refused(start_date="9999-12-30T00:00:00Z")


def test_statuses_and_service_codes_are_comma_separated() -> None:
    query = _query(status="closed", service_code="voirie, eclairage,voirie")
    assert query.service_codes == ("voirie", "eclairage")
    assert set(query.statuses) == {"resolved", "closed", "cancelled"}
    assert "status inconnu" in _refused(status="open,ouvert")


def test_listed_ids_override_the_other_filters() -> None:
    query = _query(service_request_id="2026-O000001,2026-P000002", status="bogus")
    assert query.references == ("2026-O000001", "2026-P000002")
    assert query.start is None and query.statuses == ()


def test_the_window_is_computed_from_now() -> None:
    later = parse_query(
        service_request_id=None,
        service_code=None,
        start_date=None,
        end_date=None,
        status="open",
        now=NOW + timedelta(days=1),
    )
    assert later.end == NOW + timedelta(days=1)
