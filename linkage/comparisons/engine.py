"""Vectorised evaluation of comparisons over candidate pairs (DESIGN.md section 5, step 4).

For each comparison: encode its key columns to integer codes, take the codes
of both sides of every pair, short-circuit equal codes (exact) and nulls, find
the distinct order-normalised (min, max) unequal code pairs, evaluate the
levels once per distinct value pair (each level only on the pairs no better
level matched), and gather the levels back to the pairs. Deduplication is
skipped when a sample shows the pairs are mostly distinct already (phones,
e-mails, addresses), since it then costs more than it saves. Cross-field
levels (swapped names, aliases) are applied last, per record pair; see
:mod:`linkage.comparisons.cross` for the override rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.comparisons._table import BoolArray, IndexArray, ValueTable, encode_values
from linkage.comparisons.comparison import Comparison
from linkage.comparisons.levels import ElseLevel, JaroWinklerLevel, Level
from linkage.encoding import EncodedColumn
from linkage.errors import InvalidInputError

#: Deduplicate value pairs when a sample has at most this fraction of distinct pairs.
DEDUPE_MAX_DISTINCT_RATIO = 0.5
_SAMPLE = 50_000


@dataclass(frozen=True)
class ComparisonVectors:
    """Comparison levels per candidate pair.

    Attributes:
        gamma: ``uint8`` (n_pairs, n_comparisons), C-contiguous; 0 null, 1 exact, k else.
        tf: per term-frequency-adjusted comparison name, ``float32`` per pair: the
            relative frequency of the left value where the level is 1 (exact), NaN elsewhere.
        names: comparison names, in column order of ``gamma``.
    """

    gamma: npt.NDArray[np.uint8]
    tf: dict[str, npt.NDArray[np.float32]] = field(default_factory=dict)
    names: tuple[str, ...] = ()


class _Encodings:
    """Frame-level dictionary encodings, computed once per column."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self._cache: dict[str, EncodedColumn] = {}

    def get(self, column: str) -> EncodedColumn:
        if column not in self._cache:
            if column in self.frame.columns:
                self._cache[column] = encode_values(self.frame.get_column(column))
            else:
                codes = np.full(self.frame.height, -1, dtype=np.int32)
                self._cache[column] = EncodedColumn(codes, pl.Series(column, [], dtype=pl.Utf8))
        return self._cache[column]

    def codes(self, column: str) -> npt.NDArray[np.int32]:
        return self.get(column).codes

    def missing(self, columns: Sequence[str]) -> BoolArray:
        """Rows where every one of ``columns`` is missing."""
        mask = np.ones(self.frame.height, dtype=bool)
        for column in columns:
            mask &= self.codes(column) < 0
        return mask

    def key(self, columns: Sequence[str]) -> tuple[npt.NDArray[np.int64], int]:
        """Codes of distinct combinations of ``columns`` (missing is a value) and their count."""
        first = self.get(columns[0])
        if len(columns) == 1:
            return first.codes.astype(np.int64), max(first.n_values, 1)
        key = first.codes.astype(np.int64) + 1
        for column in columns[1:]:
            encoded = self.get(column)
            key = key * (encoded.n_values + 1) + encoded.codes + 1
            dense = pl.Series(key).rank("dense").cast(pl.Int64).to_numpy() - 1
            key = np.ascontiguousarray(dense)
        return key, int(key.max(initial=-1)) + 1


