"""The household model: EM among pairs sharing a home, the guard it drives, its file format."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from linkage.decision import (
    fit_household,
    household_columns,
    household_only,
    household_pairs,
    person_columns,
    person_refused,
)
from linkage.errors import ConfigError, ModelNotFittedError
from linkage.model import FellegiSunterModel, household_evidence
from linkage.model._household import MIN_HOUSEHOLD_PAIRS

NAMES = ["given_name", "family_name", "dob", "address", "id_licence_no"]
LABELS = [["null", "exact", "else"]] * len(NAMES)
PERSON = person_columns(NAMES)


def _model() -> FellegiSunterModel:
    """Exact agreement is worth log2(0.9/0.01) ~ 6.5 bits, disagreement -3.3 bits."""
    m = [np.array([0.0, 0.9, 0.1])] * len(NAMES)
    u = [np.array([0.0, 0.01, 0.99])] * len(NAMES)
    return FellegiSunterModel(
        comparison_names=NAMES, level_labels=LABELS, m=m, u=u, prior=0.001, match_threshold=0.9
    )


def _households(
    n_same: int, n_relatives: int, *, twins: float, juniors: float = 0.1, seed: int = 0
) -> np.ndarray:
    """Pairs agreeing on family name and address: one person (levels drawn from m) or
    relatives (identifier disagrees, given name agrees for juniors, dob for twins)."""
    rng = np.random.default_rng(seed)
    same = np.where(rng.random((n_same, 3)) < 0.9, 1, 2)
    relatives = np.full((n_relatives, 3), 2)
    relatives[:, 0] = np.where(rng.random(n_relatives) < juniors, 1, 2)
    relatives[:, 1] = np.where(rng.random(n_relatives) < twins, 1, 2)
    person = np.vstack([same, relatives])
    gamma = np.ones((len(person), len(NAMES)), dtype=np.uint8)
    gamma[:, PERSON] = person
    return gamma


def test_household_pairs_need_family_name_and_address() -> None:
    gamma = np.array([[1, 1, 1, 1, 1], [1, 2, 1, 1, 1], [1, 1, 1, 2, 1]], dtype=np.uint8)
    assert household_pairs(NAMES, gamma).tolist() == [True, False, False]


def test_relatives_sharing_a_landline_are_learnt_like_any_field() -> None:
    names = [*NAMES, "phone"]
    assert household_columns(names) == [0, 2, 4, 5]
    model = FellegiSunterModel(
        comparison_names=names,
        level_labels=[["null", "exact", "else"]] * len(names),
        m=[np.array([0.0, 0.9, 0.1])] * len(names),
        u=[np.array([0.0, 0.01, 0.99])] * len(names),
        prior=0.001,
    )
    rng = np.random.default_rng(2)
    gamma = np.hstack([_households(3000, 7000, twins=0.05), np.ones((10_000, 1), np.uint8)])
    gamma[3000:, 5] = np.where(rng.random(7000) < 0.3, 1, 2)  # relatives: a shared landline

    assert fit_household(model, gamma)

    assert model.household_u is not None
    assert model.household_u[5][1] == pytest.approx(0.3, abs=0.03)


def test_fit_recovers_share_of_one_person_and_twin_rate() -> None:
    model = _model()
    gamma = _households(3000, 7000, twins=0.05)

    assert fit_household(model, gamma)

    assert model.household_prior == pytest.approx(0.3, abs=0.02)
    assert model.household_u is not None
    dob = NAMES.index("dob")
    assert model.household_u[dob][1] == pytest.approx(0.05, abs=0.01)
    assert model.training_stats["household"]["fitted"]


def test_without_relatives_a_corrupted_record_links_with_relatives_it_is_held() -> None:
    # Same given name, dob and identifier both disagree (two corrupted fields of one record).
    pair = np.array([[1, 1, 2, 1, 2]], dtype=np.uint8)
    probability = np.array([0.99])
    lonely, crowded = _model(), _model()
    fit_household(lonely, _households(3000, 3, twins=0.0))
    fit_household(crowded, _households(3000, 7000, twins=0.05))

    assert lonely.household_prior is not None
    assert lonely.household_prior > 0.99
    assert not household_only(lonely, pair, probability).any()
    # a junior: held (as by the fixed rule, 6.5 - 3.3 - 3.3 bits)
    assert household_only(crowded, pair, probability).all()


def test_twins_are_held_a_record_with_a_missing_dob_is_not() -> None:
    model = _model()
    fit_household(model, _households(3000, 7000, twins=0.05))
    twins = [2, 1, 1, 1, 2]  # given name and identifier differ, dob agrees
    same = [1, 1, 0, 1, 1]  # given name and identifier agree, dob missing
    gamma = np.array([twins, same], dtype=np.uint8)

    held = person_refused(model, gamma)

    assert held.tolist() == [True, False]
    odds = household_evidence(model, gamma, PERSON)
    assert odds[0] < odds[1]


def test_the_real_time_threshold_can_differ_from_the_model_s() -> None:
    model = _model()
    fit_household(model, _households(3000, 7000, twins=0.05))
    gamma = np.array([[1, 1, 0, 1, 1]], dtype=np.uint8)
    odds = float(household_evidence(model, gamma, PERSON)[0])
    strict = 1.0 / (1.0 + 2.0 ** -(odds + 0.5))  # a threshold just above the pair's odds

    assert not person_refused(model, gamma).any()
    assert person_refused(model, gamma, match_threshold=strict).all()


def test_too_few_household_pairs_keep_the_fixed_rule() -> None:
    model = _model()
    gamma = _households(MIN_HOUSEHOLD_PAIRS - 1, 0, twins=0.0)

    assert not fit_household(model, gamma)

    assert model.household_u is None
    relative = np.array([[2, 1, 2, 1, 0]], dtype=np.uint8)
    assert household_only(model, relative, np.array([0.95])).all()
    with pytest.raises(ModelNotFittedError):
        household_evidence(model, relative, PERSON)


def test_unfitted_model_cannot_fit_a_household_model() -> None:
    model = FellegiSunterModel(comparison_names=NAMES, level_labels=LABELS)
    with pytest.raises(ModelNotFittedError):
        fit_household(model, _households(100, 100, twins=0.0))


def test_file_format_2_round_trips_and_1_still_loads(tmp_path: Path) -> None:
    plain = _model()
    plain.to_json(tmp_path / "v1.json")
    assert json.loads((tmp_path / "v1.json").read_text())["format_version"] == 1

    model = _model()
    fit_household(model, _households(3000, 7000, twins=0.05))
    model.to_json(tmp_path / "v2.json")
    data = json.loads((tmp_path / "v2.json").read_text())
    loaded = FellegiSunterModel.from_json(tmp_path / "v2.json")

    assert data["format_version"] == 2
    assert loaded.household_prior == model.household_prior
    gamma = _households(50, 50, twins=0.5, seed=1)
    np.testing.assert_array_equal(
        household_evidence(loaded, gamma, PERSON), household_evidence(model, gamma, PERSON)
    )
    assert FellegiSunterModel.from_json(tmp_path / "v1.json").household_u is None

    del data["household_prior"]
    (tmp_path / "bad.json").write_text(json.dumps(data))
    with pytest.raises(ConfigError, match="household_prior"):
        FellegiSunterModel.from_json(tmp_path / "bad.json")


def test_household_parameters_come_together() -> None:
    with pytest.raises(ConfigError):
        FellegiSunterModel(
            comparison_names=NAMES,
            level_labels=LABELS,
            household_u=[np.array([0.0, 0.5, 0.5])] * len(NAMES),
        )
