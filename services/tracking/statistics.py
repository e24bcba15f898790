"""Adoption statistics per department and ISO week, from tracking's own store (pure part).

Every figure is derived from fields the projection writes from events' own timestamps, so
rebuilding the store from the log gives the same figures (the backlog alone depends on now).

- received: requests submitted that week, by channel;
- touched share: of those, how many an agent worked on in Relais (claim, note, reply, status...);
- median hours to first response (reply, question or public status comment) and to resolution;
- deadline compliance: of those finished, the share finished by their due date;
- activity per agent: actions recorded in the department that week.
"""

import csv
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from statistics import median

from services.tracking import lifecycle
from shared.events import Channel
from shared.mongo import Document

DONE = {s.value for s in lifecycle.DONE}
AGE_BUCKETS = ((7, "moins_7j"), (30, "7_30j"), (None, "plus_30j"))


@dataclass
class Week:
    department: str
    week: str
    received: Counter[str] = field(default_factory=Counter)
    touched: int = 0
    first_response_hours: list[float] = field(default_factory=list)
    resolution_hours: list[float] = field(default_factory=list)
    met: int = 0
    missed: int = 0
    agents: Counter[str] = field(default_factory=Counter)


def iso_week(moment: datetime | date) -> str:
    year, week, _ = moment.isocalendar()
    return f"{year}-W{week:02d}"


def _hours(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds() / 3600, 2)


def weeks(requests: list[Document], actions: list[Document]) -> list[Week]:
    """One line per (department, week) from requests received and agents' actions."""
    lines: dict[tuple[str, str], Week] = {}

    def line(department: str, week: str) -> Week:
        return lines.setdefault((department, week), Week(department, week))

    for doc in requests:
        current = line(doc["department_code"], iso_week(doc["submitted_at"]))
        _count(current, doc)
    for entry in actions:
        line(entry["department_code"], iso_week(entry["at"])).agents[entry["actor"]] += 1
    return [lines[k] for k in sorted(lines)]


def _count(week: Week, doc: Document) -> None:
    submitted = doc["submitted_at"]
    week.received[doc.get("channel") or "inconnu"] += 1
    week.touched += bool(doc.get("touched_by_agent"))
    if doc.get("first_response_at"):
        week.first_response_hours.append(_hours(submitted, doc["first_response_at"]))
    if doc.get("status") in DONE and doc.get("finished_at"):
        week.resolution_hours.append(_hours(submitted, doc["finished_at"]))
        due = doc.get("due_at")
        if due is not None:
            if doc["finished_at"] <= due:
                week.met += 1
            else:
                week.missed += 1


def _median(values: list[float]) -> float | None:
    return round(median(values), 2) if values else None


def summary(week: Week) -> Document:
    received = sum(week.received.values())
    finished = week.met + week.missed
    return {
        "department": week.department,
        "week": week.week,
        "received": received,
        "received_by_channel": dict(sorted(week.received.items())),
        "touched_share": round(week.touched / received, 4) if received else None,
        "median_first_response_hours": _median(week.first_response_hours),
        "median_resolution_hours": _median(week.resolution_hours),
        "deadline_met": week.met,
        "deadline_missed": week.missed,
        "deadline_compliance": round(week.met / finished, 4) if finished else None,
        "activity_by_agent": dict(sorted(week.agents.items())),
    }


def backlog(open_requests: list[Document], *, now: datetime) -> dict[str, dict[str, int]]:
    """Open requests per department by age."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: {name: 0 for _, name in AGE_BUCKETS})
    for doc in open_requests:
        age = now - doc["submitted_at"]
        bucket = next(n for limit, n in AGE_BUCKETS if limit is None or age < timedelta(limit))
        found[doc["department_code"]][bucket] += 1
    return dict(sorted(found.items()))


CSV_CHANNELS = [c.value for c in Channel]


def to_csv(lines: list[Document]) -> str:
    """One row per department and week; channels and agents as their own columns."""
    agents = sorted({a for line in lines for a in line["activity_by_agent"]})
    header = [
        "department",
        "week",
        "received",
        *(f"received_{c}" for c in CSV_CHANNELS),
        "touched_share",
        "median_first_response_hours",
        "median_resolution_hours",
        "deadline_met",
        "deadline_missed",
        "deadline_compliance",
        *(f"agent_{a}" for a in agents),
    ]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for line in lines:
        channels = line["received_by_channel"]
        writer.writerow(
            [
                line["department"],
                line["week"],
                line["received"],
                *(channels.get(c, 0) for c in CSV_CHANNELS),
                *(_cell(line[k]) for k in header[3 + len(CSV_CHANNELS) : 9 + len(CSV_CHANNELS)]),
                *(line["activity_by_agent"].get(a, 0) for a in agents),
            ]
        )
    return out.getvalue()


def _cell(value: object) -> object:
    return "" if value is None else value
