"""Derived blocking keys: expressions tolerant of transpositions, typos and swaps."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl


@dataclass(frozen=True, eq=False)
class KeyVariants:
    """Alternative forms of one key: records agree when they agree on any one form.

    Attributes:
        name: label used in rule names.
        variants: scalar expressions, one per form.
    """

    name: str
    variants: tuple[pl.Expr, ...]


def dob_sorted_key() -> pl.Expr:
    """Year, min(day, month), max(day, month) as one integer: tolerant of day-month swaps."""
    day, month = pl.col("dob_day").cast(pl.Int32), pl.col("dob_month").cast(pl.Int32)
    return (
        pl.col("dob_year").cast(pl.Int32) * 10000
        + pl.min_horizontal(day, month) * 100
        + pl.max_horizontal(day, month)
    ).alias("dob_sorted")


def dob_masked_keys() -> KeyVariants:
    """``YYYYMMDD`` with one of its eight digits masked: records one digit apart share a form."""
    digits = (
        pl.col("dob_year").cast(pl.Int64) * 10000
        + pl.col("dob_month").cast(pl.Int64) * 100
        + pl.col("dob_day").cast(pl.Int64)
    )
    forms = tuple(
        (digits // 10 ** (8 - i) * 10 ** (8 - i) + digits % 10 ** (7 - i)).alias("dob_masked")
        for i in range(8)
    )
    return KeyVariants(name="dob_masked", variants=forms)


def sorted_pair_key(first: str, second: str) -> pl.Expr:
    """The two columns' values in sorted order, joined: tolerant of the two being swapped."""
    a, b = pl.col(first), pl.col(second)
    return (
        pl.when(a <= b)
        .then(pl.concat_str(a, pl.lit("|"), b))
        .otherwise(pl.concat_str(b, pl.lit("|"), a))
        .alias(f"sorted({first},{second})")
    )


def _all_names_parts() -> tuple[pl.Expr, pl.Expr]:
    primary = pl.concat_str(pl.col("given_first"), pl.lit(" "), pl.col("family_std"))
    return primary, pl.col("alias_names").fill_null(pl.lit([], dtype=pl.List(pl.Utf8)))


def all_names_key() -> pl.Expr:
    """List of the record's "GIVEN FAMILY" name and its alias names (exploded when blocking)."""
    return pl.concat_list(*_all_names_parts()).alias("all_names")


def name_sdx_tokens() -> pl.Expr:
    """List of the given and family soundex codes: matches a name in either field."""
    return pl.concat_list(pl.col("given_sdx"), pl.col("family_sdx")).alias("name_sdx_tokens")


def locality_key() -> pl.Expr:
    """List of the postcode and the suburb: records agree when they share either."""
    return pl.concat_list(pl.col("postcode_std"), pl.col("suburb_std")).alias("locality")


ID_PARTS_MIN_LENGTH = 6


def id_parts_keys(column: str) -> KeyVariants:
    """An identifier's first half, second half, and both without the two middle characters.

    One wrong or extra character, or two swapped neighbours, leave at least
    one of the three intact; identifiers shorter than
    :data:`ID_PARTS_MIN_LENGTH` have none.
    """
    value = pl.col(column)
    half = value.str.len_chars() // 2
    long_enough = value.str.len_chars() >= ID_PARTS_MIN_LENGTH
    parts = (
        value.str.slice(0, half),
        value.str.slice(half),
        pl.concat_str(value.str.slice(0, half - 1), value.str.slice(half + 1)),
    )
    forms = tuple(pl.when(long_enough).then(p).alias("id_part") for p in parts)
    return KeyVariants(name=f"id_parts({column})", variants=forms)


def id_parts(value: str) -> list[str]:
    """The forms of :func:`id_parts_keys` for one identifier (the real-time mirror)."""
    if len(value) < ID_PARTS_MIN_LENGTH:
        return []
    half = len(value) // 2
    return [value[:half], value[half:], value[: half - 1] + value[half + 1 :]]


_ANY_OF = {"name_sdx_tokens": name_sdx_tokens, "locality": locality_key}


def any_of_columns(expr: pl.Expr) -> tuple[str, ...] | None:
    """The columns of a list key built by one of this module's ``concat_list`` builders.

    Such a key can be dictionary-encoded from its columns directly, without
    building and exploding the list (``linkage.blocking`` does).
    """
    try:
        name = expr.meta.output_name()
    except pl.exceptions.ComputeError:
        return None
    builder = _ANY_OF.get(name)
    if builder is None or not expr.meta.eq(builder()):
        return None
    return tuple(builder().meta.root_names())


def list_parts(expr: pl.Expr) -> tuple[pl.Expr, ...] | None:
    """The element expressions (scalars or lists) of a list key this module builds.

    The key's elements are the parts' values, so it can be dictionary-encoded
    from the parts without building the lists (``linkage._blocking_rule``).
    """
    columns = any_of_columns(expr)
    if columns is not None:
        return tuple(pl.col(c) for c in columns)
    try:
        name = expr.meta.output_name()
    except pl.exceptions.ComputeError:
        return None
    if name == "all_names" and expr.meta.eq(all_names_key()):
        return _all_names_parts()
    return None
