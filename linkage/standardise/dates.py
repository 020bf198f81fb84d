"""Dates of birth: format detection, partial dates, sentinel and impossible dates.

Agencies write dates in many ways. :func:`parse_dob` recognises the common
ones (Australian day-first order for slashed dates) and returns the date and
its parts; the batch path runs it once per distinct raw value.
"""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import polars as pl

from linkage.standardise._text import as_text, distinct_values, gather_rows

DOB_SCHEMA: dict[str, pl.DataType] = {
    "dob_date": pl.Date(),
    "dob_year": pl.Int16(),
    "dob_month": pl.Int8(),
    "dob_day": pl.Int8(),
}

# Placeholder dates agencies type when the date is unknown.
SENTINEL_DATES = frozenset(
    {
        dt.date(1900, 1, 1),
        dt.date(1901, 1, 1),
        dt.date(1800, 1, 1),
        dt.date(1, 1, 1),
        dt.date(9999, 12, 31),
        dt.date(1111, 11, 11),
    }
)
_SENTINEL_PARTS = frozenset((d.year, d.month, d.day) for d in SENTINEL_DATES)
MIN_YEAR = 1880  # nobody alive was born earlier

_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "JAN JANUARY",
            "FEB FEBRUARY",
            "MAR MARCH",
            "APR APRIL",
            "MAY",
            "JUN JUNE",
            "JUL JULY",
            "AUG AUGUST",
            "SEP SEPT SEPTEMBER",
            "OCT OCTOBER",
            "NOV NOVEMBER",
            "DEC DECEMBER",
        ),
        start=1,
    )
    for name in names.split()
}
_MON = "|".join(sorted(_MONTHS, key=len, reverse=True))
_Y = r"(?P<y>[0-9]{4})"
_YY = r"(?P<y>[0-9]{4}|[0-9]{2})"
_M = r"(?P<m>[0-9]{1,2})"
_D = r"(?P<d>[0-9]{1,2})"
_MN = rf"(?P<mn>{_MON})"
_TIME = r"(?:[T ][0-9:.]+(?:Z|[+-][0-9:]+)?)?"

# Ordered: the first full match wins. Slashed dates are day first (Australia).
_FORMATS = [
    re.compile(p)
    for p in (
        rf"{_Y}-{_M}-{_D}{_TIME}",  # ISO, with an optional time
        r"(?P<y>[0-9]{4})(?P<m>[0-9]{2})(?P<d>[0-9]{2})",  # yyyymmdd
        rf"{_Y}/{_M}/{_D}",  # yyyy/mm/dd
        rf"{_D}[/.-]{_M}[/.-]{_YY}{_TIME}",  # dd/mm/yyyy, dd-mm-yyyy, dd.mm.yyyy, d/m/yy
        rf"{_D}(?:ST|ND|RD|TH)?[ -]?{_MN}\.?[ ,-]*{_YY}",  # 12 Mar 1985, 12-MAR-85
        rf"{_MN}\.? {_D}(?:ST|ND|RD|TH)?,? {_Y}",  # March 12, 1985
        rf"{_Y}-{_M}",  # 1985-03
        rf"{_M}/{_Y}",  # 03/1985
        rf"{_MN}\.?[ ,-]*{_Y}",  # Mar 1985
        _Y,  # 1985
    )
]

DateParts = tuple[dt.date | None, int | None, int | None, int | None]
_MISSING: DateParts = (None, None, None, None)


def _year(text: str, today: dt.date) -> int:
    """Four-digit year; a two-digit year in the future belongs to the 1900s."""
    year = int(text)
    if len(text) == 2:
        year += 2000 if 2000 + year <= today.year else 1900
    return year


