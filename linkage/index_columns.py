"""Growable numpy columns for the real-time index: coded values and hash postings.

:class:`ValueColumn` holds one standardised column for every indexed row:
numbers as float64 (NaN = missing), dates as ``datetime64[D]`` (NaT), text and
lists as int32 codes into a table of distinct values (code 0 = missing), so a
million rows cost a few bytes each plus one copy of each distinct value.
:class:`HashIndex` maps 64-bit key hashes to rows: a sorted base array plus a
dict of postings added since the last merge.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.encoding import encode

Kind = Literal["text", "list", "number", "date"]
NUMBER_COLUMNS = frozenset({"dob_year", "dob_month", "dob_day"})
DATE_COLUMNS = frozenset({"dob_date"})
LIST_COLUMNS = frozenset({"alias_names"})
_LIST_SEP = "\x1e"
_MERGE_AFTER = 100_000


def kind_of(name: str) -> Kind:
    """The storage kind of a standardised column (CONTRACTS §2)."""
    if name in NUMBER_COLUMNS:
        return "number"
    if name in DATE_COLUMNS:
        return "date"
    return "list" if name in LIST_COLUMNS else "text"


def _grown(array: npt.NDArray[Any], size: int, fill: Any) -> npt.NDArray[Any]:
    if size <= len(array):
        return array
    new = np.full(max(size, 2 * len(array), 1024), fill, dtype=array.dtype)
    new[: len(array)] = array
    return new


class ValueColumn:
    """One standardised column over all rows (see the module docstring)."""

    def __init__(self, kind: Kind) -> None:
        self.kind = kind
        self.size = 0
        if kind == "number":
            self.data: npt.NDArray[Any] = np.empty(0, np.float64)
        elif kind == "date":
            self.data = np.empty(0, "datetime64[D]")
        else:
            self.data = np.empty(0, np.int32)
            self.values: npt.NDArray[Any] = np.array([None], dtype=object)
            self.n_values = 1

    @property
    def fill(self) -> Any:
        return {"number": np.nan, "date": np.datetime64("NaT")}.get(self.kind, 0)

    def extend_series(self, series: pl.Series) -> None:
        """Append a polars column (bulk load)."""
        start = self.size
        self.data = _grown(self.data, start + len(series), self.fill)
        if self.kind == "number":
            block = series.cast(pl.Float64).fill_null(np.nan).to_numpy()
        elif self.kind == "date":
            block = series.cast(pl.Date).to_numpy().astype("datetime64[D]")
        else:
            text = series.list.join(_LIST_SEP) if self.kind == "list" else series.cast(pl.Utf8)
            encoded = encode(text)
            values = encoded.values.to_list()
            if self.kind == "list":
                values = [tuple(v.split(_LIST_SEP)) for v in values]
            block = np.where(encoded.codes >= 0, encoded.codes + self.n_values, 0)
            self._add_values(values)
        self.data[start : start + len(series)] = block
        self.size = start + len(series)

    def _add_values(self, values: Sequence[Any]) -> None:
        self.values = _grown(self.values, self.n_values + len(values), None)
        self.values[self.n_values : self.n_values + len(values)] = np.array(
            [*values, None], dtype=object
        )[:-1]
        self.n_values += len(values)

    def append(self, value: Any) -> None:
        """Append one row's value (real-time path); None, "" and [] are missing."""
        row = self.size
        self.data = _grown(self.data, row + 1, self.fill)
        if value is None or value == "" or (self.kind == "list" and not value):
            self.data[row] = self.fill
        elif self.kind == "number":
            self.data[row] = float(value)
        elif self.kind == "date":
            self.data[row] = np.datetime64(value, "D") if isinstance(value, dt.date) else value
        else:
            self._add_values([tuple(value) if self.kind == "list" else value])
            self.data[row] = self.n_values - 1
        self.size = row + 1

    def take(self, rows: npt.NDArray[np.int64]) -> npt.NDArray[Any]:
        """Values of the given rows (object array for text and lists)."""
        picked = self.data[rows]
        return self.values[picked] if self.kind in ("text", "list") else picked

    def value(self, row: int) -> Any:
        """One row's value as a Python object (None when missing)."""
        if self.kind in ("text", "list"):
            return self.values[self.data[row]]
        item = self.data[row]
        if self.kind == "number":
            return None if np.isnan(item) else int(item)
        return None if np.isnat(item) else item.astype(dt.date)

    def to_series(self, name: str, rows: npt.NDArray[np.int64]) -> pl.Series:
        """A polars column of the given rows (snapshots, term frequencies)."""
        if self.kind == "number":
            return pl.Series(name, self.data[rows], nan_to_null=True)
        if self.kind == "date":
            return pl.Series(name, self.data[rows]).cast(pl.Date)
        if self.kind == "list":
            items = [None if v is None else list(v) for v in self.take(rows).tolist()]
            return pl.Series(name, items, dtype=pl.List(pl.Utf8))
        return pl.Series(name, self.take(rows), dtype=pl.Utf8)


