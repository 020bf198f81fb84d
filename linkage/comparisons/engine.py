"""Vectorised evaluation of comparisons over candidate pairs (DESIGN.md section 5, step 4).

The frame's columns are dictionary-encoded once per frame
(:func:`~linkage.comparisons._codes.frame_codes`, shared by later calls on the
same frame). For each comparison: pairs with a missing side get the null level
0; the value levels then run in order, each on the pairs no better level
matched (:func:`evaluate_levels`), so the cheap integer levels (exact, root,
phonetic keys, suburb codes) decide most pairs before any string is looked at.
Each level's batch kernel (:meth:`~linkage.comparisons.levels.Level.evaluate_pairs`)
compares codes per record pair; string levels score each distinct unequal value
pair once and gather the result back. Cross-field levels (swapped names,
aliases) are applied last, per record pair; see :mod:`linkage.comparisons.cross`
for the override rule. Pairs are processed in chunks to bound memory.

Over the whole call, a one-key-column comparison (names) is evaluated once per
distinct value pair (:mod:`~linkage.comparisons._distinct_pairs`), and a
Jaro-Winkler level whose column's value pairs repeat (addresses) is scored once per
distinct unordered value pair (:func:`_call_scores`), skipping the pairs a bound
from character counts rules out (:mod:`~linkage.comparisons._jaro_bound`). Large
calls evaluate their comparisons on two threads (:mod:`~linkage.comparisons._parallel`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.comparisons._codes import FrameCodes, Rows, frame_codes
from linkage.comparisons._distinct_pairs import (
    EQUAL,
    FIRST,
    MISSING,
    SCORE_PAIRS_PER_VALUE,
    DistinctPairs,
    per_value_pair,
    worth_it,
)
from linkage.comparisons._parallel import by_cost, side_by_side
from linkage.comparisons._table import BoolArray, encode_values
from linkage.comparisons.comparison import Comparison
from linkage.comparisons.levels import ElseLevel, Level
from linkage.comparisons.string_levels import JaroWinklerLevel
from linkage.errors import InvalidInputError

#: Pairs per chunk: bounds the memory of the per-pair temporaries (a 4M chunk peaked
#: about 170 MiB higher at 1M records, for the same CPU time).
CHUNK = 1_000_000
#: From this many pairs a call evaluates its comparisons on ``THREADS`` threads: the work
#: is numpy gathers, Arrow, polars and rapidfuzz, which release the GIL.
PARALLEL_PAIRS = 200_000
THREADS = 2
#: Value pairs scored per rapidfuzz call: it holds a copy of every string of a call.
SCORE_BLOCK = 250_000

Positions = npt.NDArray[np.intp]
#: ``evaluate(level, positions)``: the level's mask at the given pair positions (None: all).
Evaluate = Callable[[Level, Positions | None], BoolArray]
Score = Callable[[JaroWinklerLevel, Positions, float], npt.NDArray[np.float64]]
#: Per column: each pair's entry (MISSING, EQUAL, FIRST + value pair) in a table of scores,
#: the table, and the cutoff it was scored at (:func:`_call_scores`).
CallScores = dict[str, tuple[npt.NDArray[np.int32], npt.NDArray[np.float64], float]]


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


def evaluate_levels(
    comparison: Comparison,
    n: int,
    evaluate: Evaluate,
    score: Score,
    null: BoolArray | None = None,
    first_matched: BoolArray | None = None,
) -> npt.NDArray[np.uint8]:
    """Level numbers of ``n`` pairs: 0 where ``null``, else the first value level that matches.

    ``evaluate(level, positions)`` and ``score(level, positions, cutoff)`` decide a level on
    the pairs at ``positions``; each level sees only the pairs no better level matched,
    except that a first level that is not Jaro-Winkler is evaluated on all pairs at once
    (cheaper than selecting them) and then masked. Consecutive Jaro-Winkler levels on one
    column share one scoring at the lowest threshold. Cross levels are not evaluated here.
    ``first_matched`` is the first level's mask when the caller has it already.
    """
    levels = comparison.value_levels
    out = np.full(n, len(comparison.levels), dtype=np.uint8)
    decided = np.zeros(n, dtype=bool) if null is None else null.copy()
    out[decided] = 0
    first_number, first = levels[0]
    skip = 0
    if n and not isinstance(first, (ElseLevel, JaroWinklerLevel)):
        matched = (evaluate(first, None) if first_matched is None else first_matched) & ~decided
        out[matched] = first_number
        decided |= matched
        skip = 1
    remaining: Positions = np.flatnonzero(~decided)
    scores: npt.NDArray[np.float64] | None = None
    for position, (number, level) in enumerate(levels):
        if position < skip:
            continue
        if isinstance(level, ElseLevel) or len(remaining) == 0:
            break
        if isinstance(level, JaroWinklerLevel):
            if scores is None:
                ladder = [level.threshold]
                for _, nxt in levels[position + 1 :]:
                    if not isinstance(nxt, JaroWinklerLevel) or nxt.column != level.column:
                        break
                    ladder.append(nxt.threshold)
                scores = score(level, remaining, min(ladder))
            matched = scores >= level.threshold
            scores = scores[~matched]
            following = levels[position + 1][1] if position + 1 < len(levels) else None
            if not isinstance(following, JaroWinklerLevel) or following.column != level.column:
                scores = None
        else:
            matched = evaluate(level, remaining)
        out[remaining[matched]] = number
        remaining = remaining[~matched]
    return out


def apply_cross_levels(
    comparisons: Sequence[Comparison], gamma: npt.NDArray[np.uint8], evaluate: Evaluate
) -> None:
    """Lower each comparison's level to a matching cross level's number (in place).

    Only pairs whose level is worse (greater) than the cross level's number, and not null,
    are evaluated (``evaluate(level, positions)``) and changed.
    """
    needed: dict[Level, list[tuple[int, int]]] = {}
    for j, comparison in enumerate(comparisons):
        for number, level in comparison.cross_levels:
            needed.setdefault(level, []).append((j, number))
    for level, targets in needed.items():
        need = np.zeros(len(gamma), dtype=bool)
        for j, number in targets:
            need |= gamma[:, j] > number
        pairs = np.flatnonzero(need)
        if len(pairs) == 0:
            continue
        hits = pairs[evaluate(level, pairs)]
        for j, number in targets:
            column = gamma[:, j]
            lowered = hits[column[hits] > number]
            column[lowered] = number


def _batch_evaluators(
    codes: FrameCodes, left: Rows, right: Rows, start: int = 0, call: CallScores | None = None
) -> tuple[Evaluate, Score]:
    """Level evaluators of the chunk of pairs (``left``, ``right``) that begins at ``start``."""

    # ``at`` is increasing, so when it has every position it is all of them: no gather
    def evaluate(level: Level, at: Positions | None) -> BoolArray:
        if at is None or len(at) == len(left):
            return level.evaluate_pairs(codes, left, right)
        return level.evaluate_pairs(codes, left[at], right[at])

    def score(level: JaroWinklerLevel, at: Positions, cutoff: float) -> npt.NDArray[np.float64]:
        held = call.get(level.column or "") if call else None
        if held is not None and cutoff >= held[2]:
            # scored at a lower cutoff: the same decisions at any threshold >= cutoff
            index, table, _ = held
            return table[index[start + at].astype(np.intp)]  # int32 indices gather slower
        if len(at) == len(left):
            return level.pair_scores(codes, left, right, cutoff)
        return level.pair_scores(codes, left[at], right[at], cutoff)

    return evaluate, score


def _call_scores(
    codes: FrameCodes,
    comparison: Comparison,
    left: npt.NDArray[np.integer[Any]],
    right: npt.NDArray[np.integer[Any]],
    spans: list[tuple[int, int]],
) -> CallScores:
    """Jaro-Winkler scores of the comparison's columns, once per unordered value pair of the call.

    Only for columns whose value pairs repeat across the chunks (addresses at 1M); each
    column is scored at its lowest threshold. Jaro-Winkler is symmetric, and per chunk the
    pairs are scored as (lower code, higher code) too, so the scores are the same.
    """
    lowest: dict[str, JaroWinklerLevel] = {}
    for _, level in comparison.value_levels:
        if isinstance(level, JaroWinklerLevel) and level.column is not None:
            held = lowest.get(level.column)
            if held is None or level.threshold < held.threshold:
                lowest[level.column] = level
    out: CallScores = {}
    for column, level in lowest.items():
        if not worth_it(codes, column, len(left), SCORE_PAIRS_PER_VALUE):
            continue
        pairs = DistinctPairs(codes, column, left, right, spans, ordered=False)
        table = np.empty(len(pairs) + FIRST, dtype=np.float64)
        table[MISSING], table[EQUAL] = 0.0, 1.0
        for start in range(0, len(pairs), SCORE_BLOCK):
            stop = min(start + SCORE_BLOCK, len(pairs))
            a, b = pairs.left_codes[start:stop], pairs.right_codes[start:stop]
            table[FIRST + start : FIRST + stop] = level.value_scores(codes, a, b)
        out[column] = (pairs.index, table, level.threshold)
    return out


def _compare_column(
    codes: FrameCodes,
    comparison: Comparison,
    left: Rows,
    right: Rows,
    start: int = 0,
    call: CallScores | None = None,
) -> npt.NDArray[np.uint8]:
    """One comparison's levels of a chunk of record pairs (cross levels apart)."""
    evaluate, score = _batch_evaluators(codes, left, right, start, call)
    first: BoolArray | None = None
    if comparison.exact_on_equal_key:
        # null and exact from one gather of the column's codes
        values = codes.codes(comparison.column)
        a, b = values[left], values[right]
        null = (a < 0) | (b < 0)
        first = a == b
    else:
        missing = codes.missing(comparison.null_columns)
        null = missing[left] | missing[right]
    return evaluate_levels(comparison, len(left), evaluate, score, null, first)


