"""Distinct-value mapping of the batch standardiser: each value once, nulls stay null."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from linkage.standardise._text import distinct_values, gather_rows, map_distinct


@pytest.mark.parametrize(
    "values",
    [
        ["b", None, "a", "b", "", " ", None, "a"],
        [None, None],
        [],
        ["only"],
    ],
    ids=["mixed", "all-null", "empty", "one"],
)
def test_distinct_values_index_their_rows(values: list[str | None]) -> None:
    series = pl.Series("v", values, dtype=pl.Utf8)
    distinct, index = distinct_values(series)
    assert sorted(distinct.to_list()) == sorted({v for v in values if v is not None})
    padded = [*distinct.to_list(), None]
    assert [padded[i] for i in index] == values


def test_map_distinct_calls_once_per_value_and_keeps_nulls() -> None:
    calls: list[str] = []

    def shout(value: str) -> tuple[str, int]:
        calls.append(value)
        return value.upper(), len(value)

    series = pl.Series("v", ["ab", None, "c", "ab", ""], dtype=pl.Utf8)
    out = map_distinct(series, shout, {"up": pl.Utf8(), "n": pl.Int64()})
    assert sorted(calls) == ["", "ab", "c"]
    assert out.to_dict(as_series=False) == {
        "up": ["AB", None, "C", "AB", ""],
        "n": [2, None, 1, 2, 0],
    }


def test_gather_rows_gives_nulls_past_the_end() -> None:
    table = pl.DataFrame({"a": [1, 2]})
    got = gather_rows(table, np.array([1, 2, 0], dtype=np.uint32))
    assert got["a"].to_list() == [2, None, 1]