def parse_dob(value: str | None, today: dt.date | None = None) -> DateParts:
    """Parse a raw date of birth into ``(date, year, month, day)``.

    Partial dates ("1985", "1985-03", "00/03/1985") keep the parts they have
    and have no full date. Sentinel dates (1900-01-01, ...), impossible dates
    (31/02/1985) and dates in the future are missing: all four parts None.

    Args:
        value: raw text in any of the recognised formats.
        today: the reference date for "future" and two-digit years.

    Returns:
        The full date (or None) and the year, month and day parts (or None).
    """
    if not value:
        return _MISSING
    text = value.strip().upper()
    today = today or dt.date.today()
    for pattern in _FORMATS:
        match = pattern.fullmatch(text)
        if match is not None:
            break
    else:
        return _MISSING
    groups = match.groupdict()
    year = _year(groups["y"], today)
    if groups.get("mn"):
        month: int | None = _MONTHS[groups["mn"]]
    else:
        month = int(groups["m"]) if groups.get("m") else None
    day = int(groups["d"]) if groups.get("d") else None
    # Zero parts mean "unknown" in several agency systems.
    month = month or None
    day = day if month else None
    day = day or None
    if len(groups["y"]) == 2 and (year % 100, month, day) == (0, 1, 1):
        return _MISSING  # 01/01/00: the 1900-01-01 placeholder in two digits
    return _check(year, month, day, today)


def _check(year: int, month: int | None, day: int | None, today: dt.date) -> DateParts:
    """Validate parts: range, existence, sentinel and future checks."""
    if (year, month, day) in _SENTINEL_PARTS:
        return _MISSING
    if not MIN_YEAR <= year <= today.year or (month is not None and not 1 <= month <= 12):
        return _MISSING
    if month is None:
        return (None, year, None, None)
    if (year, month) > (today.year, today.month):
        return _MISSING
    if day is None:
        return (None, year, month, None)
    try:
        date = dt.date(year, month, day)
    except ValueError:
        return _MISSING
    if date > today:
        return _MISSING
    return (date, year, month, day)


def dob_columns(frame: pl.DataFrame, today: dt.date | None = None) -> list[pl.Series]:
    """``dob_date, dob_year, dob_month, dob_day`` for a canonical frame (distinct values)."""
    values, index = distinct_values(as_text(frame["dob"]))
    table = dob_table(values, today or dt.date.today())
    # dob_table puts its rows in its own order: the table row of each distinct value
    row = values.cast(pl.Enum(table["dob"])).to_physical().to_numpy().astype(np.uint32)
    return gather_rows(table.drop("dob"), np.append(row, len(row))[index]).get_columns()


# The common all-digit shapes, each read by the same _FORMATS entry that would
# match it first: ISO without a time, yyyymmdd, then d/m/y with / . or - (whose
# first separator comes before a fourth digit, so the earlier formats cannot match).
_FAST = (
    r"^(?:(?P<y1>[0-9]{4})-(?P<m1>[0-9]{1,2})-(?P<d1>[0-9]{1,2})"
    r"|(?P<y2>[0-9]{4})(?P<m2>[0-9]{2})(?P<d2>[0-9]{2})"
    r"|(?P<d3>[0-9]{1,2})[/.-](?P<m3>[0-9]{1,2})[/.-](?P<y3>[0-9]{4}|[0-9]{2}))$"
)


def dob_table(values: pl.Series, today: dt.date) -> pl.DataFrame:
    """Distinct raw dates (``dob``) and their parts, as :func:`parse_dob` gives them.

    The shapes of ``_FAST`` are parsed and checked as polars expressions; the
    other values go through :func:`parse_dob` one by one.
    """
    groups = (
        pl.DataFrame({"dob": values})
        .with_columns(pl.col("dob").str.extract_groups(_FAST).alias("g"))
        .unnest("g")
    )
    y_text = pl.coalesce("y1", "y2", "y3")
    fast = groups.filter(y_text.is_not_null()).select(
        "dob",
        y_text.alias("y_text"),
        pl.coalesce("m1", "m2", "m3").cast(pl.Int32).alias("m"),
        pl.coalesce("d1", "d2", "d3").cast(pl.Int32).alias("d"),
    )
    rest = groups.filter(y_text.is_null())["dob"]
    slow = pl.DataFrame([parse_dob(v, today) for v in rest.to_list()], DOB_SCHEMA, orient="row")
    return pl.concat([_checked(fast, today), slow.insert_column(0, rest)])