def _compare_distinct(
    codes: FrameCodes,
    comparison: Comparison,
    left: npt.NDArray[np.integer[Any]],
    right: npt.NDArray[np.integer[Any]],
    spans: list[tuple[int, int]],
    out: npt.NDArray[np.uint8],
) -> None:
    """Levels of a one-key-column comparison, once per distinct value pair (cross apart).

    Its levels read only the key column's values (``exact_on_equal_key``), so each
    distinct unequal value pair is evaluated on one representative record pair.
    """
    pairs = DistinctPairs(codes, comparison.column, left, right, spans)
    table = np.empty(len(pairs) + FIRST, dtype=np.uint8)
    table[MISSING], table[EQUAL] = 0, 1
    left_rows, right_rows = pairs.rows()
    del pairs.left_codes, pairs.right_codes
    for start in range(0, len(left_rows), CHUNK):
        lc, rc = left_rows[start : start + CHUNK], right_rows[start : start + CHUNK]
        evaluate, score = _batch_evaluators(codes, lc, rc)
        unequal = np.zeros(len(lc), dtype=bool)  # distinct codes: the exact level never matches
        table[FIRST + start : FIRST + start + len(lc)] = evaluate_levels(
            comparison, len(lc), evaluate, score, None, unequal
        )
    del left_rows, right_rows
    for start, stop in spans:
        out[start:stop] = table[pairs.index[start:stop].astype(np.intp)]


