"""The statistics page's weekly adoption figures, against a fake tracking API."""

import httpx

from services.console import adoption
from tests.unit.test_console_pages import FakeTracking, logged_in

WEEK = {
    "department": "services_techniques",
    "week": "2026-W49",
    "received": 4,
    "received_by_channel": {"email": 1, "portal": 3},
    "touched_share": 0.75,
    "median_first_response_hours": 3.5,
    "median_resolution_hours": 72.0,
    "deadline_met": 1,
    "deadline_missed": 1,
    "deadline_compliance": 0.5,
    "activity_by_agent": {"julie": 5},
}
ADOPTION = {
    "start": "2026-10-07",
    "end": "2026-12-03",
    "weeks": [WEEK],
    "backlog_by_age": {"services_techniques": {"moins_7j": 2, "7_30j": 1, "plus_30j": 0}},
}


class Adoption(FakeTracking):
    def __call__(self, request: httpx.Request) -> httpx.Response:
        if request.url.path == "/v1/stats/adoption":
            self.seen.append(request)
            if request.url.params.get("format") == "csv":
                return httpx.Response(200, text="department,week\nservices_techniques,2026-W49\n")
            return httpx.Response(200, json=ADOPTION)
        return super().__call__(request)


def test_administrators_see_weekly_figures_charts_and_backlog() -> None:
    fake = Adoption()
    page = logged_in(fake, admin="oui").get("/statistiques").text
    assert "Adoption par semaine" in page
    table = page.split("Chiffres par service et par semaine")[1]
    for figure in ("2026-W49", "75 %", "3,5 h", "3,0 j", "50 %", "julie : 5", "Portail : 3"):
        assert figure in table, figure
    assert "<title>Portail : 3</title>" in page  # the stacked bar's segment
    assert 'href="/statistiques/adoption.csv"' in page
    backlog = page.split("Demandes en cours par ancienneté")[1]
    assert "<td>2</td><td>1</td><td>0</td>" in backlog


def test_agents_do_not_ask_for_the_weekly_figures() -> None:
    fake = Adoption()
    page = logged_in(fake).get("/statistiques").text
    assert "Adoption par semaine" not in page
    assert not any(r.url.path == "/v1/stats/adoption" for r in fake.seen)


def test_the_csv_export_is_trackings_own() -> None:
    fake = Adoption()
    answer = logged_in(fake, admin="oui").get("/statistiques/adoption.csv")
    assert answer.status_code == 200
    assert answer.text.startswith("department,week\nservices_techniques,2026-W49")
    assert "attachment" in answer.headers["content-disposition"]


def test_bar_widths_are_proportional_to_the_busiest_week() -> None:
    lines = adoption.rows([WEEK, {**WEEK, "week": "2026-W50", "received": 2,
                                  "received_by_channel": {"portal": 2}}], {})  # fmt: skip
    chart = adoption.channel_bars(lines)
    first, second = chart["rows"]
    assert sum(s["width"] for s in first["segments"]) == 2 * second["segments"][0]["width"]
    assert adoption.share_bars(lines)["rows"][0]["segments"][0]["width"] > 0
