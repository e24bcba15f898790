"""var/bench/latest.json: every phase's latest figures, merged, with when and how each was run.

The figures stay flat at the top level (name -> number); `phases` records, per phase, when it
was measured, its settings and the names it wrote, so that running one phase again replaces
its own figures and leaves the others'. Ratios are recomputed from whatever is there.
"""

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

LATEST = Path("var/bench/latest.json")
PHASES = "phases"
# name -> (numerator, denominator): the pipeline against the raw baselines of the same run.
RATIOS = {
    "ratio_portal_to_raw_produce": ("portal_accepts_per_s", "raw_kafka_produce_per_s"),
    "ratio_e2e_to_raw_produce_consume": ("e2e_requests_per_s", "raw_kafka_produce_consume_per_s"),
    "ratio_e2e_to_raw_insert_one": ("e2e_requests_per_s", "raw_store_insert_one_per_s"),
}
PER_SIZE = re.compile(r"^(tracking_event|store_update)_ms_at_(\d+k)$")


def merge(
    previous: dict[str, Any], phase: str, figures: dict[str, float], settings: dict[str, float]
) -> dict[str, Any]:
    """`previous` with `phase`'s former figures replaced by `figures`."""
    phases = dict(previous.get(PHASES, {}))
    stale = set(phases.get(phase, {}).get("figures", ()))
    merged = {k: v for k, v in previous.items() if k != PHASES and k not in stale}
    merged |= figures
    phases[phase] = {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **settings,
        "figures": sorted(figures),
    }
    return merged | {PHASES: phases}


def ratios(figures: dict[str, Any]) -> dict[str, float]:
    """Each ratio whose two sides were measured; per-size figures against their 1k figure."""
    found = {
        name: figures[top] / figures[bottom]
        for name, (top, bottom) in RATIOS.items()
        if top in figures and bottom in figures
    }
    for key, value in figures.items():
        match = PER_SIZE.match(key)
        if match and match[2] != "1k" and (small := figures.get(f"{match[1]}_ms_at_1k")):
            found[f"ratio_{match[1]}_{match[2]}_to_1k"] = value / small
    return found


def load(path: Path = LATEST) -> dict[str, Any]:
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return loaded


def save(results: dict[str, Any], path: Path = LATEST) -> None:
    without_ratios = {k: v for k, v in results.items() if not k.startswith("ratio_")}
    final = without_ratios | ratios(without_ratios)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(final, indent=2) + "\n")
    tmp.replace(path)


def report(figures: dict[str, float], title: str) -> None:
    table = Table(title=title)
    table.add_column("figure")
    table.add_column("value", justify="right")
    for name, value in figures.items():
        table.add_row(name, f"{value:.3f}" if name.startswith("ratio") else f"{value:,.1f}")
    Console(width=100).print(table)
