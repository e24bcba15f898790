"""`make bench`: pipeline figures and raw baselines, measured in the same run on this machine.

`BENCH_ONLY=store,pipeline` runs only those phases (default: all, in the order of
`tests.bench.phases.PHASES`); each phase's figures are merged into var/bench/latest.json as
soon as it ends, replacing only that phase's former figures.
"""

import asyncio
import os
import sys
import time

from tests.bench import results
from tests.bench.phases import PHASES, Figures, settings


def chosen(value: str | None) -> list[str]:
    """The phases named in BENCH_ONLY (comma-separated), in run order; all when unset."""
    if not value or not value.strip():
        return list(PHASES)
    names = {name.strip() for name in value.split(",") if name.strip()}
    if unknown := names - PHASES.keys():
        raise SystemExit(
            f"BENCH_ONLY: unknown phase(s) {', '.join(sorted(unknown))}; "
            f"choose among {','.join(PHASES)}"
        )
    return [name for name in PHASES if name in names]


async def run(phases: list[str]) -> Figures:
    measured: Figures = {}
    for phase in phases:
        print(f"== bench phase: {phase}", flush=True)
        started = time.perf_counter()
        figures = await PHASES[phase]()
        seconds = time.perf_counter() - started
        print(f"== bench phase: {phase} took {seconds:,.0f} s", flush=True)
        how = settings() | {"seconds": round(seconds, 1)}
        results.save(results.merge(results.load(), phase, figures, how))
        measured |= figures
    return measured


def main() -> None:
    phases = chosen(os.environ.get("BENCH_ONLY"))
    measured = asyncio.run(run(phases))
    merged = results.load()
    ratios = {k: v for k, v in merged.items() if k.startswith("ratio_")}
    title = "Relais bench (this machine, one run)"
    if phases != list(PHASES):
        title = f"Relais bench: {', '.join(phases)} (ratios from {results.LATEST})"
    results.report(measured | ratios, title)
    print(f"figures merged into {results.LATEST}", file=sys.stderr)


if __name__ == "__main__":
    main()
