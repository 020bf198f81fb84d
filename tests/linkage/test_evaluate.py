from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.errors import InvalidInputError
from linkage.evaluate import (
    best_threshold_f1,
    cluster_metrics,
    count_true_pairs,
    pairwise_cluster_metrics,
    pairwise_pair_metrics,
)

labelings = st.integers(1, 14).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
        st.lists(st.integers(0, 4), min_size=n, max_size=n),
    )
)


def brute_pairs(labels: list[int]) -> set[tuple[int, int]]:
    return {
        (i, j) for i, j in itertools.combinations(range(len(labels)), 2) if labels[i] == labels[j]
    }


def prf(tp: int, predicted: int, actual: int) -> tuple[float, float, float]:
    p = tp / predicted if predicted else 1.0
    r = tp / actual if actual else 1.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


@settings(max_examples=80, deadline=None)
@given(labelings)
def test_pairwise_cluster_metrics_match_brute_force(labels: tuple[list[int], list[int]]) -> None:
    predicted, truth = labels
    pred_pairs, true_pairs = brute_pairs(predicted), brute_pairs(truth)
    tp = len(pred_pairs & true_pairs)
    metrics = pairwise_cluster_metrics(predicted, truth)
    assert (metrics.true_positives, metrics.predicted_pairs, metrics.true_pairs) == (
        tp,
        len(pred_pairs),
        len(true_pairs),
    )
    assert (metrics.precision, metrics.recall, metrics.f1) == pytest.approx(
        prf(tp, len(pred_pairs), len(true_pairs))
    )


@settings(max_examples=80, deadline=None)
@given(labelings)
def test_cluster_metrics_match_brute_force(labels: tuple[list[int], list[int]]) -> None:
    predicted, truth = labels
    n = len(predicted)

    def members(lab: list[int]) -> dict[int, frozenset[int]]:
        return {k: frozenset(i for i in range(n) if lab[i] == k) for k in set(lab)}

    pred, true = members(predicted), members(truth)
    exact = set(pred.values()) & set(true.values())
    bp = sum(len(pred[predicted[i]] & true[truth[i]]) / len(pred[predicted[i]]) for i in range(n))
    br = sum(len(pred[predicted[i]] & true[truth[i]]) / len(true[truth[i]]) for i in range(n))
    metrics = cluster_metrics(predicted, truth)
    assert metrics.exact_precision == pytest.approx(len(exact) / len(pred))
    assert metrics.exact_recall == pytest.approx(len(exact) / len(true))
    assert metrics.bcubed_precision == pytest.approx(bp / n)
    assert metrics.bcubed_recall == pytest.approx(br / n)
    assert (metrics.predicted_clusters, metrics.true_clusters) == (len(pred), len(true))


@settings(max_examples=60, deadline=None)
@given(
    labelings,
    st.lists(st.tuples(st.integers(0, 13), st.integers(0, 13), st.floats(0, 1)), max_size=30),
)
def test_pair_metrics_and_best_threshold_match_brute_force(
    labels: tuple[list[int], list[int]], raw: list[tuple[int, int, float]]
) -> None:
    _, truth = labels
    n = len(truth)
    scored = {(min(a, b), max(a, b)): p for a, b, p in raw if a < n and b < n and a != b}
    true_pairs = brute_pairs(truth)
    pairs = list(scored)
    left = [a for a, _ in pairs]
    right = [b for _, b in pairs]
    metrics = pairwise_pair_metrics(left, right, truth)
    tp = len(set(pairs) & true_pairs)
    assert (metrics.true_positives, metrics.predicted_pairs, metrics.true_pairs) == (
        tp,
        len(pairs),
        len(true_pairs),
    )
    best_f1 = 0.0
    for threshold in set(scored.values()):
        chosen = {pair for pair, p in scored.items() if p >= threshold}
        best_f1 = max(best_f1, prf(len(chosen & true_pairs), len(chosen), len(true_pairs))[2])
    result = best_threshold_f1(left, right, [scored[p] for p in pairs], truth)
    if tp and true_pairs:
        assert result.f1 == pytest.approx(best_f1)
        chosen = {pair for pair, p in scored.items() if p >= result.threshold}
        assert prf(len(chosen & true_pairs), len(chosen), len(true_pairs))[2] == pytest.approx(
            result.f1
        )
    else:
        assert result.f1 == 0.0


