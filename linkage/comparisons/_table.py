"""Tables of values that levels read.

A level never sees a record or a pair of records: it sees a :class:`ValueTable`
(one row per *distinct value* in the batch path, or the query in row 0 and its
candidates after it in the real-time path) and two aligned arrays of row
positions, ``left`` and ``right``. Both kinds of table expose the same
operations with the same semantics, so the batch and real-time paths give the
same levels by construction.

Values are held as numpy arrays: strings as object arrays (``None`` when
missing), dates as ``int64`` ``YYYYMMDD``, integers as ``int64``, lists as
object arrays of tuples. Missing is decided by :func:`linkage.encoding.is_missing`
(frames) and :func:`python_value` (single values), which agree.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.encoding import EncodedColumn, encode, is_missing
from linkage.errors import InvalidInputError

IndexArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]
Csr = tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]

#: Below this many pairs, scorers run on one thread (thread start-up costs more).
SMALL_BATCH = 20_000


@dataclass(frozen=True)
class Column:
    """One column of a table: values and a missing mask."""

    data: npt.NDArray[Any]
    null: BoolArray


def encode_values(series: pl.Series) -> EncodedColumn:
    """:func:`linkage.encoding.encode` after setting missing strings (blank) to null."""
    if series.dtype == pl.Utf8:
        blank = is_missing(series)
        if blank.sum() > series.null_count():
            series = series.set(blank, None)
    return encode(series)


def python_value(value: Any) -> Any:
    """Normalise one Python value: missing -> None, date -> YYYYMMDD, list -> tuple."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value.strip() else None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return value.year * 10000 + value.month * 100 + value.day
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else python_value(value.astype("datetime64[D]").item())
    if isinstance(value, (list, tuple, np.ndarray, pl.Series)):
        items = tuple(python_value(v) for v in value)
        return tuple(v for v in items if v is not None) or None
    if isinstance(value, (bool, np.bool_)):
        msg = f"boolean values are not comparable: {value!r}"
        raise InvalidInputError(msg)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    msg = f"unsupported value type {type(value).__name__}"
    raise InvalidInputError(msg)


def column_from_series(series: pl.Series) -> Column:
    """Convert a polars column to a :class:`Column`."""
    dtype = series.dtype
    if dtype == pl.Utf8:
        null = is_missing(series).to_numpy()
        data = np.array(series.to_numpy(), dtype=object, copy=True)
        data[null] = None
        return Column(data, null)
    if dtype == pl.Date:
        ints = series.dt.year().cast(pl.Int64) * 10000 + series.dt.month().cast(pl.Int64) * 100
        ints = ints + series.dt.day().cast(pl.Int64)
    elif dtype.is_integer():
        ints = series.cast(pl.Int64)
    elif dtype == pl.Null:
        return null_column(len(series))
    elif isinstance(dtype, pl.List):
        return column_from_values(series.to_list())
    else:
        msg = f"column {series.name!r} has unsupported dtype {dtype}"
        raise InvalidInputError(msg, field=series.name)
    null = ints.is_null().to_numpy()
    return Column(np.ascontiguousarray(ints.fill_null(0).to_numpy(), dtype=np.int64), null)


def column_from_values(values: Iterable[Any]) -> Column:
    """Convert Python values (already aligned rows) to a :class:`Column`."""
    items = [python_value(v) for v in values]
    null = np.array([v is None for v in items], dtype=bool)
    if items and all(isinstance(v, int) for v in items if v is not None):
        data = np.array([0 if v is None else v for v in items], dtype=np.int64)
        return Column(data, null)
    data = np.empty(len(items), dtype=object)
    data[:] = items
    return Column(data, null)


def null_column(n_rows: int) -> Column:
    """A column of ``n_rows`` missing values."""
    return Column(np.full(n_rows, None, dtype=object), np.ones(n_rows, dtype=bool))


