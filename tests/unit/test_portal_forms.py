"""Portal forms: validation with French messages, and what each form becomes as a request."""

from datetime import date, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from services.portal.drafts import file_form, file_request, flat_fields
from services.portal.forms import (
    FORMS,
    JobApplication,
    PublicSpaceOccupation,
    SchoolEnrolment,
    age_on,
    today,
)
from services.portal.schemas import RequestInput
from shared.catalogue import load_catalogue
from shared.events import ContactPreference
from shared.problems import french_message

PARENT = {"name": "Camille Martin", "email": "camille@example.org", "phone": "06 12 34 56 78"}


def years_ago(years: int, *, days: int = 0) -> str:
    now = today()
    if (now.month, now.day) == (2, 29):
        now -= timedelta(days=1)
    return (now.replace(year=now.year - years) + timedelta(days=days)).isoformat()


def school(**overrides: Any) -> dict[str, Any]:
    return {
        "child_first_name": "Léa",
        "child_last_name": "Martin",
        "child_birth_date": years_ago(6),
        "school_level": "CP",
        "parent": PARENT,
        "address": "12 rue des Lilas",
    } | overrides


def occupation(**overrides: Any) -> dict[str, Any]:
    start = today() + timedelta(days=10)
    return {
        "purpose": "échafaudage",
        "address": "3 place de la Mairie",
        "start_date": start.isoformat(),
        "end_date": (start + timedelta(days=5)).isoformat(),
        "surface_m2": 12.5,
        "company_name": "Façades Dupont",
        "contact": PARENT,
    } | overrides


def application(**overrides: Any) -> dict[str, Any]:
    return {
        "first_name": "Yanis",
        "last_name": "Benali",
        "email": "yanis@example.org",
        "motivation": "Je souhaite rejoindre les services techniques.",
    } | overrides


def messages(model: type, data: dict[str, Any]) -> dict[str, str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return {".".join(map(str, e["loc"])): french_message(dict(e)) for e in caught.value.errors()}


@pytest.mark.parametrize(
    ("birth", "valid"),
    [
        (years_ago(2), True),
        (years_ago(2, days=1), False),
        (years_ago(12), True),
        (years_ago(13, days=1), True),
        (years_ago(13), False),
    ],
)
def test_a_child_is_enrolled_between_2_and_12(birth: str, valid: bool) -> None:
    if valid:
        assert SchoolEnrolment.model_validate(school(child_birth_date=birth))
    else:
        errors = messages(SchoolEnrolment, school(child_birth_date=birth))
        assert errors == {
            "child_birth_date": "L'enfant doit avoir entre 2 et 12 ans pour une inscription "
            "scolaire."
        }


def test_age_counts_whole_years() -> None:
    assert age_on(date(2019, 3, 3), date(2026, 3, 2)) == 6
    assert age_on(date(2019, 3, 3), date(2026, 3, 3)) == 7


def test_school_level_and_dates_are_explained_in_french() -> None:
    errors = messages(SchoolEnrolment, school(school_level="6e", child_birth_date="03/03/2019"))
    assert errors["school_level"].startswith("Valeur non autorisée ; valeurs possibles : « PS »")
    assert "« CM2 »" in errors["school_level"] and " or " not in errors["school_level"]
    assert errors["child_birth_date"] == "Date invalide (format attendu : AAAA-MM-JJ)."


def test_missing_and_unknown_fields_are_named() -> None:
    data = school(nickname="Lulu")
    del data["address"]
    errors = messages(SchoolEnrolment, data)
    assert errors == {
        "address": "Ce champ est obligatoire.",
        "nickname": "Ce champ n'est pas attendu.",
    }


def test_phone_numbers_are_normalised_to_e164_or_refused_in_french() -> None:
    form = SchoolEnrolment.model_validate(school())
    assert form.parent.phone == "+33612345678"
    errors = messages(SchoolEnrolment, school(parent=PARENT | {"phone": "12 34"}))
    assert errors == {
        "parent.phone": ("Numéro de téléphone invalide : « 12 34 » (exemple : 06 12 34 56 78).")
    }


def test_occupation_cannot_start_in_the_past_nor_end_before_it_starts() -> None:
    yesterday = today() - timedelta(days=1)
    errors = messages(PublicSpaceOccupation, occupation(start_date=yesterday.isoformat()))
    assert errors == {"start_date": "La date de début ne peut pas être dans le passé."}
    start = today() + timedelta(days=3)
    errors = messages(
        PublicSpaceOccupation,
        occupation(start_date=start.isoformat(), end_date=(start - timedelta(1)).isoformat()),
    )
    assert errors == {"": "La date de fin doit être postérieure ou égale à la date de début."}


def test_occupation_starting_today_for_one_day_is_fine() -> None:
    day = today().isoformat()
    form = PublicSpaceOccupation.model_validate(occupation(start_date=day, end_date=day))
    assert form.start_date == form.end_date == today()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"surface_m2": 0}, "surface_m2", "Ce champ doit être supérieur à 0."),
        ({"purpose": "cirque"}, "purpose", "Valeur non autorisée ; valeurs possibles : "),
        ({"purpose": "autre"}, "", "Précisez la nature de l'occupation (champ purpose_details)."),
    ],
)
def test_occupation_rules(overrides: dict[str, Any], field: str, message: str) -> None:
    assert messages(PublicSpaceOccupation, occupation(**overrides))[field].startswith(message)