def _check_pairs(
    frame: pl.DataFrame, left: npt.ArrayLike, right: npt.ArrayLike
) -> tuple[npt.NDArray[np.integer[Any]], npt.NDArray[np.integer[Any]]]:
    """Integer row positions, checked (not copied: each chunk is widened to ``intp``)."""
    li, ri = (_integers(side) for side in (left, right))
    if li.shape != ri.shape:
        msg = f"left and right differ in length ({len(li)} != {len(ri)})"
        raise InvalidInputError(msg)
    for side in (li, ri):
        if len(side) and (side.min() < 0 or side.max() >= frame.height):
            msg = f"pair row positions out of range for a frame of {frame.height} rows"
            raise InvalidInputError(msg)
    return li, ri


def _integers(values: npt.ArrayLike) -> npt.NDArray[np.integer[Any]]:
    array = np.asarray(values).ravel()
    return array if array.dtype.kind in "iu" else array.astype(np.intp)


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

    The frame's dictionary codes are kept for the last two frame objects compared (weakly
    referenced), so a second call on the same frame (the pipeline's random pairs for u)
    skips encoding. Do not change a frame in place between calls (``replace_column``).
    """
    li, ri = _check_pairs(frame, left, right)
    codes = frame_codes(frame)
    if len(li):
        codes.prefetch([c for comparison in comparisons for c in comparison.columns()])
    gamma = np.empty((len(li), len(comparisons)), dtype=np.uint8)
    spans = [(start, min(start + CHUNK, len(li))) for start in range(0, len(li), CHUNK)]
    tf: dict[str, npt.NDArray[np.float32]] = {}

    def values(j: int) -> None:
        comparison = comparisons[j]
        if per_value_pair(codes, comparison, len(li)):
            _compare_distinct(codes, comparison, li, ri, spans, gamma[:, j])
            return
        call = _call_scores(codes, comparison, li, ri, spans)
        for start, stop in spans:
            lc, rc = li[start:stop].astype(np.intp), ri[start:stop].astype(np.intp)
            gamma[start:stop, j] = _compare_column(codes, comparison, lc, rc, start, call)

    def after() -> None:
        tf.update(_cross_and_frequencies(codes, comparisons, li, ri, spans, gamma))

    # cross levels and term frequencies read (and write) the columns of their comparisons
    needed = [j for j, c in enumerate(comparisons) if c.cross_levels or c.tf_adjusted]
    if len(li) < PARALLEL_PAIRS or THREADS < 2:
        for j in range(len(comparisons)):
            values(j)
        after()
    else:
        side_by_side(values, after, needed, THREADS, by_cost(codes, comparisons, len(li)))
    return ComparisonVectors(gamma=gamma, tf=tf, names=tuple(c.name for c in comparisons))


def _frequencies(codes: FrameCodes, column: str) -> npt.NDArray[np.float64]:
    """Relative frequency of each value of ``column`` among the records where it is present."""

    def build() -> npt.NDArray[np.float64]:
        values = codes.codes(column)
        present = values[values >= 0]
        counts = np.bincount(present, minlength=codes.n_values(column))
        return counts / max(len(present), 1)

    return codes.memo(("tf", column), build)


def term_frequencies(
    frame: pl.DataFrame, comparisons: Sequence[Comparison]
) -> dict[str, dict[object, float]]:
    """Relative frequency of each value of each tf-adjusted comparison's column in ``frame``.

    The real-time path (:func:`~linkage.comparisons.realtime.compare_one`) takes these tables.
    """
    out: dict[str, dict[object, float]] = {}
    for comparison in comparisons:
        if comparison.tf_adjusted:
            if comparison.column in frame.columns:
                encoded = encode_values(frame.get_column(comparison.column))
            else:
                encoded = encode_values(pl.Series(comparison.column, [], dtype=pl.Utf8))
            present = encoded.codes[encoded.codes >= 0]
            counts = np.bincount(present, minlength=encoded.n_values) / max(len(present), 1)
            out[comparison.name] = dict(zip(encoded.values.to_list(), counts.tolist(), strict=True))
    return out


def _cross_and_frequencies(
    codes: FrameCodes,
    comparisons: Sequence[Comparison],
    li: npt.NDArray[np.integer[Any]],
    ri: npt.NDArray[np.integer[Any]],
    spans: list[tuple[int, int]],
    gamma: npt.NDArray[np.uint8],
) -> dict[str, npt.NDArray[np.float32]]:
    """Apply the cross levels to ``gamma`` (in place); the term frequencies of exact levels."""
    adjusted = [(j, c) for j, c in enumerate(comparisons) if c.tf_adjusted]
    tf = {c.name: np.full(len(li), np.nan, dtype=np.float32) for _, c in adjusted}
    crossing = any(c.cross_levels for c in comparisons)
    for start, stop in spans if crossing or adjusted else []:
        lc = li[start:stop].astype(np.intp)
        chunk = gamma[start:stop]
        if crossing:
            evaluate, _ = _batch_evaluators(codes, lc, ri[start:stop].astype(np.intp))
            apply_cross_levels(comparisons, chunk, evaluate)
        for j, comparison in adjusted:
            exact = np.flatnonzero(chunk[:, j] == 1)
            at = codes.codes(comparison.column)[lc[exact]].astype(np.intp)
            tf[comparison.name][start + exact] = _frequencies(codes, comparison.column)[at]
    return tf
