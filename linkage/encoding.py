"""Dictionary encoding: a column becomes integer codes into its distinct values.

Comparisons and blocking work on codes, so each distinct string is handled
once however many records or pairs hold it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

NULL_CODE = -1


@dataclass(frozen=True)
class EncodedColumn:
    """Codes per record (``NULL_CODE`` for missing) and the distinct values they index."""

    codes: npt.NDArray[np.int32]
    values: pl.Series

    @property
    def n_values(self) -> int:
        return len(self.values)


def is_missing(series: pl.Series) -> pl.Series:
    """The one definition of a missing value: null, or empty after stripping."""
    if series.dtype == pl.Utf8:
        return series.is_null() | (series.str.strip_chars() == "")
    return series.is_null()


def encode(series: pl.Series) -> EncodedColumn:
    """Encode a column as int32 codes into its sorted distinct non-missing values."""
    missing = is_missing(series)
    if missing.any():
        series = pl.select(pl.when(missing).then(None).otherwise(series)).to_series()
    values = series.drop_nulls().unique().sort()
    if series.dtype == pl.Utf8:
        codes = series.cast(pl.Enum(values)).to_physical()
    else:
        lookup = pl.DataFrame({"v": values, "code": np.arange(len(values), dtype=np.int32)})
        codes = pl.DataFrame({"v": series}).join(lookup, on="v", how="left", maintain_order="left")[
            "code"
        ]
    array = codes.cast(pl.Int32).fill_null(NULL_CODE).to_numpy()
    return EncodedColumn(codes=np.ascontiguousarray(array, dtype=np.int32), values=values)
