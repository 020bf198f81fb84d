"""An agency's fixed date format (``dob_format``), two-digit years included."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import polars as pl
import pytest

from linkage import generate as gen
from linkage.generate import generate, write_extracts
from linkage.schema import load_mappings, read_extract
from linkage.standardise.dates import reformat_dates

TODAY = dt.date(2026, 11, 23)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("02/03/45", "1945-03-02"),  # strptime alone gives 2045: a birth in the future
        ("31/12/99", "1999-12-31"),
        ("12/05/24", "2024-05-12"),
        ("23/11/26", "2026-11-23"),  # today
        ("24/11/26", "2026-11-24"),  # this year's, as parse_dob reads it (then a future date)
        ("01/01/00", None),  # the 1900-01-01 placeholder in two digits
        ("1/1/00", None),
        ("31/02/80", None),
        ("not a date", None),
    ],
)
def test_two_digit_years_are_births_in_the_past(raw: str, expected: str | None) -> None:
    assert pl.select(reformat_dates(pl.lit(raw), "%d/%m/%y", TODAY)).item() == expected


def test_four_digit_formats_read_the_year_as_written() -> None:
    got = pl.select(reformat_dates(pl.lit("01/01/2000"), "%d/%m/%Y", TODAY)).item()
    assert got == "2000-01-01"


def test_dffh_two_digit_extract_round_trips_with_its_format(tmp_path: Path) -> None:
    """dffh writes d/m/yy: with dob_format set, every birth of the last century reads back."""
    frame = generate(3000, seed=6)
    mapping = load_mappings(write_extracts(frame, tmp_path, fmt="csv"))["dffh"]
    mapping = dataclasses.replace(mapping, dob_format=gen.PROFILES["dffh"].dob_format)
    read = read_extract(tmp_path / "dffh.csv", mapping)
    want = frame.filter(pl.col("agency") == "dffh")["dob"].str.to_date("%Y-%m-%d", strict=False)
    both = pl.DataFrame({"got": read["dob"], "want": want})
    today = dt.date.today()
    recent = both.filter(  # the last 99 years up to today, less the 1 January placeholder years
        (pl.col("want").dt.year() > today.year - 100)
        & (pl.col("want") <= today)
        & ~((pl.col("want").dt.year() % 100 == 0) & (pl.col("want").dt.ordinal_day() == 1))
    )
    assert recent.height > 300
    assert (recent["got"] == recent["want"].dt.to_string("%Y-%m-%d")).all()
    placeholders = both.filter(pl.col("want") == dt.date(1900, 1, 1))
    assert placeholders.height > 0
    assert placeholders["got"].null_count() == placeholders.height
