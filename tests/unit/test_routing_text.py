"""French text normalisation: case, accents, elisions, hyphens, word forms, expressions."""

from services.routing.text import Expressions, analyse, fold, stems


def test_fold_removes_case_accents_elisions_and_hyphens() -> None:
    assert fold("L'Allée-des-Tilleuls, qu’il ÉTAIT") == "allee des tilleuls il etait"


def test_plural_and_singular_forms_share_a_stem() -> None:
    assert stems("lampadaires éteints") == stems("Lampadaire eteint")
    assert stems("les poubelles") == stems("poubelle")


def test_grammatical_words_are_dropped() -> None:
    assert stems("Bonjour, je voudrais la salle des fêtes") == stems("voudrais salle fetes")


def test_known_multi_word_expressions_become_one_feature() -> None:
    expressions = Expressions(["salle des fêtes", "nid de poule"])
    features = analyse("Comment réserver les Salles des Fetes ?", expressions)
    assert "sall fet" in features  # adjacent pair
    assert "sall_fet" in features  # the catalogue's expression
    assert "nid_poul" in analyse("deux nids-de-poule", expressions)
    assert "nid_poul" not in analyse("un nid sans poule", expressions)
