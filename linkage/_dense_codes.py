"""Exact dense integer codes for a column of any type, fast.

Strings are hashed (polars, vectorised) and the hashes numbered (Arrow); a
hash collision is detected by comparing the number of distinct hashes with
the number of distinct values (polars' exact hash set) and then the slower
categorical encoding is used, so codes are always exact.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

MISSING = -1
SEED = 0x5EED
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
        coded = codes_from_hashes(present.hash(seed=SEED).to_numpy(), present.n_unique())
        if coded is not None:
            inverse, k = coded
            codes[present_mask] = inverse
            return codes, k
        exact = present.cast(pl.Utf8).cast(pl.Categorical).to_physical().to_numpy()
        uniques, inverse = np.unique(exact, return_inverse=True)
    inverse = inverse.ravel().astype(np.int64, copy=False)
    if has_missing:
        codes[present_mask] = inverse
    else:
        codes = inverse
    return codes, len(uniques)


def codes_from_hashes(
    hashes: npt.NDArray[np.uint64], n_distinct: int
) -> tuple[IntArray, int] | None:
    """Dense codes of values from their hashes, or ``None`` when two distinct values collide.

    ``n_distinct`` is the exact number of distinct values the hashes were taken of. The
    hashes are numbered in order of first appearance by Arrow's hash-based
    ``dictionary_encode`` (several times cheaper than sorting them).
    """
    # the system allocator: Arrow's default pool (mimalloc) keeps what it frees resident
    encoded = pc.dictionary_encode(
        pa.array(hashes, type=pa.uint64()), memory_pool=pa.system_memory_pool()
    )
    k = len(encoded.dictionary)
    if k != n_distinct:
        return None
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, k


def distinct_sorted(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values (``np.unique`` without its hash path, slow on wide integers)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]
