"""Cross-field levels: evidence that needs several columns of one record pair.

They are evaluated per record pair (vectorised over integer codes), after the
value levels of their comparison. The override rule: a cross level placed at
position ``p`` of a comparison sets that comparison's level to ``p`` for every
pair where it matches and the comparison's own level is worse (a number greater
than ``p``). It never overrides the null level 0 (a side without a value) and
never a better level.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl

from linkage.comparisons._codes import FrameCodes, Rows
from linkage.comparisons._table import (
    BoolArray,
    Csr,
    IndexArray,
    ValueTable,
    csr_from_items,
    share_any,
)
from linkage.comparisons.levels import Level, _require
from linkage.encoding import is_missing


class SwappedNamesLevel(Level):
    """Given and family names swapped: left given == right family and left family == right given."""

    kind = "swapped_names"
    cross = True

    def __init__(self, given_column: str = "given_std", family_column: str = "family_std") -> None:
        _require(bool(given_column and family_column), "SwappedNamesLevel needs two columns")
        self.given_column = given_column
        self.family_column = family_column
        self.label = "given and family swapped"

    def columns(self) -> tuple[str, ...]:
        return (self.given_column, self.family_column)

    def params(self) -> dict[str, Any]:
        return {"given_column": self.given_column, "family_column": self.family_column}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        g, f = self.given_column, self.family_column
        return table.equal(g, f, left, right) & table.equal(f, g, left, right)

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        g, f = self.given_column, self.family_column
        given_as_family = codes.translated(g, f)[codes.codes(g)[left]]
        family_as_given = codes.translated(f, g)[codes.codes(f)[left]]
        mask: BoolArray = (
            (given_as_family >= 0)
            & (given_as_family == codes.codes(f)[right])
            & (family_as_given >= 0)
            & (family_as_given == codes.codes(g)[right])
        )
        return mask


class AliasLevel(Level):
    """An alias of one side is the other side's name, or the two sides share an alias.

    A record's name is ``"<given_first> <family_std>"``; its aliases are the
    standardised ``"GIVEN FAMILY"`` strings of ``alias_names``.
    """

    kind = "alias"
    cross = True

    def __init__(
        self,
        alias_column: str = "alias_names",
        given_column: str = "given_first",
        family_column: str = "family_std",
    ) -> None:
        _require(bool(alias_column and given_column and family_column), "AliasLevel needs columns")
        self.alias_column = alias_column
        self.given_column = given_column
        self.family_column = family_column
        self.label = "alias agrees"

    def columns(self) -> tuple[str, ...]:
        return (self.alias_column, self.given_column, self.family_column)

    def params(self) -> dict[str, Any]:
        return {
            "alias_column": self.alias_column,
            "given_column": self.given_column,
            "family_column": self.family_column,
        }

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        aliases, names = self._sets_large(table) if table.large else self._sets_small(table)
        return (
            share_any(aliases, aliases, left, right)
            | share_any(aliases, names, left, right)
            | share_any(names, aliases, left, right)
        )

    def _sets_small(self, table: ValueTable) -> tuple[Csr, Csr]:
        alias = table.column(self.alias_column)
        given, family = table.column(self.given_column), table.column(self.family_column)
        vocabulary: dict[Any, int] = {}
        names = [
            None if gn or fn else (f"{g} {f}",)
            for g, f, gn, fn in zip(given.data, family.data, given.null, family.null, strict=True)
        ]
        return csr_from_items(alias.data, vocabulary), csr_from_items(names, vocabulary)

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        key = ("alias_sets", self.alias_column, self.given_column, self.family_column)
        aliases, names = codes.memo(key, lambda: self._sets_large(codes.table()))
        has_alias = codes.memo((*key, "has"), lambda: np.diff(aliases[0]) > 0)
        out = np.zeros(len(left), dtype=bool)
        # every way to match needs an alias on one side
        some = np.flatnonzero(has_alias[left] | has_alias[right])
        li, ri = left[some].astype(np.int64), right[some].astype(np.int64)
        out[some] = (
            share_any(aliases, aliases, li, ri)
            | share_any(aliases, names, li, ri)
            | share_any(names, aliases, li, ri)
        )
        return out

    def _sets_large(self, table: ValueTable) -> tuple[Csr, Csr]:
        """Alias codes per record, and per record its name's code when it is someone's alias.

        A name that is no record's alias cannot match one, so names are looked up in the
        vocabulary of aliases rather than encoded.
        """
        series = table.series(self.alias_column)
        if not isinstance(series.dtype, pl.List):
            series = pl.Series([None] * table.n_rows, dtype=pl.List(pl.Utf8))
        cleaned = series.cast(pl.List(pl.Utf8)).list.eval(
            pl.element().filter(pl.element().str.strip_chars() != "")
        )
        lengths = cleaned.list.len().fill_null(0).to_numpy().astype(np.int64)
        flat = cleaned.explode().drop_nulls()
        vocabulary = pl.Enum(flat.unique().sort())
        alias_codes = flat.cast(vocabulary).to_physical().to_numpy().astype(np.int64)
        given, family = table.series(self.given_column), table.series(self.family_column)
        present = ~is_missing(given) & ~is_missing(family)
        names = pl.select(
            pl.when(present).then(given.cast(pl.Utf8) + " " + family.cast(pl.Utf8))
        ).to_series()
        name_codes = names.cast(vocabulary, strict=False).to_physical()
        has_name = name_codes.is_not_null().to_numpy()
        alias_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        name_offsets = np.concatenate([[0], np.cumsum(has_name)]).astype(np.int64)
        name_items = name_codes.drop_nulls().to_numpy().astype(np.int64)
        return (alias_offsets, alias_codes), (name_offsets, name_items)
