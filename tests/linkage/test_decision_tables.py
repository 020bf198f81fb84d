"""The household guard's cached tables give household_evidence's odds, bit for bit."""

from __future__ import annotations

import numpy as np

from linkage.decision import _few_household_odds, fit_household, household_columns
from linkage.model import FellegiSunterModel, household_evidence

NAMES = ["given_name", "family_name", "dob", "address", "email"]


def _fitted(seed: int) -> tuple[FellegiSunterModel, np.ndarray]:
    rng = np.random.default_rng(seed)
    m = [np.array([0.0, 0.7, 0.2, 0.1])] * len(NAMES)
    u = [np.array([0.0, 0.01, 0.09, 0.9])] * len(NAMES)
    model = FellegiSunterModel(
        comparison_names=NAMES, level_labels=[["null", "exact", "close", "else"]] * len(NAMES),
        m=m, u=u, prior=0.001, match_threshold=0.9,
    )  # fmt: skip
    households = rng.integers(0, 4, (500, len(NAMES))).astype(np.uint8)
    households[:, [1, 3]] = 1
    assert fit_household(model, households)
    return model, rng.integers(0, 4, (300, len(NAMES))).astype(np.uint8)


def test_few_household_odds_are_household_evidence_bitwise() -> None:
    model, gamma = _fitted(3)
    columns = household_columns(NAMES)
    for n in (1, 2, 7, 40, 256):
        expected = household_evidence(model, gamma[:n], columns)
        assert _few_household_odds(model, gamma[:n]).tobytes() == expected.tobytes()


def test_tables_follow_a_refitted_household_model() -> None:
    model, gamma = _fitted(3)
    _few_household_odds(model, gamma[:5])
    other, _ = _fitted(4)
    model.household_u, model.household_prior = other.household_u, other.household_prior
    expected = household_evidence(model, gamma[:5], household_columns(NAMES))
    assert _few_household_odds(model, gamma[:5]).tobytes() == expected.tobytes()
