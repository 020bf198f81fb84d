"""Scores of a few pairs in one pass: field weights, match weights and probabilities.

The real-time index scores one query against tens of candidates, where numpy's fixed
cost per call, not the work, is the time. ``field_weights``, ``match_weight`` and
``match_probability`` of :class:`~linkage.model.FellegiSunterModel` each check gamma,
look the tables up and compute the term-frequency deltas; :func:`pair_scores` does
each once, with the same floating-point operations in the same order, so its
results are bitwise those of the three methods.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from linkage.model._lookup import _SMALL
from linkage.model._scoring import match_probability, probability_to_weight, tf_adjustment

if TYPE_CHECKING:
    from linkage.model._fellegi_sunter import FellegiSunterModel

FloatArray = npt.NDArray[np.float64]
Scored = tuple[npt.NDArray[np.float32], FloatArray, FloatArray]

_DELTAS = 4096  # cached term-frequency deltas per model (one per distinct frequency)


class _Tables:
    """Per-model constants of :func:`pair_scores`, rebuilt when the weight table is."""

    def __init__(self, model: FellegiSunterModel, padded: FloatArray) -> None:
        _, u, prior = model._fitted()
        self.padded = padded
        self.k = len(model.comparison_names)
        self.columns = np.arange(self.k)
        self.prior = prior
        self.prior_weight = probability_to_weight(prior)
        names = self.names = list(model.comparison_names)
        self.tf_names = list(model.tf_comparisons)
        self.tf_column = {name: names.index(name) for name in model.tf_comparisons}
        self.u_exact = {j: float(u[j][1]) for j in self.tf_column.values()}
        self.min_frequency = model.tf_min_frequency
        #: (column, frequency) -> tf_adjustment of that one frequency
        self.deltas: dict[tuple[int, float], float] = {}
        #: the float32 field weights (as field_weights gives them), held as float64
        self.rounded = padded.astype(np.float32).astype(np.float64)
        #: (column, frequency) -> the float32 field weight of level 1 adjusted by its delta
        self.adjusted: dict[tuple[int, float], float] = {}

    def adjusted_exact(self, j: int, frequency: float) -> float:
        """Level 1's float32 field weight of column ``j`` plus the delta, in float32."""
        key = (j, frequency)
        found = self.adjusted.get(key)
        if found is None:
            if len(self.adjusted) >= _DELTAS:
                self.adjusted.clear()
            weight = np.float32(self.padded[j, 1]) + np.float32(self.delta(j, frequency))
            found = self.adjusted[key] = float(weight)
        return found

    def delta(self, j: int, frequency: float) -> float:
        key = (j, frequency)
        found = self.deltas.get(key)
        if found is None:
            if len(self.deltas) >= _DELTAS:
                self.deltas.clear()
            # The same ufuncs as on the whole column: they work element by element.
            one = np.asarray([frequency], dtype=np.float64)
            found = self.deltas[key] = float(
                tf_adjustment(self.u_exact[j], one, self.min_frequency)[0]
            )
        return found


def _tables(model: FellegiSunterModel) -> _Tables:
    padded = model._padded()
    cached: _Tables | None = model.__dict__.get("_realtime_tables")
    if (
        cached is None
        or cached.padded is not padded
        or cached.prior != model.prior
        or cached.min_frequency != model.tf_min_frequency
        or cached.tf_names != model.tf_comparisons
        or cached.names != model.comparison_names
    ):
        cached = model.__dict__["_realtime_tables"] = _Tables(model, padded)
    return cached


