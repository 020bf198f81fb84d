"""Accuracy of predicted clusters and pairs against a truth labelling.

Pairs are counted, never enumerated: the contingency table of (predicted,
true) labels gives true positives ``sum C(n_ij, 2)``, predicted pairs
``sum C(a_i, 2)`` and true pairs ``sum C(b_j, 2)``. Labels may be any type
(strings, integers); ``None`` truth labels are singletons.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage._dense_codes import dense_codes, distinct_sorted, same_label
from linkage.errors import InvalidInputError

ArrayLike = npt.ArrayLike | pl.Series
IntArray = npt.NDArray[np.int64]
_FLOOR = 0.01  # best_threshold_f1 sorts only pairs at or above this when that is provably enough


@dataclass(frozen=True)
class PairwiseMetrics:
    """Pairwise precision, recall and F1 with their counts."""

    precision: float
    recall: float
    f1: float
    true_positives: int
    predicted_pairs: int
    true_pairs: int

    def __getitem__(self, key: str) -> Any:
        return asdict(self)[key]

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class ClusterMetrics:
    """Exact-cluster and B-cubed precision, recall and F1."""

    exact_precision: float
    exact_recall: float
    exact_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    predicted_clusters: int
    true_clusters: int

    def __getitem__(self, key: str) -> Any:
        return asdict(self)[key]

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON."""
        return asdict(self)


@dataclass(frozen=True)
class ThresholdF1:
    """The threshold with the best pairwise F1 among scored candidate pairs."""

    threshold: float
    precision: float
    recall: float
    f1: float

    def __getitem__(self, key: str) -> Any:
        return asdict(self)[key]

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary for JSON."""
        return asdict(self)


def _series(values: ArrayLike, name: str) -> pl.Series:
    """Any label container as a named polars Series."""
    if isinstance(values, pl.Series):
        return values.alias(name)
    if isinstance(values, np.ndarray) and values.dtype != object:
        return pl.Series(name, values)
    return pl.Series(name, list(np.asarray(values, dtype=object)))


def _codes(values: ArrayLike, name: str) -> tuple[IntArray, int]:
    """Labels as dense codes ``0..k-1`` (equal labels, equal codes) and ``k``; null is ``-1``."""
    return dense_codes(_series(values, name), blank_is_missing=False)


def truth_codes(truth: ArrayLike) -> IntArray:
    """Truth labels as ``int64`` codes, each missing label its own code (same partition)."""
    return _truth_codes(truth)[0]


def _truth_codes(truth: ArrayLike) -> tuple[IntArray, int]:
    """Truth labels as integers; each missing label becomes its own singleton."""
    codes, k = _codes(truth, "t")
    missing = np.flatnonzero(codes < 0)
    codes[missing] = k + np.arange(len(missing))
    return codes, k + len(missing)


@dataclass(frozen=True)
class _Cells:
    """Non-empty cells of the (predicted, true) contingency table, with row and column sums."""

    n: IntArray
    a: IntArray
    b: IntArray
    rows: IntArray
    columns: IntArray


def _contingency(predicted: ArrayLike, truth: ArrayLike) -> _Cells:
    """Counts ``n`` per (predicted, true) cell, its row sum ``a`` and column sum ``b``."""
    pred, n_pred = _codes(predicted, "p")
    true, n_true = _truth_codes(truth)
    if len(pred) != len(true):
        msg = f"{len(pred)} predicted labels for {len(true)} truth labels"
        raise InvalidInputError(msg)
    if len(pred) and pred.min() < 0:
        msg = "predicted labels must not be null"
        raise InvalidInputError(msg)
    rows = np.bincount(pred, minlength=n_pred).astype(np.int64)
    columns = np.bincount(true, minlength=n_true).astype(np.int64)
    cells, n = np.unique(pred * max(n_true, 1) + true, return_counts=True)
    p_of, t_of = cells // max(n_true, 1), cells % max(n_true, 1)
    return _Cells(
        n.astype(np.int64), rows[p_of], columns[t_of], rows[rows > 0], columns[columns > 0]
    )


def _choose2(counts: IntArray) -> int:
    """``sum C(x, 2)`` over counts."""
    return int((counts * (counts - 1) // 2).sum())


def _prf(tp: int, predicted: int, actual: int) -> tuple[float, float, float]:
    """Precision, recall and F1; empty denominators give 1.0 (nothing to get wrong)."""
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def count_true_pairs(truth: ArrayLike) -> int:
    """Number of record pairs that share a truth label (missing labels share none)."""
    true, k = _truth_codes(truth)
    return _choose2(np.bincount(true, minlength=k).astype(np.int64))


def pairwise_cluster_metrics(predicted: ArrayLike, truth: ArrayLike) -> PairwiseMetrics:
    """Pairwise precision/recall/F1 of a clustering against the truth.

    Args:
        predicted: predicted cluster label per record.
        truth: true person label per record.

    Returns:
        The metrics with true positive, predicted and true pair counts.
    """
    cells = _contingency(predicted, truth)
    tp = _choose2(cells.n)
    predicted_pairs = _choose2(cells.rows)
    true_pairs = _choose2(cells.columns)
    return PairwiseMetrics(*_prf(tp, predicted_pairs, true_pairs), tp, predicted_pairs, true_pairs)


def pairwise_pair_metrics(left: ArrayLike, right: ArrayLike, truth: ArrayLike) -> PairwiseMetrics:
    """Pairwise precision/recall/F1 of a set of predicted pairs against the truth.

    Args:
        left: row position of each predicted pair's first record.
        right: row position of each predicted pair's second record.
        truth: true person label per record; recall counts every true pair,
            including those never predicted.

    Returns:
        The metrics; duplicate pairs (either order) count once.
    """
    lft, rgt = _pair_arrays(left, right)
    codes, k = _truth_codes(truth)
    tp = int(np.count_nonzero(codes[lft] == codes[rgt]))
    true_pairs = _choose2(np.bincount(codes, minlength=k).astype(np.int64))
    return PairwiseMetrics(*_prf(tp, len(lft), true_pairs), tp, len(lft), true_pairs)


def _pair_arrays(
    left: ArrayLike, right: ArrayLike
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Distinct ``(min, max)`` pairs without self-pairs."""
    lft = np.asarray(left, dtype=np.int64)
    rgt = np.asarray(right, dtype=np.int64)
    if len(lft) != len(rgt):
        msg = "left and right must have the same length"
        raise InvalidInputError(msg)
    low, high = np.minimum(lft, rgt), np.maximum(lft, rgt)
    keep = low != high
    keys = distinct_sorted((low[keep] << 32) | high[keep])
    return keys >> 32, keys & 0xFFFFFFFF


