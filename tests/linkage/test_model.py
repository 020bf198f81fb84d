"""Tests of the Fellegi-Sunter model (linkage.model)."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.errors import ConfigError, InvalidInputError, ModelNotFittedError
from linkage.model import (
    BAND_MATCH,
    BAND_NO_MATCH,
    BAND_REVIEW,
    FellegiSunterModel,
    distinct_patterns,
    match_probability,
)
from linkage.model._patterns import merge_patterns

FloatArray = npt.NDArray[np.float64]


def _dist(*p: float) -> FloatArray:
    """A level distribution with index 0 (null) unused."""
    a = np.array(p, dtype=np.float64)
    return np.concatenate([[0.0], a / a.sum()])


# Five comparisons with 3..6 levels besides null.
TRUE_M = [
    _dist(0.90, 0.05, 0.03, 0.02),
    _dist(0.85, 0.10, 0.05),
    _dist(0.80, 0.10, 0.05, 0.03, 0.02),
    _dist(0.92, 0.05, 0.03),
    _dist(0.70, 0.15, 0.10, 0.03, 0.01, 0.01),
]
TRUE_U = [
    _dist(0.01, 0.02, 0.07, 0.90),
    _dist(0.05, 0.10, 0.85),
    _dist(0.003, 0.01, 0.02, 0.10, 0.867),
    _dist(0.10, 0.20, 0.70),
    _dist(0.001, 0.004, 0.01, 0.05, 0.20, 0.735),
]
NAMES = ["given", "family", "dob", "sex", "address"]
LABELS = [["null"] + [f"level{i}" for i in range(1, len(m))] for m in TRUE_M]


def simulate(
    n: int, prior: float, rng: np.random.Generator, null_rate: float = 0.05
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_]]:
    """Comparison vectors drawn from TRUE_M / TRUE_U with some nulls."""
    is_match = rng.random(n) < prior
    gamma = np.empty((n, len(TRUE_M)), dtype=np.uint8)
    for j, (m, u) in enumerate(zip(TRUE_M, TRUE_U, strict=True)):
        levels = np.arange(1, len(m))
        gamma[is_match, j] = rng.choice(levels, size=int(is_match.sum()), p=m[1:])
        gamma[~is_match, j] = rng.choice(levels, size=int((~is_match).sum()), p=u[1:])
        gamma[rng.random(n) < null_rate, j] = 0
    return gamma, is_match


def new_model(**kwargs: object) -> FellegiSunterModel:
    return FellegiSunterModel(comparison_names=NAMES, level_labels=LABELS, **kwargs)  # type: ignore[arg-type]


def true_model(**kwargs: object) -> FellegiSunterModel:
    return new_model(m=TRUE_M, u=TRUE_U, prior=0.05, **kwargs)


@pytest.fixture(scope="module")
def simulated() -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.bool_], npt.NDArray[np.uint8]]:
    rng = np.random.default_rng(20240601)
    gamma, is_match = simulate(200_000, 0.05, rng)
    random_pairs, _ = simulate(200_000, 0.0, rng)
    return gamma, is_match, random_pairs


# -- estimation -------------------------------------------------------------------


def test_em_recovers_m_and_prior_with_u_from_random_pairs(simulated: tuple) -> None:
    gamma, _, random_pairs = simulated
    model = new_model().estimate_u(random_pairs).fit_em(gamma)
    assert model.m is not None
    assert model.prior is not None
    assert model.prior == pytest.approx(0.05, abs=0.004)
    for fitted, true in zip(model.m, TRUE_M, strict=True):
        np.testing.assert_allclose(fitted[1:], true[1:], atol=0.02)
    stats = model.training_stats["em"]
    assert stats["converged"] is True
    assert stats["iterations"] < 100
    assert stats["n_pairs"] == 200_000
    history = stats["log_likelihood"]
    assert len(history) == stats["iterations"]
    # EM never decreases the likelihood (within rounding).
    assert all(b >= a - 1e-6 * abs(a) for a, b in itertools.pairwise(history))


def test_em_without_fixed_u_still_finds_matches(simulated: tuple) -> None:
    gamma, is_match, _ = simulated
    model = new_model().fit_em(gamma, fix_u=False)
    assert model.prior == pytest.approx(0.05, abs=0.01)
    p = model.predict(gamma)
    # The fitted model separates the classes it was never told about.
    assert np.mean(p[is_match] > 0.5) > 0.9
    assert np.mean(p[~is_match] < 0.5) > 0.99


def test_em_requires_u_when_fixed(simulated: tuple) -> None:
    with pytest.raises(ModelNotFittedError, match="estimate_u"):
        new_model().fit_em(simulated[0])


def test_em_keeps_exact_m_at_least_exact_u() -> None:
    # Exact agreement on "sex" is as common among non-matches as among the
    # (absent) matches: EM must not make it evidence against a match.
    rng = np.random.default_rng(3)
    gamma, _ = simulate(20_000, 0.0, rng)
    model = new_model().estimate_u(gamma).fit_em(gamma, max_iter=20)
    assert model.m is not None
    assert model.u is not None
    for m, u in zip(model.m, model.u, strict=True):
        assert m[1] >= u[1] - 1e-9
        assert np.all(m[1:] >= 1e-6 * 0.99)
        assert m[1:].sum() == pytest.approx(1.0)


def test_estimate_u_ignores_nulls_and_smooths() -> None:
    gamma = np.array([[0, 1], [0, 2], [0, 2], [1, 2]], dtype=np.uint8)
    model = FellegiSunterModel(["a", "b"], [["null", "exact", "else"], ["null", "exact", "else"]])
    model.estimate_u(gamma, smoothing=1.0)
    assert model.u is not None
    # a: one non-null pair at level 1 -> (1+1)/(1+2); b: 1 exact, 3 else -> 2/6, 4/6.
    np.testing.assert_allclose(model.u[0][1:], [2 / 3, 1 / 3])
    np.testing.assert_allclose(model.u[1][1:], [2 / 6, 4 / 6])
    assert model.training_stats["u"]["n_random_pairs"] == 4


def test_fit_labelled_recovers_parameters(simulated: tuple) -> None:
    gamma, is_match, _ = simulated
    model = new_model().fit_labelled(gamma, is_match)
    assert model.prior == pytest.approx(is_match.mean())
    assert model.m is not None
    assert model.u is not None
    for fitted, true in zip(model.m, TRUE_M, strict=True):
        np.testing.assert_allclose(fitted[1:], true[1:], atol=0.015)
    for fitted, true in zip(model.u, TRUE_U, strict=True):
        np.testing.assert_allclose(fitted[1:], true[1:], atol=0.005)
    assert model.training_stats["labelled"]["n_matches"] == int(is_match.sum())


def test_fit_labelled_smoothing_keeps_unseen_levels_positive() -> None:
    gamma = np.array([[1], [1], [2]], dtype=np.uint8)
    model = FellegiSunterModel(["a"], [["null", "exact", "close", "else"]])
    model.fit_labelled(gamma, [True, True, False])
    assert model.m is not None
    assert model.u is not None
    assert np.all(model.m[0][1:] > 0)
    assert np.all(model.u[0][1:] > 0)
    assert np.all(np.isfinite(model.field_weights(np.array([[3]], dtype=np.uint8))))


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        pytest.param([True, True], "both", id="only-matches"),
        pytest.param([False, False], "both", id="only-non-matches"),
        pytest.param([True], "one label per pair", id="wrong-length"),
    ],
)
def test_fit_labelled_rejects_bad_labels(labels: list[bool], message: str) -> None:
    gamma = np.array([[1], [2]], dtype=np.uint8)
    model = FellegiSunterModel(["a"], [["null", "exact", "else"]])
    with pytest.raises(InvalidInputError, match=message) as info:
        model.fit_labelled(gamma, labels)
    assert info.value.field == "is_match"


# -- patterns -----------------------------------------------------------------------


def _reference_patterns(gamma: npt.NDArray[np.uint8]) -> dict[tuple[int, ...], int]:
    rows, counts = np.unique(gamma, axis=0, return_counts=True)
    return {tuple(int(x) for x in r): int(c) for r, c in zip(rows, counts, strict=True)}


@pytest.mark.parametrize(
    "n_levels",
    [
        pytest.param([3, 4, 5], id="small-dense"),
        pytest.param([256] * 8, id="max-levels-one-key"),
        pytest.param([256] * 12, id="max-levels-several-keys"),
        pytest.param([2] * 70, id="many-binary-columns"),
    ],
)
def test_distinct_patterns_match_numpy_unique(n_levels: list[int]) -> None:
    rng = np.random.default_rng(7)
    # Few distinct values per column so patterns repeat.
    base = rng.integers(0, 3, size=(5_000, len(n_levels)))  # > 4096: the chunked path
    gamma = (base * (np.array(n_levels) - 1) // 2).astype(np.uint8)
    gamma = np.concatenate([gamma, gamma[:100]])
    patterns, counts = distinct_patterns(gamma, n_levels)
    assert patterns.dtype == np.uint8
    assert counts.sum() == gamma.shape[0]
    got = {tuple(int(x) for x in r): int(c) for r, c in zip(patterns, counts, strict=True)}
    assert got == _reference_patterns(gamma)


def test_em_runs_with_maximum_levels() -> None:
    rng = np.random.default_rng(11)
    gamma = rng.integers(0, 256, size=(2_000, 10), dtype=np.uint8)
    names = [f"c{j}" for j in range(10)]
    labels = [["null", *[f"l{i}" for i in range(1, 256)]] for _ in names]
    model = FellegiSunterModel(names, labels).estimate_u(gamma).fit_em(gamma, max_iter=5)
    assert model.training_stats["em"]["n_patterns"] == len(_reference_patterns(gamma))
    assert np.all(np.isfinite(model.match_weight(gamma)))


# -- scoring ------------------------------------------------------------------------


def _slow_weights(
    model: FellegiSunterModel, gamma: npt.NDArray[np.uint8], tf: dict[str, FloatArray] | None
) -> tuple[list[list[float]], list[float]]:
    """Obviously correct reference: a Python loop over pairs and fields."""
    assert model.m is not None
    assert model.u is not None
    assert model.prior is not None
    fields, totals = [], []
    for i in range(gamma.shape[0]):
        row = []
        for j, name in enumerate(model.comparison_names):
            level = int(gamma[i, j])
            if level == 0:
                row.append(0.0)
                continue
            u = model.u[j][level]
            if tf and name in tf and level == 1:
                f = float(tf[name][i])
                if math.isfinite(f) and f > 0:
                    u = min(max(f, model.tf_min_frequency), 1.0)
            row.append(math.log2(model.m[j][level] / u))
        fields.append(row)
        totals.append(math.log2(model.prior / (1 - model.prior)) + sum(row))
    return fields, totals


@st.composite
def _model_and_gamma(draw: st.DrawFn) -> tuple[FellegiSunterModel, npt.NDArray[np.uint8], dict]:
    k = draw(st.integers(1, 7))
    n_levels = draw(st.lists(st.integers(2, 8), min_size=k, max_size=k))
    prob = st.floats(1e-6, 1.0, allow_nan=False)
    m, u = [], []
    for n in n_levels:
        for target in (m, u):
            raw = np.array(draw(st.lists(prob, min_size=n - 1, max_size=n - 1)))
            target.append(np.concatenate([[0.0], raw / raw.sum()]))
    names = [f"c{j}" for j in range(k)]
    tf_names = [name for name in names if draw(st.booleans())]
    model = FellegiSunterModel(
        names,
        [["null"] + [f"l{i}" for i in range(1, n)] for n in n_levels],
        m=m,
        u=u,
        prior=draw(st.floats(1e-4, 0.999)),
        tf_comparisons=tf_names,
    )
    # Large enough sometimes to take the chunked uint16 path.
    n_rows = draw(st.sampled_from([0, 1, 5, 40, 5000]))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    gamma = np.stack([rng.integers(0, n, size=n_rows) for n in n_levels], axis=1).astype(np.uint8)
    tf = {}
    for name in tf_names:
        freq = rng.choice([np.nan, 0.0, 1e-9, 1e-3, 0.02, 0.5, 1.0], size=n_rows)
        tf[name] = freq.astype(np.float32)
    return model, gamma, tf


@settings(max_examples=60, deadline=None)
@given(_model_and_gamma())
def test_weights_equal_slow_reference(case: tuple) -> None:
    model, gamma, tf = case
    fields, totals = _slow_weights(model, gamma, tf)
    n_check = min(gamma.shape[0], 200)  # the reference is slow; the fast path is row-independent
    fw = model.field_weights(gamma, tf)
    mw = model.match_weight(gamma, tf)
    assert fw.dtype == np.float32
    assert mw.dtype == np.float64
    assert fw.shape == gamma.shape
    np.testing.assert_allclose(
        fw[:n_check], np.array(fields[:n_check]).reshape(-1, gamma.shape[1]), rtol=1e-5, atol=1e-4
    )
    np.testing.assert_allclose(mw, totals, rtol=1e-12, atol=1e-9)
    for i in range(n_check):
        assert fw[i][gamma[i] == 0].tolist() == [0.0] * int((gamma[i] == 0).sum())


def test_weights_and_probability_of_known_model() -> None:
    model = FellegiSunterModel(
        ["a", "b"],
        [["null", "exact", "else"], ["null", "exact", "else"]],
        m=[[0, 0.9, 0.1], [0, 0.8, 0.2]],
        u=[[0, 0.1, 0.9], [0, 0.2, 0.8]],
        prior=0.2,
    )
    gamma = np.array([[1, 1], [0, 0], [2, 0]], dtype=np.uint8)
    expected = np.log2(0.25) + np.array([np.log2(9) + np.log2(4), 0.0, np.log2(1 / 9)])
    np.testing.assert_allclose(model.match_weight(gamma), expected)
    np.testing.assert_allclose(model.predict(gamma)[1], 0.2)
    assert match_probability(0.0) == 0.5
    assert match_probability(5000.0) == 1.0
    assert match_probability(-5000.0) < 1e-300
    assert model.band(np.array([0.95, 0.9, 0.6, 0.5, 0.1])).tolist() == [
        BAND_MATCH,
        BAND_MATCH,
        BAND_REVIEW,
        BAND_REVIEW,
        BAND_NO_MATCH,
    ]


@pytest.mark.parametrize(
    "n_rows", [pytest.param(10, id="small"), pytest.param(20_000, id="chunked")]
)
def test_out_of_range_level_is_refused(n_rows: int) -> None:
    model = true_model()
    gamma = np.ones((n_rows, 5), dtype=np.uint8)
    gamma[-1, 3] = 4  # "sex" has levels 0..3
    for score in (model.match_weight, model.field_weights):
        with pytest.raises(InvalidInputError, match="column 3") as info:
            score(gamma)
        assert info.value.field == "gamma"


@pytest.mark.parametrize(
    ("gamma", "message"),
    [
        pytest.param(np.ones((3, 5), dtype=np.int64), "uint8", id="dtype"),
        pytest.param(np.ones((3, 4), dtype=np.uint8), "columns", id="width"),
        pytest.param(np.ones(5, dtype=np.uint8), "2-D", id="ndim"),
    ],
)
def test_malformed_gamma_is_refused(gamma: npt.NDArray[np.generic], message: str) -> None:
    with pytest.raises(InvalidInputError, match=message):
        true_model().match_weight(gamma)


# -- term-frequency adjustment ------------------------------------------------------


def test_tf_rare_exact_value_weighs_more_than_common() -> None:
    model = true_model(tf_comparisons=["family"])
    gamma = np.tile(np.array([[1, 1, 1, 1, 1]], dtype=np.uint8), (3, 1))
    # u_exact of "family" is 0.05: a rare value, a SMITH-like common one, an unknown one.
    tf = {"family": np.array([1e-5, 0.2, np.nan], dtype=np.float32)}
    fw = model.field_weights(gamma, tf)[:, NAMES.index("family")]
    plain = model.field_weights(gamma)[:, NAMES.index("family")]
    assert fw[0] > plain[0] > fw[1]
    assert fw[2] == plain[2]  # unknown frequency: no adjustment
    assert fw[0] == pytest.approx(np.log2(TRUE_M[1][1] / 1e-5), rel=1e-5)
    mw = model.match_weight(gamma, tf)
    assert mw[0] > mw[2] > mw[1]


def test_tf_never_changes_non_exact_levels_or_other_fields() -> None:
    model = true_model(tf_comparisons=["family"])
    rng = np.random.default_rng(5)
    gamma, _ = simulate(2_000, 0.3, rng)
    tf = {"family": rng.choice([1e-6, 1e-3, 0.2], size=2_000).astype(np.float32)}
    adjusted = model.field_weights(gamma, tf)
    plain = model.field_weights(gamma)
    j = NAMES.index("family")
    not_exact = gamma[:, j] != 1
    np.testing.assert_array_equal(adjusted[not_exact], plain[not_exact])
    others = [i for i in range(5) if i != j]
    np.testing.assert_array_equal(adjusted[:, others], plain[:, others])
    assert np.any(adjusted[~not_exact, j] != plain[~not_exact, j])


def test_tf_frequency_is_floored() -> None:
    model = true_model(tf_comparisons=["family"], tf_min_frequency=1e-4)
    gamma = np.ones((2, 5), dtype=np.uint8)
    tf = {"family": np.array([1e-9, 1e-4], dtype=np.float32)}
    fw = model.field_weights(gamma, tf)[:, 1]
    assert fw[0] == fw[1]  # both bounded at log2(m / 1e-4)


def test_tf_for_unadjusted_comparison_is_refused() -> None:
    gamma = np.ones((1, 5), dtype=np.uint8)
    with pytest.raises(InvalidInputError, match="not tf-adjusted"):
        true_model().match_weight(gamma, {"given": np.ones(1, dtype=np.float32)})


# -- explanation --------------------------------------------------------------------


def test_explain_matches_field_weights_and_is_sorted() -> None:
    model = true_model(tf_comparisons=["family"])
    row = np.array([2, 1, 0, 1, 6], dtype=np.uint8)
    explanation = model.explain(row, {"family": 1e-4})
    assert [abs(fw.weight) for fw in explanation] == sorted(
        (abs(fw.weight) for fw in explanation), reverse=True
    )
    by_name = {fw.comparison: fw for fw in explanation}
    expected = model.field_weights(row[None, :], {"family": np.array([1e-4], dtype=np.float32)})[0]
    for j, name in enumerate(NAMES):
        assert by_name[name].weight == pytest.approx(float(expected[j]), rel=1e-5, abs=1e-6)
    assert by_name["dob"].label == "null"
    assert by_name["dob"].m is None
    assert by_name["family"].tf_adjusted
    assert by_name["family"].u == pytest.approx(1e-4)
    assert by_name["address"].label == "level6"
    assert by_name["given"].m == pytest.approx(TRUE_M[0][2])


# -- persistence --------------------------------------------------------------------


def test_json_round_trip_scores_identically(simulated: tuple, tmp_path: Path) -> None:
    gamma, _, random_pairs = simulated
    config = [{"name": n, "kind": "exact", "column": n.upper()} for n in NAMES]
    model = new_model(tf_comparisons=["family"], comparisons=config, version="test-1")
    model.estimate_u(random_pairs).fit_em(gamma)
    model.set_thresholds(0.95, 0.4)
    path = tmp_path / "model.json"
    model.to_json(path)
    loaded = FellegiSunterModel.from_json(path)
    tf = {"family": np.full(gamma.shape[0], 1e-3, dtype=np.float32)}
    np.testing.assert_array_equal(loaded.match_weight(gamma, tf), model.match_weight(gamma, tf))
    np.testing.assert_array_equal(loaded.field_weights(gamma), model.field_weights(gamma))
    assert loaded.comparisons == config
    assert (loaded.match_threshold, loaded.review_threshold) == (0.95, 0.4)
    assert loaded.tf_comparisons == ["family"]
    assert loaded.version == "test-1"
    assert loaded.training_stats == json.loads(json.dumps(model.training_stats))
    assert json.loads(path.read_text())["format_version"] == 1


def _saved(tmp_path: Path) -> dict:
    path = tmp_path / "m.json"
    true_model().to_json(path)
    return json.loads(path.read_text())


def _corrupt_version(d: dict) -> None:
    d["format_version"] = 3


def _drop_prior(d: dict) -> None:
    del d["prior"]


def _short_m(d: dict) -> None:
    d["parameters"][2]["m"] = d["parameters"][2]["m"][:-1]


def _text_u(d: dict) -> None:
    d["parameters"][0]["u"][1] = "0.5"


def _zero_u(d: dict) -> None:
    d["parameters"][0]["u"][1] = 0.0


def _bad_thresholds(d: dict) -> None:
    d["review_threshold"] = 0.99


@pytest.mark.parametrize(
    ("corrupt", "field"),
    [
        pytest.param(_corrupt_version, "format_version", id="unknown-version"),
        pytest.param(_drop_prior, "prior", id="missing-prior"),
        pytest.param(_short_m, "parameters[2].m", id="short-m"),
        pytest.param(_text_u, "parameters[0].u[1]", id="text-u"),
        pytest.param(_zero_u, "parameters[0].u", id="zero-u"),
        pytest.param(_bad_thresholds, "review_threshold", id="thresholds-out-of-order"),
    ],
)
def test_malformed_model_file_is_refused(tmp_path: Path, corrupt, field: str) -> None:  # type: ignore[no-untyped-def]
    data = _saved(tmp_path)
    corrupt(data)
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ConfigError, match=field.replace("[", r"\[").replace("]", r"\]")):
        FellegiSunterModel.from_json(path)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("{not json", id="syntax"),
        pytest.param('{"format_version": NaN}', id="nan"),
        pytest.param("[1, 2]", id="not-object"),
    ],
)
def test_bad_json_is_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(text)
    with pytest.raises(ConfigError):
        FellegiSunterModel.from_json(path)


def test_missing_file_is_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        FellegiSunterModel.from_json(tmp_path / "absent.json")


# -- unfitted and invalid models ----------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda m, g: m.match_weight(g), id="match_weight"),
        pytest.param(lambda m, g: m.field_weights(g), id="field_weights"),
        pytest.param(lambda m, g: m.predict(g), id="predict"),
        pytest.param(lambda m, g: m.explain(g[0]), id="explain"),
        pytest.param(lambda m, g: m.to_dict(), id="to_dict"),
        pytest.param(lambda m, g: m.prior_weight, id="prior_weight"),
    ],
)
def test_unfitted_model_refuses_to_score(call) -> None:  # type: ignore[no-untyped-def]
    model = new_model()
    assert not model.is_fitted
    with pytest.raises(ModelNotFittedError):
        call(model, np.ones((2, 5), dtype=np.uint8))
    model.estimate_u(np.ones((2, 5), dtype=np.uint8))  # u alone is not enough
    with pytest.raises(ModelNotFittedError):
        call(model, np.ones((2, 5), dtype=np.uint8))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"match_threshold": 0.4}, "thresholds", id="review-above-match"),
        pytest.param({"match_threshold": 1.0}, "thresholds", id="match-is-one"),
        pytest.param({"tf_comparisons": ["nickname"]}, "tf_comparisons", id="unknown-tf"),
        pytest.param({"prior": 0.0, "m": TRUE_M, "u": TRUE_U}, "prior", id="zero-prior"),
        pytest.param({"m": TRUE_M[:4]}, "m has 4", id="m-count"),
    ],
)
def test_invalid_model_is_refused(kwargs: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        new_model(**kwargs)


def test_for_comparisons_builds_from_comparison_objects() -> None:
    class Comparison:
        def __init__(self, name: str, level_labels: list[str], tf_adjusted: bool = False) -> None:
            self.name = name
            self.level_labels = level_labels
            self.tf_adjusted = tf_adjusted

    model = FellegiSunterModel.for_comparisons(
        [
            Comparison("given", ["null", "exact", "else"], True),
            Comparison("dob", ["null", "exact"]),
        ],
        match_threshold=0.8,
    )
    assert model.comparison_names == ["given", "dob"]
    assert model.n_levels == [3, 2]
    assert model.tf_comparisons == ["given"]
    assert model.match_threshold == 0.8


@pytest.mark.parametrize(
    "n_levels",
    [
        pytest.param([3, 4, 5], id="uint32-key"),
        pytest.param([256] * 8, id="uint64-key"),
        pytest.param([256] * 12, id="several-keys"),
    ],
)
def test_merge_patterns_equals_distinct_patterns_of_the_pairs(n_levels: list[int]) -> None:
    # a session's patterns: some rows of gamma's patterns with a column set to 0, merged
    rng = np.random.default_rng(3)
    base = rng.integers(0, 3, size=(70_000, len(n_levels)))  # > one pack block of rows
    gamma = (base * (np.array(n_levels) - 1) // 2).astype(np.uint8)
    patterns, counts = distinct_patterns(gamma, n_levels)
    assert {tuple(int(x) for x in r): int(c) for r, c in zip(patterns, counts, strict=True)} == (
        _reference_patterns(gamma)
    )
    keep = patterns[:, 1] != 0
    sub = patterns[keep]
    sub[:, 0] = 0
    merged, merged_counts = merge_patterns(sub, counts[keep], n_levels)
    rows = gamma[gamma[:, 1] != 0]
    rows[:, 0] = 0
    expected, expected_counts = distinct_patterns(rows, n_levels)
    np.testing.assert_array_equal(merged, expected)
    np.testing.assert_array_equal(merged_counts, expected_counts)
    assert merged_counts.dtype == np.int64
