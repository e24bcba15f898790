"""The town's catalogue of request categories and departments (reference data)."""

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).with_name("categories.yaml")


@dataclass(frozen=True)
class Category:
    code: str
    label: str
    department: str
    deadline_days: int
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    departments: dict[str, str]
    categories: dict[str, Category]
    fallback_category: str

    def category(self, code: str | None) -> Category | None:
        return self.categories.get(code) if code else None

    @property
    def fallback(self) -> Category:
        return self.categories[self.fallback_category]


def parse_catalogue(raw: dict[str, object]) -> Catalogue:
    departments = {str(k): str(v) for k, v in dict(raw["departments"]).items()}  # type: ignore[call-overload]
    categories: dict[str, Category] = {}
    for item in raw["categories"]:  # type: ignore[attr-defined]
        category = Category(
            code=item["code"],
            label=item["label"],
            department=item["department"],
            deadline_days=int(item["deadline_days"]),
            keywords=tuple(k.lower() for k in item.get("keywords", [])),
        )
        if category.department not in departments:
            raise ValueError(f"category {category.code}: unknown department {category.department}")
        categories[category.code] = category
    fallback = str(raw["fallback_category"])
    if fallback not in categories:
        raise ValueError(f"fallback category {fallback} is not in the catalogue")
    return Catalogue(departments=departments, categories=categories, fallback_category=fallback)


@cache
def load_catalogue(path: str | None = None) -> Catalogue:
    """The catalogue at CATALOGUE_PATH, or the bundled default."""
    source = Path(path or os.environ.get("CATALOGUE_PATH") or DEFAULT_PATH)
    return parse_catalogue(yaml.safe_load(source.read_text(encoding="utf-8")))
