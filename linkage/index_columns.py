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
import pyarrow as pa  # type: ignore[import-untyped]

from linkage.encoding import encode

Kind = Literal["text", "list", "number", "date"]
NUMBER_COLUMNS = frozenset({"dob_year", "dob_month", "dob_day"})
DATE_COLUMNS = frozenset({"dob_date"})
LIST_COLUMNS = frozenset({"alias_names"})
_LIST_SEP = "\x1e"
_MERGE_AFTER = 200_000
_MAX_RUNS = 8  # sorted runs of recent postings kept apart (lookups search each)
_SMALL_BLOCK = 8192  # blocks up to this size are encoded in Python (polars costs more)


def kind_of(name: str) -> Kind:
    """The storage kind of a standardised column (CONTRACTS §2)."""
    if name in NUMBER_COLUMNS:
        return "number"
    if name in DATE_COLUMNS:
        return "date"
    return "list" if name in LIST_COLUMNS else "text"


def with_headroom(size: int) -> int:
    """Capacity for ``size`` rows restored at start-up, with room for the groups that
    follow: without it the first group after a load doubled every column (~0.2 s at 1M)."""
    return size + max(size // 8, 1 << 16)


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
        # the values table as one polars column (position = code), extended on demand
        self.value_series: pl.Series | None = None

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

    def restore(self, data: npt.NDArray[Any], values: pl.Series | None, *, table: bool) -> None:
        """Set the rows of a snapshot (codes, or numbers and dates) and the distinct text or
        list values (code ``i + 1`` is ``values[i]``), with headroom; ``table``: also keep the
        values as a polars column (the columns a group upsert gathers)."""
        rows = len(data)
        self.data = np.empty(with_headroom(rows), dtype=data.dtype)
        self.data[:rows] = data
        self.data[rows:] = self.fill
        self.size = rows
        if values is None:
            return
        items = values.to_list()
        if self.kind == "list":
            items = [tuple(v) for v in items]
        self.values = np.full(with_headroom(len(items) + 1), None, dtype=object)
        self.values[1 : len(items) + 1] = np.fromiter(items, dtype=object, count=len(items))
        self.n_values = len(items) + 1
        if table:
            head = pl.Series("", [None], dtype=values.dtype)
            self.value_series = head.append(values.rename("")).rechunk()

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
        """:meth:`to_series` by a polars gather of the values table (kept as a polars
        column): building each gathered value from Python cost ~30x more."""
        if self.kind not in ("text", "list"):
            return self.to_series(name, rows)
        return self._values_table().gather(self.data[rows]).alias(name)

    def _values_table(self) -> pl.Series:
        """:attr:`value_series`, first extended by the values added since it was built."""
        done = 0 if self.value_series is None else len(self.value_series)
        if done < self.n_values:
            part = values_series(self.kind, self.values[done : self.n_values].tolist())
            if self.value_series is None:
                self.value_series = part
            else:  # one chunk: a chunked gather costs 2-4x (a rechunk copies views only)
                self.value_series = self.value_series.append(part).rechunk()
        assert self.value_series is not None
        return self.value_series

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


def values_series(kind: Kind, values: list[Any]) -> pl.Series:
    """Text values (str or None) or list values (tuple or None) as a polars column; lists
    from their flat items and offsets (polars builds a series per row from a list of lists)."""
    if kind == "text":
        return pl.Series("", values, dtype=pl.Utf8)
    lengths = np.fromiter((0 if v is None else len(v) for v in values), np.int64, len(values))
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    flat = pl.Series("", [text for v in values if v is not None for text in v], dtype=pl.Utf8)
    missing = pl.Series([v is None for v in values], dtype=pl.Boolean).to_arrow()
    array = pa.LargeListArray.from_arrays(
        pl.Series(offsets).to_arrow(), flat.to_arrow(), mask=missing
    )
    return pl.Series("", array, dtype=pl.List(pl.Utf8))


#: per sorted part of a :class:`HashIndex`: (its rows, first and end position per hash)
Spans = list[tuple[npt.NDArray[np.uint32], npt.NDArray[np.int64], npt.NDArray[np.int64]]]


class HashIndex:
    """64-bit key hash -> rows: a sorted base, sorted runs of recent postings, single adds.

    A group upsert adds its postings as one sorted run (no lock needed: readers see
    the list of runs before or after); one-record upserts add to a dict. Writers fold
    all of it into the base with :meth:`merged` (outside any lock: only the writer
    changes the index) and :meth:`install` the result under the write side, so
    readers never wait for the sort.
    """

    def __init__(self) -> None:
        self.base_hash = np.empty(0, np.uint64)
        self.base_rows = np.empty(0, np.uint32)
        self.runs: list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]] = []
        self.delta: dict[int, list[int]] = {}
        self.delta_size = 0

    @property
    def wants_merge(self) -> bool:
        """Enough recent postings that folding them into the base pays."""
        return self.delta_size > self._merge_after()

    def _merge_after(self) -> int:
        # a fold rewrites the whole base: on a large index, fold less often
        return max(_MERGE_AFTER, len(self.base_hash) // 16)

    def _sorted(self) -> list[tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]]:
        return [(self.base_hash, self.base_rows), *self.runs]

    def add(
        self, rows: npt.NDArray[Any], hashes: npt.NDArray[np.uint64], *, merge: bool = True
    ) -> None:
        """Add postings as a sorted run (bulk: merged into the base when large, unless
        ``merge`` is false: then the base is left alone, as readers without a lock need)."""
        if merge and len(rows) > _MERGE_AFTER // 4:
            self.merge(rows.astype(np.uint32), hashes)
            return
        if len(rows) == 0:
            return
        order = np.argsort(hashes, kind="stable")
        runs = [*self.runs, (hashes[order], rows.astype(np.uint32)[order])]
        if len(runs) > _MAX_RUNS:
            all_h = np.concatenate([h for h, _ in runs])
            all_r = np.concatenate([r for _, r in runs])
            order = np.argsort(all_h, kind="stable")
            runs = [(all_h[order], all_r[order])]
        self.runs = runs
        self.delta_size += len(rows)
        if merge and self.delta_size > 4 * self._merge_after():  # a writer that never folds
            self.merge(np.empty(0, np.uint32), np.empty(0, np.uint64))

    def add_one(self, row: int, hashes: Iterable[int]) -> None:
        """Add one row's postings."""
        count = 0
        for h in hashes:
            self.delta.setdefault(h, []).append(row)
            count += 1
        self.delta_size += count
        if self.delta_size > 4 * self._merge_after():  # a writer that never folds
            self.merge(np.empty(0, np.uint32), np.empty(0, np.uint64))

    def merged(
        self,
        rows: npt.NDArray[np.uint32] | None = None,
        hashes: npt.NDArray[np.uint64] | None = None,
    ) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]:
        """The base with the recent postings (and ``rows``/``hashes``) folded in; no change."""
        parts_h = [h for h, _ in self.runs]
        parts_r = [r for _, r in self.runs]
        if self.delta:
            size = sum(len(rs) for rs in self.delta.values())
            parts_h.append(
                np.fromiter((h for h, rs in self.delta.items() for _ in rs), np.uint64, size)
            )
            parts_r.append(np.fromiter((r for rs in self.delta.values() for r in rs), np.uint32))
        if rows is not None and hashes is not None and len(rows):
            parts_h.append(hashes.astype(np.uint64))
            parts_r.append(rows.astype(np.uint32))
        if not parts_h:
            return self.base_hash, self.base_rows
        delta_h, delta_r = np.concatenate(parts_h), np.concatenate(parts_r)
        order = np.argsort(delta_h, kind="stable")
        delta_h, delta_r = delta_h[order], delta_r[order]
        at = np.searchsorted(self.base_hash, delta_h, side="right")
        return np.insert(self.base_hash, at, delta_h), np.insert(self.base_rows, at, delta_r)

    def install(self, merged: tuple[npt.NDArray[np.uint64], npt.NDArray[np.uint32]]) -> None:
        """Replace the base by :meth:`merged`'s result and forget the recent postings."""
        self.base_hash, self.base_rows = merged
        self.runs, self.delta, self.delta_size = [], {}, 0

    def merge(self, rows: npt.NDArray[np.uint32], hashes: npt.NDArray[np.uint64]) -> None:
        """Fold the recent postings (and ``rows``/``hashes``) into the sorted base."""
        self.install(self.merged(rows, hashes))

    def spans(self, hashes: npt.NDArray[np.uint64]) -> Spans:
        """Where each hash's postings lie in each sorted part, as (rows, first, end): one
        search of a million-row base for both :meth:`counts` and :meth:`postings`."""
        return [
            (rows, np.searchsorted(keys, hashes), np.searchsorted(keys, hashes, side="right"))
            for keys, rows in self._sorted()
        ]

    def counts(
        self, hashes: npt.NDArray[np.uint64], spans: Spans | None = None
    ) -> npt.NDArray[np.int64]:
        """Postings per hash (vectorised over the sorted parts; ``spans`` of the hashes)."""
        out = np.zeros(len(hashes), dtype=np.int64)
        for _, lo, hi in self.spans(hashes) if spans is None else spans:
            out += hi - lo
        if self.delta:
            delta = self.delta
            out += np.asarray([len(delta.get(h, ())) for h in hashes.tolist()], dtype=np.int64)
        return out

    def postings(
        self,
        hashes: npt.NDArray[np.uint64],
        wanted: npt.NDArray[np.bool_] | None = None,
        spans: Spans | None = None,
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """Every posting of the hashes (those ``wanted``) as (position in ``hashes``, row)."""
        owners: list[npt.NDArray[np.int64]] = []
        found: list[npt.NDArray[np.int64]] = []
        for rows, lo, hi in self.spans(hashes) if spans is None else spans:
            n = hi - lo
            if wanted is not None:
                n = np.where(wanted, n, 0)
            owner = np.repeat(np.arange(len(hashes), dtype=np.int64), n)
            offsets = np.arange(len(owner), dtype=np.int64) - np.repeat(np.cumsum(n) - n - lo, n)
            owners.append(owner)
            found.append(rows[offsets].astype(np.int64))
        if self.delta:
            delta = self.delta
            extra = [
                (i, delta[h])
                for i, h in enumerate(hashes.tolist())
                if h in delta and (wanted is None or wanted[i])
            ]
            if extra:
                owners.append(np.repeat([i for i, _ in extra], [len(r) for _, r in extra]))
                found.append(np.asarray([r for _, rs in extra for r in rs], dtype=np.int64))
        return (
            np.concatenate(owners).astype(np.int64),
            np.concatenate(found).astype(np.int64),
        )

    def lookup(self, hashes: npt.NDArray[np.uint64], max_size: int) -> npt.NDArray[np.int64]:
        """Distinct rows posted under any of ``hashes``; keys with more rows are skipped."""
        if len(hashes) == 0:
            return np.empty(0, np.int64)
        spans = [
            (rows, np.searchsorted(keys, hashes), np.searchsorted(keys, hashes, side="right"))
            for keys, rows in self._sorted()
        ]
        sizes = np.zeros(len(hashes), dtype=np.int64)
        for _, lo, hi in spans:
            sizes += hi - lo
        delta = self.delta
        extra = [delta.get(h, ()) for h in hashes.tolist()] if delta else []
        if extra:
            sizes = sizes + np.fromiter(map(len, extra), np.int64, len(extra))
        kept = sizes <= max_size
        found: list[npt.NDArray[Any]] = []
        for rows, lo, hi in spans:  # a slice per key
            for start, stop in zip(lo[kept].tolist(), hi[kept].tolist(), strict=True):
                if stop > start:
                    found.append(rows[start:stop])
        for keep, posted in zip(kept.tolist(), extra, strict=False):
            if keep and posted:
                found.append(np.asarray(posted, dtype=np.uint32))
        if not found:
            return np.empty(0, np.int64)
        every = np.concatenate(found)
        every.sort()  # np.unique without its overhead
        return every[np.concatenate(([True], every[1:] != every[:-1]))].astype(np.int64)
