"""The town's catalogue: every department a commune of ~27,000 has, replaceable by configuration."""

from services.open311.settings import Open311Settings
from services.routing.classifier import Hyperparameters
from services.routing.examples import load_seed
from services.routing.router import Query, Router
from services.routing.ruleset import RuleSet
from services.routing.training import train, training_set
from shared.catalogue import parse_catalogue
from tests.routing_support import CATALOGUE

DEPARTMENTS = {
    "etat_civil", "urbanisme", "services_techniques", "proprete", "espaces_verts", "education",
    "finances", "culture", "sport_associations", "ccas", "police_municipale",
    "ressources_humaines", "cimetiere", "logement", "communication", "accueil",
}  # fmt: skip
# Codes other services rely on: the portal's forms, Open311's private services, older requests.
STABLE_CODES = {
    "voirie", "eclairage", "proprete", "espaces_verts", "etat_civil", "urbanisme",
    "inscription_scolaire", "occupation_domaine_public", "candidature",
    "tranquillite_publique", "action_sociale", "general",
}  # fmt: skip


def test_every_department_of_the_town_has_categories_deadlines_and_keywords() -> None:
    assert set(CATALOGUE.departments) == DEPARTMENTS
    for department in DEPARTMENTS:
        mine = [c for c in CATALOGUE.categories.values() if c.department == department]
        assert mine, department
        assert all(c.deadline_days > 0 and c.keywords and c.label for c in mine)


def test_category_codes_other_services_use_are_kept() -> None:
    assert set(CATALOGUE.categories) >= STABLE_CODES
    assert CATALOGUE.fallback.department == "accueil"


def test_every_seed_example_names_a_category_and_every_category_has_examples() -> None:
    seed = load_seed(CATALOGUE)
    assert {e.category for e in seed} == set(CATALOGUE.categories)
    assert len(seed) >= 300


def test_a_town_catalogue_of_its_own_routes_with_its_keywords_and_fitted_rules() -> None:
    town = parse_catalogue(
        {
            "departments": {"mairie": "Mairie", "voirie": "Voirie", "fetes": "Fêtes"},
            "fallback_category": "autre",
            "categories": [
                {"code": "autre", "label": "Autre", "department": "mairie", "deadline_days": 5},
                {"code": "trous", "label": "Trous", "department": "voirie", "deadline_days": 5,
                 "keywords": ["nid de poule", "trou dans la route", "chaussée abîmée"]},
                {"code": "salles", "label": "Salles", "department": "fetes", "deadline_days": 5,
                 "keywords": ["salle des fêtes", "réserver une salle", "location de salle"]},
            ],
        }
    )  # fmt: skip
    rules = RuleSet().fitted_to(town)
    assert rules.problems(town) == [] and rules.form_types == {}
    seed = load_seed(town)  # the bundled examples name other categories: left out
    assert seed == []
    params = Hyperparameters()
    data = training_set(catalogue=town, seed=seed, labels=[], params=params)
    router = Router(town, rules, 1, train(data, catalogue=town, params=params), 1)
    assert router.decide(Query(text="Réserver la salle des fêtes")).department == "fetes"


def test_open311_keeps_the_personal_categories_private() -> None:
    private = Open311Settings().private_services
    assert private <= set(CATALOGUE.categories)
    assert {"papiers_identite", "facturation", "logement", "seniors", "cimetiere"} <= private
    assert {"voirie", "eclairage", "proprete", "collecte_dechets"}.isdisjoint(private)
