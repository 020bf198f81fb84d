"""Levels on derived keys and token sets: suffix, e-mail local part, initial, name parts.

In the batch path each derives one code (or token set) per *distinct value* of its
column, once per frame, and compares codes per record pair; no string is handled per
pair.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.comparisons._codes import FrameCodes, Rows
from linkage.comparisons._table import (
    BoolArray,
    Column,
    Csr,
    IndexArray,
    ValueTable,
    columns_equal,
    csr_from_items,
    encode_values,
    share_any,
)
from linkage.comparisons.levels import PARTICLES, Level, _require


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

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        col = self._col()
        derived = codes.value_codes(col, f"{self.tag}{self.params()}", self.expression)
        values = codes.codes(col)
        # intp indices: numpy gathers with int32 ones several times slower
        a = derived[values[left].astype(np.intp)]
        mask: BoolArray = (a >= 0) & (a == derived[values[right].astype(np.intp)])
        return mask


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

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        col = self._col()
        first = codes.value_codes(col, "first", lambda e: e.str.slice(0, 1))
        single = codes.memo(("single", col), lambda: _one_character(codes.values(col)))
        values = codes.codes(col)
        a, b = values[left].astype(np.intp), values[right].astype(np.intp)
        fa = first[a]
        mask: BoolArray = (fa >= 0) & (fa == first[b]) & (single[a] | single[b])
        return mask


#: Token grids hold up to this many tokens per value.
GRID_WIDTH = 3
_MANY = -2


def _token_grid(sets: Csr) -> npt.NDArray[np.int32]:
    """Token codes per distinct value, padded with -1, one row more (-1) for missing.

    A value with more than :data:`GRID_WIDTH` tokens has the row ``_MANY`` (-2) throughout,
    so it matches nothing in the grid and goes to the general intersection.
    """
    offsets, items = sets
    lengths = np.diff(offsets)
    width = max(1, min(GRID_WIDTH, int(lengths.max(initial=0))))
    grid = np.full((len(lengths) + 1, width), -1, dtype=np.int32)
    for i in range(width):
        has = lengths > i
        grid[:-1, i][has] = items[offsets[:-1][has] + i]
    grid[:-1][lengths > width] = _MANY
    return grid


def _one_character(values: pl.Series) -> BoolArray:
    """Per distinct value: one character long; one entry more (False) for missing."""
    flags = (values.str.len_chars() == 1).fill_null(value=False).to_numpy()
    return np.concatenate([flags.astype(bool), np.zeros(1, dtype=bool)])


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

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        col = self._col()
        key = ("tokens", col, repr(self.params()))
        sets = codes.memo(key, lambda: self._token_sets_large(codes.values(col)))
        grid = codes.memo(("token_grid", *key), lambda: _token_grid(sets))
        values = codes.codes(col)
        a, b = values[left].astype(np.intp), values[right].astype(np.intp)
        out = np.zeros(len(left), dtype=bool)
        for i in range(grid.shape[1]):
            ta = grid[a, i]
            for j in range(grid.shape[1]):
                out |= (ta >= 0) & (ta == grid[b, j])
        # values with more tokens than the grid holds: the general set intersection
        many = np.flatnonzero(((grid[a, 0] == _MANY) | (grid[b, 0] == _MANY)) & ~out)
        if len(many):
            hits = share_any(sets, sets, a[many].astype(np.int64), b[many].astype(np.int64))
            out[many] = hits
        return out

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
