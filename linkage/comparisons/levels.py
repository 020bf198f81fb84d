"""Comparison levels: small objects that decide, vectorised, whether two values agree enough.

A level validates its parameters in ``__init__``, knows its ``label`` and
evaluates on a :class:`~linkage.comparisons._table.ValueTable` at two aligned
arrays of row positions (distinct values), returning a boolean mask
(:meth:`Level.evaluate`, the real-time path). The batch path calls
:meth:`Level.evaluate_pairs` with the frame's integer codes
(:class:`~linkage.comparisons._codes.FrameCodes`) and the record rows of the
pairs still undecided; levels override it with a kernel over codes (string
levels score distinct value pairs only), and the two are property-tested equal. Missing
values never match a level; the null level (0) is implicit in the comparison.
``level.compare(left_values, right_values)`` is a convenience for aligned
arrays (or mappings of column name to aligned arrays for multi-column levels).

A level whose ``column`` is ``None`` reads the column of its comparison.
"""

from __future__ import annotations

import copy
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

import numpy as np

from linkage.comparisons._codes import FrameCodes, Rows
from linkage.comparisons._table import (
    BoolArray,
    IndexArray,
    ValueTable,
    column_from_values,
)
from linkage.errors import ConfigError

LEVEL_TYPES: dict[str, type[Level]] = {}

#: Surname particles that alone do not make a compound-name overlap.
PARTICLES = frozenset(
    {
        "AL",
        "BIN",
        "BINTI",
        "D",
        "DA",
        "DAS",
        "DE",
        "DEL",
        "DELLA",
        "DEN",
        "DER",
        "DI",
        "DO",
        "DOS",
        "DU",
        "EL",
        "LA",
        "LE",
        "MAC",
        "MC",
        "O",
        "ST",
        "TE",
        "TER",
        "VAN",
        "VON",
    }
)


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise ConfigError(message)


class Level(ABC):
    """Base class of comparison levels."""

    kind: ClassVar[str] = ""
    #: Cross levels are evaluated per record pair by the engine, after the value levels.
    cross: ClassVar[bool] = False
    label: str
    column: str | None = None

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.kind:
            LEVEL_TYPES[cls.kind] = cls

    def columns(self) -> tuple[str, ...]:
        """Columns this level reads."""
        return () if self.column is None else (self.column,)

    def bound(self, column: str) -> Level:
        """This level reading ``column`` when it has no column of its own."""
        if self.column is not None or "column" not in self.params():
            return self
        level = copy.copy(self)
        level.column = column
        return level

    def _col(self) -> str:
        if self.column is None:
            msg = f"{type(self).__name__} has no column: put it in a comparison or pass column="
            raise ConfigError(msg)
        return self.column

    @abstractmethod
    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        """Mask of the aligned (left, right) rows of ``table`` that this level matches."""

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        """Mask of the record pairs (``left[i]``, ``right[i]``) of a frame that this level matches.

        The default evaluates on a table of the frame's records; levels override it with a
        kernel over integer codes.
        """
        return self.evaluate(codes.table(), left.astype(np.int64), right.astype(np.int64))

    def params(self) -> dict[str, Any]:
        """Constructor parameters (JSON-compatible)."""
        return {"column": self.column}

    def to_dict(self) -> dict[str, Any]:
        """Description for a saved model; rebuild with :func:`level_from_dict`."""
        return {"kind": self.kind, **self.params()}

    def compare(self, left: Any, right: Any) -> BoolArray:
        """Evaluate on aligned value arrays (or mappings column -> aligned arrays)."""
        level = self.bound("value")
        name = level.column or "value"
        lmap = left if isinstance(left, Mapping) else {name: left}
        rmap = right if isinstance(right, Mapping) else {name: right}
        n = len(next(iter(lmap.values())))
        names = set(lmap) | set(rmap)
        columns = {
            name: column_from_values([*lmap.get(name, [None] * n), *rmap.get(name, [None] * n)])
            for name in names
        }
        table = ValueTable(2 * n, columns=columns)
        index = np.arange(n, dtype=np.int64)
        return level.evaluate(table, index, index + n)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Level) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.params().items())
        return f"{type(self).__name__}({args})"


