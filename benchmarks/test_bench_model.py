"""Model micro benchmarks: EM and scoring on 5M pairs x 10 comparisons.

Run: ``.venv/bin/pytest benchmarks/test_bench_model.py -q`` (not in the default test run).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest

from linkage.model import FellegiSunterModel

N_PAIRS = 5_000_000
N_LEVELS = [6, 6, 5, 5, 6, 4, 4, 3, 5, 6]


def _dist(rng: np.random.Generator, n: int, exact: float) -> npt.NDArray[np.float64]:
    rest = rng.dirichlet(np.ones(n - 2))
    return np.concatenate([[0.0, exact], (1 - exact) * rest])


@pytest.fixture(scope="session")
def gamma() -> npt.NDArray[np.uint8]:
    rng = np.random.default_rng(42)
    is_match = rng.random(N_PAIRS) < 0.02
    out = np.empty((N_PAIRS, len(N_LEVELS)), dtype=np.uint8)
    for j, n in enumerate(N_LEVELS):
        m, u = _dist(rng, n, 0.9), _dist(rng, n, 0.02)
        out[is_match, j] = rng.choice(np.arange(1, n), size=int(is_match.sum()), p=m[1:])
        out[~is_match, j] = rng.choice(np.arange(1, n), size=int((~is_match).sum()), p=u[1:])
        out[rng.random(N_PAIRS) < 0.05, j] = 0
    return out


def _model() -> FellegiSunterModel:
    names = [f"c{j}" for j in range(len(N_LEVELS))]
    labels = [["null", *[f"l{i}" for i in range(1, n)]] for n in N_LEVELS]
    return FellegiSunterModel(names, labels, tf_comparisons=["c0"])


def test_fit_em_5m(benchmark, gamma: npt.NDArray[np.uint8]) -> None:  # type: ignore[no-untyped-def]
    model = _model().estimate_u(gamma[:1_000_000])
    benchmark.pedantic(model.fit_em, args=(gamma,), rounds=3)
    assert model.training_stats["em"]["converged"]


def test_match_weight_5m(benchmark, gamma: npt.NDArray[np.uint8]) -> None:  # type: ignore[no-untyped-def]
    model = _model().estimate_u(gamma[:1_000_000]).fit_em(gamma)
    weights = benchmark(model.match_weight, gamma)
    assert weights.shape == (N_PAIRS,)


def test_match_weight_tf_5m(benchmark, gamma: npt.NDArray[np.uint8]) -> None:  # type: ignore[no-untyped-def]
    model = _model().estimate_u(gamma[:1_000_000]).fit_em(gamma)
    tf = {"c0": np.full(N_PAIRS, 1e-3, dtype=np.float32)}
    weights = benchmark(model.match_weight, gamma, tf)
    assert weights.shape == (N_PAIRS,)


def test_field_weights_5m(benchmark, gamma: npt.NDArray[np.uint8]) -> None:  # type: ignore[no-untyped-def]
    model = _model().estimate_u(gamma[:1_000_000]).fit_em(gamma)
    weights = benchmark(model.field_weights, gamma)
    assert weights.shape == gamma.shape