def evaluate_levels(
    comparison: Comparison, table: ValueTable, left: IndexArray, right: IndexArray, start: int = 1
) -> npt.NDArray[np.uint8]:
    """Level numbers of aligned (left, right) rows of ``table``: the first value level that matches.

    Levels numbered below ``start`` are skipped; cross levels are not evaluated here.
    """
    out = np.full(len(left), len(comparison.levels), dtype=np.uint8)
    remaining = np.arange(len(left), dtype=np.int64)
    scores: tuple[str | None, npt.NDArray[np.float64]] | None = None
    levels = comparison.value_levels
    for position, (number, level) in enumerate(levels):
        if isinstance(level, ElseLevel) or len(remaining) == 0:
            break
        if number < start:
            continue
        if isinstance(level, JaroWinklerLevel):
            # one rapidfuzz call at the lowest threshold of consecutive JW levels on a column
            if scores is None or scores[0] != level.column:
                ladder = [level.threshold]
                for _, nxt in levels[position + 1 :]:
                    if not isinstance(nxt, JaroWinklerLevel) or nxt.column != level.column:
                        break
                    ladder.append(nxt.threshold)
                cutoff = min(ladder)
                scores = (
                    level.column,
                    level.scores(table, left[remaining], right[remaining], cutoff),
                )
                kept = remaining
            position_in = np.searchsorted(kept, remaining)
            matched = scores[1][position_in] >= level.threshold
        else:
            scores = None
            matched = level.evaluate(table, left[remaining], right[remaining])
        out[remaining[matched]] = number
        remaining = remaining[~matched]
    return out


def apply_cross_levels(
    comparisons: Sequence[Comparison],
    gamma: npt.NDArray[np.uint8],
    table: ValueTable,
    left: IndexArray,
    right: IndexArray,
) -> None:
    """Lower each comparison's level to a matching cross level's number (in place).

    Only pairs whose level is worse (greater) than the cross level's number, and not null,
    are evaluated and changed.
    """
    needed: dict[Level, list[tuple[int, int]]] = {}
    for j, comparison in enumerate(comparisons):
        for number, level in comparison.cross_levels:
            needed.setdefault(level, []).append((j, number))
    for level, targets in needed.items():
        need = np.zeros(len(left), dtype=bool)
        for j, number in targets:
            need |= gamma[:, j] > number
        pairs = np.flatnonzero(need)
        if len(pairs) == 0:
            continue
        hits = pairs[level.evaluate(table, left[pairs], right[pairs])]
        for j, number in targets:
            column = gamma[:, j]
            lowered = hits[column[hits] > number]
            column[lowered] = number


def _distinct(
    a: npt.NDArray[np.int64], b: npt.NDArray[np.int64], n_keys: int
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64] | None]:
    """Distinct (a, b) pairs and the inverse index, or the pairs as given when mostly distinct."""
    combined = a * n_keys + b
    if len(combined) > _SAMPLE:
        step = len(combined) // _SAMPLE
        sample = combined[::step]
        if len(np.unique(sample)) > DEDUPE_MAX_DISTINCT_RATIO * len(sample):
            return a, b, None
    inverse = pl.Series(combined).rank("dense").cast(pl.Int64).to_numpy() - 1
    position = np.empty(int(inverse.max(initial=-1)) + 1, dtype=np.int64)
    position[inverse] = np.arange(len(inverse), dtype=np.int64)
    return a[position], b[position], inverse


def _compare_column(
    frame: pl.DataFrame,
    encodings: _Encodings,
    comparison: Comparison,
    left: IndexArray,
    right: IndexArray,
) -> npt.NDArray[np.uint8]:
    key, n_keys = encodings.key(comparison.key_columns)
    missing = encodings.missing(comparison.null_columns)
    kl, kr = key[left], key[right]
    null = missing[left] | missing[right]
    gamma = np.zeros(len(left), dtype=np.uint8)
    start = 1
    if comparison.exact_on_equal_key:
        equal = (kl == kr) & ~null
        gamma[equal] = 1
        todo = np.flatnonzero(~null & ~equal)
        start = 2
    else:
        todo = np.flatnonzero(~null)
    if len(todo) == 0:
        return gamma
    a, b = np.minimum(kl[todo], kr[todo]), np.maximum(kl[todo], kr[todo])
    if all(isinstance(lv, ElseLevel) for n, lv in comparison.value_levels if n >= start):
        gamma[todo] = len(comparison.levels)
        return gamma
    ua, ub, inverse = _distinct(a, b, n_keys)
    representative = np.zeros(n_keys, dtype=np.int64)
    valid = np.flatnonzero(key >= 0)
    representative[key[valid]] = valid
    present = [c for c in comparison.columns() if c in frame.columns]
    table = ValueTable(
        n_keys,
        frame=frame.select(present),
        rows=representative,
        frame_codes=lambda column: encodings.codes(column)[representative],
    )
    levels = evaluate_levels(comparison, table, ua, ub, start)
    gamma[todo] = levels if inverse is None else levels[inverse]
    return gamma


