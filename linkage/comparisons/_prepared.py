"""Candidate records prepared for the real-time kernels: plain Python lists per column.

:class:`PreparedCandidates` holds one query's candidates (``None`` for missing,
dates as ``YYYYMMDD`` ints, lists as tuples); :class:`PreparedRows` keeps every row
of an append-only store prepared so candidates are gathered, not converted, per
query. The kernels (:mod:`linkage.comparisons._kernels`) cache derived keys by
value, not by row: at a million rows a query's candidates are mostly rows no
earlier query read, while names and dates recur.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from operator import itemgetter
from typing import Any

import numpy as np
import numpy.typing as npt


class PreparedCandidates:
    """Candidate records as Python lists (and per-query derived lists, :meth:`derived`).

    Args:
        n: number of candidates.
        values: column -> normalised values (``None`` missing), ``n`` each; a column not
            given is read through ``source`` on first use, or is all missing.
        source: converts a column on first use (``None`` when absent).
    """

    def __init__(
        self,
        n: int,
        values: dict[str, list[Any]],
        source: Callable[[str], list[Any] | None] | None = None,
        *,
        rows: list[int] | None = None,
        store: PreparedRows | None = None,
    ) -> None:
        self.n = n
        self._values = values
        self._source = source
        self._derived: dict[object, list[Any]] = {}
        #: rows of ``store`` these candidates are
        self._rows = rows
        self._store = store

    def values(self, column: str) -> list[Any]:
        """Normalised values of ``column``."""
        found = self._values.get(column)
        if found is None:
            found = self._source(column) if self._source is not None else None
            if found is None:
                found = [None] * self.n
            self._values[column] = found
        return found

    def as_columns(self) -> dict[str, npt.NDArray[Any]]:
        """The given columns as object arrays (for the generic path)."""
        if self._store is not None:
            for column in self._store.columns:
                self.values(column)
        out = {}
        for column, values in self._values.items():
            array = np.empty(self.n, dtype=object)
            for i, value in enumerate(values):
                array[i] = value
            out[column] = array
        return out

    def derived(self, key: object, build: Callable[[], list[Any]]) -> list[Any]:
        """A per-candidate derived list, built once."""
        found = self._derived.get(key)
        if found is None:
            found = self._derived[key] = build()
        return found

    def present(self, columns: tuple[str, ...]) -> list[int]:
        """Positions of the candidates with at least one of ``columns`` present."""
        return self.derived(("present", *columns), lambda: self._present(columns))

    def _present(self, columns: tuple[str, ...]) -> list[int]:
        if len(columns) == 1:
            return [i for i, v in enumerate(self.values(columns[0])) if v is not None]
        lists = [self.values(c) for c in columns]
        every = len(lists)  # a candidate is absent when all its values are None
        return [i for i, row in enumerate(zip(*lists, strict=True)) if row.count(None) != every]


class PreparedRows:
    """Prepared values of every row of an append-only record store.

    Holds, per column, one normalised Python value per row (as
    :class:`PreparedCandidates` holds them), so scoring a query against some rows only
    gathers list entries (:meth:`gather`). Rows are never changed once added: a
    replaced record is a new row.

    Args:
        columns: the columns kept (others read as missing).
    """

    def __init__(self, columns: Sequence[str]) -> None:
        self.columns = tuple(dict.fromkeys(columns))
        self.values: dict[str, list[Any]] = {c: [] for c in self.columns}
        self.size = 0
        self._lock = threading.Lock()

    def extend(self, start: int, values: Mapping[str, list[Any]]) -> None:
        """Add rows ``start..`` (prepared values per column, equal lengths); earlier rows stay.

        Rows already present are skipped (two threads catching up the same rows).
        """
        with self._lock:
            count = len(next(iter(values.values()))) if values else 0
            skip = self.size - start
            if skip >= count:
                return
            if skip < 0:
                msg = f"rows {self.size}..{start} were never prepared"
                raise ValueError(msg)
            for column in self.columns:
                self.values[column].extend(values[column][skip:])
            self.size = start + count

    def gather(self, rows: Sequence[int]) -> PreparedCandidates:
        """The candidates at ``rows`` (each below :attr:`size`)."""
        rows = list(rows)
        n = len(rows)
        kept = self.values
        if n == 1:
            row = rows[0]

            def column(name: str) -> list[Any] | None:  # gathered on first use
                found = kept.get(name)
                return None if found is None else [found[row]]
        else:
            pick = itemgetter(*rows) if n else (lambda values: ())

            def column(name: str) -> list[Any] | None:
                found = kept.get(name)
                return None if found is None else list(pick(found))

        return PreparedCandidates(n, {}, column, rows=rows, store=self)


_MISSING: Any = object()
#: Distinct values per derived-key cache; a full cache is emptied (values recur in bursts).
_MEMO_SIZE = 1 << 16


def value_memo(build: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``build`` cached by value across queries: names and dates recur, rows rarely do."""
    table: dict[Any, Any] = {}
    get = table.get

    def key(value: Any) -> Any:
        found = get(value, _MISSING)
        if found is _MISSING:
            if len(table) >= _MEMO_SIZE:
                table.clear()
            found = table[value] = build(value)
        return found

    return key
