"""Server-rendered SVG charts and CSV for the statistics page (pure)."""

import csv
import io
from typing import Any

from services.console.wording import STATUSES

BAR = 26
GAP = 12
LABEL_W = 230
CHART_W = 520


def stacked_bars(lines: list[dict[str, Any]]) -> dict[str, Any]:
    """Geometry of one horizontal bar per department, stacked by status (template draws it)."""
    top = max((line["total"] for line in lines), default=0) or 1
    rows = []
    for index, line in enumerate(lines):
        x = LABEL_W
        segments = []
        for order, status in enumerate(STATUSES):
            count = line["by_status"].get(status, 0)
            width = count / top * CHART_W
            if count:
                segments.append(
                    {"x": x, "width": width, "css": f"s{order}", "count": count, "status": status}
                )
            x += width
        rows.append(
            {"y": index * (BAR + GAP), "label": line["label"], "total": line["total"],
             "overdue": line["overdue"], "segments": segments, "end": x}
        )  # fmt: skip
    height = max(len(rows) * (BAR + GAP), BAR)
    return {"rows": rows, "width": LABEL_W + CHART_W + 80, "height": height, "bar": BAR}


def department_lines(stats: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    lines = []
    for line in stats:
        department = line.get("department") or {}
        code = department.get("code")
        lines.append(
            {
                "code": code or "",
                "label": department.get("label") or labels.get(code or "", "Non attribuée"),
                "total": int(line.get("total", 0)),
                "overdue": int(line.get("overdue", 0)),
                "by_status": {k: int(v) for k, v in (line.get("by_status") or {}).items()},
            }
        )
    return lines


def to_csv(lines: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["service", "code", "total", "en_retard", *STATUSES])
    for line in lines:
        counts = [line["by_status"].get(s, 0) for s in STATUSES]
        writer.writerow([line["label"], line["code"], line["total"], line["overdue"], *counts])
    return out.getvalue()
