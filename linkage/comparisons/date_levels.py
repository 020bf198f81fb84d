"""Date-of-birth levels: dates are ``YYYYMMDD`` integers, years integers."""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from linkage.comparisons._table import (
    BoolArray,
    Column,
    IndexArray,
    ValueTable,
    column_from_values,
    columns_equal,
)
from linkage.comparisons.levels import Level, _require


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


class DateOneDigitLevel(Level):
    """Full dates whose YYYYMMDD forms differ in exactly one digit (a typo)."""

    kind = "date_one_digit"

    def __init__(self, column: str | None = None) -> None:
        self.column = column
        self.label = "one digit different"

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        ok, a, b = _dates(table, self._col(), left, right)
        differing = np.zeros(len(ok), dtype=np.int64)
        for power in range(8):
            scale = 10**power
            differing += (a // scale % 10) != (b // scale % 10)
        out = np.zeros(len(left), dtype=bool)
        out[ok] = differing == 1
        return out


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


class SameYearLevel(_YearLevel):
    """Same birth year (also when one or both dates are partial, year only)."""

    kind = "same_year"

    def __init__(self, year_column: str = "dob_year", column: str | None = None) -> None:
        super().__init__(year_column, column)
        self.label = "same year"

    def evaluate(self, table: ValueTable, left: IndexArray, right: IndexArray) -> BoolArray:
        years = self.years(table)
        return columns_equal(years, years, left, right)


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