class HashIndex:
    """64-bit key hash -> rows: a sorted base plus recent postings."""

    def __init__(self) -> None:
        self.base_hash = np.empty(0, np.uint64)
        self.base_rows = np.empty(0, np.uint32)
        self.delta: dict[int, list[int]] = {}
        self.delta_size = 0

    def add(self, rows: npt.NDArray[Any], hashes: npt.NDArray[np.uint64]) -> None:
        """Add postings (bulk: merged into the base when large)."""
        if len(rows) > _MERGE_AFTER // 4 or self.delta_size + len(rows) > _MERGE_AFTER:
            self.merge(rows.astype(np.uint32), hashes)
            return
        for h, row in zip(hashes.tolist(), rows.tolist(), strict=True):
            self.delta.setdefault(h, []).append(row)
        self.delta_size += len(rows)

    def add_one(self, row: int, hashes: Iterable[int]) -> None:
        """Add one row's postings."""
        count = 0
        for h in hashes:
            self.delta.setdefault(h, []).append(row)
            count += 1
        self.delta_size += count
        if self.delta_size > _MERGE_AFTER:
            self.merge(np.empty(0, np.uint32), np.empty(0, np.uint64))

    def merge(self, rows: npt.NDArray[np.uint32], hashes: npt.NDArray[np.uint64]) -> None:
        """Fold the recent postings (and ``rows``/``hashes``) into the sorted base."""
        delta_h = np.fromiter(
            (h for h, rs in self.delta.items() for _ in rs), np.uint64, self.delta_size
        )
        delta_r = np.fromiter((r for rs in self.delta.values() for r in rs), np.uint32)
        all_h = np.concatenate([self.base_hash, delta_h, hashes])
        all_r = np.concatenate([self.base_rows, delta_r, rows.astype(np.uint32)])
        order = np.argsort(all_h, kind="stable")
        self.base_hash, self.base_rows = all_h[order], all_r[order]
        self.delta, self.delta_size = {}, 0

    def lookup(self, hashes: npt.NDArray[np.uint64], max_size: int) -> npt.NDArray[np.int64]:
        """Distinct rows posted under any of ``hashes``; keys with more rows are skipped."""
        if len(hashes) == 0:
            return np.empty(0, np.int64)
        lo = np.searchsorted(self.base_hash, hashes, side="left")
        hi = np.searchsorted(self.base_hash, hashes, side="right")
        found: list[npt.NDArray[Any]] = []
        delta = self.delta
        for h, a, b in zip(hashes.tolist(), lo.tolist(), hi.tolist(), strict=True):
            extra = delta.get(h, ()) if delta else ()
            if (b - a) + len(extra) > max_size:
                continue
            if b > a:
                found.append(self.base_rows[a:b])
            if extra:
                found.append(np.asarray(extra, dtype=np.uint32))
        if not found:
            return np.empty(0, np.int64)
        return np.unique(np.concatenate(found)).astype(np.int64)
