"""Candidate pairs of all rules from integer key codes (the engine behind ``generate_pairs``).

1. Every distinct key expression of every rule is evaluated in **one** lazy
   polars ``select`` (parallel, common subexpressions shared) and encoded to
   dense integer codes once (:func:`linkage._dense_codes.dense_codes`).
2. Per rule, the key codes combine into one integer per (record, key
   combination) by mixed radix; packed with the row into one ``uint64`` and
   sorted, equal keys are runs with rows ascending, so blocks are run
   boundaries and pairs inside them come from index arithmetic.
3. All rules' pairs, packed as ``(left * n + right) << bits | rule``, are
   sorted once: distinct values count each rule's pairs, the first of each
   pair's run is the first rule that found it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage._blocking_keys import KeyVariants
from linkage._dense_codes import column_codes, dense_codes, distinct_sorted

WORKERS = max(os.cpu_count() or 1, 1)
PARALLEL_RECORDS = 50_000
T = TypeVar("T")
R = TypeVar("R")
IntArray = npt.NDArray[np.int64]
I32Array = npt.NDArray[np.int32]
U32Array = npt.NDArray[np.uint32]
U64Array = npt.NDArray[np.uint64]
RulePairs = tuple["U32Array", "U32Array"]
PackedPairs = tuple["IntArray", "IntArray"]  # a rule's pairs by PairLayout.pack
Key = pl.Expr | KeyVariants
_LIMIT = 1 << 62
_UNION_CHUNK = 1 << 22


@dataclass(frozen=True)
class Coded:
    """One key expression's codes: per record, or per exploded list element (``rows``).

    ``values[c]``, when known, is the value coded ``c`` (to merge the codes of
    several columns, :func:`linkage._blocking_rule.encode_rules`).
    """

    codes: I32Array
    cardinality: int
    rows: I32Array | None = None
    values: pl.Series | None = None


@dataclass(frozen=True)
class RuleBlocks:
    """One rule's pairs (``left < right``, may repeat) and its capped blocks (first row, size)."""

    left: U32Array
    right: U32Array
    capped_rows: IntArray
    capped_sizes: IntArray


def encode_keys(frame: pl.DataFrame, rules: Sequence[tuple[Key, ...]]) -> list[list[list[Coded]]]:
    """Per rule, per key, the codes of each form (one form unless :class:`KeyVariants`)."""
    exprs: list[pl.Expr] = []
    index: list[list[list[int]]] = []
    for keys in rules:
        rule_index = []
        for key in keys:
            forms = key.variants if isinstance(key, KeyVariants) else (key,)
            rule_index.append([_find_or_add(exprs, form) for form in forms])
        index.append(rule_index)
    columns = frame.lazy().select(e.alias(f"e{i}") for i, e in enumerate(exprs)).collect()
    coded = parallel_map(_code, columns.get_columns(), frame.height)
    return [[[coded[i] for i in forms] for forms in rule] for rule in index]


def parallel_map(function: Callable[[T], R], items: Iterable[T], n_records: int) -> list[R]:
    """``map`` over threads for large frames (numpy and polars release the GIL), else serial."""
    if n_records < PARALLEL_RECORDS or WORKERS == 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        return list(pool.map(function, items))


def _find_or_add(exprs: list[pl.Expr], expr: pl.Expr) -> int:
    """Index of an equal expression in ``exprs``, appending it when new."""
    for i, seen in enumerate(exprs):
        if seen.meta.eq(expr):
            return i
    exprs.append(expr)
    return len(exprs) - 1


def _code(series: pl.Series) -> Coded:
    """Dense codes of a column; list columns are exploded (null elements dropped)."""
    if not isinstance(series.dtype, pl.List):
        coded = column_codes(series)
        return Coded(coded.codes, coded.cardinality, values=coded.values)
    flat = (
        pl.DataFrame({"row": pl.int_range(series.len(), dtype=pl.Int32, eager=True), "v": series})
        .explode("v")
        .drop_nulls("v")
    )
    coded = column_codes(flat.get_column("v"))
    rows = flat.get_column("row").to_numpy()
    present = coded.codes >= 0
    if not present.all():
        return Coded(coded.codes[present], coded.cardinality, rows[present], coded.values)
    return Coded(coded.codes, coded.cardinality, rows, coded.values)


