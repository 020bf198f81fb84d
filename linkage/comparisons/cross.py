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
import numpy.typing as npt
import polars as pl
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist

from linkage.comparisons._codes import FrameCodes, Rows
from linkage.comparisons._table import (
    SMALL_BATCH,
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
    """Given and family names swapped: left given == right family and left family == right given.

    With ``threshold``, one of the two swapped names may carry a typo: one agrees exactly,
    the other has a Jaro-Winkler similarity of at least ``threshold``.
    """

    kind = "swapped_names"
    cross = True

    def __init__(
        self,
        given_column: str = "given_std",
        family_column: str = "family_std",
        *,
        threshold: float | None = None,
    ) -> None:
        _require(bool(given_column and family_column), "SwappedNamesLevel needs two columns")
        _require(threshold is None or 0.0 < threshold <= 1.0, "threshold must be in (0, 1]")
        self.given_column = given_column
        self.family_column = family_column
        self.threshold = None if threshold is None else float(threshold)
        self.label = "given and family swapped"
        if self.threshold is not None:
            self.label += f", one Jaro-Winkler >= {self.threshold:g}"

    def columns(self) -> tuple[str, ...]:
        return (self.given_column, self.family_column)

    def params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"given_column": self.given_column}
        params["family_column"] = self.family_column
        if self.threshold is not None:
            params["threshold"] = self.threshold
        return params

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        g, f = self.given_column, self.family_column
        given_as_family = table.equal(g, f, left, right)
        family_as_given = table.equal(f, g, left, right)
        both = given_as_family & family_as_given
        if self.threshold is None:
            return both
        strings = {c: table.column(c) for c in (g, f)}

        def near(a: str, b: str, at: npt.NDArray[np.intp]) -> BoolArray:
            x, y = strings[a], strings[b]
            ok = at[~x.null[left[at]] & ~y.null[right[at]]]
            hit = np.zeros(len(left), dtype=bool)
            hit[ok] = _similar(x.data[left[ok]], y.data[right[ok]], self.threshold or 1.0)
            return hit

        one = given_as_family ^ family_as_given
        return (
            both
            | near(f, g, np.flatnonzero(one & given_as_family))
            | near(g, f, np.flatnonzero(one & family_as_given))
        )

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        g, f = self.given_column, self.family_column
        given, family = codes.codes(g), codes.codes(f)
        given_as_family = codes.translated(g, f)[given[left].astype(np.intp)]
        family_as_given = codes.translated(f, g)[family[left].astype(np.intp)]
        first = (given_as_family >= 0) & (given_as_family == family[right])
        second = (family_as_given >= 0) & (family_as_given == given[right])
        both: BoolArray = first & second
        if self.threshold is None:
            return both
        out = both.copy()
        one = first ^ second
        # the other name of the pair, present on both sides, scored for the few pairs left
        for a, b, other in ((f, g, first), (g, f, second)):
            at = np.flatnonzero(one & other)
            ca, cb = codes.codes(a)[left[at]], codes.codes(b)[right[at]]
            present = (ca >= 0) & (cb >= 0)
            if present.any():
                strings_a, strings_b = codes.strings(a), codes.strings(b)
                similar = _similar(strings_a[ca[present]], strings_b[cb[present]], self.threshold)
                out[at[present]] = similar
        return out


def _similar(a: npt.NDArray[Any], b: npt.NDArray[Any], threshold: float) -> BoolArray:
    """Aligned strings with a Jaro-Winkler similarity of at least ``threshold``."""
    scores = cpdist(
        a,
        b,
        scorer=JaroWinkler.normalized_similarity,
        score_cutoff=threshold,
        dtype=np.float64,
        workers=-1 if len(a) > SMALL_BATCH else 1,
    )
    mask: BoolArray = scores >= threshold
    return mask