def _check_pairs(
    frame: pl.DataFrame, left: npt.ArrayLike, right: npt.ArrayLike
) -> tuple[IndexArray, IndexArray]:
    li = np.asarray(left).astype(np.int64, copy=False).ravel()
    ri = np.asarray(right).astype(np.int64, copy=False).ravel()
    if li.shape != ri.shape:
        msg = f"left and right differ in length ({len(li)} != {len(ri)})"
        raise InvalidInputError(msg)
    for side in (li, ri):
        if len(side) and (side.min() < 0 or side.max() >= frame.height):
            msg = f"pair row positions out of range for a frame of {frame.height} rows"
            raise InvalidInputError(msg)
    return li, ri


def compare(
    frame: pl.DataFrame,
    left: npt.ArrayLike,
    right: npt.ArrayLike,
    comparisons: Sequence[Comparison],
) -> ComparisonVectors:
    """Comparison vectors of candidate pairs.

    Args:
        frame: the standardised frame (CONTRACTS.md section 2); missing columns are all null.
        left: ``uint32`` row positions of the left records of the pairs.
        right: ``uint32`` row positions of the right records, aligned with ``left``.
        comparisons: the comparisons, one gamma column each.

    Returns:
        The gamma matrix and the term frequencies of tf-adjusted comparisons.
    """
    li, ri = _check_pairs(frame, left, right)
    encodings = _Encodings(frame)
    gamma = np.empty((len(li), len(comparisons)), dtype=np.uint8)
    for j, comparison in enumerate(comparisons):
        gamma[:, j] = _compare_column(frame, encodings, comparison, li, ri)
    if any(c.cross_levels for c in comparisons):
        columns = {col for c in comparisons for _, lv in c.cross_levels for col in lv.columns()}
        table = ValueTable(
            frame.height,
            frame=frame.select([c for c in columns if c in frame.columns]),
            frame_codes=encodings.codes,
        )
        apply_cross_levels(comparisons, gamma, table, li, ri)
    tf = {}
    for j, comparison in enumerate(comparisons):
        if comparison.tf_adjusted:
            codes = encodings.codes(comparison.column)
            tf[comparison.name] = _tf_column(codes, gamma[:, j] == 1, li)
    return ComparisonVectors(gamma=gamma, tf=tf, names=tuple(c.name for c in comparisons))


def _tf_column(
    codes: npt.NDArray[np.int32], exact: BoolArray, left: IndexArray
) -> npt.NDArray[np.float32]:
    present = codes[codes >= 0]
    counts = np.bincount(present, minlength=int(codes.max(initial=-1)) + 1)
    frequency = counts / max(len(present), 1)
    out = np.full(len(left), np.nan, dtype=np.float32)
    out[exact] = frequency[codes[left[exact]]]
    return out


def term_frequencies(
    frame: pl.DataFrame, comparisons: Sequence[Comparison]
) -> dict[str, dict[object, float]]:
    """Relative frequency of each value of each tf-adjusted comparison's column in ``frame``.

    The real-time path (:func:`~linkage.comparisons.realtime.compare_one`) takes these tables.
    """
    encodings = _Encodings(frame)
    out: dict[str, dict[object, float]] = {}
    for comparison in comparisons:
        if comparison.tf_adjusted:
            encoded = encodings.get(comparison.column)
            present = encoded.codes[encoded.codes >= 0]
            counts = np.bincount(present, minlength=encoded.n_values) / max(len(present), 1)
            out[comparison.name] = dict(zip(encoded.values.to_list(), counts.tolist(), strict=True))
    return out