def scalar_only(keys: list[list[Coded]]) -> bool:
    """Whether every key has one value per record (so no pair can repeat within the rule)."""
    return all(len(forms) == 1 and forms[0].rows is None for forms in keys)


def supported(keys: list[list[Coded]]) -> bool:
    """Whether :func:`combine` handles the rule: at most one list key, variants scalar."""
    listed = sum(f.rows is not None for forms in keys for f in forms)
    variant_lists = any(f.rows is not None for forms in keys if len(forms) > 1 for f in forms)
    return listed <= 1 and not variant_lists and all(keys)


def combine_frame(keyed: pl.DataFrame) -> tuple[IntArray, IntArray, int]:
    """``rows``, ``key`` and bound from a rule's key frame (the general, slower path)."""
    key = np.zeros(keyed.height, dtype=np.int64)
    bound = 1
    for name in keyed.columns:
        if name != "row":
            codes, cardinality = dense_codes(keyed.get_column(name), blank_is_missing=False)
            key, bound = _mix(key, bound, codes, cardinality)
    return keyed.get_column("row").to_numpy().astype(np.int64), key, bound


def combine(keys: list[list[Coded]], n: int) -> tuple[IntArray, IntArray, int]:
    """``rows`` and one injective integer ``key`` per (record, key combination), no key missing.

    Returns ``(rows, key, bound)`` with ``0 <= key < bound``.
    """
    listed = [forms[0] for forms in keys if len(forms) == 1 and forms[0].rows is not None]
    first = listed[0].rows if listed else None
    rows = np.arange(n, dtype=np.int64) if first is None else first.astype(np.int64)
    variants = next((forms for forms in keys if len(forms) > 1), None)
    kept = None  # rows with some variant form (the others cannot pair), when there are forms
    if variants is not None:
        some_form = np.zeros(n, dtype=bool)
        for form in variants:
            some_form |= form.codes >= 0
        kept = some_form[rows]
        rows = rows[kept]
    key = np.zeros(len(rows), dtype=np.int64)
    valid = np.ones(len(rows), dtype=bool)
    bound = 1
    for forms in keys:
        if len(forms) > 1:
            continue
        if forms[0].rows is not None:  # codes already per row of rows (before ``kept``)
            codes = forms[0].codes if kept is None else forms[0].codes[kept]
        elif first is None and kept is None:  # rows are all records
            codes = forms[0].codes
        else:
            codes = forms[0].codes[rows]
        key, bound = _mix(key, bound, codes, forms[0].cardinality)
        valid &= codes >= 0
    rows, key = rows[valid], key[valid]
    if variants is None:
        return rows, key, bound
    parts_rows, parts_key = [], []
    width = max(f.cardinality for f in variants) * len(variants)
    for i, form in enumerate(variants):
        codes = form.codes[rows]
        present = codes >= 0
        form_codes = codes[present].astype(np.int64) * len(variants) + i
        mixed, new_bound = _mix(key[present], bound, form_codes, width)
        parts_rows.append(rows[present])
        parts_key.append(mixed)
    return np.concatenate(parts_rows), np.concatenate(parts_key), new_bound


def _mix(
    key: IntArray, bound: int, codes: IntArray | I32Array, cardinality: int
) -> tuple[IntArray, int]:
    """``key * cardinality + codes``, renumbering ``key`` first when that could overflow."""
    cardinality = max(cardinality, 1)
    if bound * cardinality >= _LIMIT:
        uniques, inverse = np.unique(key, return_inverse=True)
        key, bound = inverse.ravel().astype(np.int64), max(len(uniques), 1)
    return key * cardinality + np.maximum(codes, 0), bound * cardinality


