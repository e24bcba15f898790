"""Which department handles a request, and why: rules first, then the classifier (pure logic)."""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy.sparse import csr_matrix

from services.routing import wording
from services.routing.classifier import Classifier
from services.routing.ruleset import RuleSet
from services.routing.text import fold
from shared.catalogue import Catalogue, Category
from shared.events import RequestSubmitted

SUGGESTIONS = 3


@dataclass(frozen=True)
class Query:
    """What routing reads of a request (also what the history keeps for replays)."""

    text: str
    category: str | None = None
    channel: str | None = None
    form_type: str | None = None
    address: str | None = None

    @classmethod
    def of(cls, request: RequestSubmitted) -> "Query":
        return cls(
            text=" ".join(filter(None, [request.subject, request.description])),
            category=request.category,
            channel=request.channel.value,
            form_type=request.form.form_type if request.form else None,
            address=request.location.address if request.location else None,
        )


@dataclass(frozen=True)
class Suggestion:
    department: str
    category: str
    score: float


@dataclass(frozen=True)
class Decision:
    category: Category
    department: str
    rule: str
    confidence: float
    suggestions: tuple[Suggestion, ...]
    triage: bool
    explanation: str
    ruleset_version: int
    model_version: int


@dataclass(frozen=True)
class Router:
    """One version of the rules and one of the model, applied together."""

    catalogue: Catalogue
    rules: RuleSet
    rules_version: int
    classifier: Classifier
    model_version: int

    def decide(self, query: Query) -> Decision:
        return self.decide_many([query])[0]

    def decide_many(self, queries: Sequence[Query]) -> list[Decision]:
        """Batch form: the classifier runs once over every query the rules leave to it."""
        decisions: list[Decision | None] = [self._by_rule(q) for q in queries]
        pending = [i for i, d in enumerate(decisions) if d is None]
        if pending:
            features = self.classifier.matrix([queries[i].text for i in pending])
            scores = self.classifier.scores(features)
            for n, (i, row) in enumerate(zip(pending, scores, strict=True)):
                decisions[i] = self._by_model(queries[i], row, features[n])
        return [d for d in decisions if d is not None]

    def _by_rule(self, query: Query) -> Decision | None:
        rules, chosen = self.rules, self.catalogue.category(query.category)
        if chosen and rules.trust_citizen_category and chosen.code not in rules.classify_categories:
            return self._certain(chosen, f"category:{chosen.code}", wording.citizen_category)
        if query.form_type and (code := rules.form_types.get(query.form_type)):
            return self._certain(
                self.catalogue.categories[code],
                f"form:{query.form_type}",
                wording.form(query.form_type),
            )
        if query.channel and (code := rules.channels.get(query.channel)):  # type: ignore[call-overload]
            return self._certain(
                self.catalogue.categories[code],
                f"channel:{query.channel}",
                wording.channel(query.channel),
            )
        return None

    def _certain(self, category: Category, rule: str, why: wording.Why) -> Decision:
        label = self.catalogue.departments[category.department]
        return Decision(
            category=category,
            department=category.department,
            rule=rule,
            confidence=1.0,
            suggestions=(Suggestion(category.department, category.code, 1.0),),
            triage=False,
            explanation=why(category.label, label),
            ruleset_version=self.rules_version,
            model_version=self.model_version,
        )

    def _by_model(self, query: Query, row: np.ndarray, features: csr_matrix) -> Decision:
        ranked = self._departments(row)
        best = ranked[0]
        category = self.catalogue.categories[best.category]
        words = self.classifier.reasons(query.text, best.category, row=features)
        decision = Decision(
            category=category,
            department=best.department,
            rule=f"model:v{self.model_version}",
            confidence=best.score,
            suggestions=tuple(ranked[:SUGGESTIONS]),
            triage=False,
            explanation="",
            ruleset_version=self.rules_version,
            model_version=self.model_version,
        )
        if best.score < self.rules.threshold:
            return self._triage(decision, words)
        place = self._place(query, best.department)
        explanation = wording.model(self, decision, words, place)
        department = place.department if place else best.department
        rule = f"place:{place.place}" if place else decision.rule
        return replace(decision, department=department, rule=rule, explanation=explanation)

    def _departments(self, row: np.ndarray) -> list[Suggestion]:
        """Category probabilities summed per department, best category kept for each."""
        totals: dict[str, float] = defaultdict(float)
        best: dict[str, tuple[float, str]] = {}
        for code, score in zip(self.classifier.categories, row, strict=True):
            department = self.catalogue.categories[code].department
            totals[department] += float(score)
            best[department] = max(best.get(department, (-1.0, code)), (float(score), code))
        ranked = sorted(totals.items(), key=lambda kv: kv[1], reverse=True)
        return [Suggestion(d, best[d][1], round(s, 4)) for d, s in ranked]

    def _triage(self, decision: Decision, words: list[str]) -> Decision:
        fallback = self.catalogue.fallback
        return replace(
            decision,
            category=fallback,
            department=fallback.department,
            rule="triage",
            triage=True,
            explanation=wording.triage(self, decision, words),
        )

    def _place(self, query: Query, department: str) -> "PlaceMatch | None":
        haystack = f" {fold(' '.join(filter(None, [query.address, query.text])))} "
        for rule in self.rules.places:
            applies = not rule.for_departments or department in rule.for_departments
            if applies and f" {fold(rule.place)} " in haystack:
                return PlaceMatch(rule.place, rule.department)
        return None


@dataclass(frozen=True)
class PlaceMatch:
    place: str
    department: str
