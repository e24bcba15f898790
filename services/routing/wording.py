"""The French explanations agents read on every routing decision."""

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.routing.router import Decision, PlaceMatch, Router

Why = Callable[[str, str], str]
LIMIT = 1000  # the contract's maximum length


def percent(score: float) -> str:
    return f"{round(score * 100)} %"


def citizen_category(category: str, department: str) -> str:
    return f"Catégorie « {category} » choisie par l'usager : service {department}."


def form(form_type: str) -> Why:
    def why(category: str, department: str) -> str:
        return f"Formulaire « {form_type} » : catégorie « {category} », service {department}."

    return why


def channel(name: str) -> Why:
    def why(category: str, department: str) -> str:
        return (
            f"Demande reçue par le canal « {name} » : catégorie « {category} », "
            f"service {department}."
        )

    return why


def _words(words: list[str]) -> str:
    if not words:
        return "aucun mot déterminant"
    return "mots déterminants : " + ", ".join(f"« {w} »" for w in words)


def _others(router: "Router", decision: "Decision") -> str:
    others = [
        f"{router.catalogue.departments[s.department]} {percent(s.score)}"
        for s in decision.suggestions[1:]
    ]
    return f" Ensuite : {', '.join(others)}." if others else ""


def model(
    router: "Router", decision: "Decision", words: list[str], place: "PlaceMatch | None"
) -> str:
    departments = router.catalogue.departments
    text = (
        f"Modèle v{router.model_version} : « {decision.category.label} » "
        f"(service {departments[decision.department]}) à {percent(decision.confidence)} ; "
        f"{_words(words)}.{_others(router, decision)}"
    )
    if place:
        text += (
            f" Lieu « {place.place} » : confié au service {departments[place.department]} "
            f"(règles v{router.rules_version})."
        )
    return text[:LIMIT]


def triage(router: "Router", decision: "Decision", words: list[str]) -> str:
    departments = router.catalogue.departments
    suggestions = ", ".join(
        f"{departments[s.department]} {percent(s.score)}" for s in decision.suggestions
    )
    return (
        f"Confiance insuffisante ({percent(decision.confidence)}, seuil "
        f"{percent(router.rules.threshold)}) : demande placée dans la file de tri de l'accueil. "
        f"Suggestions : {suggestions} ; {_words(words)}."
    )[:LIMIT]
