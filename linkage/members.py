"""Live rows per identity: a compact sorted base plus the identities changed since.

A million records as a dict of Python sets costs seconds to build and
hundreds of megabytes; here the rows loaded at start-up are one int32 array
sorted by person with per-person offsets, and an identity is copied into a
set only when it changes (``members[p]`` returns that mutable set).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt


class Members:
    """Mapping-like: person number -> set of live rows (see the module docstring)."""

    def __init__(
        self,
        person: npt.NDArray[np.int32] | None = None,
        alive: npt.NDArray[np.bool_] | None = None,
    ) -> None:
        self._changed: dict[int, set[int] | None] = {}
        if person is None or alive is None or len(person) == 0:
            self._order = np.empty(0, np.int32)
            self._starts = np.zeros(1, np.int64)
            return
        live = np.flatnonzero(alive).astype(np.int32)
        owners = person[live]
        order = np.argsort(owners, kind="stable")
        self._order = live[order]
        self._starts = np.searchsorted(owners[order], np.arange(int(owners.max(initial=0)) + 2))

    def _base(self, person: int) -> set[int] | None:
        if person + 1 >= len(self._starts) or person < 0:
            return None
        a, b = int(self._starts[person]), int(self._starts[person + 1])
        return set(self._order[a:b].tolist()) if b > a else None

    def get(self, person: int, default: Iterable[int] = ()) -> Iterable[int]:
        """The rows of an identity (not to be mutated), or ``default``."""
        rows = self._changed[person] if person in self._changed else self._base(person)
        return rows if rows else default

    def __getitem__(self, person: int) -> set[int]:
        if person not in self._changed:
            self._changed[person] = self._base(person)
        rows = self._changed[person]
        if rows is None:
            raise KeyError(person)
        return rows

    def __setitem__(self, person: int, rows: set[int]) -> None:
        self._changed[person] = rows

    def __delitem__(self, person: int) -> None:
        self[person]
        self._changed[person] = None

    def __contains__(self, person: object) -> bool:
        return isinstance(person, int) and bool(self.get(person))

    def pop(self, person: int, default: set[int]) -> set[int]:
        """Remove an identity's rows and return them (``default`` when it has none)."""
        rows = self.get(person)
        self._changed[person] = None
        return set(rows) if rows else default

    def setdefault(self, person: int, default: set[int]) -> set[int]:
        """The mutable rows of an identity, created as ``default`` when absent."""
        try:
            return self[person]
        except KeyError:
            self._changed[person] = default
            return default
