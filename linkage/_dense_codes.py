"""Exact dense integer codes for a column of any type, fast.

Strings are hashed (polars, vectorised) and the hashes numbered with numpy; a
hash collision is detected by comparing the number of distinct hashes with
the number of distinct values (polars' exact hash set) and then the slower
categorical encoding is used, so codes are always exact.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

MISSING = -1
IntArray = npt.NDArray[np.int64]


def dense_codes(series: pl.Series, *, blank_is_missing: bool = True) -> tuple[IntArray, int]:
    """``int64`` codes in ``0..k-1`` (equal values, equal codes) and ``k``; missing is ``-1``.

    Codes of integer columns with a small range are offsets from the minimum
    (not every code in ``0..k-1`` need be used). Missing means null and, when
    ``blank_is_missing`` and the column is text, empty after stripping
    whitespace (:func:`linkage.encoding.is_missing`).
    """
    n = series.len()
    missing = series.is_null()
    if blank_is_missing and series.dtype == pl.Utf8:
        missing = missing | (series.str.strip_chars() == "")
    present_mask = ~missing.to_numpy()
    has_missing = not bool(present_mask.all())
    present = series.filter(~missing) if has_missing else series
    codes = np.full(n, MISSING, dtype=np.int64)
    if present.len() == 0:
        return codes, 0
    physical = present.to_physical()
    if (
        physical.dtype.is_integer() and physical.dtype != pl.UInt64
    ) or physical.dtype == pl.Boolean:
        values = physical.cast(pl.Int64).to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < max(16 * len(values), 1 << 16):  # offsets are codes, gaps allowed
            codes[present_mask] = values - low
            return codes, high - low + 1
        uniques, inverse = np.unique(values, return_inverse=True)
    else:
        values = present.hash(seed=0x5EED).to_numpy()
        uniques, inverse = np.unique(values, return_inverse=True)
        if len(uniques) != present.n_unique():  # a 64-bit hash collision: be exact
            exact = present.cast(pl.Utf8).cast(pl.Categorical).to_physical().to_numpy()
            uniques, inverse = np.unique(exact, return_inverse=True)
    inverse = inverse.ravel().astype(np.int64, copy=False)
    if has_missing:
        codes[present_mask] = inverse
    else:
        codes = inverse
    return codes, len(uniques)
