"""v1 reference (slow, obviously correct), kept for property tests of the fast paths.

Accuracy of predicted clusters and pairs against a truth labelling.

Pairs are counted, never enumerated: the contingency table of (predicted,
true) labels gives true positives ``sum C(n_ij, 2)``, predicted pairs
``sum C(a_i, 2)`` and true pairs ``sum C(b_j, 2)``. Labels may be any type
(strings, integers); ``None`` truth labels are singletons.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.errors import InvalidInputError
from linkage.evaluate import ClusterMetrics, PairwiseMetrics, ThresholdF1

ArrayLike = npt.ArrayLike | pl.Series


def _series(values: ArrayLike, name: str) -> pl.Series:
    """Any label container as a named polars Series."""
    if isinstance(values, pl.Series):
        return values.alias(name)
    if isinstance(values, np.ndarray) and values.dtype != object:
        return pl.Series(name, values)
    return pl.Series(name, list(np.asarray(values, dtype=object)))


def _codes(values: ArrayLike, name: str) -> pl.Series:
    """Labels as Int64 codes (equal labels, equal codes); nulls kept."""
    series = _series(values, name)
    if series.dtype.is_integer():
        return series.cast(pl.Int64)
    return series.cast(pl.Utf8).cast(pl.Categorical).to_physical().cast(pl.Int64)


def _truth_codes(truth: ArrayLike) -> pl.Series:
    """Truth labels as integers; each missing label becomes its own singleton."""
    codes = _codes(truth, "t")
    top = codes.max()
    offset = int(top) + 1 if isinstance(top, int) else 0
    singles = pl.int_range(pl.len(), dtype=pl.Int64) + offset
    return pl.DataFrame({"t": codes}).select(pl.col("t").fill_null(singles)).to_series()


def _contingency(predicted: ArrayLike, truth: ArrayLike) -> pl.DataFrame:
    """Counts ``n`` per (``p``, ``t``) cell with row sums ``a`` and column sums ``b``."""
    pred = _codes(predicted, "p")
    true = _truth_codes(truth)
    if pred.len() != true.len():
        msg = f"{pred.len()} predicted labels for {true.len()} truth labels"
        raise InvalidInputError(msg)
    if pred.null_count():
        msg = "predicted labels must not be null"
        raise InvalidInputError(msg)
    cells = pl.DataFrame({"p": pred, "t": true}).group_by("p", "t").len("n")
    return cells.with_columns(
        a=pl.col("n").sum().over("p").cast(pl.Int64),
        b=pl.col("n").sum().over("t").cast(pl.Int64),
        n=pl.col("n").cast(pl.Int64),
    )


def _choose2(column: str) -> pl.Expr:
    """``C(x, 2)`` of an integer column."""
    return pl.col(column) * (pl.col(column) - 1) // 2


def _prf(tp: int, predicted: int, actual: int) -> tuple[float, float, float]:
    """Precision, recall and F1; empty denominators give 1.0 (nothing to get wrong)."""
    precision = tp / predicted if predicted else 1.0
    recall = tp / actual if actual else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def count_true_pairs(truth: ArrayLike) -> int:
    """Number of record pairs that share a truth label (missing labels share none)."""
    true = _truth_codes(truth)
    sizes = pl.DataFrame({"t": true}).group_by("t").len("b").cast({"b": pl.Int64})
    return int(sizes.select(_choose2("b").sum()).item())


def pairwise_cluster_metrics(predicted: ArrayLike, truth: ArrayLike) -> PairwiseMetrics:
    """Pairwise precision/recall/F1 of a clustering against the truth.

    Args:
        predicted: predicted cluster label per record.
        truth: true person label per record.

    Returns:
        The metrics with true positive, predicted and true pair counts.
    """
    cells = _contingency(predicted, truth)
    tp = int(cells.select(_choose2("n").sum()).item())
    rows = cells.unique(subset="p")
    cols = cells.unique(subset="t")
    predicted_pairs = int(rows.select(_choose2("a").sum()).item())
    true_pairs = int(cols.select(_choose2("b").sum()).item())
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
    codes = _truth_codes(truth).to_numpy()
    tp = int(np.count_nonzero(codes[lft] == codes[rgt]))
    true_pairs = count_true_pairs(truth)
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
    keys = np.unique((low[keep] << 32) | high[keep])
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
    n_records = int(cells["n"].sum())
    n_pred = cells["p"].n_unique()
    n_true = cells["t"].n_unique()
    exact = cells.filter((pl.col("n") == pl.col("a")) & (pl.col("n") == pl.col("b"))).height
    sums = cells.select(
        (pl.col("n") ** 2 / pl.col("a")).sum().alias("p"),
        (pl.col("n") ** 2 / pl.col("b")).sum().alias("r"),
    ).row(0)
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
    lft = np.asarray(left, dtype=np.int64)
    rgt = np.asarray(right, dtype=np.int64)
    prob = np.asarray(probability, dtype=np.float64)
    if not len(lft) == len(rgt) == len(prob):
        msg = "left, right and probability must have the same length"
        raise InvalidInputError(msg)
    codes = _truth_codes(truth).to_numpy()
    true_pairs = count_true_pairs(truth)
    order = np.argsort(-prob)
    sorted_prob = prob[order]
    hits = np.cumsum(codes[lft[order]] == codes[rgt[order]])
    # evaluate only at the last pair of each run of equal probabilities
    last = np.flatnonzero(np.append(sorted_prob[1:] != sorted_prob[:-1], True))
    if len(prob) == 0 or true_pairs == 0 or hits[-1] == 0:
        return ThresholdF1(threshold=1.0, precision=0.0, recall=0.0, f1=0.0)
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
