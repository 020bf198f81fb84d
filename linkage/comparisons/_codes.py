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

import os
import weakref
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from linkage.comparisons._table import BoolArray, ValueTable, encode_values
from linkage.encoding import is_missing

Codes = npt.NDArray[np.int32]
Rows = npt.NDArray[np.intp]
T = TypeVar("T")
IntT = TypeVar("IntT", np.int32, np.intp)

#: Deduplicate value pairs when a sample has at most this fraction of distinct pairs.
DEDUPE_MAX_DISTINCT_RATIO = 0.5
#: Below this many pairs, scoring them all is cheaper than finding the distinct ones.
_MIN_DEDUPE = 50_000
_SAMPLE_EVERY = 8
_CACHED_FRAMES = 2
#: Frames of at least this many rows encode their columns on several threads.
_PARALLEL_ROWS = 50_000
_WORKERS = max(os.cpu_count() or 1, 1)


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
                entry = encode_strings(series)
        self._codes[column] = entry
        return entry

    def prefetch(self, columns: Sequence[str]) -> None:
        """Encode the frame's string columns among ``columns``, two at a time (threads)."""
        todo = [
            c
            for c in dict.fromkeys(columns)
            if c not in self._codes and c in self.columns and self.frame.schema[c] == pl.Utf8
        ]
        if len(todo) < 2 or self.height < _PARALLEL_ROWS:
            return
        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            encoded = list(pool.map(lambda c: encode_strings(self.frame.get_column(c)), todo))
        self._codes.update(zip(todo, encoded, strict=True))

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
            codes = encode_strings(derived.to_series())[0]
            return np.concatenate([codes, np.array([-1], dtype=np.int32)])

        return self.memo(("value_codes", column, tag), build)

    def translated(self, column: str, into: str) -> Codes:
        """Per distinct value of ``column``: the code of the same value in ``into`` (-1 none).

        One entry more, ``-1``, so indexing with a missing record's code ``-1`` gives ``-1``.
        """

        def build() -> Codes:
            target = self.values(into)
            lookup = pl.DataFrame({"v": target, "code": np.arange(len(target), dtype=np.int32)})
            source = self.values(column).cast(target.dtype).to_frame("v")
            joined = source.join(lookup, on="v", how="left", maintain_order="left")["code"]
            codes = joined.fill_null(-1).to_numpy().astype(np.int32)
            mapped = np.concatenate([codes, np.array([-1], dtype=np.int32)])
            return np.where(mapped >= 0, mapped, -1).astype(np.int32)

        return self.memo(("translated", column, into), build)

    def table(self) -> ValueTable:
        """A frame-backed :class:`ValueTable` over all records (levels without a batch kernel)."""
        return self.memo(
            "table", lambda: ValueTable(self.height, frame=self.frame, frame_codes=self.codes)
        )

    def clear(self) -> None:
        """Drop every code and derived value computed so far."""
        self._codes.clear()
        self._memo.clear()

    def memo(self, key: object, factory: Callable[[], T]) -> T:
        """``factory()`` computed once per key for this frame."""
        if key not in self._memo:
            self._memo[key] = factory()
        value: T = self._memo[key]
        return value


def encode_strings(series: pl.Series) -> tuple[Codes, int, pl.Series]:
    """Codes of a column cast to text, the number of codes and the values they index.

    Missing (null or blank, :func:`linkage.encoding.is_missing`) is ``-1``. Equal values
    get equal codes; unlike :func:`linkage.encoding.encode` the values are in order of
    first appearance (Arrow's hash-based ``dictionary_encode``), which is several times
    cheaper than sorting them, and blanks are found among the distinct values only.
    """
    text = series if series.dtype == pl.Utf8 else series.cast(pl.Utf8)
    pool = pa.system_memory_pool()  # Arrow's default (mimalloc) keeps what it frees resident
    array = text.to_arrow()
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks(memory_pool=pool)
    encoded = pc.dictionary_encode(array, memory_pool=pool)
    values = pl.Series(series.name, encoded.dictionary, dtype=pl.Utf8)
    # through polars: Arrow's fill_null (pa.scalar) and to_numpy import pandas (~0.4 s)
    indices = pl.Series(encoded.indices).fill_null(-1).to_numpy()
    codes = np.ascontiguousarray(indices, dtype=np.int32)
    blank = is_missing(values).to_numpy()
    if blank.any():
        lookup = np.where(blank, -1, np.arange(len(values))).astype(np.int32)
        codes = np.concatenate([lookup, np.array([-1], dtype=np.int32)])[codes]
    return codes, len(values), values


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


def forget_frame_codes(frame: pl.DataFrame) -> None:
    """Drop the cached codes of ``frame`` (a run that has finished comparing frees them)."""
    hit = _CACHE.get(id(frame))
    if hit is not None and hit[0]() is frame:
        del _CACHE[id(frame)]
        # memo entries may refer back to the codes (a table's code lookup): clearing
        # breaks that cycle, so the memory is freed now rather than at the next collection
        hit[1].clear()


def distinct_pairs(
    a: npt.NDArray[IntT], b: npt.NDArray[IntT], n_values: int
) -> tuple[npt.NDArray[IntT], npt.NDArray[IntT], npt.NDArray[np.intp] | None]:
    """Distinct order-normalised (a, b) pairs and the inverse index into them.

    When most pairs are distinct already, deduplication (a sort) costs more than scoring
    them all: the normalised pairs are returned with no inverse. "Most" is judged on every
    eighth pair; on the 1M fixture this dedupes the name columns of candidate pairs (about
    one pair in seven distinct) and leaves addresses, phones and random pairs alone.
    """
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    if len(lo) < max(_MIN_DEDUPE, 1):
        return lo, hi, None
    key = lo.astype(np.int64) * max(n_values, 1) + hi
    keys = pl.Series(key)
    sample = keys.gather_every(_SAMPLE_EVERY)
    if sample.n_unique() > DEDUPE_MAX_DISTINCT_RATIO * len(sample):
        return lo, hi, None
    position = np.arange(len(key), dtype=np.int32)
    ordered = pl.DataFrame({"k": keys, "i": position}).sort("k")
    sorted_keys, order = ordered["k"].to_numpy(), ordered["i"].to_numpy()
    first = np.empty(len(sorted_keys), dtype=bool)
    first[0] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=first[1:])
    inverse = np.empty(len(key), dtype=np.intp)
    inverse[order] = np.cumsum(first) - 1
    keep = order[first]
    return lo[keep], hi[keep], inverse