class NameInOtherFieldLevel(Level):
    """One record's given name is the other's family name (or the reverse).

    A partial swap: the names were entered in the wrong fields and the other name differs
    (replaced, or a different name in use).
    """

    kind = "name_in_other_field"
    cross = True

    def __init__(self, given_column: str = "given_std", family_column: str = "family_std") -> None:
        _require(bool(given_column and family_column), "NameInOtherFieldLevel needs two columns")
        self.given_column = given_column
        self.family_column = family_column
        self.label = "a name in the other name field"

    def columns(self) -> tuple[str, ...]:
        return (self.given_column, self.family_column)

    def params(self) -> dict[str, Any]:
        return {"given_column": self.given_column, "family_column": self.family_column}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        g, f = self.given_column, self.family_column
        return table.equal(g, f, left, right) | table.equal(f, g, left, right)

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        g, f = self.given_column, self.family_column
        given, family = codes.codes(g), codes.codes(f)
        given_as_family = codes.translated(g, f)[given[left].astype(np.intp)]
        family_as_given = codes.translated(f, g)[family[left].astype(np.intp)]
        mask: BoolArray = ((given_as_family >= 0) & (given_as_family == family[right])) | (
            (family_as_given >= 0) & (family_as_given == given[right])
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
        aliases, names = codes.memo(key, lambda: self._sets_from_codes(codes))
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
        aliases, vocabulary = self._alias_sets(table)
        given, family = table.series(self.given_column), table.series(self.family_column)
        present = ~is_missing(given) & ~is_missing(family)
        names = pl.select(
            pl.when(present).then(given.cast(pl.Utf8) + " " + family.cast(pl.Utf8))
        ).to_series()
        name_codes = names.cast(pl.Enum(vocabulary), strict=False).to_physical()
        has_name = name_codes.is_not_null().to_numpy()
        name_offsets = np.concatenate([[0], np.cumsum(has_name)]).astype(np.int64)
        name_items = name_codes.drop_nulls().to_numpy().astype(np.int64)
        return aliases, (name_offsets, name_items)

    def _alias_sets(self, table: ValueTable) -> tuple[Csr, pl.Series]:
        """Alias codes per record, and the aliases the codes index (sorted)."""
        series = table.series(self.alias_column)
        if not isinstance(series.dtype, pl.List):
            series = pl.Series([None] * table.n_rows, dtype=pl.List(pl.Utf8))
        cleaned = series.cast(pl.List(pl.Utf8)).list.eval(
            pl.element().filter(pl.element().str.strip_chars() != "")
        )
        lengths = cleaned.list.len().fill_null(0).to_numpy().astype(np.int64)
        flat = cleaned.explode().drop_nulls()
        vocabulary = flat.unique().sort()
        alias_codes = flat.cast(pl.Enum(vocabulary)).to_physical().to_numpy().astype(np.int64)
        alias_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        return (alias_offsets, alias_codes), vocabulary

    def _sets_from_codes(self, codes: FrameCodes) -> tuple[Csr, Csr]:
        """:meth:`_sets_large`, with the names found through the name columns' codes.

        When no given value holds a space, a name ``given + " " + family`` equals an alias
        exactly when the alias's text before its first space is the given value and the rest
        the family value: each alias is split once and the records' (given, family) code
        pairs looked up, rather than a million names built and hashed (0.2 s at 1M).
        """
        table = codes.table()
        g, f = self.given_column, self.family_column
        if not all(c in codes.columns and codes.frame.schema[c] == pl.Utf8 for c in (g, f)):
            return self._sets_large(table)
        values = codes.values(g)
        spaced = values.str.contains(" ", literal=True) & ~is_missing(values)  # blanks: no name
        if spaced.any():
            return self._sets_large(table)
        aliases, vocabulary = self._alias_sets(table)
        parts = vocabulary.str.splitn(" ", 2).struct.unnest()
        head = _value_codes(values, parts.to_series(0))
        rest = _value_codes(codes.values(f), parts.to_series(1))
        n_family = max(codes.n_values(f), 1)
        found = np.flatnonzero((head >= 0) & (rest >= 0))
        alias_keys = pl.DataFrame({"k": head[found] * n_family + rest[found], "id": found})
        given, family = codes.codes(g), codes.codes(f)
        rows = np.flatnonzero((given >= 0) & (family >= 0))
        keys = pl.DataFrame({"k": given[rows].astype(np.int64) * n_family + family[rows]})
        ids = keys.join(alias_keys, on="k", how="left", maintain_order="left")["id"]
        has_name = np.zeros(codes.height, dtype=bool)
        has_name[rows[ids.is_not_null().to_numpy()]] = True
        name_offsets = np.concatenate([[0], np.cumsum(has_name)]).astype(np.int64)
        return aliases, (name_offsets, ids.drop_nulls().to_numpy().astype(np.int64))


def _value_codes(values: pl.Series, texts: pl.Series) -> npt.NDArray[np.int64]:
    """Per text: its position among the (distinct) ``values``, -1 when absent or null."""
    lookup = pl.DataFrame({"v": values, "code": np.arange(len(values), dtype=np.int64)})
    found = texts.to_frame("v").join(lookup, on="v", how="left", maintain_order="left")
    return found["code"].fill_null(-1).to_numpy().astype(np.int64)
