"""Training sets from the seed examples and the town's history; held-out accuracy."""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from services.routing.classifier import Classifier, Example, Hyperparameters, fit
from services.routing.examples import is_held_out, keyword_examples, phrases
from shared.catalogue import Catalogue


@dataclass(frozen=True)
class Label:
    """A request's corrected department, from an agent's transfer."""

    key: str  # the request id: decides the held-out side
    text: str
    department: str
    category: str | None = None


@dataclass(frozen=True)
class TrainingSet:
    train: list[Example]
    held_out: list[Example]


def category_for(label: Label, catalogue: Catalogue) -> str:
    """The label's category if it belongs to its department, else the department's first."""
    known = catalogue.category(label.category)
    if known is not None and known.department == label.department:
        return known.code
    return next(c.code for c in catalogue.categories.values() if c.department == label.department)


def training_set(
    *,
    catalogue: Catalogue,
    seed: Sequence[Example],
    labels: Sequence[Label],
    params: Hyperparameters,
) -> TrainingSet:
    """Seed and history, each split in the same stable way; keywords always trained on."""
    history = [
        (label.key, Example(label.text, category_for(label, catalogue), params.history_weight))
        for label in labels
        if label.department in catalogue.departments
    ]
    keyed = [(e.text, e) for e in seed] + history
    train = [e for key, e in keyed if not is_held_out(key)] + keyword_examples(catalogue)
    held_out = [e for key, e in keyed if is_held_out(key)]
    return TrainingSet(train=train, held_out=held_out)


def train(data: TrainingSet, *, catalogue: Catalogue, params: Hyperparameters) -> Classifier:
    return fit(data.train, phrases=phrases(catalogue), params=params)


def department_accuracy(
    classifier: Classifier, examples: Sequence[Example], catalogue: Catalogue
) -> float:
    """Share of held-out texts whose most probable department is the right one (weighted)."""
    if not examples:
        return 1.0
    rows = classifier.probabilities([e.text for e in examples])
    departments = [catalogue.categories[c].department for c in classifier.categories]
    names = sorted(set(departments))
    membership = np.array([[d == name for name in names] for d in departments], dtype=float)
    predicted = np.asarray(rows @ membership).argmax(axis=1)
    right = sum(
        e.weight
        for e, p in zip(examples, predicted, strict=True)
        if names[p] == catalogue.categories[e.category].department
    )
    return float(right / sum(e.weight for e in examples))
