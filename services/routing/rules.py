"""Which department handles a request, and why (pure logic)."""

import re
import unicodedata
from dataclasses import dataclass

from shared.catalogue import Catalogue, Category
from shared.events import RequestSubmitted


@dataclass(frozen=True)
class Decision:
    category: Category
    rule: str
    explanation: str


def _fold(text: str) -> str:
    stripped = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in stripped if not unicodedata.combining(c))


def _keyword_match(text: str, catalogue: Catalogue) -> tuple[Category, str] | None:
    folded = _fold(text)
    for category in catalogue.categories.values():
        for keyword in category.keywords:
            if re.search(rf"\b{re.escape(_fold(keyword))}\b", folded):
                return category, keyword
    return None


def decide(request: RequestSubmitted, catalogue: Catalogue) -> Decision:
    department = catalogue.departments
    if (category := catalogue.category(request.category)) is not None:
        return Decision(
            category,
            f"category:{category.code}",
            f"Catégorie « {category.label} » confiée au service {department[category.department]}.",
        )
    text = " ".join(filter(None, [request.subject, request.description]))
    if (match := _keyword_match(text, catalogue)) is not None:
        category, keyword = match
        return Decision(
            category,
            f"keyword:{category.code}",
            f"Le mot-clé « {keyword} » relève de la catégorie « {category.label} » "
            f"(service {department[category.department]}).",
        )
    fallback = catalogue.fallback
    reason = (
        f"Catégorie « {request.category} » inconnue"
        if request.category
        else "Aucune catégorie ni mot-clé reconnu"
    )
    return Decision(
        fallback,
        "fallback",
        f"{reason} : demande confiée au service {department[fallback.department]} "
        "pour orientation.",
    )
