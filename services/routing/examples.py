"""The seed training examples kept in the repository, and the catalogue's own keywords."""

import hashlib
import os
from pathlib import Path

import structlog
import yaml

from services.routing.classifier import Example
from shared.catalogue import Catalogue

log = structlog.get_logger(__name__)
DEFAULT_EXAMPLES = Path(__file__).parent / "data" / "examples.yaml"
HELD_OUT_EVERY = 5  # one text in five is kept out of training to judge new versions


def load_seed(catalogue: Catalogue, path: str | None = None) -> list[Example]:
    """Examples at ROUTING_EXAMPLES_PATH (or bundled), for the catalogue's categories only."""
    source = Path(path or os.environ.get("ROUTING_EXAMPLES_PATH") or DEFAULT_EXAMPLES)
    raw = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    unknown = sorted(c for c in raw if catalogue.category(c) is None)
    if unknown:  # a town's own catalogue: its keywords still train, say what was left out
        log.warning("routing.examples_skipped", categories=unknown, path=str(source))
    return [
        Example(str(text), category)
        for category, texts in raw.items()
        if category not in unknown
        for text in texts or []
    ]


def keyword_examples(catalogue: Catalogue) -> list[Example]:
    """Each catalogue keyword is a tiny example of its category (always trained on)."""
    return [
        Example(keyword, code)
        for code, category in catalogue.categories.items()
        for keyword in category.keywords
    ]


def phrases(catalogue: Catalogue) -> list[str]:
    """Multi-word expressions of the catalogue (« salle des fêtes », « nid de poule »)."""
    return [k for c in catalogue.categories.values() for k in c.keywords if " " in k.strip()]


def is_held_out(key: str) -> bool:
    """Stable split: the same text or request is always on the same side."""
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % HELD_OUT_EVERY == 0
