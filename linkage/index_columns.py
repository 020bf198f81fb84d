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
_MERGE_AFTER = 200_000
_SMALL_BLOCK = 8192  # blocks up to this size are encoded in Python (polars costs more)


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
        elif len(series) <= _SMALL_BLOCK:
            block = self._encode_small(
                (series if self.kind == "list" else series.cast(pl.Utf8)).to_list()
            )
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

    def _encode_small(self, items: list[Any]) -> npt.NDArray[np.int32]:
        """Codes of a few text or list values, new distinct values added (no polars)."""
        table: dict[Any, int] = {}
        codes = []
        for item in items:
            if item is not None and self.kind == "list":
                joined = _LIST_SEP.join(v for v in item if v is not None)
                item = tuple(joined.split(_LIST_SEP)) if joined.strip() else None
            elif item is not None and not item.strip():
                item = None
            if item is None:
                codes.append(-1)
            else:
                codes.append(table.setdefault(item, len(table)))
        array = np.asarray(codes, dtype=np.int32)
        block = np.where(array >= 0, array + self.n_values, 0)
        self._add_values(list(table))
        return block

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

    def gather_series(self, name: str, rows: npt.NDArray[np.int64]) -> pl.Series:
        """:meth:`to_series`, for text and lists gathered from a polars copy of the values.

        The copy is extended with the values added since the last call (a writer's
        helper: group upserts gather thousands of candidate rows per group).
        """
        if self.kind not in ("text", "list"):
            return self.to_series(name, rows)
        mirror: pl.Series | None = self.__dict__.get("_mirror")
        have = 0 if mirror is None else len(mirror)
        if have < self.n_values:
            new = self.values[have : self.n_values].tolist()
            if self.kind == "list":
                items = [None if v is None else list(v) for v in new]
                part = pl.Series(items, dtype=pl.List(pl.Utf8))
            else:
                part = pl.Series(new, dtype=pl.Utf8)
            mirror = part if mirror is None else pl.concat([mirror, part], rechunk=False)
            if mirror.n_chunks() > 32:
                mirror = mirror.rechunk()
            self.__dict__["_mirror"] = mirror
        assert mirror is not None
        return mirror.gather(self.data[rows]).alias(name)

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
    """64-bit key hash -> rows: a sorted base plus recent postings.

    Writers fold the recent postings into the base with :meth:`merged` (no lock
    needed: only the writer changes the index) and :meth:`install` the result
    under the write side, so readers never wait for the sort.
    """

    def __init__(self) -> None:
        self.base_hash = np.empty(0, np.uint64)
        self.base_rows = np.empty(0, np.uint32)
        self.delta: dict[int, list[int]] = {}
        self.delta_size = 0

    @property
    def wants_merge(self) -> bool:
        """Enough recent postings that folding them into the base pays."""
        return self.delta_size > _MERGE_AFTER

    def add(
        self, rows: npt.NDArray[Any], hashes: npt.NDArray[np.uint64], *, merge: bool = True
    ) -> None:
        """Add postings (bulk: merged into the base when large, unless ``merge`` is false:
        then the base arrays are left alone, as readers without a lock need)."""
        if merge and len(rows) > _MERGE_AFTER // 4:
            self.merge(rows.astype(np.uint32), hashes)
            return
        delta = self.delta
        for h, row in zip(hashes.tolist(), rows.tolist(), strict=True):
            found = delta.get(h)
            if found is None:
                delta[h] = [row]
            else:
                found.append(row)
        self.delta_size += len(rows)
        if merge and self.delta_size > 4 * _MERGE_AFTER:  # a writer that never folds
            self.merge(np.empty(0, np.uint32), np.empty(0, np.uint64))

    def add_one(self, row: int, hashes: Iterable[int]) -> None:
        """Add one row's postings."""
        count = 0
        for h in hashes:
            self.delta.setdefault(h, []).append(row)
            count += 1
        self.delta_size += count
        if self.delta_size > 4 * _MERGE_AFTER:  # a writer that never folds
            self.merge(np.empty(0, np.uint32), np.empty(0, np.uint64))

    def merged(
        self,
        rows: npt.NDArray[np.uint32] | None = None,
        hashes: npt.NDArray[np.uint64] | None = None,
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]:
        """The base with the recent postings (and ``rows``/``hashes``) folded in; no change."""
        delta_h = np.fromiter(
            (h for h, rs in self.delta.items() for _ in rs), np.uint64, self.delta_size
        )
        delta_r = np.fromiter((r for rs in self.delta.values() for r in rs), np.uint32)
        if rows is not None and hashes is not None and len(rows):
            delta_h = np.concatenate([delta_h, hashes])
            delta_r = np.concatenate([delta_r, rows.astype(np.uint32)])
        if len(delta_h) == 0:
            return self.base_hash, self.base_rows
        order = np.argsort(delta_h, kind="stable")
        delta_h, delta_r = delta_h[order], delta_r[order]
        at = np.searchsorted(self.base_hash, delta_h, side="right")
        return np.insert(self.base_hash, at, delta_h), np.insert(self.base_rows, at, delta_r)

    def install(self, merged: tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]) -> None:
        """Replace the base by :meth:`merged`'s result and forget the recent postings."""
        self.base_hash, self.base_rows = merged
        self.delta, self.delta_size = {}, 0

    def merge(self, rows: npt.NDArray[np.uint32], hashes: npt.NDArray[np.uint64]) -> None:
        """Fold the recent postings (and ``rows``/``hashes``) into the sorted base."""
        self.install(self.merged(rows, hashes))

    def counts(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Postings per hash (vectorised over the base)."""
        lo = np.searchsorted(self.base_hash, hashes, side="left")
        out = np.searchsorted(self.base_hash, hashes, side="right") - lo
        if self.delta:
            delta = self.delta
            extra = [len(delta.get(h, ())) for h in hashes.tolist()]
            out = out + np.asarray(extra, dtype=np.int64)
        return out.astype(np.int64)

    def postings(
        self, hashes: npt.NDArray[np.uint64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every posting of the hashes as (position in ``hashes``, row) arrays."""
        lo = np.searchsorted(self.base_hash, hashes, side="left")
        n = np.searchsorted(self.base_hash, hashes, side="right") - lo
        owner = np.repeat(np.arange(len(hashes), dtype=np.int64), n)
        offsets = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(n) - n - lo, n)
        rows = self.base_rows[offsets].astype(np.int64)
        if self.delta:
            delta = self.delta
            extra = [(i, delta[h]) for i, h in enumerate(hashes.tolist()) if h in delta]
            if extra:
                owner = np.concatenate(
                    [owner, np.repeat([i for i, _ in extra], [len(r) for _, r in extra])]
                ).astype(np.int64)
                rows = np.concatenate([rows, [r for _, rs in extra for r in rs]]).astype(np.int64)
        return owner, rows

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
