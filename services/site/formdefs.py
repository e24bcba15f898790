"""The online forms as the site shows them, and their answers as the portal reads them (pure).

Field names are the portal's JSON paths ("citizen.email"), so the portal's French errors,
which name the same paths, land next to the right field.
"""

from dataclasses import dataclass, field
from typing import Any

CV_TYPES = ".pdf,.odt,.docx,application/pdf"
DOCUMENT_TYPES = ".pdf,.jpg,.jpeg,.png,.odt,.docx"
SPONTANEOUS = "candidature spontanée"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "text"  # text, email, tel, date, number, textarea, select, file
    required: bool = False
    hint: str | None = None
    choices: tuple[tuple[str, str], ...] = ()
    autocomplete: str | None = None
    max_length: int | None = None
    accept: str | None = None
    default: str | None = None


@dataclass(frozen=True)
class Section:
    legend: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class OnlineForm:
    form_type: str
    title: str
    summary: str
    sections: tuple[Section, ...]
    files: Field = field(
        default_factory=lambda: Field(
            "files",
            "Pièces jointes",
            "file",
            hint="Facultatif. PDF, image ou document texte, 10 Mo au plus par fichier.",
            accept=DOCUMENT_TYPES,
        )
    )

    @property
    def fields(self) -> list[Field]:
        return [f for s in self.sections for f in s.fields] + [self.files]

    @property
    def names(self) -> set[str]:
        return {f.name for f in self.fields}


def _person(prefix: str, legend: str) -> Section:
    return Section(
        legend,
        (
            Field(f"{prefix}.name", "Nom et prénom", required=True, autocomplete="name"),
            Field(
                f"{prefix}.email",
                "Adresse électronique",
                "email",
                required=True,
                hint="Format attendu : nom@domaine.fr",
                autocomplete="email",
            ),
            Field(
                f"{prefix}.phone",
                "Téléphone",
                "tel",
                hint="Facultatif. Exemple : 06 12 34 56 78",
                autocomplete="tel",
            ),
        ),
    )


LEVELS = tuple((v, v) for v in ("PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"))
PURPOSES = tuple(
    (v, v.capitalize()) for v in ("échafaudage", "benne", "déménagement", "terrasse", "autre")
)
CONTACT_PREFERENCES = (
    ("email", "Courriel"),
    ("sms", "SMS"),
    ("none", "Ne pas être prévenu(e)"),
)
DATE_HINT = "Format attendu : JJ/MM/AAAA"


def generic_form(categories: list[dict[str, str]]) -> OnlineForm:
    choices = tuple((c["code"], c["label"]) for c in categories)
    return OnlineForm(
        "demande_generale",
        "Demande générale",
        "Toute demande ou tout signalement adressé à la mairie.",
        (
            Section(
                "Votre demande",
                (
                    Field("category", "Thème", "select", required=True, choices=choices),
                    Field("subject", "Objet", hint="Facultatif. En quelques mots.", max_length=300),
                    Field("description", "Description", "textarea", required=True),
                    Field("location.address", "Adresse concernée", hint="Facultatif."),
                ),
            ),
            Section(
                "Vos coordonnées",
                (
                    *_person("citizen", "").fields,
                    Field(
                        "citizen.preferred_contact",
                        "Être prévenu(e) par",
                        "select",
                        required=True,
                        choices=CONTACT_PREFERENCES,
                    ),
                ),
            ),
        ),
    )