def level_from_dict(data: Mapping[str, Any]) -> Level:
    """Rebuild a level from :meth:`Level.to_dict`."""
    params = dict(data)
    kind = params.pop("kind", None)
    cls = LEVEL_TYPES.get(str(kind))
    if cls is None:
        msg = f"unknown level kind {kind!r}"
        raise ConfigError(msg)
    try:
        return cls(**params)
    except TypeError as exc:
        msg = f"bad parameters for level {kind!r}: {exc}"
        raise ConfigError(msg) from exc


def codes_equal(codes: FrameCodes, column: str, left: Rows, right: Rows) -> BoolArray:
    """Per record pair: ``column`` is present and equal on both sides."""
    values = codes.codes(column)
    a = values[left]
    mask: BoolArray = (a == values[right]) & (a >= 0)
    return mask


class ExactLevel(Level):
    """Values agree exactly (every one of several columns, when more than one is given)."""

    kind = "exact"

    def __init__(self, column: str | Sequence[str] | None = None, *, label: str | None = None):
        cols = (column,) if column is None or isinstance(column, str) else tuple(column)
        _require(len(cols) > 0 and all(c is None or c for c in cols), "ExactLevel needs columns")
        self.column = cols[0] if len(cols) == 1 else None
        self.all_columns = cols if len(cols) > 1 else None
        self.label = label or ("exact" if len(cols) == 1 else "same " + " + ".join(map(str, cols)))

    def columns(self) -> tuple[str, ...]:
        return self.all_columns or super().columns()

    def params(self) -> dict[str, Any]:
        column = list(self.all_columns) if self.all_columns else self.column
        return {"column": column, "label": self.label}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        cols = self.all_columns or (self._col(),)
        mask = table.equal(cols[0], cols[0], left, right)
        for col in cols[1:]:
            mask &= table.equal(col, col, left, right)
        return mask

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        cols = self.all_columns or (self._col(),)
        mask = codes_equal(codes, cols[0], left, right)
        for col in cols[1:]:
            mask &= codes_equal(codes, col, left, right)
        return mask


class AnyExactLevel(Level):
    """At least one of several columns agrees exactly (e.g. same suburb or same postcode)."""

    kind = "any_exact"

    def __init__(self, columns: Sequence[str], *, label: str | None = None) -> None:
        _require(len(columns) > 0 and not isinstance(columns, str), "AnyExactLevel needs columns")
        self.any_columns = tuple(columns)
        self.label = label or "same " + " or ".join(self.any_columns)

    def columns(self) -> tuple[str, ...]:
        return self.any_columns

    def params(self) -> dict[str, Any]:
        return {"columns": list(self.any_columns), "label": self.label}

    def compare(self, left: Any, right: Any) -> BoolArray:
        if not isinstance(left, Mapping):
            left, right = {self.any_columns[0]: left}, {self.any_columns[0]: right}
        return super().compare(left, right)

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        mask = np.zeros(len(left), dtype=bool)
        for col in self.any_columns:
            mask |= table.equal(col, col, left, right)
        return mask

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        mask = np.zeros(len(left), dtype=bool)
        for col in self.any_columns:
            mask |= codes_equal(codes, col, left, right)
        return mask


class PhoneticLevel(AnyExactLevel):
    """Same phonetic key in any of the given key columns (e.g. metaphone or soundex)."""

    kind = "phonetic"

    def __init__(self, columns: Sequence[str], *, label: str | None = None) -> None:
        super().__init__(columns, label=label or "phonetic (" + " or ".join(columns) + ")")


class NicknameLevel(ExactLevel):
    """Same nickname root (BOB and ROBERT); reads the root column made by standardisation."""

    kind = "nickname"

    def __init__(self, root_column: str = "given_root", *, label: str | None = None) -> None:
        _require(bool(root_column), "NicknameLevel needs a root column")
        super().__init__(root_column, label=label or "same nickname root")

    def params(self) -> dict[str, Any]:
        return {"root_column": self.column, "label": self.label}


class ElseLevel(Level):
    """Everything else (both values present, no better level matched); always last."""

    kind = "else"

    def __init__(self) -> None:
        self.label = "else"

    def params(self) -> dict[str, Any]:
        return {}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        return np.ones(len(left), dtype=bool)

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        return np.ones(len(left), dtype=bool)
