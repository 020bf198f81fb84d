"""Name columns of small frames (memoised name functions) equal those computed afresh."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from linkage.generate import generate
from linkage.standardise import names, standardise_record


def _frame(given: list[str | None]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "given_name": given,
            "family_name": [None if g is None else f"{g}son" for g in given],
            "middle_name": [None if g is None else g[::-1] for g in given],
            "aliases": [None] * len(given),
        },
        schema={
            "given_name": pl.Utf8,
            "family_name": pl.Utf8,
            "middle_name": pl.Utf8,
            "aliases": pl.List(pl.Utf8),
        },
    )


def test_memoised_name_columns_equal_fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    first = _frame(["Ann", "Mr. John-Paul", None, "bob", "ANN", "  "])
    second = _frame(["bob", "Zoe", "Ann", None])  # hits and misses of the memo
    memoised = [pl.DataFrame(names.name_columns(f)) for f in (first, second, first)]
    monkeypatch.setattr(names, "_MEMO_ROWS", -1)  # every frame computed afresh
    fresh = [pl.DataFrame(names.name_columns(f)) for f in (first, second, first)]
    for got, want in zip(memoised, fresh, strict=True):
        assert got.equals(want)
        assert got.schema == want.schema


def test_a_full_memo_starts_afresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(names, "_MEMO_SIZE", 2)
    remembered = names.memoised(names.given_parts)
    for value in ("Ann", "Bob", "Cy", "Ann"):
        assert remembered(value) == names.given_parts(value)


def test_standardise_record_through_memos_equals_fresh() -> None:
    """Names, streets and dates of birth come from memos on a second call: same values."""
    records = generate(300, seed=12).drop("true_person_id").to_dicts()
    fresh = [standardise_record(r, today=dt.date.today()) for r in records]  # no memo
    assert [standardise_record(r) for r in records] == fresh  # memos filled
    assert [standardise_record(r) for r in records] == fresh  # memos read