FORMS: dict[str, OnlineForm] = {
    form.form_type: form
    for form in (
        OnlineForm(
            "inscription_scolaire",
            "Inscription scolaire",
            "Inscrire un enfant de 2 à 12 ans dans une école de la commune.",
            (
                Section(
                    "L'enfant",
                    (
                        Field("child_first_name", "Prénom de l'enfant", required=True),
                        Field("child_last_name", "Nom de l'enfant", required=True),
                        Field(
                            "child_birth_date",
                            "Date de naissance de l'enfant",
                            "date",
                            required=True,
                            hint=DATE_HINT,
                        ),
                        Field(
                            "school_level", "Niveau à la rentrée", "select", True, choices=LEVELS
                        ),
                        Field("school_wished", "École souhaitée", hint="Facultatif."),
                    ),
                ),
                _person("parent", "Le responsable légal"),
                Section(
                    "Le foyer",
                    (
                        Field(
                            "address",
                            "Adresse du foyer",
                            required=True,
                            autocomplete="street-address",
                        ),
                        Field("comment", "Commentaire", "textarea", hint="Facultatif."),
                    ),
                ),
            ),
        ),
        OnlineForm(
            "occupation_domaine_public",
            "Occupation du domaine public",
            "Installer un échafaudage, une benne, une terrasse ou réserver la rue pour un "
            "déménagement.",
            (
                Section(
                    "L'occupation",
                    (
                        Field(
                            "purpose", "Nature de l'occupation", "select", True, choices=PURPOSES
                        ),
                        Field("purpose_details", "Précisions", hint="Obligatoire si « Autre »."),
                        Field("address", "Adresse de l'occupation", required=True),
                        Field("start_date", "Premier jour", "date", True, hint=DATE_HINT),
                        Field("end_date", "Dernier jour", "date", True, hint=DATE_HINT),
                        Field(
                            "surface_m2",
                            "Surface occupée (m²)",
                            "number",
                            True,
                            hint="Exemple : 12",
                        ),
                        Field("company_name", "Entreprise", hint="Facultatif."),
                    ),
                ),
                _person("contact", "Le demandeur"),
            ),
        ),
        OnlineForm(
            "candidature",
            "Candidature",
            "Postuler à une offre d'emploi de la mairie ou envoyer une candidature spontanée.",
            (
                Section(
                    "Le poste",
                    (
                        Field(
                            "job_reference",
                            "Référence de l'offre",
                            required=True,
                            hint=f"Ou « {SPONTANEOUS} ».",
                            default=SPONTANEOUS,
                        ),
                    ),
                ),
                Section(
                    "Vous",
                    (
                        Field("first_name", "Prénom", required=True, autocomplete="given-name"),
                        Field("last_name", "Nom", required=True, autocomplete="family-name"),
                        Field("email", "Adresse électronique", "email", True, autocomplete="email"),
                        Field("phone", "Téléphone", "tel", hint="Facultatif.", autocomplete="tel"),
                        Field("motivation", "Lettre de motivation", "textarea", required=True),
                    ),
                ),
            ),
            files=Field(
                "files",
                "Curriculum vitæ",
                "file",
                required=True,
                hint="Obligatoire. PDF, ODT ou DOCX, 10 Mo au plus.",
                accept=CV_TYPES,
            ),
        ),
    )
}


def defaults(form: OnlineForm) -> dict[str, str]:
    return {f.name: f.default for f in form.fields if f.default}


def _number(value: str) -> float | str:
    try:
        return float(value.replace(",", ".").replace(" ", ""))
    except ValueError:
        return value  # the portal answers with its French message


def payload(form: OnlineForm, values: dict[str, str]) -> dict[str, Any]:
    """The portal's JSON for the filled form: dotted names nested, empty fields left out."""
    data: dict[str, Any] = {}
    for f in form.fields:
        value = (values.get(f.name) or "").strip()
        if f.kind == "file" or not value:
            continue
        node = data
        *parents, leaf = f.name.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = _number(value) if f.kind == "number" else value
    return data


def place_errors(
    form: OnlineForm, errors: list[dict[str, str]]
) -> tuple[dict[str, str], list[str]]:
    """The portal's errors by field of this form, and the others (whole-form errors)."""
    by_field: dict[str, str] = {}
    general: list[str] = []
    for error in errors:
        name, message = error.get("field", ""), error.get("message", "Valeur invalide.")
        if name.startswith("files"):
            name = "files"
        if name in form.names and name not in by_field:
            by_field[name] = message
        else:
            general.append(message)
    return by_field, general
