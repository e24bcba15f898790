"""Accuracy and per-department confusion of a router over a labelled evaluation set."""

from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from services.routing.router import Query, Router


@dataclass(frozen=True)
class Case:
    department: str
    text: str


@dataclass(frozen=True)
class Report:
    total: int
    right: int
    confident_wrong: int  # sent with enough confidence to a wrong department
    triaged: int  # sent to the triage queue (right only when the answer is the front desk)
    confusion: Counter[tuple[str, str]]  # (expected, decided) -> count

    @property
    def accuracy(self) -> float:
        return self.right / self.total

    @property
    def confident_wrong_rate(self) -> float:
        return self.confident_wrong / self.total

    @property
    def triage_rate(self) -> float:
        return self.triaged / self.total


def load_cases(path: Path) -> list[Case]:
    """`department<TAB>text` lines; `#` starts a comment line."""
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        department, sep, text = line.partition("\t")
        if not sep or not text.strip():
            raise ValueError(f"{path}:{number}: expected department<TAB>text")
        cases.append(Case(department.strip(), text.strip()))
    return cases


def evaluate(router: Router, cases: list[Case]) -> Report:
    decisions = router.decide_many([Query(text=c.text) for c in cases])
    confusion: Counter[tuple[str, str]] = Counter()
    right = wrong = triaged = 0
    for case, decision in zip(cases, decisions, strict=True):
        decided = "triage" if decision.triage else decision.department
        confusion[(case.department, decided)] += 1
        triaged += decision.triage
        if decision.department == case.department:
            right += 1
        elif not decision.triage:
            wrong += 1
    return Report(len(cases), right, wrong, triaged, confusion)


def render(report: Report) -> str:
    """Plain-text summary: the figures, then every row of the confusion that is not perfect."""
    lines = [
        f"routing evaluation: {report.total} requests, accuracy {report.accuracy:.1%}, "
        f"sent confidently to a wrong department {report.confident_wrong_rate:.1%}, "
        f"triage {report.triage_rate:.1%}",
        "per department: expected -> decided (count)",
    ]
    expected = sorted({e for e, _ in report.confusion})
    for department in expected:
        row = {d: n for (e, d), n in report.confusion.items() if e == department}
        total, ok = sum(row.values()), row.get(department, 0)
        misses = ", ".join(f"{d} {n}" for d, n in sorted(row.items()) if d != department)
        lines.append(f"  {department:<22} {ok:>3}/{total:<3} {misses}")
    return "\n".join(lines)
