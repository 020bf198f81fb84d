"""Comparison levels: small objects that decide, vectorised, whether two values agree enough.

A level validates its parameters in ``__init__``, knows its ``label`` and
evaluates on a :class:`~linkage.comparisons._table.ValueTable` at two aligned
arrays of row positions (distinct values), returning a boolean mask. Missing
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
import numpy.typing as npt
import polars as pl
from rapidfuzz.distance import JaroWinkler, Levenshtein
from rapidfuzz.process import cpdist

from linkage.comparisons._table import (
    SMALL_BATCH,
    BoolArray,
    Column,
    Csr,
    IndexArray,
    ValueTable,
    column_from_values,
    columns_equal,
    csr_from_items,
    encode_values,
    share_any,
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


def _strings(
    table: ValueTable, col: str, left: IndexArray, right: IndexArray
) -> tuple[npt.NDArray[np.int64], npt.NDArray[Any], npt.NDArray[Any]]:
    """Positions where both sides are present, and the two string arrays there."""
    column = table.column(col)
    ok = np.flatnonzero(~column.null[left] & ~column.null[right])
    return ok, column.data[left[ok]], column.data[right[ok]]


class JaroWinklerLevel(Level):
    """Jaro-Winkler similarity at or above a threshold (rapidfuzz, ``cpdist``)."""

    kind = "jaro_winkler"

    def __init__(self, threshold: float, column: str | None = None) -> None:
        _require(0.0 < threshold <= 1.0, f"threshold must be in (0, 1], got {threshold}")
        self.threshold = float(threshold)
        self.column = column
        self.label = f"Jaro-Winkler >= {threshold:g}"

    def params(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "column": self.column}

    def scores(
        self, table: ValueTable, left: IndexArray, right: IndexArray, cutoff: float
    ) -> npt.NDArray[np.float64]:
        """Similarities (0 where missing or below ``cutoff``)."""
        ok, a, b = _strings(table, self._col(), left, right)
        out = np.zeros(len(left), dtype=np.float64)
        if len(ok):
            out[ok] = cpdist(
                a,
                b,
                scorer=JaroWinkler.normalized_similarity,
                score_cutoff=cutoff,
                dtype=np.float64,
                workers=-1 if len(ok) > SMALL_BATCH else 1,
            )
        return out

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        return self.scores(table, left, right, self.threshold) >= self.threshold


class LevenshteinLevel(Level):
    """Levenshtein (edit) distance at most ``max_distance``."""

    kind = "levenshtein"

    def __init__(self, max_distance: int, column: str | None = None) -> None:
        _require(isinstance(max_distance, int) and max_distance >= 1, "max_distance must be >= 1")
        self.max_distance = max_distance
        self.column = column
        self.label = f"Levenshtein <= {max_distance}"

    def params(self) -> dict[str, Any]:
        return {"max_distance": self.max_distance, "column": self.column}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        ok, a, b = _strings(table, self._col(), left, right)
        out = np.zeros(len(left), dtype=bool)
        if len(ok):
            distances = cpdist(
                a,
                b,
                scorer=Levenshtein.distance,
                score_cutoff=self.max_distance,
                workers=-1 if len(ok) > SMALL_BATCH else 1,
            )
            out[ok] = distances <= self.max_distance
        return out


class _DerivedExactLevel(Level):
    """Equal after a per-value transformation (computed once per distinct value)."""

    tag: ClassVar[str]

    def transform(self, value: Any) -> Any:
        raise NotImplementedError

    def expression(self, value: pl.Expr) -> pl.Expr:
        raise NotImplementedError

    def derived(self, table: ValueTable) -> Column:
        tag = f"{self.tag}{self.params()}"
        return table.derived(self._col(), tag, self.transform, self.expression)

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        column = self.derived(table)
        return columns_equal(column, column, left, right)


class SuffixLevel(_DerivedExactLevel):
    """The last ``length`` characters agree (both values at least that long): phone numbers."""

    kind = "suffix"
    tag = "suffix"

    def __init__(self, length: int, column: str | None = None) -> None:
        _require(isinstance(length, int) and length >= 1, "length must be >= 1")
        self.length = length
        self.column = column
        self.label = f"same last {length} characters"

    def params(self) -> dict[str, Any]:
        return {"length": self.length, "column": self.column}

    def transform(self, value: Any) -> Any:
        text = str(value)
        return text[-self.length :] if len(text) >= self.length else None

    def expression(self, value: pl.Expr) -> pl.Expr:
        n = self.length
        return pl.when(value.str.len_chars() >= n).then(value.str.slice(-n)).otherwise(None)


class EmailLocalPartLevel(_DerivedExactLevel):
    """The part before ``@`` agrees (a different provider)."""

    kind = "email_local_part"
    tag = "local"

    def __init__(self, column: str | None = None) -> None:
        self.column = column
        self.label = "same local part"

    def transform(self, value: Any) -> Any:
        local = str(value).partition("@")[0]
        return local or None

    def expression(self, value: pl.Expr) -> pl.Expr:
        return value.str.split("@").list.first()


class InitialLevel(Level):
    """First letters agree and at least one side is an initial only ("J" and "JOHN")."""

    kind = "initial"

    def __init__(self, column: str | None = None) -> None:
        self.column = column
        self.label = "initial agrees"

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        col = self._col()
        first = table.derived(col, "first", lambda v: str(v)[0], lambda e: e.str.slice(0, 1))
        single = table.derived(
            col,
            "single",
            lambda v: int(len(str(v)) == 1),
            lambda e: (e.str.len_chars() == 1).cast(pl.Int64),
        )
        one = (single.data[left] == 1) | (single.data[right] == 1)
        mask: BoolArray = columns_equal(first, first, left, right) & np.asarray(one, dtype=bool)
        return mask


class TokenOverlapLevel(Level):
    """Compound names share a part ("SMITH JONES" and "JONES"); particles alone do not count."""

    kind = "token_overlap"

    def __init__(
        self, column: str | None = None, *, min_length: int = 2, ignore: Sequence[str] = ()
    ) -> None:
        _require(min_length >= 1, "min_length must be >= 1")
        self.column = column
        self.min_length = min_length
        self.ignore = frozenset(ignore) if ignore else PARTICLES
        self.label = "a name part agrees"

    def params(self) -> dict[str, Any]:
        ignore = [] if self.ignore == PARTICLES else sorted(self.ignore)
        return {"column": self.column, "min_length": self.min_length, "ignore": ignore}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        col = self._col()
        if table.large:
            sets = self._token_sets_large(table.series(col))
        else:
            tokens = table.derived(col, f"tokens{self.params()}", self._tokens)
            sets = csr_from_items(tokens.data.tolist(), {})
        return share_any(sets, sets, left, right)

    def _token_sets_large(self, series: pl.Series) -> Csr:
        element = pl.element()
        keep = (element.str.len_chars() >= self.min_length) & ~element.is_in(sorted(self.ignore))
        tokens = series.str.split(" ").list.eval(element.filter(keep & (element != "")))
        lengths = tokens.list.len().fill_null(0).to_numpy().astype(np.int64)
        codes = encode_values(tokens.explode().drop_nulls()).codes.astype(np.int64)
        return np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64), codes

    def _tokens(self, value: Any) -> tuple[str, ...] | None:
        kept = tuple(
            t for t in str(value).split() if len(t) >= self.min_length and t not in self.ignore
        )
        return kept or None


class ElseLevel(Level):
    """Everything else (both values present, no better level matched); always last."""

    kind = "else"

    def __init__(self) -> None:
        self.label = "else"

    def params(self) -> dict[str, Any]:
        return {}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        return np.ones(len(left), dtype=bool)