def pair_scores(
    model: FellegiSunterModel,
    gamma: npt.NDArray[np.uint8],
    tf: Mapping[str, npt.ArrayLike] | None = None,
) -> Scored:
    """``(field_weights(gamma, tf), match_weight(gamma, tf), match_probability(weight))``.

    Anything the fast path does not cover (many rows, no comparisons, a level the model
    lacks, malformed tf) goes through the model's methods, which also raise their errors.
    """
    n = gamma.shape[0] if gamma.ndim == 2 else 0
    if not 0 < n < _SMALL or gamma.dtype != np.uint8 or gamma.shape[1] == 0:
        return _slow(model, gamma, tf)
    tables = _tables(model)
    if gamma.shape[1] != tables.k:
        return _slow(model, gamma, tf)
    gamma = np.ascontiguousarray(gamma)
    per_field = tables.padded[tables.columns, gamma]
    if np.isnan(per_field).any():
        return _slow(model, gamma, tf)
    field_weights = per_field.astype(np.float32)
    # cumsum adds the columns left to right, as lookup_sum does below _SMALL rows
    weight = per_field.cumsum(axis=1)[:, -1] + tables.prior_weight
    for name, values in (tf or {}).items():
        j = tables.tf_column.get(name)
        frequency = np.asarray(values)
        if j is None or frequency.shape != (n,):
            return _slow(model, gamma, tf)
        rows = np.flatnonzero(gamma[:, j] == 1)
        if not len(rows):
            continue
        chosen = frequency[rows]
        first, *others = chosen.tolist()
        if first != first and all(v != v for v in others):
            continue  # unknown frequencies: a delta of 0.0, and no weight here is -0.0
        if others.count(first) == len(others):
            delta = tables.delta(j, first)
            field_weights[rows, j] += np.float32(delta)
            weight[rows] += delta
        else:
            deltas = tf_adjustment(tables.u_exact[j], chosen, tables.min_frequency)
            field_weights[rows, j] += deltas.astype(np.float32)
            weight[rows] += deltas
    return field_weights, weight, match_probability(weight)


def hit_scores(
    model: FellegiSunterModel,
    gamma: npt.NDArray[np.uint8],
    hits: Mapping[str, tuple[float, list[int]]],
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`pair_scores` with float64 field weights, given the term frequencies as
    (frequency, level-1 rows) per comparison (:data:`linkage.comparisons._plan.TfHits`).

    The same results as :func:`pair_scores` of the equivalent tf arrays, with fewer
    numpy calls: one frequency per comparison needs no per-row checks.
    """
    n = gamma.shape[0] if gamma.ndim == 2 else 0
    tables = _tables(model)
    if (
        not 0 < n < _SMALL
        or gamma.dtype != np.uint8
        or gamma.shape[1] != tables.k
        or tables.k == 0
        or not hits.keys() <= tables.tf_column.keys()
    ):
        return _as_float64(pair_scores(model, gamma, _tf_arrays(n, hits)))
    per_field = tables.padded[tables.columns, gamma]
    # cumsum adds the columns left to right, as lookup_sum does below _SMALL rows
    weight = per_field.cumsum(axis=1)[:, -1] + tables.prior_weight
    if math.isnan(weight.sum()):  # an unknown level (NaN entry): the model's own errors
        return _as_float64(pair_scores(model, gamma, _tf_arrays(n, hits)))
    field_weights = tables.rounded[tables.columns, gamma]
    for name, (frequency, rows) in hits.items():
        if rows and frequency == frequency:  # unknown frequencies: no change (not even -0.0)
            j = tables.tf_column[name]
            # every row here is at level 1: one adjusted float32 weight for all of them
            field_weights[rows, j] = tables.adjusted_exact(j, frequency)
            weight[rows] += tables.delta(j, frequency)
    return field_weights, weight, match_probability(weight)


def _as_float64(scored: Scored) -> tuple[FloatArray, FloatArray, FloatArray]:
    return scored[0].astype(np.float64), scored[1], scored[2]


def _tf_arrays(
    n: int, hits: Mapping[str, tuple[float, list[int]]]
) -> dict[str, npt.NDArray[np.float32]]:
    out = {}
    for name, (frequency, rows) in hits.items():
        array = np.full(n, np.nan, dtype=np.float32)
        array[rows] = frequency
        out[name] = array
    return out


def _slow(
    model: FellegiSunterModel, gamma: npt.ArrayLike, tf: Mapping[str, npt.ArrayLike] | None
) -> Scored:
    weight = model.match_weight(gamma, tf)
    return model.field_weights(gamma, tf), weight, model.match_probability(weight)


__all__ = ["hit_scores", "pair_scores"]