def _checked(fast: pl.DataFrame, today: dt.date) -> pl.DataFrame:
    """The parts of ``_check`` (and the zero/two-digit rules of parse_dob) as expressions.

    In steps, each reading the columns of the one before: written as one expression,
    every reuse (``safe``, ``full``, ``keep``) repeats the tree below it, and building
    and planning that tree cost ~40 ms per call, whatever the number of rows.
    """
    two = pl.col("y_text").str.len_bytes() == 2
    short = pl.col("y_text").cast(pl.Int32)
    # 01/01/00 is the 1900-01-01 placeholder written with two digits (a sentinel below)
    placeholder = (short == 0) & (pl.col("m") == 1) & (pl.col("d") == 1)
    pivot = pl.when((short + 2000 <= today.year) & ~placeholder).then(2000).otherwise(1900)
    year = pl.when(two).then(short + pivot).otherwise(short)
    # month 0 is unknown; the day only counts with a month, and day 0 is unknown
    month = pl.when(pl.col("m") != 0).then(pl.col("m"))
    parts = fast.select("dob", year.alias("y"), month.alias("m"), pl.col("d"))
    y, m, d = pl.col("y"), pl.col("m"), pl.col("d")
    parts = parts.with_columns(pl.when(m.is_not_null() & (d != 0)).then(d).alias("d"))
    sentinel = pl.any_horizontal(
        [(y == s.year) & (m == s.month) & (d == s.day) for s in SENTINEL_DATES]
    ).fill_null(value=False)
    in_range = y.is_between(MIN_YEAR, today.year) & m.is_between(1, 12).fill_null(value=True)
    future_month = (y > today.year) | ((y == today.year) & (m > today.month))
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    month_days = (
        pl.when(m == 2)
        .then(pl.when(leap).then(29).otherwise(28))
        .when(m.is_in([4, 6, 9, 11]))
        .then(30)
        .otherwise(31)
    )
    keep_year = ~sentinel & in_range & ~future_month.fill_null(value=False)
    checks = parts.with_columns(keep_year.alias("keep_year"), month_days.alias("month_days"))
    safe = pl.col("keep_year") & m.is_not_null() & d.is_not_null() & (d <= pl.col("month_days"))
    checks = checks.with_columns(safe.alias("safe"))
    safe = pl.col("safe")
    date = pl.date(
        pl.when(safe).then(y).otherwise(2000),
        pl.when(safe).then(m).otherwise(1),
        pl.when(safe).then(d).otherwise(1),
    )
    checks = checks.with_columns(pl.when(safe).then(date).alias("full"))
    full = pl.col("full")
    # an impossible or future full date loses every part
    keep = pl.col("keep_year") & ~(d.is_not_null() & (full.is_null() | (full > today)))
    return checks.with_columns(keep.alias("keep")).select(
        "dob",
        pl.when("keep").then(full).alias("dob_date"),
        pl.when("keep").then(y).cast(pl.Int16).alias("dob_year"),
        pl.when("keep").then(m).cast(pl.Int8).alias("dob_month"),
        pl.when("keep").then(d).cast(pl.Int8).alias("dob_day"),
    )


def reformat_dates(expr: pl.Expr, fmt: str, today: dt.date | None = None) -> pl.Expr:
    """Parse dates with one fixed strptime format and return ISO text.

    A two-digit year (``%y``) follows :func:`parse_dob`: 20yy unless that is after this
    year, else 19yy (strptime alone reads ``45`` as 2045), and ``01/01/00`` is the
    1900-01-01 placeholder, so missing.

    Args:
        expr: a text expression.
        fmt: a strptime format such as ``"%d/%m/%Y"``.
        today: the reference date for two-digit years (default: today).

    Returns:
        An expression of ``yyyy-mm-dd`` text; null where the value does not parse.
    """
    date = expr.str.to_date(fmt, strict=False)
    if "%y" in fmt:
        short, month, day = date.dt.year() % 100, date.dt.month(), date.dt.day()
        this_year = (today or dt.date.today()).year
        year = pl.when(short + 2000 <= this_year).then(short + 2000).otherwise(short + 1900)
        placeholder = (short == 0) & (month == 1) & (day == 1)
        date = pl.when(~placeholder).then(pl.date(year, month, day))
    return date.dt.to_string("%Y-%m-%d")
