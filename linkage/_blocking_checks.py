"""Partial blocking rules: pairs that need a sparse record, and pair checks.

A rule on weak keys (a surname and a suburb, say) joins whole households and
namesakes; it is only worth its pairs for the records the strong rules cannot
see, such as those without a date of birth. Two tools keep such rules small:

* **sparse**: a record predicate; the rule pairs only records where at least
  one of the two is sparse. Blocks are sorted with their sparse members first
  and each sparse member is paired with the members after it, so the cost is
  ``sparse x block`` rather than ``block x block`` (:func:`sparse_blocks`).
* **checks** (:class:`PairCheck`): vectorised conditions on a rule's pairs
  that drop pairs whose records contradict each other (two full dates of
  birth far apart, different sexes, different given names).

The real-time mirror (:mod:`linkage.record_keys`) uses the rules' keys only,
so there these rules give a superset of the batch pairs.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage._blocking_pairs import RuleBlocks

IntArray = npt.NDArray[np.int64]
U32Array = npt.NDArray[np.uint32]
BoolArray = npt.NDArray[np.bool_]
Keep = Callable[[Sequence[IntArray], IntArray, IntArray], BoolArray]


@dataclass(frozen=True, eq=False)
class PairCheck:
    """A condition on candidate pairs, from per-record codes.

    Attributes:
        name: label used in rule descriptions.
        values: scalar record expressions; each is dictionary-encoded once per
            frame (with the rules' keys), so only equality and missingness
            (code ``-1``) of the values are seen.
        keep: ``keep(codes, left, right)``: which pairs to keep.
    """

    name: str
    values: tuple[pl.Expr, ...]
    keep: Keep


def _sides(codes: IntArray, left: IntArray, right: IntArray) -> tuple[IntArray, IntArray]:
    return codes[left], codes[right]


def _equal(a: IntArray, b: IntArray) -> BoolArray:
    """Both present and equal."""
    equal: BoolArray = (a >= 0) & (a == b)
    return equal


def _dob_close(codes: Sequence[IntArray], left: IntArray, right: IntArray) -> BoolArray:
    year_l, year_r = _sides(codes[0], left, right)
    same_year = _equal(year_l, year_r)
    same = same_year.astype(np.int8)
    for part in codes[1:3]:
        same += _equal(*_sides(part, left, right))
    keep: BoolArray = (year_l < 0) | (year_r < 0) | (same >= 2)
    return keep | (same_year & _equal(*_sides(codes[3], left, right)))


def _sex_agrees(codes: Sequence[IntArray], left: IntArray, right: IntArray) -> BoolArray:
    a, b = _sides(codes[0], left, right)
    keep: BoolArray = (a < 0) | (b < 0) | (a == b)
    return keep


def _given_agrees(codes: Sequence[IntArray], left: IntArray, right: IntArray) -> BoolArray:
    a, b = _sides(codes[0], left, right)
    keep: BoolArray = (a < 0) | (b < 0) | (a == b)
    for part in codes[1:]:
        keep |= _equal(*_sides(part, left, right))
    return keep


def _family_agrees_unless_married(
    codes: Sequence[IntArray], left: IntArray, right: IntArray
) -> BoolArray:
    a, b = _sides(codes[0], left, right)
    male_l, male_r = _sides(codes[1], left, right)
    keep: BoolArray = (a < 0) | (b < 0) | (a == b) | ((male_l < 0) & (male_r < 0))
    return keep


def dob_uncertain() -> pl.Expr:
    """No full date of birth, or 1 January (the usual stand-in for an unknown day)."""
    year, month, day = pl.col("dob_year"), pl.col("dob_month"), pl.col("dob_day")
    return (year.is_null() | month.is_null() | day.is_null() | ((month == 1) & (day == 1))).alias(
        "dob_uncertain"
    )


def name_partial() -> pl.Expr:
    """A given or a family name is missing."""
    return (pl.col("given_std").is_null() | pl.col("family_std").is_null()).alias("name_partial")


def _sure_dob(part: pl.Expr, name: str) -> pl.Expr:
    return pl.when(~dob_uncertain()).then(part.cast(pl.Int32)).alias(f"sure_dob_{name}")


_DAY, _MONTH = pl.col("dob_day").cast(pl.Int32), pl.col("dob_month").cast(pl.Int32)
DOB_CLOSE = PairCheck(
    "dob_close",
    (
        _sure_dob(pl.col("dob_year"), "year"),
        _sure_dob(_MONTH, "month"),
        _sure_dob(_DAY, "day"),
        _sure_dob(pl.min_horizontal(_DAY, _MONTH) * 100 + pl.max_horizontal(_DAY, _MONTH), "md"),
    ),
    _dob_close,
)
"""Keep unless both dates of birth are sure (:func:`dob_uncertain`) and differ in two
of year, month and day (a day-month swap in the same year counts as close)."""

SEX_AGREES = PairCheck("sex_agrees", (pl.col("sex_std"),), _sex_agrees)
"""Keep unless both sexes are recorded and differ."""

GIVEN_AGREES = PairCheck(
    "given_agrees",
    (
        pl.col("given_sdx"),
        pl.col("given_root"),
        pl.col("given_std").str.slice(0, 1).alias("given_initial"),
    ),
    _given_agrees,
)
"""Keep when a given name is missing or the two share soundex, root or initial."""

FAMILY_AGREES_UNLESS_MARRIED = PairCheck(
    "family_agrees_unless_married",
    (pl.col("family_sdx"), pl.when(pl.col("sex_std") == "M").then(pl.lit(1)).alias("male")),
    _family_agrees_unless_married,
)
"""Keep when a family name is missing, the soundexes agree, or neither record is
male (a woman's family name may change at marriage)."""


LOCALITY_AGREES = PairCheck(
    "locality_agrees",
    (pl.col("postcode_std"), pl.col("suburb_std")),
    lambda codes, left, right: (
        _equal(*_sides(codes[0], left, right)) | _equal(*_sides(codes[1], left, right))
    ),
)
"""Keep when the postcodes or the suburbs agree."""


def either(*checks: PairCheck) -> PairCheck:
    """A check that keeps the pairs any of ``checks`` keeps."""
    bounds = np.cumsum([0, *(len(c.values) for c in checks)]).tolist()

    def keep(codes: Sequence[IntArray], left: IntArray, right: IntArray) -> BoolArray:
        kept = np.zeros(len(left), dtype=bool)
        for check, start, end in zip(checks, bounds, bounds[1:], strict=False):
            undecided = np.flatnonzero(~kept)
            kept[undecided] = check.keep(codes[start:end], left[undecided], right[undecided])
        return kept

    name = "|".join(c.name for c in checks)
    return PairCheck(name, tuple(v for c in checks for v in c.values), keep)


def apply_checks(
    checks: Sequence[PairCheck],
    values: Sequence[Sequence[IntArray]],
    left: U32Array,
    right: U32Array,
) -> tuple[U32Array, U32Array]:
    """The pairs every check keeps."""
    if not checks or len(left) == 0:
        return left, right
    for check, codes in zip(checks, values, strict=True):
        keep = check.keep(codes, left.astype(np.intp), right.astype(np.intp))
        left, right = left[keep], right[keep]
    return left, right


def sparse_blocks(
    rows: IntArray, key: IntArray, sparse: BoolArray, max_block_size: int
) -> RuleBlocks:
    """Pairs of records with equal keys where at least one is sparse (``left < right``).

    Blocks larger than ``max_block_size`` are skipped and returned as capped;
    blocks without a sparse member give nothing. A pair may repeat when
    records have several keys.
    """
    empty = RuleBlocks(np.empty(0, np.uint32), np.empty(0, np.uint32), rows[:0], rows[:0])
    if len(rows) == 0:
        return empty
    row_bits = max(int(rows.max()).bit_length(), 1)
    dense = (~sparse[rows]).astype(np.int64)
    if len(key) and int(key.max()) >= 1 << (62 - row_bits):
        key = np.unique(key, return_inverse=True)[1].ravel().astype(np.int64)
    packed = np.sort((key << (row_bits + 1)) | (dense << row_bits) | rows)
    packed = packed[np.concatenate(([True], packed[1:] != packed[:-1]))]
    block = packed >> (row_bits + 1)
    is_sparse = ((packed >> row_bits) & 1) == 0
    sorted_rows = packed & ((1 << row_bits) - 1)
    starts = np.flatnonzero(np.concatenate(([True], block[1:] != block[:-1])))
    sizes = np.diff(np.append(starts, len(block)))
    big = np.flatnonzero(sizes > max_block_size)
    big = big[np.add.reduceat(is_sparse, starts)[big] > 0]
    order = np.lexsort((sorted_rows[starts[big]], -sizes[big]))
    ends = np.repeat(starts + np.where(sizes > max_block_size, 0, sizes), sizes)
    first = np.flatnonzero(is_sparse & (ends > np.arange(len(packed))))
    after = ends[first] - first - 1
    left_index = np.repeat(first, after)
    offset = np.arange(len(left_index), dtype=np.int64) - np.repeat(np.cumsum(after) - after, after)
    a = sorted_rows[left_index].astype(np.uint32)
    b = sorted_rows[left_index + 1 + offset].astype(np.uint32)
    return RuleBlocks(
        left=np.minimum(a, b),
        right=np.maximum(a, b),
        capped_rows=sorted_rows[starts[big[order]]],
        capped_sizes=sizes[big[order]],
    )


__all__ = [
    "DOB_CLOSE",
    "FAMILY_AGREES_UNLESS_MARRIED",
    "GIVEN_AGREES",
    "LOCALITY_AGREES",
    "SEX_AGREES",
    "PairCheck",
    "apply_checks",
    "dob_uncertain",
    "either",
    "name_partial",
    "sparse_blocks",
]