def cluster_metrics(predicted: ArrayLike, truth: ArrayLike) -> ClusterMetrics:
    """Exact-cluster and B-cubed metrics of a clustering against the truth.

    Exact precision is the share of predicted clusters that equal a true
    cluster, exact recall the share of true clusters predicted exactly.
    B-cubed precision averages, over records, the share of the record's
    predicted cluster that is truly its person (recall: the share of its true
    person that is in its predicted cluster).

    Args:
        predicted: predicted cluster label per record.
        truth: true person label per record.

    Returns:
        The metrics and cluster counts.
    """
    cells = _contingency(predicted, truth)
    n_records = int(cells.n.sum())
    n_pred, n_true = len(cells.rows), len(cells.columns)
    exact = int(np.count_nonzero((cells.n == cells.a) & (cells.n == cells.b)))
    square = cells.n.astype(np.float64) ** 2
    sums = float((square / cells.a).sum()), float((square / cells.b).sum())
    bp, br = (sums[0] / n_records, sums[1] / n_records) if n_records else (1.0, 1.0)
    ep = exact / n_pred if n_pred else 1.0
    er = exact / n_true if n_true else 1.0
    return ClusterMetrics(
        exact_precision=ep,
        exact_recall=er,
        exact_f1=_f1(ep, er),
        bcubed_precision=bp,
        bcubed_recall=br,
        bcubed_f1=_f1(bp, br),
        predicted_clusters=n_pred,
        true_clusters=n_true,
    )


