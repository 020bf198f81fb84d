"""Exact dense integer codes for a column of any type, fast.

Strings are hashed (polars, vectorised) and the hashes numbered (Arrow); a
representative row per code gives the distinct values, and comparing every
value with its code's representative detects a hash collision, in which case
the slower categorical encoding is used, so codes are always exact. Blank
text is recognised on the distinct values, not on every row.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

MISSING = -1
SEED = 0x5EED
IntArray = npt.NDArray[np.int64]
Int32Array = npt.NDArray[np.int32]
_INT32_LIMIT = (1 << 31) - 1
_SAMPLE = 4096


@dataclass(frozen=True)
class ColumnCodes:
    """``int32`` codes in ``0..cardinality-1`` (``-1`` missing) and, for text, the values.

    ``values[c]`` is the value coded ``c`` (``None`` for columns coded as
    integer offsets, where not every code need be used).
    """

    codes: Int32Array
    cardinality: int
    values: pl.Series | None = None


def dense_codes(series: pl.Series, *, blank_is_missing: bool = True) -> tuple[IntArray, int]:
    """``int64`` codes in ``0..k-1`` (equal values, equal codes) and ``k``; missing is ``-1``.

    Codes of integer columns with a small range are offsets from the minimum
    (not every code in ``0..k-1`` need be used). Missing means null and, when
    ``blank_is_missing`` and the column is text, empty after stripping
    whitespace (:func:`linkage.encoding.is_missing`).
    """
    coded = column_codes(series, blank_is_missing=blank_is_missing)
    return coded.codes.astype(np.int64), coded.cardinality


def column_codes(series: pl.Series, *, blank_is_missing: bool = True) -> ColumnCodes:
    """:func:`dense_codes` as ``int32``, with the distinct values of non-integer columns."""
    n = series.len()
    has_missing = series.null_count() > 0
    present = series.drop_nulls() if has_missing else series
    codes = np.full(n, MISSING, dtype=np.int32)
    if present.len() == 0:
        return ColumnCodes(codes, 0, present[:0])
    physical = present.to_physical()
    if (
        physical.dtype.is_integer() and physical.dtype != pl.UInt64
    ) or physical.dtype == pl.Boolean:
        values = physical.cast(pl.Int64).to_numpy()
        low, high = int(values.min()), int(values.max())
        if high - low < min(max(16 * len(values), 1 << 16), _INT32_LIMIT):
            _scatter(codes, series, has_missing, (values - low).astype(np.int32))
            return ColumnCodes(codes, high - low + 1)
        uniques, index, inverse = np.unique(values, return_index=True, return_inverse=True)
        coded = ColumnCodes(inverse.ravel().astype(np.int32), len(uniques), present.gather(index))
    else:
        coded = _text_codes(present)
    if blank_is_missing and series.dtype == pl.Utf8 and coded.values is not None:
        coded = _drop_blank(coded)
    _scatter(codes, series, has_missing, coded.codes)
    return ColumnCodes(codes, coded.cardinality, coded.values)


def _scatter(codes: Int32Array, series: pl.Series, has_missing: bool, present: Int32Array) -> None:
    if has_missing:
        codes[series.is_not_null().to_numpy()] = present
    else:
        codes[:] = present


def _text_codes(present: pl.Series) -> ColumnCodes:
    """Codes of null-free values by their hashes, checked against one value per code."""
    inverse, k = codes_from_hashes(present.hash(seed=SEED).to_numpy())
    first = np.empty(k, dtype=np.int64)
    first[inverse] = np.arange(len(inverse), dtype=np.int64)  # some row of each code
    values = present.gather(first)
    if bool((values.gather(inverse) == present).all()):
        return ColumnCodes(inverse, k, values)
    exact = present.cast(pl.Utf8).cast(pl.Categorical).to_physical().to_numpy()
    uniques, index, exact_inverse = np.unique(exact, return_index=True, return_inverse=True)
    return ColumnCodes(exact_inverse.ravel().astype(np.int32), len(uniques), present.gather(index))


def _drop_blank(coded: ColumnCodes) -> ColumnCodes:
    """Codes with values that are empty after stripping whitespace made missing."""
    assert coded.values is not None
    blank = (coded.values.str.strip_chars() == "").fill_null(True).to_numpy()
    if not blank.any():
        return coded
    renumber = np.where(blank, MISSING, np.cumsum(~blank) - 1).astype(np.int32)
    return ColumnCodes(renumber[coded.codes], int((~blank).sum()), coded.values.filter(~blank))


def codes_from_hashes(hashes: npt.NDArray[np.uint64]) -> tuple[Int32Array, int]:
    """Dense ``int32`` codes of hashes and their number.

    Mostly repeated hashes are numbered by Arrow's hash-based
    ``dictionary_encode`` (in order of first appearance); mostly distinct ones
    (identifiers, phones, addresses) by a sort, twice as fast for them.
    """
    sample = hashes[:: max(len(hashes) // _SAMPLE, 1)]
    if len(hashes) >= _SAMPLE and len(distinct_sorted(sample)) > len(sample) // 2:
        order = np.argsort(hashes)
        ordered = hashes[order]
        step = np.empty(len(ordered), dtype=bool)
        step[0] = True
        np.not_equal(ordered[1:], ordered[:-1], out=step[1:])
        del ordered
        codes = np.empty(len(hashes), dtype=np.int32)
        codes[order] = np.cumsum(step, dtype=np.int32) - 1
        return codes, int(np.count_nonzero(step))
    # the system allocator: Arrow's default pool (mimalloc) keeps what it frees resident.
    # In and out through polars and a buffer: pa.array(ndarray) and Array.to_numpy import
    # pandas (~0.4 s the first time)
    encoded = pc.dictionary_encode(
        pl.Series(hashes).to_arrow(), memory_pool=pa.system_memory_pool()
    )
    indices = encoded.indices
    codes = np.frombuffer(indices.buffers()[1], dtype=np.int32)
    return codes[indices.offset : indices.offset + len(indices)].copy(), len(encoded.dictionary)


def distinct_sorted(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """Sorted distinct values (``np.unique`` without its hash path, slow on wide integers)."""
    ordered = np.sort(values)
    if len(ordered) < 2:
        return ordered
    keep = np.empty(len(ordered), dtype=bool)
    keep[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=keep[1:])
    return ordered[keep]


_LABEL_CHUNK = 1 << 20  # pairs per chunk of label gathers
_INT32_LIMIT = 1 << 31


def same_label(
    labels: npt.NDArray[np.integer[Any]],
    left: npt.NDArray[np.integer[Any]],
    right: npt.NDArray[np.integer[Any]],
) -> npt.NDArray[np.bool_]:
    """``labels[left] == labels[right]`` in chunks, on ``int32`` labels when they fit: the
    int64 gathers over all candidate pairs were a late phase's peak (~100 MB at 1M), and
    they run beside other work."""
    fits = len(labels) == 0 or (labels.min() >= -_INT32_LIMIT and labels.max() < _INT32_LIMIT)
    small = labels.astype(np.int32) if fits else labels
    same = np.empty(len(left), dtype=bool)
    for start in range(0, len(left), _LABEL_CHUNK):
        stop = start + _LABEL_CHUNK
        np.equal(small[left[start:stop]], small[right[start:stop]], out=same[start:stop])
    return same
