"""Stored models: signed bytes, held-out comparison, labels from the town's transfers."""

import pytest

from services.routing import serialization
from services.routing.classifier import Hyperparameters
from services.routing.examples import is_held_out, load_seed
from services.routing.training import Label, category_for, department_accuracy, training_set
from tests.routing_support import CATALOGUE, seed_classifier

KEY = "a-test-signing-key-of-some-length"


def test_a_model_routing_signed_loads_back_and_predicts_the_same() -> None:
    blob, signature = serialization.dump(seed_classifier(), key=KEY)
    loaded = serialization.load(blob, signature, key=KEY)
    text = ["facture de cantine erronée"]
    assert (loaded.probabilities(text) == seed_classifier().probabilities(text)).all()


@pytest.mark.parametrize("tamper", ["byte", "key"])
def test_a_model_not_signed_by_routing_is_never_unpickled(tamper: str) -> None:
    blob, signature = serialization.dump(seed_classifier(), key=KEY)
    if tamper == "byte":
        blob = blob[:-1] + bytes([blob[-1] ^ 1])
    key = KEY if tamper == "byte" else "another-key-entirely-xyz"
    with pytest.raises(serialization.UntrustedModel):
        serialization.load(blob, signature, key=key)


def test_the_held_out_split_is_stable_and_never_trained_on() -> None:
    seed = load_seed(CATALOGUE)
    labels = [
        Label(key=f"req-{i}", text=f"encombrant numéro {i}", department="proprete")
        for i in range(50)
    ]
    data = training_set(catalogue=CATALOGUE, seed=seed, labels=labels, params=Hyperparameters())
    trained = {e.text for e in data.train}
    assert data.held_out and not [e for e in data.held_out if e.text in trained]
    assert [is_held_out(f"req-{i}") for i in range(50)] == [
        is_held_out(f"req-{i}") for i in range(50)
    ]
    assert 0.1 < len(data.held_out) / (len(seed) + len(labels)) < 0.3
    assert department_accuracy(seed_classifier(), data.held_out, CATALOGUE) > 0.8


def test_a_label_keeps_its_category_only_if_it_belongs_to_the_new_department() -> None:
    kept = Label(key="a", text="x", department="finances", category="taxes_locales")
    assert category_for(kept, CATALOGUE) == "taxes_locales"
    moved = Label(key="b", text="x", department="services_techniques", category="collecte_dechets")
    assert CATALOGUE.categories[category_for(moved, CATALOGUE)].department == "services_techniques"
