"""EM in sessions learns "same person", where plain EM learns "same household"."""

from __future__ import annotations

import numpy as np
import pytest

from linkage.errors import InvalidInputError
from linkage.model import FellegiSunterModel, TrainingSession, fit_em_sessions

NAMES = ["given_name", "family_name", "dob", "address"]
LABELS = [["null", "exact", "else"]] * 4
GIVEN, DOB = 0, 2


def _candidates(rng: np.random.Generator) -> np.ndarray:
    """Blocked pairs: true matches, relatives sharing family name and address, strangers."""
    matches = np.where(rng.random((4_000, 4)) < 0.95, 1, 2)
    relatives = np.column_stack(
        [
            np.where(rng.random(30_000) < 0.005, 1, 2),  # given: rarely the same
            np.ones(30_000, dtype=int),  # family: same
            np.where(rng.random(30_000) < 0.005, 1, 2),  # dob: twins only
            np.ones(30_000, dtype=int),  # address: same
        ]
    )
    strangers = np.where(rng.random((40_000, 4)) < 0.002, 1, 2)
    strangers[:, DOB] = np.where(rng.random(40_000) < 0.5, 1, 2)  # blocked on dob
    return np.vstack([matches, relatives, strangers]).astype(np.uint8)


def _model(rng: np.random.Generator) -> FellegiSunterModel:
    model = FellegiSunterModel(comparison_names=NAMES, level_labels=LABELS)
    random_pairs = np.where(rng.random((200_000, 4)) < 0.002, 1, 2).astype(np.uint8)
    return model.estimate_u(random_pairs)


def test_sessions_learn_that_matches_agree_on_given_name_and_dob() -> None:
    rng = np.random.default_rng(3)
    gamma = _candidates(rng)
    plain = _model(rng).fit_em(gamma, n_total_pairs=10**9)
    sessions = fit_em_sessions(
        _model(rng),
        gamma,
        [TrainingSession(("dob",)), TrainingSession(("given_name", "family_name"))],
        n_total_pairs=10**9,
        max_iter=100,
        tol=1e-8,
    )
    assert plain.m is not None
    assert sessions.m is not None
    # Plain EM folds relatives into the match class: given-name disagreement looks common.
    assert plain.m[GIVEN][2] > 0.3
    # Sessions see matches disagree on given name and dob about 5% of the time (twins,
    # indistinguishable here, add a few points to the given-name figure).
    assert sessions.m[GIVEN][2] == pytest.approx(0.05, abs=0.05)
    assert sessions.m[DOB][2] == pytest.approx(0.05, abs=0.05)
    # The prior is the share of matches among all 10**9 pairs, not among candidates.
    assert sessions.prior == pytest.approx(4_000 / 10**9, rel=0.3)
    stats = sessions.training_stats["em_sessions"]["sessions"]
    assert [s["fields"] for s in stats] == [["dob"], ["given_name", "family_name"]]


def test_sessions_must_name_known_comparisons() -> None:
    rng = np.random.default_rng(1)
    with pytest.raises(InvalidInputError, match="unknown comparisons"):
        fit_em_sessions(
            _model(rng),
            _candidates(rng),
            [TrainingSession(("shoe_size",))],
            n_total_pairs=10**9,
            max_iter=10,
            tol=1e-6,
        )


def test_a_session_learns_its_own_non_matches_blocked_strangers_are_not_matches() -> None:
    """Strangers born the same day in one suburb agree on the address far more often than
    random pairs: scored with the random-pair u they look like matches who disagree on names.
    """
    rng = np.random.default_rng(5)
    matches = np.where(rng.random((20_000, 4)) < 0.97, 1, 2)
    matches[:, DOB] = 1
    strangers = np.where(rng.random((20_000, 4)) < 0.002, 1, 2)
    strangers[:, DOB] = 1  # one session: same dob
    strangers[:, 3] = np.where(rng.random(20_000) < 0.6, 1, 2)  # same suburb: blocked on it
    gamma = np.vstack([matches, strangers]).astype(np.uint8)
    model = fit_em_sessions(
        _model(rng),
        gamma,
        [TrainingSession(("dob",))],
        n_total_pairs=10**9,
        max_iter=200,
        tol=1e-8,
    )
    assert model.m is not None
    assert model.m[GIVEN][2] == pytest.approx(0.03, abs=0.01)
    # the model keeps the random-pair u for scoring
    assert model.u is not None
    assert model.u[3][1] == pytest.approx(0.002, abs=0.001)
    assert model.training_stats["em"]["fix_u"] is False


def test_matches_among_the_random_pairs_are_taken_out_of_u() -> None:
    """With 1% of all pairs matches, random pairs agree on a field 1.2% of the time, 1% by
    matches: u, the non-matches' agreement, is 0.2%."""
    rng = np.random.default_rng(7)
    random_pairs = np.where(rng.random((200_000, 4)) < 0.002, 1, 2)
    random_pairs[:2_000] = 1  # the matches among them
    model = FellegiSunterModel(comparison_names=NAMES, level_labels=LABELS)
    model.estimate_u(random_pairs.astype(np.uint8))
    assert model.u is not None
    assert model.u[GIVEN][1] == pytest.approx(0.012, abs=0.001)
    matches = np.where(rng.random((2_000, 4)) < 0.99, 1, 2)
    strangers = np.where(rng.random((20_000, 4)) < 0.002, 1, 2)
    strangers[:, DOB] = np.where(rng.random(20_000) < 0.5, 1, 2)
    gamma = np.vstack([matches, strangers]).astype(np.uint8)

    fit_em_sessions(
        model, gamma, [TrainingSession(("dob",))], n_total_pairs=200_000, max_iter=200, tol=1e-8
    )

    assert model.prior == pytest.approx(0.01, rel=0.1)
    assert model.u[GIVEN][1] == pytest.approx(0.002, abs=0.0005)
    assert model.training_stats["em_sessions"]["u_without_matches"]
