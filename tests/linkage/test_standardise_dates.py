"""Dates of birth: formats, partial dates, sentinels, impossible and future dates."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.standardise.dates import DOB_SCHEMA, dob_table, parse_dob, reformat_dates

TODAY = dt.date(2025, 6, 1)
D = dt.date

DATES = [
    ("iso", "1985-03-12", (D(1985, 3, 12), 1985, 3, 12)),
    ("iso-with-time", "1985-03-12T00:00:00", (D(1985, 3, 12), 1985, 3, 12)),
    ("dd/mm/yyyy", "12/03/1985", (D(1985, 3, 12), 1985, 3, 12)),
    ("d/m/yyyy", "2/3/1985", (D(1985, 3, 2), 1985, 3, 2)),
    ("d/m/yy-past-century", "2/3/85", (D(1985, 3, 2), 1985, 3, 2)),
    ("d/m/yy-this-century", "2/3/07", (D(2007, 3, 2), 2007, 3, 2)),
    ("yyyymmdd", "19850312", (D(1985, 3, 12), 1985, 3, 12)),
    ("dd-mm-yyyy", "12-03-1985", (D(1985, 3, 12), 1985, 3, 12)),
    ("dd.mm.yyyy", "12.03.1985", (D(1985, 3, 12), 1985, 3, 12)),
    ("dd-mon-yyyy", "12 Mar 1985", (D(1985, 3, 12), 1985, 3, 12)),
    ("dd-month-yy", "12-MARCH-85", (D(1985, 3, 12), 1985, 3, 12)),
    ("month-dd-yyyy", "March 12, 1985", (D(1985, 3, 12), 1985, 3, 12)),
    ("year-only", "1985", (None, 1985, None, None)),
    ("year-month", "1985-03", (None, 1985, 3, None)),
    ("mon-year", "Mar 1985", (None, 1985, 3, None)),
    ("unknown-day-zero", "00/03/1985", (None, 1985, 3, None)),
    ("unknown-month-zero", "1985-00-00", (None, 1985, None, None)),
    ("sentinel-1900", "1900-01-01", (None, None, None, None)),
    ("sentinel-1901", "01/01/1901", (None, None, None, None)),
    ("sentinel-1800", "1800-01-01", (None, None, None, None)),
    ("sentinel-0001", "0001-01-01", (None, None, None, None)),
    ("sentinel-9999", "9999-12-31", (None, None, None, None)),
    ("sentinel-1111", "1111-11-11", (None, None, None, None)),
    ("impossible-day", "31/02/1985", (None, None, None, None)),
    ("impossible-month", "1985-13-01", (None, None, None, None)),
    ("future", "2030-01-01", (None, None, None, None)),
    ("future-year", "2031", (None, None, None, None)),
    ("leap-day", "29/02/2000", (D(2000, 2, 29), 2000, 2, 29)),
    ("not-leap", "29/02/1900", (None, None, None, None)),
    ("garbage", "unknown", (None, None, None, None)),
    ("empty", "", (None, None, None, None)),
    ("none", None, (None, None, None, None)),
]


@pytest.mark.parametrize(("raw", "expected"), [d[1:] for d in DATES], ids=[d[0] for d in DATES])
def test_parse_dob(raw: str | None, expected: tuple[object, ...]) -> None:
    assert parse_dob(raw, TODAY) == expected


@settings(deadline=None)
@given(st.text())
def test_parse_dob_never_raises(text: str) -> None:
    date, year, month, day = parse_dob(text, TODAY)
    if date is not None:
        assert (date.year, date.month, date.day) == (year, month, day)
        assert date <= TODAY


@settings(deadline=None)
@given(st.dates(min_value=D(1880, 1, 1), max_value=TODAY))
def test_iso_and_australian_formats_round_trip(date: dt.date) -> None:
    expected = (date, date.year, date.month, date.day)
    if date in {D(1900, 1, 1), D(1901, 1, 1)}:
        expected = (None, None, None, None)
    assert parse_dob(date.isoformat(), TODAY) == expected
    assert parse_dob(date.strftime("%d/%m/%Y"), TODAY) == expected
    assert parse_dob(date.strftime("%Y%m%d"), TODAY) == expected


REFORMATS = [
    ("us-order", "%m/%d/%Y", "03/12/1985", "1985-03-12"),
    ("compact", "%Y%m%d", "19850312", "1985-03-12"),
    ("unparseable", "%d/%m/%Y", "not a date", None),
    ("impossible", "%d/%m/%Y", "31/02/1985", None),
]


@pytest.mark.parametrize(
    ("fmt", "raw", "expected"), [r[1:] for r in REFORMATS], ids=[r[0] for r in REFORMATS]
)
def test_reformat_dates(fmt: str, raw: str, expected: str | None) -> None:
    out = pl.select(reformat_dates(pl.lit(raw), fmt)).item()
    assert out == expected


_digits = st.text(alphabet="0123456789", min_size=1, max_size=5)


@st.composite
def digit_date(draw: st.DrawFn) -> str:
    """All-digit dates near the vectorised shapes (and some just outside them)."""
    shape = draw(st.sampled_from(["ymd", "compact", "dmy", "any"]))
    if shape == "compact":
        return draw(st.text(alphabet="0123456789", min_size=7, max_size=9))
    sep = st.sampled_from(["-", "/", ".", "", " ", "--"])
    parts = [draw(_digits) for _ in range(3)]
    if shape == "ymd":
        parts[0] = str(draw(st.integers(1799, 2031)))
    elif shape == "dmy":
        parts[2] = draw(st.sampled_from([parts[2], str(draw(st.integers(1799, 2031)))]))
    return parts[0] + draw(sep) + parts[1] + draw(sep) + parts[2]


@settings(max_examples=500, deadline=None)
@given(
    st.lists(st.one_of(digit_date(), st.text(max_size=12)), max_size=30),
    st.dates(min_value=D(1990, 1, 1), max_value=D(2030, 12, 31)),
)
def test_vectorised_dob_table_equals_parse_dob(values: list[str], today: dt.date) -> None:
    distinct = pl.Series(values, dtype=pl.Utf8).unique()
    table = dob_table(distinct, today)
    assert table.columns == ["dob", *DOB_SCHEMA]
    assert dict(table.schema) == {"dob": pl.Utf8(), **DOB_SCHEMA}
    assert sorted(table["dob"].to_list()) == sorted(distinct.to_list())
    for row in table.iter_rows():
        assert row[1:] == parse_dob(row[0], today), row[0]


def test_dob_table_full_dates_and_edges() -> None:
    values = [
        "2024-02-29", "2023-02-29", "1900-01-01", "1901-01-01", "29/02/00", "31/04/1985",
        "1985-00-12", "00/03/1985", "1985-03-00", "2025-06-02", "2025-06-01", "01/07/2025",
        "1/1/25", "1/1/26", "19850312", "1879-12-31", "1880-01-01", "1985-13-01", "12/3/985",
    ]  # fmt: skip
    table = dob_table(pl.Series(values), TODAY)
    for row in table.iter_rows():
        assert row[1:] == parse_dob(row[0], TODAY), row[0]
    assert dob_table(pl.Series([], dtype=pl.Utf8), TODAY).height == 0


@pytest.mark.parametrize("raw", ["01/01/00", "1/1/00", "1.1.00"])
def test_two_digit_placeholder_is_missing(raw: str) -> None:
    """01/01/00 is the 1900-01-01 placeholder written with two digits, not a birth in 2000."""
    assert parse_dob(raw, TODAY) == (None, None, None, None)
    table = dob_table(pl.Series([raw]), TODAY)
    assert table.row(0)[1:] == (None, None, None, None)


def test_other_two_digit_new_years_days_are_births() -> None:
    assert parse_dob("01/01/01", TODAY)[0] == dt.date(2001, 1, 1)
    assert parse_dob("01/01/2000", TODAY)[0] == dt.date(2000, 1, 1)
    assert dob_table(pl.Series(["01/01/01"]), TODAY)["dob_date"][0] == dt.date(2001, 1, 1)
