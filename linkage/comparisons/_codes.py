"""Per-frame integer codes that batch levels read (DESIGN.md section 5, steps 2 and 4).

A :class:`FrameCodes` holds, for one standardised frame, each column's
dictionary codes per record (``-1`` missing), the distinct string values the
codes index, and whatever else a level derives once per frame (per-value
derived codes, date parts, token sets). Every cache entry is a pure function
of the frame, so sharing it between calls only saves work: :func:`frame_codes`
keeps the codes of the last few frames (weakly referenced, so a frame that is
gone frees its codes), and the pipeline's second ``compare`` call on the same
frame (random pairs for u) reuses the encodings of the first.

:func:`distinct_pairs` is the "compare on unique value pairs" step: the
distinct order-normalised (code_a, code_b) pairs and the inverse index that
gathers their results back to the pairs.
"""

from __future__ import annotations

import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.comparisons._table import BoolArray, ValueTable, encode_values

Codes = npt.NDArray[np.int32]
Rows = npt.NDArray[np.intp]
T = TypeVar("T")

#: Deduplicate value pairs when a sample has at most this fraction of distinct pairs.
DEDUPE_MAX_DISTINCT_RATIO = 0.5
_SAMPLE = 50_000
_CACHED_FRAMES = 2


class FrameCodes:
    """Integer codes of a standardised frame's columns, computed once per column.

    Args:
        frame: the standardised frame; a column it lacks is all missing.
    """

    def __init__(self, frame: pl.DataFrame) -> None:
        self.frame = frame
        self.height = frame.height
        self.columns = tuple(frame.columns)
        self._codes: dict[str, tuple[Codes, int, pl.Series | None]] = {}
        self._memo: dict[object, Any] = {}

    def _encode(self, column: str) -> tuple[Codes, int, pl.Series | None]:
        entry = self._codes.get(column)
        if entry is not None:
            return entry
        if column not in self.frame.columns:
            entry = (np.full(self.height, -1, dtype=np.int32), 0, pl.Series([], dtype=pl.Utf8))
        else:
            series = self.frame.get_column(column)
            if series.dtype == pl.Date or series.dtype.is_integer():
                entry = _integer_codes(series)
            else:
                encoded = encode_values(series)
                entry = (encoded.codes, encoded.n_values, encoded.values)
        self._codes[column] = entry
        return entry

    def codes(self, column: str) -> Codes:
        """Codes per record, ``-1`` where missing; equal codes mean equal values."""
        return self._encode(column)[0]

    def n_values(self, column: str) -> int:
        """Upper bound (exclusive) of the column's codes."""
        return self._encode(column)[1]

    def values(self, column: str) -> pl.Series:
        """The distinct values the codes of a string column index."""
        values = self._encode(column)[2]
        if values is None:
            msg = f"column {column!r} is not a string column"
            raise TypeError(msg)
        return values

    def strings(self, column: str) -> npt.NDArray[Any]:
        """The distinct values of a string column as an object array (for rapidfuzz)."""
        return self.memo(("strings", column), lambda: self.values(column).to_numpy())

    def missing(self, columns: Sequence[str]) -> BoolArray:
        """Per record: every one of ``columns`` is missing."""

        def build() -> BoolArray:
            mask = np.ones(self.height, dtype=bool)
            for column in columns:
                mask &= self.codes(column) < 0
            return mask

        return self.memo(("missing", tuple(columns)), build)

    def value_codes(self, column: str, tag: str, expression: Callable[[pl.Expr], pl.Expr]) -> Codes:
        """Codes of ``expression`` applied to each distinct value of ``column``.

        The array has one entry more than there are values, ``-1``, so indexing it with a
        record's code ``-1`` (missing) gives ``-1``.
        """

        def build() -> Codes:
            derived = self.values(column).to_frame("v").select(expression(pl.col("v")))
            codes = encode_values(derived.to_series().cast(pl.Utf8)).codes
            return np.concatenate([codes, np.array([-1], dtype=np.int32)])

        return self.memo(("value_codes", column, tag), build)

    def table(self) -> ValueTable:
        """A frame-backed :class:`ValueTable` over all records (levels without a batch kernel)."""
        return self.memo(
            "table", lambda: ValueTable(self.height, frame=self.frame, frame_codes=self.codes)
        )

    def memo(self, key: object, factory: Callable[[], T]) -> T:
        """``factory()`` computed once per key for this frame."""
        if key not in self._memo:
            self._memo[key] = factory()
        value: T = self._memo[key]
        return value


def _integer_codes(series: pl.Series) -> tuple[Codes, int, None]:
    """Codes of a date or integer column: the value minus the smallest one."""
    physical = series.to_physical().cast(pl.Int64)
    low = physical.min()
    if low is None:
        return np.full(len(series), -1, dtype=np.int32), 0, None
    shifted = (physical - low).fill_null(-1).to_numpy()
    span = int(shifted.max()) + 1
    if span >= 2**31 - 1:
        encoded = encode_values(series)
        return encoded.codes, encoded.n_values, None
    return shifted.astype(np.int32), span, None


_CACHE: OrderedDict[int, tuple[weakref.ref[pl.DataFrame], FrameCodes]] = OrderedDict()


def frame_codes(frame: pl.DataFrame) -> FrameCodes:
    """The :class:`FrameCodes` of ``frame``, shared by calls on the same frame object."""
    key = id(frame)
    hit = _CACHE.get(key)
    if (
        hit is not None
        and hit[0]() is frame
        and hit[1].height == frame.height
        and hit[1].columns == tuple(frame.columns)
    ):
        _CACHE.move_to_end(key)
        return hit[1]
    codes = FrameCodes(frame)
    cache = _CACHE  # bound now: the module global may be gone when a frame dies at exit
    _CACHE[key] = (weakref.ref(frame, lambda _: cache.pop(key, None)), codes)
    while len(_CACHE) > _CACHED_FRAMES:
        _CACHE.popitem(last=False)
    return codes


def distinct_pairs(
    a: Codes, b: Codes, n_values: int
) -> tuple[Codes, Codes, npt.NDArray[np.intp] | None]:
    """Distinct order-normalised (a, b) pairs and the inverse index into them.

    When a sample shows the pairs are mostly distinct already, deduplication would
    cost more than it saves: the normalised pairs are returned with no inverse.
    """
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo.astype(np.int64) * max(n_values, 1) + hi
    if len(key) > _SAMPLE:
        sample = key[:: len(key) // _SAMPLE]
        if len(np.unique(sample)) > DEDUPE_MAX_DISTINCT_RATIO * len(sample):
            return lo, hi, None
    if len(key) == 0:
        return lo, hi, np.zeros(0, dtype=np.intp)
    order = pl.Series(key).arg_sort().to_numpy()
    ordered = key[order]
    first = np.empty(len(ordered), dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    inverse = np.empty(len(key), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    keep = order[first]
    return lo[keep], hi[keep], inverse
