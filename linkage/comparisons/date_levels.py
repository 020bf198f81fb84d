"""Date-of-birth levels: dates are ``YYYYMMDD`` integers, years integers.

The batch kernels read per-record integer arrays derived once per frame
(:class:`_DateParts`): the date, the date with day and month swapped, and the
date's eight digits packed four bits each (BCD), so "one digit different" is
"exactly one non-zero nibble in the XOR" -- a few integer operations per pair
(and "two adjacent digits swapped" two adjacent nibbles that swap).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.comparisons._codes import FrameCodes, Rows
from linkage.comparisons._table import (
    BoolArray,
    Column,
    IndexArray,
    ValueTable,
    column_from_series,
    column_from_values,
    columns_equal,
    null_column,
)
from linkage.comparisons.levels import Level, _require


@dataclass(frozen=True)
class _DateParts:
    """Per record: YYYYMMDD (-1 missing), YYYYDDMM (-2 missing or day == month), BCD digits."""

    date: npt.NDArray[np.int32]
    swapped: npt.NDArray[np.int32]
    bcd: npt.NDArray[np.uint32]
    null: BoolArray


def _bcd_table(digits: int) -> npt.NDArray[np.uint32]:
    """BCD of every number with ``digits`` decimal digits (index -> packed nibbles)."""
    numbers = np.arange(10**digits, dtype=np.int64)
    out = np.zeros(len(numbers), dtype=np.uint32)
    for power in range(digits):
        out |= (numbers // 10**power % 10).astype(np.uint32) << np.uint32(4 * power)
    return out


_BCD2, _BCD4 = _bcd_table(2), _bcd_table(4)


def _date_parts(codes: FrameCodes, column: str) -> _DateParts:
    def build() -> _DateParts:
        frame = codes.frame
        series = frame.get_column(column) if column in frame.columns else None
        if series is not None and series.dtype == pl.Date:
            null = series.is_null().to_numpy()
            year = series.dt.year().fill_null(0).to_numpy().astype(np.int32)
            month = series.dt.month().fill_null(0).to_numpy().astype(np.int32)
            day = series.dt.day().fill_null(0).to_numpy().astype(np.int32)
        else:
            source = column_from_series(series) if series is not None else null_column(codes.height)
            null = source.null
            if source.data.dtype == object:
                source = column_from_values(source.data.tolist())
            ymd = np.where(null, 0, source.data).astype(np.int64)
            year = (ymd // 10000).astype(np.int32)
            month, day = (ymd // 100 % 100).astype(np.int32), (ymd % 100).astype(np.int32)
        date = np.where(null, -1, year * 10000 + month * 100 + day).astype(np.int32)
        swapped = np.where(null | (month == day), -2, year * 10000 + day * 100 + month)
        bcd = (_BCD4[year % 10000] << np.uint32(16)) | (_BCD2[month % 100] << np.uint32(8))
        bcd |= _BCD2[day % 100]
        return _DateParts(date, swapped.astype(np.int32), bcd, null)

    return codes.memo(("date_parts", column), build)


def _dates(
    table: ValueTable, col: str, left: IndexArray, right: IndexArray
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    column = table.column(col)
    ok = np.flatnonzero(~column.null[left] & ~column.null[right])
    data = column.data
    if data.dtype == object:
        data = np.array([0 if v is None else int(v) for v in data], dtype=np.int64)
    return ok, data[left[ok]].astype(np.int64), data[right[ok]].astype(np.int64)


class DateTransposedLevel(Level):
    """Full dates with day and month swapped (2 March and 3 February of one year)."""

    kind = "date_transposed"

    def __init__(self, column: str | None = None) -> None:
        self.column = column
        self.label = "day and month transposed"

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        ok, a, b = _dates(table, self._col(), left, right)
        am, ad, bm, bd = a // 100 % 100, a % 100, b // 100 % 100, b % 100
        out = np.zeros(len(left), dtype=bool)
        out[ok] = (a // 10000 == b // 10000) & (am == bd) & (ad == bm) & (am != ad)
        return out

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        parts = _date_parts(codes, self._col())
        mask: BoolArray = parts.swapped[left] == parts.date[right]
        return mask


class DateOneDigitLevel(Level):
    """Full dates whose YYYYMMDD forms differ in exactly one digit (a typo).

    With ``transpositions``, also two adjacent digits swapped (1973 and 1937).
    """

    kind = "date_one_digit"

    def __init__(self, column: str | None = None, *, transpositions: bool = False) -> None:
        self.column = column
        self.transpositions = bool(transpositions)
        self.label = "one digit different"
        if self.transpositions:
            self.label += " or two adjacent digits swapped"

    def params(self) -> dict[str, Any]:
        return {"column": self.column, "transpositions": self.transpositions}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        ok, a, b = _dates(table, self._col(), left, right)
        da = np.stack([a // 10**p % 10 for p in range(8)])
        db = np.stack([b // 10**p % 10 for p in range(8)])
        differs = da != db
        hit = differs.sum(axis=0) == 1
        if self.transpositions:
            for p in range(7):
                others = np.delete(differs, [p, p + 1], axis=0).any(axis=0)
                swapped = (da[p] == db[p + 1]) & (da[p + 1] == db[p]) & differs[p]
                hit |= swapped & ~others
        out = np.zeros(len(left), dtype=bool)
        out[ok] = hit
        return out

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        parts = _date_parts(codes, self._col())
        a, b = parts.bcd[left], parts.bcd[right]
        mask: BoolArray = _one_digit_bcd(a, b, transpositions=self.transpositions)
        mask &= ~parts.null[left] & ~parts.null[right]
        return mask


def _one_digit_bcd(
    a: npt.NDArray[np.uint32], b: npt.NDArray[np.uint32], *, transpositions: bool
) -> BoolArray:
    """One differing nibble of two BCD numbers, or (``transpositions``) two adjacent swapped."""
    x = a ^ b
    nibbles = (x | (x >> 1) | (x >> 2) | (x >> 3)) & np.uint32(0x11111111)
    low = nibbles & (~nibbles + np.uint32(1))  # lowest differing nibble's bit
    one: BoolArray = (nibbles != 0) & (nibbles == low)
    if not transpositions:
        return one
    # exactly nibbles k and k+1 differ, and swapping them in a gives b's
    pair = (nibbles == (low | (low << np.uint32(4)))) & (low < np.uint32(1 << 28))
    digit = low * np.uint32(0xF)
    lo_a, hi_a = a & digit, (a >> np.uint32(4)) & digit
    lo_b, hi_b = b & digit, (b >> np.uint32(4)) & digit
    swapped: BoolArray = pair & (lo_a == hi_b) & (hi_a == lo_b)
    return one | swapped


class _YearLevel(Level):
    """Compares birth years: the year column, else the year of the full date column."""

    def __init__(self, year_column: str, column: str | None) -> None:
        _require(bool(year_column), "year_column is required")
        self.year_column = year_column
        self.column = column

    def columns(self) -> tuple[str, ...]:
        return (self.year_column, *super().columns())

    def params(self) -> dict[str, Any]:
        return {"year_column": self.year_column, "column": self.column}

    def years(self, table: ValueTable) -> Column:
        year, date = table.column(self.year_column), table.column(self._col())
        year_data = year.data if year.data.dtype != object else column_from_values(year.data).data
        date_data = date.data if date.data.dtype != object else column_from_values(date.data).data
        data = np.where(year.null, np.asarray(date_data, dtype=np.int64) // 10000, year_data)
        return Column(np.asarray(data, dtype=np.int64), year.null & date.null)

    def record_years(self, codes: FrameCodes) -> tuple[npt.NDArray[np.int32], BoolArray]:
        """Per record of the frame: the birth year and whether it is missing."""

        def build() -> tuple[npt.NDArray[np.int32], BoolArray]:
            frame = codes.frame
            series = frame.get_column(self.year_column) if self.year_column in frame else None
            if series is None or not series.dtype.is_integer():
                years = self.years(codes.table())
                return years.data.astype(np.int32), years.null
            parts = _date_parts(codes, self._col())
            null = series.is_null().to_numpy()
            year = series.fill_null(0).to_numpy().astype(np.int32)
            data = np.where(null, parts.date // 10000, year).astype(np.int32)
            return data, null & parts.null

        return codes.memo(("years", self.year_column, self._col()), build)


class SameYearLevel(_YearLevel):
    """Same birth year (also when one or both dates are partial, year only)."""

    kind = "same_year"

    def __init__(self, year_column: str = "dob_year", column: str | None = None) -> None:
        super().__init__(year_column, column)
        self.label = "same year"

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        years = self.years(table)
        return columns_equal(years, years, left, right)

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        years, null = self.record_years(codes)
        mask: BoolArray = (years[left] == years[right]) & ~null[left] & ~null[right]
        return mask


class YearsWithinLevel(_YearLevel):
    """Birth years at most ``years`` apart."""

    kind = "years_within"

    def __init__(self, years: int, year_column: str = "dob_year", column: str | None = None):
        _require(isinstance(years, int) and years >= 1, "years must be >= 1")
        super().__init__(year_column, column)
        self.within = years
        self.label = f"within {years} years"

    def params(self) -> dict[str, Any]:
        return {"years": self.within, **super().params()}

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        years = self.years(table)
        ok = ~years.null[left] & ~years.null[right]
        near = np.abs(years.data[left] - years.data[right]) <= self.within
        mask: BoolArray = ok & np.asarray(near, dtype=bool)
        return mask

    def evaluate_pairs(self, codes: FrameCodes, left: Rows, right: Rows) -> BoolArray:
        years, null = self.record_years(codes)
        near = np.abs(years[left] - years[right]) <= self.within
        mask: BoolArray = near & ~null[left] & ~null[right]
        return mask
