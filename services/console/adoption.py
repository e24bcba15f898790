"""Weekly adoption figures from tracking, as chart geometry and table rows (pure)."""

from typing import Any

from services.console.charts import BAR, CHART_W, GAP, LABEL_W
from services.console.wording import CHANNELS

AGE_LABELS = {
    "moins_7j": "moins de 7 jours",
    "7_30j": "7 à 30 jours",
    "plus_30j": "plus de 30 jours",
}


def _label(code: str, departments: dict[str, str]) -> str:
    return departments.get(code, code)


def rows(weeks: list[dict[str, Any]], departments: dict[str, str]) -> list[dict[str, Any]]:
    """One table row per department and week, figures formatted in French."""
    return [
        {
            "label": f"{_label(w['department'], departments)}, {w['week']}",
            "department": _label(w["department"], departments),
            "week": w["week"],
            "received": int(w.get("received") or 0),
            "by_channel": {k: int(v) for k, v in (w.get("received_by_channel") or {}).items()},
            "touched": percent(w.get("touched_share")),
            "first_response": hours(w.get("median_first_response_hours")),
            "resolution": hours(w.get("median_resolution_hours")),
            "compliance": percent(w.get("deadline_compliance")),
            "share": float(w.get("touched_share") or 0),
            "agents": dict(w.get("activity_by_agent") or {}),
        }
        for w in weeks
    ]


def percent(value: float | None) -> str:
    return "—" if value is None else f"{round(value * 100)} %"


def hours(value: float | None) -> str:
    if value is None:
        return "—"
    return (
        f"{value:.1f} h".replace(".", ",")
        if value < 48
        else f"{value / 24:.1f} j".replace(".", ",")
    )


def channel_bars(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """One bar per department and week, stacked by channel of arrival."""
    top = max((line["received"] for line in lines), default=0) or 1
    bars = []
    for index, line in enumerate(lines):
        x, segments = float(LABEL_W), []
        for order, channel in enumerate(CHANNELS):
            count = line["by_channel"].get(channel, 0)
            width = count / top * CHART_W
            if count:
                segments.append({"x": x, "width": width, "css": f"s{order}", "count": count,
                                 "label": CHANNELS[channel]})  # fmt: skip
            x += width
        bars.append({"y": index * (BAR + GAP), "label": line["label"], "segments": segments,
                     "end": x, "total": line["received"]})  # fmt: skip
    return _frame(bars)


def share_bars(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """One bar per department and week: the share of requests an agent worked on in Relais."""
    bars = [
        {"y": index * (BAR + GAP), "label": line["label"], "end": LABEL_W + line["share"] * CHART_W,
         "total": line["touched"],
         "segments": [{"x": LABEL_W, "width": line["share"] * CHART_W, "css": "s1",
                       "count": line["touched"], "label": "traitées dans Relais"}]}
        for index, line in enumerate(lines)
    ]  # fmt: skip
    return _frame(bars)


def _frame(bars: list[dict[str, Any]]) -> dict[str, Any]:
    height = max(len(bars) * (BAR + GAP), BAR)
    return {"rows": bars, "width": LABEL_W + CHART_W + 90, "height": height, "bar": BAR}


def backlog(found: dict[str, dict[str, int]], departments: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"department": _label(code, departments), "ages": [ages.get(k, 0) for k in AGE_LABELS]}
        for code, ages in found.items()
    ]
