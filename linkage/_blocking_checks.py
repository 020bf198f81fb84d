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
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage._blocking_pairs import RuleBlocks

IntArray = npt.NDArray[np.int64]
Codes = npt.NDArray[np.signedinteger[Any]]
U32Array = npt.NDArray[np.uint32]
BoolArray = npt.NDArray[np.bool_]
CHECK_CHUNK = 1 << 19
Keep = Callable[[Sequence[Codes], IntArray, IntArray], BoolArray]


@dataclass(frozen=True, eq=False)
class PairCheck:
    """A condition on candidate pairs, from per-record codes.

    Attributes:
        name: label used in rule descriptions.
        values: scalar record expressions; each is dictionary-encoded once per
            frame (with the rules' keys), so only equality and missingness
            (code ``-1``) of the values are seen.
        keep: ``keep(arrays, left, right)``: which pairs to keep; ``arrays``
            are the codes of ``values`` followed by the ``raw`` arrays.
        raw: non-negative integer record expressions used as they are
            (``int32``, missing is ``-1``).
    """

    name: str
    values: tuple[pl.Expr, ...]
    keep: Keep
    raw: tuple[pl.Expr, ...] = ()


def _sides(codes: Codes, left: IntArray, right: IntArray) -> tuple[Codes, Codes]:
    return codes[left], codes[right]


def _equal(a: Codes, b: Codes) -> BoolArray:
    """Both present and equal."""
    equal: BoolArray = (a >= 0) & (a == b)
    return equal


def _dob_close(codes: Sequence[Codes], left: IntArray, right: IntArray) -> BoolArray:
    a, b = _sides(codes[0], left, right)  # yyyymmdd of sure dates, else -1
    same_year = (a // 10000) == (b // 10000)
    month_a, month_b, day_a, day_b = a // 100 % 100, b // 100 % 100, a % 100, b % 100
    same = same_year.astype(np.int8) + (month_a == month_b) + (day_a == day_b)
    swapped = (month_a == day_b) & (day_a == month_b)
    keep: BoolArray = (a < 0) | (b < 0) | (same >= 2) | (same_year & swapped)
    return keep


def _sex_agrees(codes: Sequence[Codes], left: IntArray, right: IntArray) -> BoolArray:
    a, b = _sides(codes[0], left, right)
    keep: BoolArray = (a < 0) | (b < 0) | (a == b)
    return keep


def _given_agrees(codes: Sequence[Codes], left: IntArray, right: IntArray) -> BoolArray:
    a, b = _sides(codes[0], left, right)
    keep: BoolArray = (a < 0) | (b < 0) | (a == b)
    for part in codes[1:]:
        keep |= _equal(*_sides(part, left, right))
    return keep


def _family_agrees_unless_married(
    codes: Sequence[Codes], left: IntArray, right: IntArray
) -> BoolArray:
    a, b = _sides(codes[0], left, right)
    male_l, male_r = _sides(codes[1], left, right)
    keep: BoolArray = (a < 0) | (b < 0) | (a == b) | ((male_l != 1) & (male_r != 1))
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


_SURE_DOB = (
    pl.when(~dob_uncertain())
    .then(
        pl.col("dob_year").cast(pl.Int32) * 10000
        + pl.col("dob_month").cast(pl.Int32) * 100
        + pl.col("dob_day").cast(pl.Int32)
    )
    .alias("sure_dob")
)
DOB_CLOSE = PairCheck("dob_close", (), _dob_close, raw=(_SURE_DOB,))
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
    (pl.col("family_sdx"),),
    _family_agrees_unless_married,
    raw=((pl.col("sex_std") == "M").alias("male"),),
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
    values = np.cumsum([0, *(len(c.values) for c in checks)]).tolist()
    raws = np.cumsum([values[-1], *(len(c.raw) for c in checks)]).tolist()

    def own(i: int, arrays: Sequence[Codes]) -> list[Codes]:
        return [*arrays[values[i] : values[i + 1]], *arrays[raws[i] : raws[i + 1]]]

    def keep(arrays: Sequence[Codes], left: IntArray, right: IntArray) -> BoolArray:
        kept = checks[0].keep(own(0, arrays), left, right)  # every pair is undecided
        for i, check in enumerate(checks[1:], start=1):
            undecided = np.flatnonzero(~kept)
            kept[undecided] = check.keep(own(i, arrays), left[undecided], right[undecided])
        return kept

    name = "|".join(c.name for c in checks)
    value_exprs = tuple(v for c in checks for v in c.values)
    return PairCheck(name, value_exprs, keep, tuple(r for c in checks for r in c.raw))


def apply_checks(
    checks: Sequence[PairCheck],
    arrays: Sequence[Sequence[Codes]],
    left: U32Array,
    right: U32Array,
) -> tuple[U32Array, U32Array]:
    """The pairs every check keeps (in chunks, so temporaries stay small)."""
    if not checks or len(left) == 0:
        return left, right
    keep = np.empty(len(left), dtype=bool)
    for start in range(0, len(left), CHECK_CHUNK):
        lft = left[start : start + CHECK_CHUNK].astype(np.intp)
        rgt = right[start : start + CHECK_CHUNK].astype(np.intp)
        kept = np.ones(len(lft), dtype=bool)
        for check, own in zip(checks, arrays, strict=True):
            kept &= check.keep(own, lft, rgt)
        keep[start : start + len(lft)] = kept
    return left[keep], right[keep]


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
    after = ends[first] - first - 1  # each sparse member pairs with the members after it
    del ends, block, packed
    members = sorted_rows.astype(np.uint32)
    left, right = np.empty(int(after.sum()), np.uint32), np.empty(int(after.sum()), np.uint32)
    cuts = np.searchsorted(np.cumsum(after), np.arange(CHECK_CHUNK, len(left), CHECK_CHUNK))
    done = 0
    for chunk_first, chunk_after in zip(
        np.split(first, cuts), np.split(after, cuts), strict=True
    ):  # bounded temporaries
        n = int(chunk_after.sum())
        left_index = np.repeat(chunk_first, chunk_after)
        offset = np.arange(n, dtype=np.int64) - np.repeat(
            np.cumsum(chunk_after) - chunk_after, chunk_after
        )
        a, b = members[left_index], members[left_index + 1 + offset]
        np.minimum(a, b, out=left[done : done + n])
        np.maximum(a, b, out=right[done : done + n])
        done += n
    return RuleBlocks(
        left=left,
        right=right,
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
