"""String levels: Jaro-Winkler similarity, Levenshtein and Damerau-Levenshtein distance.

In the batch path (:meth:`~linkage.comparisons.levels.Level.evaluate_pairs`)
each level works on the integer codes of its column: equal codes are decided
without looking at the strings, the rest are reduced to distinct value pairs
(:func:`~linkage.comparisons._codes.distinct_pairs`) and only those are scored,
then gathered back to the record pairs. Levenshtein <= 1 first drops the pairs
that cannot be one edit apart (lengths, halves) with integer operations; the
Damerau variant also keeps the pairs whose values agree outside the two middle
characters (a transposition across the halves).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from linkage.comparisons._codes import FrameCodes, Rows, distinct_pairs, encode_strings
from linkage.comparisons._jaro_bound import character_counts, may_reach
from linkage.comparisons._table import (
    SMALL_BATCH,
    BoolArray,
    IndexArray,
    ValueTable,
)
from linkage.comparisons.levels import Level, _require

Scorer = Callable[..., Any]


#: Value pairs scored per rapidfuzz call (it copies the strings of a call first).
SCORE_BLOCK = 250_000


def _workers(n: int) -> int:
    return -1 if n > SMALL_BATCH else 1


def _pair_distances(
    codes: FrameCodes,
    column: str,
    left: Rows,
    right: Rows,
    *,
    scorer: Scorer,
    cutoff: float,
    same: float,
    missing: float,
) -> npt.NDArray[np.float64]:
    """``scorer`` per record pair, computed once per distinct unequal value pair.

    Equal values score ``same``, a missing side ``missing``.
    """
    values = codes.codes(column)
    a, b = values[left], values[right]
    out = np.full(len(left), missing, dtype=np.float64)
    ok = (a >= 0) & (b >= 0)
    out[ok & (a == b)] = same
    todo = np.flatnonzero(ok & (a != b))
    if len(todo) == 0:
        return out
    ua, ub, inverse = distinct_pairs(a[todo], b[todo], codes.n_values(column))
    scores = value_distances(codes, column, ua, ub, scorer=scorer, cutoff=cutoff)
    out[todo] = scores if inverse is None else scores[inverse]
    return out


def value_distances(
    codes: FrameCodes,
    column: str,
    a: npt.NDArray[np.integer[Any]],
    b: npt.NDArray[np.integer[Any]],
    *,
    scorer: Scorer,
    cutoff: float,
) -> npt.NDArray[np.float64]:
    """``scorer`` of the values with codes ``a`` and ``b`` (aligned, present).

    Scored :data:`SCORE_BLOCK` pairs per call: rapidfuzz copies every string of a call
    first (600k family-name pairs at 1M held ~60 MiB).
    """
    strings = codes.strings(column)
    out = np.empty(len(a), dtype=np.float64)
    for start in range(0, len(a), SCORE_BLOCK):
        stop = min(start + SCORE_BLOCK, len(a))
        out[start:stop] = cpdist(
            strings[a[start:stop]],
            strings[b[start:stop]],
            scorer=scorer,
            score_cutoff=cutoff,
            dtype=np.float64,
            workers=_workers(stop - start),
        )
    return out


def _halves(codes: FrameCodes, column: str) -> npt.NDArray[np.int32]:
    """Per distinct value: length, code of the first half, code of the second half.

    One row more (-1, -1, -1) for missing. Halves split at ``length // 2``, so values of
    one length split at the same place.
    """

    def build() -> npt.NDArray[np.int32]:
        value = pl.col("v")
        half = value.str.len_chars() // 2
        frame = codes.values(column).to_frame("v")
        parts = frame.select(
            value.str.len_chars().cast(pl.Int32).alias("length"),
            value.str.slice(0, half).alias("head"),
            value.str.slice(half).alias("tail"),
        )
        out = np.full((frame.height + 1, 3), -1, dtype=np.int32)
        out[:-1, 0] = parts["length"].to_numpy()
        out[:-1, 1] = encode_strings(parts["head"])[0]
        out[:-1, 2] = encode_strings(parts["tail"])[0]
        return out

    return codes.memo(("halves", column), build)


def _outer(codes: FrameCodes, column: str) -> npt.NDArray[np.int32]:
    """Per distinct value: code of the value without its two middle characters (-1 missing).

    The middle pair straddles the halves of :func:`_halves`, so two values of one length
    that differ by swapping it agree here and in neither half.
    """

    def build() -> npt.NDArray[np.int32]:
        value = pl.col("v")
        half = value.str.len_chars() // 2
        frame = codes.values(column).to_frame("v")
        outer = frame.select(
            value.str.slice(0, (half - 1).clip(0)) + "\x00" + value.str.slice(half + 1)
        ).to_series()
        out = np.full(frame.height + 1, -1, dtype=np.int32)
        out[:-1] = encode_strings(outer)[0]
        return out

    return codes.memo(("outer", column), build)


def _one_edit(
    codes: FrameCodes, column: str, left: Rows, right: Rows, *, transpositions: bool = False
) -> BoolArray:
    """Levenshtein (or, with ``transpositions``, Damerau) distance at most 1.

    Only the pairs that could be that close are scored. Lengths must differ by at most
    one; values of equal length are then one substitution apart at most, so one of their
    halves is identical (pigeonhole), or an adjacent transposition leaves one half
    identical or swaps the middle pair (:func:`_outer`). Equal values match.
    """
    values = codes.codes(column)
    # intp indices: numpy gathers with int32 ones several times slower
    a, b = values[left].astype(np.intp), values[right].astype(np.intp)
    halves = _halves(codes, column)
    ha, hb = halves[a], halves[b]
    ok = (a >= 0) & (b >= 0)
    out: BoolArray = ok & (a == b)
    gap = np.abs(ha[:, 0] - hb[:, 0])
    same_half = (ha[:, 1] == hb[:, 1]) | (ha[:, 2] == hb[:, 2])
    if transpositions:
        outer = _outer(codes, column)
        same_half |= outer[a] == outer[b]
    todo = np.flatnonzero(ok & (a != b) & ((gap == 1) | ((gap == 0) & same_half)))
    if len(todo):
        ua, ub, inverse = distinct_pairs(a[todo], b[todo], codes.n_values(column))
        strings = codes.strings(column)
        distances = cpdist(
            strings[ua],
            strings[ub],
            scorer=OSA.distance if transpositions else Levenshtein.distance,
            score_cutoff=1,
            workers=_workers(len(ua)),
        )
        near = distances <= 1
        out[todo] = near if inverse is None else near[inverse]
    return out


def _strings(
    table: ValueTable, col: str, left: IndexArray, right: IndexArray
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[Any]]:
    """Positions where both sides are present, and the two string arrays there."""
    column = table.column(col)
    ok = np.flatnonzero(~column.null[left] & ~column.null[right])
    return ok, column.data[left[ok]], column.data[right[ok]]


class JaroWinklerLevel(Level):
    """Jaro-Winkler similarity at or above a threshold (rapidfuzz, ``cpdist``)."""

    kind = "jaro_winkler"

    def __init__(self, threshold: float, column: str | None = None) -> None:
        _require(0.0 < threshold <= 1.0, f"threshold must be in (0, 1], got {threshold}")
        self.threshold = float(threshold)
        self.column = column
        self.label = f"Jaro-Winkler >= {threshold:g}"

    def params(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "column": self.column}

    def scores(
        self, table: ValueTable, left: IndexArray, right: IndexArray, cutoff: float
    ) -> npt.NDArray[np.float64]:
        """Similarities (0 where missing or below ``cutoff``)."""
        ok, a, b = _strings(table, self._col(), left, right)
        out = np.zeros(len(left), dtype=np.float64)
        if len(ok):
            out[ok] = cpdist(
                a,
                b,
                scorer=JaroWinkler.normalized_similarity,
                score_cutoff=cutoff,
                dtype=np.float64,
                workers=-1 if len(ok) > SMALL_BATCH else 1,
            )
        return out

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        return self.scores(table, left, right, self.threshold) >= self.threshold

    def pair_scores(
        self, codes: FrameCodes, left: Rows, right: Rows, cutoff: float
    ) -> npt.NDArray[np.float64]:
        """Similarities of record pairs (0 where missing or below ``cutoff``)."""
        return _pair_distances(
            codes,
            self._col(),
            left,
            right,
            scorer=JaroWinkler.normalized_similarity,
            cutoff=cutoff,
            same=1.0,
            missing=0.0,
        )

    def value_scores(
        self, codes: FrameCodes, a: npt.NDArray[np.integer[Any]], b: npt.NDArray[np.integer[Any]]
    ) -> npt.NDArray[np.float64]:
        """Similarities of the values with codes ``a`` and ``b`` (present; 0 below threshold).

        With ``b >= a`` this is what :meth:`pair_scores` gives any pair of these values.
        """
        scorer = JaroWinkler.normalized_similarity
        column, cutoff = self._col(), self.threshold
        counts = character_counts(codes, column)
        if counts is None:
            return value_distances(codes, column, a, b, scorer=scorer, cutoff=cutoff)
        # pairs whose bound is below the cutoff would score 0 (below it) anyway
        out = np.zeros(len(a), dtype=np.float64)
        at = np.flatnonzero(may_reach(counts, a, b, cutoff))
        out[at] = value_distances(codes, column, a[at], b[at], scorer=scorer, cutoff=cutoff)
        return out

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        return self.pair_scores(codes, left, right, self.threshold) >= self.threshold


class LevenshteinLevel(Level):
    """Levenshtein (edit) distance at most ``max_distance``."""

    kind = "levenshtein"
    #: rapidfuzz distance module (``distance(a, b, score_cutoff=...)``)
    metric: Any = Levenshtein
    name = "Levenshtein"

    def __init__(self, max_distance: int, column: str | None = None) -> None:
        _require(isinstance(max_distance, int) and max_distance >= 1, "max_distance must be >= 1")
        self.max_distance = max_distance
        self.column = column
        self.label = f"{self.name} <= {max_distance}"

    def params(self) -> dict[str, Any]:
        return {"max_distance": self.max_distance, "column": self.column}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        ok, a, b = _strings(table, self._col(), left, right)
        out = np.zeros(len(left), dtype=bool)
        if len(ok):
            distances = cpdist(
                a,
                b,
                scorer=self.metric.distance,
                score_cutoff=self.max_distance,
                workers=-1 if len(ok) > SMALL_BATCH else 1,
            )
            out[ok] = distances <= self.max_distance
        return out

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        if self.max_distance == 1:
            transpositions = self.metric is OSA
            return _one_edit(codes, self._col(), left, right, transpositions=transpositions)
        distances = _pair_distances(
            codes,
            self._col(),
            left,
            right,
            scorer=self.metric.distance,
            cutoff=self.max_distance,
            same=0.0,
            missing=np.inf,
        )
        mask: BoolArray = distances <= self.max_distance
        return mask


class DamerauLevenshteinLevel(LevenshteinLevel):
    """Damerau-Levenshtein distance at most ``max_distance``.

    A swap of adjacent characters (2019 -> 2091, a common keying error in numbers)
    is one edit. Computed as the optimal string alignment distance, equal to the unrestricted
    Damerau-Levenshtein distance for one edit.
    """

    kind = "damerau_levenshtein"
    metric = OSA
    name = "Damerau-Levenshtein"