def rule_blocks(rows: IntArray, key: IntArray, bound: int, max_block_size: int) -> RuleBlocks:
    """Blocks of equal keys (rows ascending, distinct) and the pairs inside the kept ones."""
    row_bits = max(int(rows.max()).bit_length(), 1) if len(rows) else 1
    if bound >= 1 << (63 - row_bits):
        uniques, inverse = np.unique(key, return_inverse=True)
        key, bound = inverse.ravel().astype(np.int64), len(uniques)
    packed = np.sort((key << row_bits) | rows)
    if len(packed) > 1:
        packed = packed[np.concatenate(([True], packed[1:] != packed[:-1]))]
    block = packed >> row_bits
    sorted_rows = packed & ((1 << row_bits) - 1)
    starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1])))
    sizes = np.diff(np.append(starts, len(block)))
    big = np.flatnonzero(sizes > max_block_size)
    order = np.lexsort((sorted_rows[starts[big]], -sizes[big]))
    left, right = _pairs_by_size(sorted_rows, starts, sizes, max_block_size)
    return RuleBlocks(
        left=left,
        right=right,
        capped_rows=sorted_rows[starts[big[order]]],
        capped_sizes=sizes[big[order]],
    )


def _pairs_by_size(
    rows: IntArray, starts: IntArray, sizes: IntArray, max_block_size: int
) -> tuple[U32Array, U32Array]:
    """``left < right`` pairs inside blocks of 2..max rows: one gather per distinct block size."""
    rows32 = rows.astype(np.uint32)
    kept = np.flatnonzero((sizes >= 2) & (sizes <= max_block_size))
    kept_sizes = sizes[kept]
    small = kept_sizes.astype(np.uint16 if max_block_size < 1 << 16 else np.int64)
    by_size = kept[np.argsort(small, kind="stable")]  # radix sort for 16-bit sizes
    counts = np.bincount(kept_sizes, minlength=3)
    lefts, rights = [], []
    offset = 0
    for size in np.flatnonzero(counts).tolist():
        blocks = by_size[offset : offset + counts[size]]
        offset += int(counts[size])
        members = rows32[starts[blocks][:, None] + np.arange(size)]
        first, second = np.triu_indices(size, 1)
        lefts.append(members[:, first].ravel())
        rights.append(members[:, second].ravel())
    if not lefts:
        return np.empty(0, np.uint32), np.empty(0, np.uint32)
    return np.concatenate(lefts), np.concatenate(rights)


@dataclass(frozen=True)
class PairLayout:
    """A rule's pair as one ``int64``: ``(left << row_bits | right) << rule_bits | rule``.

    Sorted, equal pairs are runs ordered by rule. Pairs are split at ``cut`` (on
    ``left``) into two parts that sort and scan independently, on two threads.
    """

    row_bits: int
    rule_bits: int
    n_rules: int
    cut: int

    @classmethod
    def for_frame(cls, n: int, n_rules: int) -> PairLayout | None:
        """The layout for ``n`` records, or ``None`` when a pair does not fit in 63 bits."""
        rule_bits = max((n_rules - 1).bit_length(), 1)
        row_bits = max((n - 1).bit_length(), 1)
        if 2 * row_bits + rule_bits > 63:
            return None
        # with left < right spread over the rows, about half the lefts are below n(1 - 1/√2)
        return cls(row_bits, rule_bits, n_rules, int(n * (1 - 0.5**0.5)))

    def pack(self, left: U32Array, right: U32Array, rule: int) -> PackedPairs:
        """One rule's pairs packed, split into those with ``left`` below the cut and the rest."""
        packed = left.astype(np.int64)
        packed <<= self.row_bits
        packed |= right
        packed <<= self.rule_bits
        packed |= rule
        low = left < self.cut
        return packed[low], packed[~low]

    def distinct(self, packed: IntArray) -> tuple[U32Array, U32Array, IntArray]:
        """Sorts ``packed`` in place; its distinct pairs and the new pairs of each rule."""
        packed.sort()
        # pairs are the values without their rule bits; a run's first is from its first rule
        bits = self.rule_bits
        new_counts = np.zeros(self.n_rules, dtype=np.int64)
        lefts, rights = [], []
        for begin in range(0, len(packed), _UNION_CHUNK):  # bounded temporaries
            values = packed[begin : begin + _UNION_CHUNK]
            pairs = values >> bits
            step = np.empty(len(pairs), dtype=bool)
            step[0] = begin == 0 or (int(packed[begin - 1]) >> bits) != int(pairs[0])
            np.not_equal(pairs[1:], pairs[:-1], out=step[1:])
            firsts = pairs[step]
            new_counts += np.bincount(values[step] & ((1 << bits) - 1), minlength=self.n_rules)
            lefts.append((firsts >> self.row_bits).astype(np.uint32))
            rights.append((firsts & ((1 << self.row_bits) - 1)).astype(np.uint32))
        left = np.concatenate(lefts) if lefts else np.empty(0, np.uint32)
        right = np.concatenate(rights) if rights else np.empty(0, np.uint32)
        return left, right, new_counts