class ValueTable:
    """Rows of values that levels read, either backed by a polars frame or held in numpy.

    Args:
        n_rows: number of rows.
        frame: a polars frame to read columns from lazily (batch path).
        rows: row positions of ``frame`` that form this table (``None``: all rows).
        columns: columns given directly (real-time path).
        frame_codes: dictionary codes of a column for this table's rows, when known.
    """

    def __init__(
        self,
        n_rows: int,
        *,
        frame: pl.DataFrame | None = None,
        rows: IndexArray | None = None,
        columns: Mapping[str, Column] | None = None,
        frame_codes: Callable[[str], npt.NDArray[np.int32]] | None = None,
    ) -> None:
        self.n_rows = n_rows
        self._frame = frame
        self._rows = rows
        self._frame_codes = frame_codes
        self._columns: dict[str, Column] = dict(columns or {})
        self._codes: dict[tuple[str, str], tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]] = {}
        self._derived: dict[tuple[str, str], Column] = {}

    @property
    def large(self) -> bool:
        """True when backed by a frame (equality through dictionary codes)."""
        return self._frame is not None

    def series(self, name: str) -> pl.Series:
        """The column as a polars Series (frame-backed tables only)."""
        if self._frame is None:
            msg = "series() needs a frame-backed table"
            raise TypeError(msg)
        if name not in self._frame.columns:
            return pl.Series(name, [None] * self.n_rows, dtype=pl.Utf8)
        series = self._frame.get_column(name)
        return series if self._rows is None else series.gather(self._rows)

    def column(self, name: str) -> Column:
        """The named column; a column the frame lacks is all missing."""
        column = self._columns.get(name)
        if column is None:
            if self._frame is None or name not in self._frame.columns:
                column = null_column(self.n_rows)
            else:
                column = column_from_series(self.series(name))
            self._columns[name] = column
        return column

    def derived(
        self,
        name: str,
        tag: str,
        function: Callable[[Any], Any],
        expression: Callable[[pl.Expr], pl.Expr] | None = None,
    ) -> Column:
        """``function`` applied to each present value of ``name`` (once per row), cached by tag.

        A frame-backed table uses the equivalent polars ``expression`` when one is given.
        """
        key = (name, tag)
        column = self._derived.get(key)
        if column is None and expression is not None and self.large:
            frame = self.series(name).to_frame("v")
            column = column_from_series(frame.select(expression(pl.col("v"))).to_series())
            self._derived[key] = column
        if column is None:
            source = self.column(name)
            column = column_from_values(
                None if null else function(value)
                for value, null in zip(source.data.tolist(), source.null.tolist(), strict=True)
            )
            self._derived[key] = column
        return column

    def _shared_codes(self, a: str, b: str) -> tuple[npt.NDArray[np.int32], npt.NDArray[np.int32]]:
        """Codes of columns a and b in one dictionary (-1 missing)."""
        key = (a, b)
        if (b, a) in self._codes:
            cb, ca = self._codes[(b, a)]
            return ca, cb
        if key not in self._codes:
            if a == b:
                if self._frame_codes is not None:
                    codes = self._frame_codes(a)
                else:
                    codes = encode_values(self.series(a)).codes
                self._codes[key] = (codes, codes)
            else:
                sa, sb = self.series(a), self.series(b)
                if sa.dtype != sb.dtype:
                    sb = sb.cast(sa.dtype)
                codes = encode_values(pl.concat([sa, sb])).codes
                self._codes[key] = (codes[: len(sa)], codes[len(sa) :])
        return self._codes[key]

    def equal(self, a: str, b: str, left: IndexArray, right: IndexArray) -> BoolArray:
        """Whether column ``a`` at ``left`` equals column ``b`` at ``right`` (both present)."""
        if self.large:
            ca, cb = self._shared_codes(a, b)
            la = ca[left]
            return np.asarray((la == cb[right]) & (la >= 0), dtype=bool)
        return columns_equal(self.column(a), self.column(b), left, right)


def columns_equal(a: Column, b: Column, left: IndexArray, right: IndexArray) -> BoolArray:
    """Element-wise equality of two columns at aligned rows; missing is never equal."""
    ok = ~a.null[left] & ~b.null[right]
    out = np.zeros(len(left), dtype=bool)
    if ok.any():
        li, ri = left[ok], right[ok]
        out[ok] = np.asarray(a.data[li] == b.data[ri], dtype=bool)
    return out


def csr_from_items(items: Iterable[tuple[Any, ...] | None], vocabulary: dict[Any, int]) -> Csr:
    """Item codes per row as (offsets, codes); ``vocabulary`` is shared and extended."""
    offsets = [0]
    codes: list[int] = []
    for row in items:
        if row:
            for item in dict.fromkeys(row):
                codes.append(vocabulary.setdefault(item, len(vocabulary)))
        offsets.append(len(codes))
    return np.array(offsets, dtype=np.int64), np.array(codes, dtype=np.int64)


def _expand(csr: Csr, rows: IndexArray) -> tuple[IndexArray, IndexArray]:
    """(position in rows, item code) for every item of the given rows."""
    offsets, codes = csr
    starts = offsets[rows]
    lengths = offsets[rows + 1] - starts
    owner = np.repeat(np.arange(len(rows), dtype=np.int64), lengths)
    base = np.repeat(starts - np.cumsum(lengths) + lengths, lengths)
    return owner, codes[base + np.arange(len(owner), dtype=np.int64)]


def share_any(left_sets: Csr, right_sets: Csr, left: IndexArray, right: IndexArray) -> BoolArray:
    """Whether the item set of each left row shares an item with its aligned right row."""
    out = np.zeros(len(left), dtype=bool)
    has = (np.diff(left_sets[0])[left] > 0) & (np.diff(right_sets[0])[right] > 0)
    pairs = np.flatnonzero(has)
    if len(pairs) == 0:
        return out
    lo, li = _expand(left_sets, left[pairs])
    ro, ri = _expand(right_sets, right[pairs])
    if len(lo) + len(ro) < 4096:
        width = int(max(li.max(initial=0), ri.max(initial=0))) + 1
        hits = np.isin(lo * width + li, ro * width + ri)
        out[pairs[lo[hits]]] = True
        return out
    lhs = pl.DataFrame({"o": lo, "i": li})
    matched = lhs.join(pl.DataFrame({"o": ro, "i": ri}), on=["o", "i"], how="semi")["o"]
    out[pairs[matched.to_numpy()]] = True
    return out
