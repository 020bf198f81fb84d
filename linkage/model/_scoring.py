"""Vectorised scoring: log2 Bayes-factor tables and their lookups.

Weights are looked up, never computed per pair (see `_lookup.lookup_sum`).
Table entries for levels a comparison does not have are NaN, which turns an
out-of-range level into a detectable NaN instead of a silent wrong weight.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import overload

import numpy as np
import numpy.typing as npt

from linkage.model._lookup import lookup_sum

FloatArray = npt.NDArray[np.float64]


def weight_tables(m: Sequence[FloatArray], u: Sequence[FloatArray]) -> list[FloatArray]:
    """log2(m/u) per level; 0 for level 0 (null carries no evidence)."""
    tables = []
    for mj, uj in zip(m, u, strict=True):
        t = np.zeros(len(mj), dtype=np.float64)
        t[1:] = np.log2(mj[1:]) - np.log2(uj[1:])
        tables.append(t)
    return tables


def padded_tables(tables: Sequence[FloatArray]) -> FloatArray:
    """(k x 256) table: any uint8 level indexes it; unknown levels are NaN."""
    out = np.full((len(tables), 256), np.nan, dtype=np.float64)
    for j, t in enumerate(tables):
        out[j, : len(t)] = t
    return out


def sum_weights(gamma: npt.NDArray[np.uint8], padded: FloatArray) -> FloatArray:
    """Row sums of the field weights (float64); NaN marks a row with an unknown level."""
    return lookup_sum(gamma, padded)


def gather_weights(gamma: npt.NDArray[np.uint8], padded: FloatArray) -> npt.NDArray[np.float32]:
    """Per-field weights (pairs x comparisons, float32); NaN marks an unknown level."""
    k = gamma.shape[1]
    table32 = padded.astype(np.float32)
    return table32[np.arange(k), gamma]


def tf_adjustment(u_exact: float, frequency: npt.ArrayLike, min_frequency: float) -> FloatArray:
    """Weight change when u_exact is replaced by the agreeing value's frequency.

    ``log2(m/f) - log2(m/u) = log2(u/f)`` with ``f`` floored at ``min_frequency``
    and capped at 1. Unknown frequencies (NaN, 0 or negative) leave the weight
    unchanged.
    """
    f = np.asarray(frequency, dtype=np.float64)
    known = np.isfinite(f) & (f > 0.0)
    bounded = np.clip(np.where(known, f, u_exact), min_frequency, 1.0)
    delta = np.log2(u_exact) - np.log2(bounded)
    return np.where(known, delta, 0.0)


@overload
def match_probability(weight: float) -> float: ...
@overload
def match_probability(weight: npt.NDArray[np.floating]) -> FloatArray: ...
def match_probability(weight: float | npt.NDArray[np.floating]) -> float | FloatArray:
    """Posterior match probability from a match weight: ``1 / (1 + 2**-weight)``.

    Args:
        weight: Match weight(s) in bits, prior included (see `match_weight`).

    Returns:
        A float for a scalar input, else a float64 array of the same shape.
    """
    # Clipping keeps 2**-w finite (no overflow warning); the result is already
    # exactly 0.0 or 1.0 in float64 long before |w| reaches 1000.
    # Two ufuncs, not np.clip: the same values (NaN kept) at a third of the cost on few rows.
    w = np.minimum(np.maximum(np.asarray(weight, dtype=np.float64), -1000.0), 1000.0)
    p = 1.0 / (1.0 + np.exp2(-w))
    if np.ndim(weight) == 0:
        return float(p)
    return p


def probability_to_weight(probability: float) -> float:
    """Match weight whose probability is ``probability`` (the inverse of `match_probability`)."""
    return float(np.log2(probability) - np.log2(1.0 - probability))
