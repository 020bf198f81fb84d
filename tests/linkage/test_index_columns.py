"""The index's value columns: gathers from the kept values table equal building each value."""

from __future__ import annotations

import numpy as np
import polars as pl

from linkage.index_columns import ValueColumn


def _reference(column: ValueColumn, rows: np.ndarray) -> list[object]:
    values = [column.value(int(r)) for r in rows]
    return [list(v) if isinstance(v, tuple) else v for v in values]


def test_gather_series_equals_to_series_across_appends() -> None:
    text, lists = ValueColumn("text"), ValueColumn("list")
    rng = np.random.default_rng(3)
    words = ["ann", "bo", "cy", "", None, "dee"]
    for step in range(5):  # each extension adds values the kept table has not seen
        size = int(rng.integers(1, 40))
        picked = [words[i] for i in rng.integers(0, len(words), size)]
        text.extend_series(pl.Series(picked, dtype=pl.Utf8))
        items = [None if w is None else [w, f"x{step}"] if w else [] for w in picked]
        lists.extend_series(pl.Series(items, dtype=pl.List(pl.Utf8)))
        text.append("late" if step % 2 else None)
        lists.append(["late", "alias"] if step % 2 else [])
        for column in (text, lists):
            rows = rng.integers(0, column.size, 50).astype(np.int64)
            got = column.gather_series("c", rows)
            assert got.dtype == (pl.Utf8 if column is text else pl.List(pl.Utf8))
            assert got.to_list() == _reference(column, rows)
            assert got.name == "c"
    assert text.value_series is not None
    assert text.value_series.n_chunks() == 1


def test_gather_series_of_no_rows_and_numbers() -> None:
    column = ValueColumn("text")
    column.extend_series(pl.Series(["a", None], dtype=pl.Utf8))
    assert column.gather_series("c", np.empty(0, np.int64)).to_list() == []
    years = ValueColumn("number")
    years.extend_series(pl.Series([1980, None], dtype=pl.Int16))
    assert years.gather_series("y", np.asarray([1, 0])).to_list() == [None, 1980.0]
