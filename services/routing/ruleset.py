"""Explicit routing rules: what the town wants certain, applied before the classifier."""

from pydantic import BaseModel, ConfigDict, Field

from shared.catalogue import Catalogue
from shared.events import Channel


class PlaceRule(BaseModel):
    """Field work in a street or district handled by a given department."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    place: str = Field(min_length=3, max_length=200, description="Rue ou quartier, tel qu'écrit")
    department: str = Field(min_length=1, max_length=64)
    for_departments: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="Services dont les demandes sont concernées (vide : tous)",
    )


class RuleSet(BaseModel):
    """One version of the rules; stored as data, validated against the catalogue."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    threshold: float = Field(
        default=0.3, ge=0, le=1, description="Confiance minimale ; en dessous : file de tri"
    )
    trust_citizen_category: bool = True
    classify_categories: list[str] = Field(
        default_factory=lambda: ["general"],
        max_length=100,
        description="Catégories choisies par l'usager qui passent quand même par le classifieur",
    )
    form_types: dict[str, str] = Field(
        default_factory=lambda: {
            "inscription_scolaire": "inscription_scolaire",
            "occupation_domaine_public": "occupation_domaine_public",
            "candidature": "candidature",
        },
        max_length=100,
        description="Type de formulaire -> catégorie",
    )
    channels: dict[Channel, str] = Field(
        default_factory=dict, description="Canal -> catégorie (rarement utile)"
    )
    places: list[PlaceRule] = Field(default_factory=list, max_length=500)

    def problems(self, catalogue: Catalogue) -> list[str]:
        """What does not fit the catalogue, in French; empty when the rules are valid."""
        found = [
            f"catégorie inconnue « {code} » ({where})"
            for where, codes in (
                ("classify_categories", self.classify_categories),
                ("form_types", list(self.form_types.values())),
                ("channels", list(self.channels.values())),
            )
            for code in codes
            if catalogue.category(code) is None
        ]
        for rule in self.places:
            for code in [rule.department, *rule.for_departments]:
                if code not in catalogue.departments:
                    found.append(f"service inconnu « {code} » (places, « {rule.place} »)")
        return found

    def fitted_to(self, catalogue: Catalogue) -> "RuleSet":
        """The same rules without references to categories a town's own catalogue lacks."""
        known = catalogue.categories
        return self.model_copy(
            update={
                "classify_categories": [c for c in self.classify_categories if c in known],
                "form_types": {f: c for f, c in self.form_types.items() if c in known},
                "channels": {k: c for k, c in self.channels.items() if c in known},
            }
        )
