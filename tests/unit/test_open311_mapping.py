"""Open311 mapping: catalogue to services, statuses, dates with time zone, public fields."""

from datetime import UTC, datetime

from services.open311.mapping import (
    category_from_rule,
    iso,
    open311_status,
    public_categories,
    request_item,
    service_item,
    statuses_for,
)
from services.open311.store import submitted_fields
from shared.catalogue import load_catalogue
from shared.events import Channel, FormData, Location, RequestStatus
from tests.factories import submitted

CATALOGUE = load_catalogue()
TZ = "Europe/Paris"


def test_a_service_describes_the_category_and_its_department() -> None:
    item = service_item(CATALOGUE.categories["eclairage"], CATALOGUE)
    assert item["service_code"] == "eclairage"
    assert item["service_name"] == "Éclairage public"
    assert item["group"] == "Services techniques"
    assert item["metadata"] is False and item["type"] == "realtime"
    assert "lampadaire" in item["keywords"].split(", ")


def test_private_categories_are_not_offered() -> None:
    codes = [c.code for c in public_categories(CATALOGUE, frozenset({"etat_civil"}))]
    assert "etat_civil" not in codes and "voirie" in codes


def test_statuses_map_to_open_and_closed() -> None:
    assert open311_status("in_progress") == "open"
    assert open311_status("waiting_citizen") == "open"
    assert {open311_status(s) for s in ("resolved", "closed", "cancelled")} == {"closed"}
    assert statuses_for({"closed"}) == ["cancelled", "closed", "resolved"]
    assert set(statuses_for({"open", "closed"})) == {s.value for s in RequestStatus}


def test_dates_carry_the_town_offset() -> None:
    assert iso(datetime(2026, 1, 15, 9, 30, 12, 345000, tzinfo=UTC), TZ) == (
        "2026-01-15T10:30:12+01:00"
    )
    assert iso(datetime(2026, 7, 1, 9, 0, tzinfo=UTC), TZ) == "2026-07-01T11:00:00+02:00"
    assert iso(None, TZ) is None


def test_the_category_comes_from_the_routing_rule() -> None:
    assert category_from_rule("keyword:eclairage", CATALOGUE) == "eclairage"
    assert category_from_rule("category:voirie", CATALOGUE) == "voirie"
    assert category_from_rule("fallback", CATALOGUE) == CATALOGUE.fallback_category
    assert category_from_rule("keyword:inconnue", CATALOGUE) is None
    assert category_from_rule("manual", CATALOGUE) is None


def test_a_request_shows_its_department_due_date_and_closed_status() -> None:
    doc = {
        "reference": "2026-O000007",
        "service_code": "voirie",
        "status": "resolved",
        "department_label": "Services techniques",
        "requested_at": datetime(2026, 3, 2, 8, 0, tzinfo=UTC),
        "updated_at": datetime(2026, 3, 4, 15, 0, tzinfo=UTC),
        "due_at": datetime(2026, 3, 16, 16, 30, tzinfo=UTC),
        "lat": 48.85,
        "long": 2.35,
    }
    item = request_item(doc, catalogue=CATALOGUE, timezone=TZ)
    assert item["service_request_id"] == "2026-O000007"
    assert item["status"] == "closed"
    assert item["agency_responsible"] == "Services techniques"
    assert item["service_name"].startswith("Voirie")
    assert item["requested_datetime"] == "2026-03-02T09:00:00+01:00"
    assert item["updated_datetime"] == "2026-03-04T16:00:00+01:00"
    assert item["expected_datetime"] == "2026-03-16T17:30:00+01:00"
    assert (item["lat"], item["long"], item["description"]) == (48.85, 2.35, None)


def test_open311_requests_keep_their_place_description_and_media() -> None:
    event = submitted(
        channel=Channel.OPEN311,
        location=Location(address="12 rue des Lilas", lat=48.8, lon=2.3),
        form=FormData(
            form_type="open311",
            fields={"address_id": "A12", "media_url": "https://img.example/1.jpg"},
        ),
    )
    fields = submitted_fields(event, CATALOGUE)
    assert fields["description"] == event.description
    assert (fields["address"], fields["address_id"], fields["lat"], fields["long"]) == (
        "12 rue des Lilas",
        "A12",
        48.8,
        2.3,
    )
    assert fields["media_url"] == "https://img.example/1.jpg"


def test_requests_of_other_channels_keep_no_personal_or_free_text_fields() -> None:
    event = submitted(
        channel=Channel.EMAIL, location=Location(address="3 impasse Privée", lat=48.8, lon=2.3)
    )
    fields = submitted_fields(event, CATALOGUE)
    assert set(fields) == {"reference", "channel", "service_code", "requested_at"}
    assert fields["service_code"] == "voirie"
    assert "Camille" not in repr(fields) and "Privée" not in repr(fields)


def test_an_unknown_category_waits_for_routing() -> None:
    assert submitted_fields(submitted(category="inconnue"), CATALOGUE)["service_code"] is None
