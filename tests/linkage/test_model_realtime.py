"""pair_scores (the real-time scoring pass) equals the model's own scoring methods bit for bit."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.errors import InvalidInputError
from linkage.model import FellegiSunterModel
from linkage.model._realtime import hit_scores, pair_scores

N_LEVELS = [5, 4, 6, 3, 2]


def _model(seed: int) -> FellegiSunterModel:
    rng = np.random.default_rng(seed)
    dists = []
    for _ in range(2):
        tables = []
        for n in N_LEVELS:
            p = rng.random(n - 1) + 0.01
            tables.append(np.concatenate([[0.0], p / p.sum()]))
        dists.append(tables)
    return FellegiSunterModel(
        comparison_names=["a", "b", "c", "d", "e"],
        level_labels=[["null"] + [f"l{i}" for i in range(1, n)] for n in N_LEVELS],
        m=dists[0],
        u=dists[1],
        prior=float(rng.uniform(1e-4, 0.5)),
        tf_comparisons=["a", "c"],
    )


def _expected(
    model: FellegiSunterModel,
    gamma: npt.NDArray[np.uint8],
    tf: dict[str, npt.NDArray[np.float32]] | None,
) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    weight = model.match_weight(gamma, tf)
    return model.field_weights(gamma, tf), weight, model.match_probability(weight)


def _same(
    got: tuple[npt.NDArray[np.generic], ...], want: tuple[npt.NDArray[np.generic], ...]
) -> None:
    for g, w in zip(got, want, strict=True):
        assert g.dtype == w.dtype
        assert g.shape == w.shape
        assert g.tobytes() == w.tobytes()


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 5),
    n=st.integers(1, 80),
    data=st.data(),
    frequency_kind=st.sampled_from(["one", "each", "nan", "mixed", "none"]),
)
def test_pair_scores_equal_the_model_methods(
    seed: int, n: int, data: st.DataObject, frequency_kind: str
) -> None:
    model = _model(seed)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    gamma = np.stack([rng.integers(0, k, n) for k in N_LEVELS], axis=1).astype(np.uint8)
    tf: dict[str, npt.NDArray[np.float32]] | None = None
    if frequency_kind != "none":
        tf = {}
        for name, j in (("a", 0), ("c", 2)):
            if frequency_kind == "one":
                f = np.full(n, data.draw(st.sampled_from([1e-7, 1e-3, 0.02, 0.5, 1.0, 0.0])))
            elif frequency_kind == "each":
                f = rng.random(n) ** 6
            elif frequency_kind == "nan":
                f = np.full(n, np.nan)
            else:
                f = np.where(rng.random(n) < 0.5, np.nan, 0.01)
            tf[name] = np.where(gamma[:, j] == 1, f, np.nan).astype(np.float32)
    _same(pair_scores(model, gamma, tf), _expected(model, gamma, tf))


def test_pair_scores_after_the_parameters_change() -> None:
    model = _model(1)
    gamma = np.array([[1, 1, 1, 1, 1], [2, 3, 0, 2, 1]], dtype=np.uint8)
    tf = {"a": np.array([0.25, np.nan], dtype=np.float32)}
    _same(pair_scores(model, gamma, tf), _expected(model, gamma, tf))
    model.prior = 0.3
    model.u = _model(2).u
    _same(pair_scores(model, gamma, tf), _expected(model, gamma, tf))
    model.tf_min_frequency = 0.5
    _same(pair_scores(model, gamma, tf), _expected(model, gamma, tf))
    model.tf_comparisons = ["c"]
    with pytest.raises(InvalidInputError):
        pair_scores(model, gamma, tf)


def test_pair_scores_errors_are_the_models() -> None:
    model = _model(0)
    with pytest.raises(InvalidInputError):  # a level the comparison does not have
        pair_scores(model, np.array([[9, 1, 1, 1, 1]], dtype=np.uint8))
    with pytest.raises(InvalidInputError):
        pair_scores(model, np.ones((1, 5), dtype=np.uint8), {"b": np.ones(1, dtype=np.float32)})
    with pytest.raises(InvalidInputError):
        pair_scores(model, np.ones((2, 5), dtype=np.uint8), {"a": np.ones(3, dtype=np.float32)})
    empty = pair_scores(model, np.zeros((0, 5), dtype=np.uint8))
    assert [len(a) for a in empty] == [0, 0, 0]


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 5),
    n=st.integers(1, 80),
    data=st.data(),
    frequencies=st.lists(
        st.sampled_from([1e-7, 1e-3, 0.02, 0.5, 1.0, 0.0, float("nan")]), min_size=2, max_size=2
    ),
)
def test_hit_scores_equal_the_model_methods(
    seed: int, n: int, data: st.DataObject, frequencies: list[float]
) -> None:
    """The tf adjustments given as (frequency, level-1 rows) score as the same tf arrays."""
    model = _model(seed)
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    gamma = np.stack([rng.integers(0, k, n) for k in N_LEVELS], axis=1).astype(np.uint8)
    hits = {}
    tf = {}
    for (name, j), frequency in zip((("a", 0), ("c", 2)), frequencies, strict=True):
        frequency = float(np.float32(frequency))
        hits[name] = (frequency, np.flatnonzero(gamma[:, j] == 1).tolist())
        tf[name] = np.where(gamma[:, j] == 1, frequency, np.nan).astype(np.float32)
    fw, weight, probability = _expected(model, gamma, tf)
    _same(hit_scores(model, gamma, hits), (fw.astype(np.float64), weight, probability))


def test_hit_scores_errors_are_the_models() -> None:
    model = _model(0)
    with pytest.raises(InvalidInputError):  # a level the comparison does not have
        hit_scores(model, np.array([[9, 1, 1, 1, 1]], dtype=np.uint8), {})
    with pytest.raises(InvalidInputError):  # not a tf comparison
        hit_scores(model, np.ones((1, 5), dtype=np.uint8), {"b": (0.5, [0])})