def test_generic_request_needs_a_known_category_and_a_reachable_citizen() -> None:
    errors = messages(
        RequestInput,
        {
            "category": "licornes",
            "description": "",
            "citizen": {"email": "pas-une-adresse", "preferred_contact": "sms"},
        },
    )
    assert errors["category"].startswith("Catégorie inconnue : « licornes »")
    assert errors["description"] == "Ce champ doit contenir au moins 1 caractère(s)."
    assert errors["citizen.email"] == "Adresse électronique invalide."
    sms = messages(
        RequestInput,
        {
            "category": "voirie",
            "description": "x",
            "citizen": {"email": "a@example.org", "preferred_contact": "sms"},
        },
    )
    assert sms == {"citizen": "Indiquez un numéro de téléphone pour être prévenu(e) par SMS."}


def test_half_a_position_is_refused() -> None:
    errors = messages(
        RequestInput,
        {
            "category": "voirie",
            "description": "x",
            "citizen": {"email": "a@example.org"},
            "location": {"lat": 48.85},
        },
    )
    assert errors == {"location": "La latitude et la longitude doivent être fournies ensemble."}


def test_school_form_becomes_an_education_request_with_flat_fields() -> None:
    form = SchoolEnrolment.model_validate(school(school_wished="École Jean Jaurès"))
    filing = file_form(FORMS["inscription_scolaire"], form)
    assert filing.category == "inscription_scolaire"
    assert filing.subject == "Inscription scolaire (CP)"
    assert "inscription scolaire en CP pour Léa Martin" in filing.description
    assert "École souhaitée : École Jean Jaurès." in filing.description
    assert filing.citizen.email == "camille@example.org"
    assert filing.citizen.phone == "+33612345678"
    assert filing.form is not None and filing.form.form_type == "inscription_scolaire"
    fields = filing.form.fields
    assert fields["parent_email"] == "camille@example.org"
    assert fields["child_birth_date"] == form.child_birth_date.isoformat()
    assert "comment" not in fields
    assert all("." not in key for key in fields)


def test_occupation_form_is_located_and_described_in_french() -> None:
    form = PublicSpaceOccupation.model_validate(occupation())
    filing = file_form(FORMS["occupation_domaine_public"], form)
    assert filing.category == "occupation_domaine_public"
    assert filing.location is not None and filing.location.address == "3 place de la Mairie"
    assert "Surface occupée : 12,5 m²." in filing.description
    assert form.start_date.strftime("%d/%m/%Y") in str(filing.subject)
    assert filing.form is not None and filing.form.fields["surface_m2"] == 12.5


@pytest.mark.parametrize(
    ("reference", "subject"),
    [
        (None, "Candidature spontanée"),
        ("Candidature spontanée", "Candidature spontanée"),
        ("RH-2026-07", "Candidature à l'offre RH-2026-07"),
    ],
)
def test_job_application_subject(reference: str | None, subject: str) -> None:
    data = application() if reference is None else application(job_reference=reference)
    filing = file_form(FORMS["candidature"], JobApplication.model_validate(data))
    assert filing.category == "candidature"
    assert filing.subject == subject
    assert filing.citizen.name == "Yanis Benali"
    assert data["motivation"] in filing.description


def test_generic_request_keeps_the_citizens_choices() -> None:
    request = RequestInput.model_validate(
        {
            "category": "eclairage",
            "subject": "  Lampadaire éteint ",
            "description": "Rue des Lilas",
            "citizen": {
                "email": "a@example.org",
                "phone": "0612345678",
                "preferred_contact": "sms",
            },
            "location": {},
        }
    )
    filing = file_request(request)
    assert filing.subject == "Lampadaire éteint"
    assert filing.location is None
    assert filing.citizen.preferred_contact is ContactPreference.SMS
    assert filing.form is None
    as_form = file_form(FORMS["demande_generale"], request)
    assert as_form.category == "eclairage"
    assert as_form.form is not None and as_form.form.form_type == "demande_generale"


def test_flat_fields_join_nested_keys() -> None:
    form = JobApplication.model_validate(application(phone="+33 6 12 34 56 78"))
    assert flat_fields(form) == {
        "job_reference": "candidature spontanée",
        "first_name": "Yanis",
        "last_name": "Benali",
        "email": "yanis@example.org",
        "phone": "+33612345678",
        "motivation": "Je souhaite rejoindre les services techniques.",
    }


def test_every_form_maps_to_a_catalogue_category() -> None:
    catalogue = load_catalogue()
    for spec in FORMS.values():
        assert spec.category is None or catalogue.category(spec.category) is not None