def union(
    per_rule: list[tuple[U32Array, U32Array]], n: int
) -> tuple[U32Array, U32Array, IntArray, IntArray]:
    """Distinct pairs sorted by ``(left, right)``; per rule its pairs and new pairs.

    Each rule's pairs must be distinct (:func:`distinct_pairs`). ``per_rule`` is
    emptied as its pairs are packed, so they are freed before the sort.
    """
    layout = PairLayout.for_frame(n, len(per_rule))
    if layout is None:
        return _union_lexsort(per_rule)
    packed: list[PackedPairs] = []
    for i in range(len(per_rule)):
        packed.append(layout.pack(*per_rule[i], i))
        per_rule[i] = (np.empty(0, np.uint32), np.empty(0, np.uint32))
    return union_packed(packed, layout)


def union_packed(
    per_rule: list[PackedPairs], layout: PairLayout
) -> tuple[U32Array, U32Array, IntArray, IntArray]:
    """:func:`union` of pairs packed by ``layout.pack`` (``per_rule`` is emptied)."""
    counts = np.array([len(low) + len(high) for low, high in per_rule], dtype=np.int64)
    parts = []
    for side in (0, 1):  # each part's pieces are freed once it is joined
        parts.append(np.concatenate([rule[side] for rule in per_rule]))
        per_rule[:] = [(np.empty(0, np.int64), rule[1]) for rule in per_rule]
    per_rule.clear()
    # every pair of the first part is below every pair of the second, so they are
    # deduplicated apart (on two threads: numpy's sort releases the GIL)
    done = parallel_map(layout.distinct, parts, int(counts.sum()))
    del parts
    left = np.concatenate([d[0] for d in done])
    right = np.concatenate([d[1] for d in done])
    return left, right, counts, done[0][2] + done[1][2]


def distinct_pairs(left: U32Array, right: U32Array) -> tuple[U32Array, U32Array]:
    """Distinct ``(left, right)`` pairs (a rule with list keys or variants may repeat one)."""
    keys = distinct_sorted((left.astype(np.uint64) << np.uint64(32)) | right.astype(np.uint64))
    return (keys >> np.uint64(32)).astype(np.uint32), (keys & np.uint64(0xFFFFFFFF)).astype(
        np.uint32
    )


def _union_lexsort(
    per_rule: Sequence[tuple[U32Array, U32Array]],
) -> tuple[U32Array, U32Array, IntArray, IntArray]:
    """:func:`union` for frames too large to pack a pair and its rule into 63 bits."""
    n_rules = len(per_rule)
    rule = np.repeat(np.arange(n_rules, dtype=np.int64), [len(lft) for lft, _ in per_rule])
    lft = np.concatenate([p[0] for p in per_rule]).astype(np.int64)
    rgt = np.concatenate([p[1] for p in per_rule]).astype(np.int64)
    order = np.lexsort((rule, rgt, lft))
    lft, rgt, rule = lft[order], rgt[order], rule[order]
    step = np.ones(len(lft), dtype=bool)
    step[1:] = (lft[1:] != lft[:-1]) | (rgt[1:] != rgt[:-1])
    counts = np.array([len(p[0]) for p in per_rule], dtype=np.int64)
    new_counts = np.bincount(rule[step], minlength=n_rules).astype(np.int64)
    return lft[step].astype(np.uint32), rgt[step].astype(np.uint32), counts, new_counts