@pytest.mark.parametrize(
    ("truth", "expected"),
    [
        pytest.param(["a", "a", "b", "b", "b"], 4, id="strings"),
        pytest.param([1, 1, None, None], 1, id="missing-truth-is-a-singleton"),
        pytest.param(pl.Series([None, None], dtype=pl.Utf8), 0, id="all-missing"),
    ],
)
def test_count_true_pairs(truth: object, expected: int) -> None:
    assert count_true_pairs(truth) == expected  # type: ignore[arg-type]


def test_recall_counts_true_pairs_that_were_never_candidates() -> None:
    truth = ["p", "p", "p", "q"]  # three true pairs; only one is a candidate
    result = best_threshold_f1([0, 0], [1, 3], [0.9, 0.2], truth)
    assert result.threshold == pytest.approx(0.9)
    assert (result.precision, result.recall) == pytest.approx((1.0, 1 / 3))


def test_metrics_accept_string_labels_and_dictionaries() -> None:
    metrics = pairwise_cluster_metrics(pl.Series(["P-1", "P-1", "P-2"]), np.array(["x", "x", "y"]))
    assert metrics["f1"] == 1.0
    assert cluster_metrics(["a", "b"], ["a", "b"]).to_dict()["exact_f1"] == 1.0


def test_mismatched_lengths_are_refused() -> None:
    with pytest.raises(InvalidInputError):
        pairwise_cluster_metrics([0, 1], [0])


def test_large_labellings_count_pairs_from_the_contingency_table() -> None:
    # 600k people over 1M records, 2% moved: counted, never enumerated (timed in benchmarks/)
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 600_000, 1_000_000)
    predicted = truth.copy()
    moved = rng.random(truth.size) < 0.02
    predicted[moved] = rng.integers(0, 1_000_000, int(moved.sum()))
    metrics = pairwise_cluster_metrics(predicted, truth)
    true_sizes = np.bincount(truth)
    assert metrics.true_pairs == int((true_sizes * (true_sizes - 1) // 2).sum())
    cells = np.unique(predicted.astype(np.int64) * 1_000_000 + truth, return_counts=True)[1]
    assert metrics.true_positives == int((cells * (cells - 1) // 2).sum())
    assert 0.9 < metrics.recall < 1.0
    assert metrics.precision > 0.9


_labels = st.sampled_from(["P-1", "P-2", "P-3", "", "x"])


@settings(max_examples=80, deadline=None)
@given(
    st.integers(1, 16).flatmap(
        lambda n: st.tuples(
            st.lists(_labels, min_size=n, max_size=n),
            st.lists(st.one_of(st.none(), _labels), min_size=n, max_size=n),
            st.lists(
                st.tuples(
                    st.integers(0, n - 1),
                    st.integers(0, n - 1),
                    st.sampled_from([0.0, 0.001, 0.005, 0.01, 0.3, 0.3, 0.9, 0.99]),
                ),
                max_size=40,
            ),
        )
    )
)
def test_metrics_match_the_v1_implementation(
    case: tuple[list[str], list[str | None], list[tuple[int, int, float]]],
) -> None:
    from reference_v1 import evaluate as v1

    predicted, truth, scored = case
    left = [a for a, _, _ in scored]
    right = [b for _, b, _ in scored]
    prob = [p for _, _, p in scored]
    pred_s, truth_s = pl.Series(predicted), pl.Series(truth, dtype=pl.Utf8)
    pairwise = pairwise_cluster_metrics(pred_s, truth_s).to_dict()
    assert pairwise == v1.pairwise_cluster_metrics(pred_s, truth_s).to_dict()
    clusters = cluster_metrics(pred_s, truth_s).to_dict()
    assert clusters == pytest.approx(v1.cluster_metrics(pred_s, truth_s).to_dict())
    best = best_threshold_f1(left, right, prob, truth_s).to_dict()
    assert best == v1.best_threshold_f1(left, right, prob, truth_s).to_dict()
    pairs = pairwise_pair_metrics(left, right, truth_s).to_dict()
    assert pairs == v1.pairwise_pair_metrics(left, right, truth_s).to_dict()
    assert count_true_pairs(truth_s) == v1.count_true_pairs(truth_s)


def test_best_threshold_below_the_sorting_floor_is_still_found() -> None:
    truth = ["p", "p", "q", "q"]
    result = best_threshold_f1([0, 2, 0], [1, 3, 2], [0.005, 0.004, 0.5], truth)
    assert result.threshold == 0.004
    assert (result.precision, result.recall, result.f1) == pytest.approx((2 / 3, 1.0, 0.8))
