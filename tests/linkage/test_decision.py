from __future__ import annotations

import numpy as np
import pytest

from linkage.decision import MIN_PERSON_WEIGHT, household_only, person_columns, person_weight
from linkage.model import FellegiSunterModel

NAMES = ["given_name", "family_name", "dob", "address", "id_licence_no"]
LABELS = [["null", "exact", "else"]] * len(NAMES)


@pytest.fixture
def model() -> FellegiSunterModel:
    """Exact agreement is worth log2(0.9/0.01) ~ 6.5 bits, disagreement -3.3 bits."""
    m = [np.array([0.0, 0.9, 0.1])] * len(NAMES)
    u = [np.array([0.0, 0.01, 0.99])] * len(NAMES)
    return FellegiSunterModel(
        comparison_names=NAMES, level_labels=LABELS, m=m, u=u, prior=0.001, match_threshold=0.9
    )


def test_person_columns_are_individual_fields_and_identifiers() -> None:
    assert person_columns(NAMES) == [0, 2, 4]


def test_household_evidence_alone_is_held(model: FellegiSunterModel) -> None:
    # Same family name and address, different given name and dob: a relative.
    relative = [2, 1, 2, 1, 0]
    # Same given name, family name and address, dob missing: the same person.
    same = [1, 1, 0, 1, 0]
    gamma = np.array([relative, same], dtype=np.uint8)
    probability = np.array([0.95, 0.95])

    held = household_only(model, gamma, probability)

    assert held.tolist() == [True, False]
    weights = person_weight(model, gamma)
    assert weights[0] < MIN_PERSON_WEIGHT <= weights[1]


def test_pairs_below_the_match_threshold_are_never_held(model: FellegiSunterModel) -> None:
    gamma = np.array([[2, 1, 2, 1, 0]], dtype=np.uint8)
    assert not household_only(model, gamma, np.array([0.5])).any()


def test_real_time_guard_is_the_batch_decision(model: FellegiSunterModel) -> None:
    """resolver_reads.guarded decides as household_only, with or without a household model."""
    from types import SimpleNamespace

    from linkage.decision import fit_household
    from linkage.index import Scores
    from linkage.resolver_reads import guarded

    rng = np.random.default_rng(0)
    households = np.ones((400, len(NAMES)), dtype=np.uint8)  # 300 matches, 100 relatives
    households[:300, [0, 2, 4]] = np.where(rng.random((300, 3)) < 0.9, 1, 2)
    households[300:, [0, 2, 4]] = np.where(rng.random((100, 3)) < 0.1, 1, 2)
    gamma = np.vstack([households[::10], [[2, 1, 2, 1, 0], [1, 1, 0, 1, 0]]]).astype(np.uint8)
    probability = np.full(len(gamma), 0.95)
    for fitted in (False, True):
        if fitted:
            assert fit_household(model, households)
        scorer = SimpleNamespace(model=model, comparison_names=tuple(NAMES))
        weights = model.field_weights(gamma).astype(np.float64)
        scores = Scores(model.match_weight(gamma), probability, weights, gamma)
        expected = household_only(model, gamma, probability)
        np.testing.assert_array_equal(guarded(scorer, scores, 0.9), expected)  # type: ignore[arg-type]
        assert expected.any()
        assert not expected.all()