def _f1(precision: float, recall: float) -> float:
    """Harmonic mean, 0 when both are 0."""
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def best_threshold_f1(
    left: ArrayLike, right: ArrayLike, probability: ArrayLike, truth: ArrayLike
) -> ThresholdF1:
    """The probability threshold with the best pairwise F1 over the candidate pairs.

    Pairs at or above a threshold are predicted matches. Recall's denominator
    is every true pair (from the truth labels), so true pairs that blocking
    never produced count as misses at every threshold.

    Args:
        left: row position of each candidate pair's first record.
        right: row position of each candidate pair's second record.
        probability: match probability of each pair.
        truth: true person label per record.

    Returns:
        The best threshold with its precision, recall and F1 (threshold 1.0
        and zeros when no candidate pair is a true match).
    """
    lft, rgt = _positions(left), _positions(right)
    prob = np.asarray(probability, dtype=np.float64)
    if not len(lft) == len(rgt) == len(prob):
        msg = "left, right and probability must have the same length"
        raise InvalidInputError(msg)
    codes, k = _truth_codes(truth)
    true_pairs = _choose2(np.bincount(codes, minlength=k).astype(np.int64))
    match = same_label(codes, lft, rgt)
    total_hits = int(np.count_nonzero(match))
    if len(prob) == 0 or true_pairs == 0 or total_hits == 0:
        return ThresholdF1(threshold=1.0, precision=0.0, recall=0.0, f1=0.0)
    above = np.flatnonzero(prob >= _FLOOR)
    best = _best_threshold_sorted(prob[above], match[above], true_pairs)
    # a threshold below the floor predicts more than len(above) pairs and finds at most
    # total_hits: when even that F1 cannot beat the best above the floor, skip the rest
    bound = 2 * total_hits / (len(above) + 1 + true_pairs)
    if best is None or bound >= best.f1 - 1e-12:
        best = _best_threshold(prob, match, true_pairs)
    assert best is not None
    return best


def _positions(values: ArrayLike) -> npt.NDArray[np.integer[Any]]:
    """Row positions: integer arrays as they are (no copy), anything else as int64."""
    array = np.asarray(values)
    return array if array.dtype.kind in "iu" else np.asarray(values, dtype=np.int64)


def _best_threshold_sorted(
    prob: npt.NDArray[np.float64], match: npt.NDArray[np.bool_], true_pairs: int
) -> ThresholdF1 | None:
    """:func:`_best_threshold` for probabilities without NaN, by two value sorts (no argsort)."""
    if len(prob) == 0 or not match.any():
        return None
    descending = np.sort(prob)[::-1]
    matched = np.sort(prob[match])
    last = np.flatnonzero(np.append(descending[1:] != descending[:-1], True))
    thresholds = descending[last]
    tp = (len(matched) - np.searchsorted(matched, thresholds, side="left")).astype(np.float64)
    precision = tp / (last + 1)
    recall = tp / true_pairs
    f1 = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)
    best = int(np.argmax(f1))
    return ThresholdF1(
        threshold=float(thresholds[best]),
        precision=float(precision[best]),
        recall=float(recall[best]),
        f1=float(f1[best]),
    )


def _best_threshold(
    prob: npt.NDArray[np.float64], match: npt.NDArray[np.bool_], true_pairs: int
) -> ThresholdF1 | None:
    """Best threshold among these pairs (``None`` when none is a true match)."""
    if len(prob) == 0 or not match.any():
        return None
    order = np.argsort(-prob)
    sorted_prob = prob[order]
    hits = np.cumsum(match[order])
    # evaluate only at the last pair of each run of equal probabilities
    last = np.flatnonzero(np.append(sorted_prob[1:] != sorted_prob[:-1], True))
    tp = hits[last].astype(np.float64)
    precision = tp / (last + 1)
    recall = tp / true_pairs
    f1 = np.where(tp > 0, 2 * precision * recall / np.maximum(precision + recall, 1e-300), 0.0)
    best = int(np.argmax(f1))
    return ThresholdF1(
        threshold=float(sorted_prob[last[best]]),
        precision=float(precision[best]),
        recall=float(recall[best]),
        f1=float(f1[best]),
    )
