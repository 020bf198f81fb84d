"""An upper bound of Jaro-Winkler similarity from character counts.

Jaro is ``(m/|a| + m/|b| + (m - t)/m) / 3`` with ``m`` matching characters, and a match
pairs two equal characters, so ``m`` is at most ``C``, the characters the two values have
in common (counted with repeats): ``J <= (C/|a| + C/|b| + 1) / 3``. Winkler adds at most
``4 * 0.1 * (1 - J)`` (rapidfuzz's prefix weight, prefix up to four characters), so
``JW <= 0.4 + 0.6 J``. Value pairs whose bound is below a threshold score below it too,
so they need not be scored: at 1M records 93% of the distinct address value pairs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]

from linkage.comparisons._codes import FrameCodes
from linkage.comparisons._table import BoolArray

#: Largest Winkler boost, as a fraction of ``1 - J``: prefix weight 0.1 times 4 characters.
PREFIX_BOOST = 0.4
#: Counts are kept for values of at most this many distinct (ASCII) characters.
MAX_ALPHABET = 64
#: Values counted per step (bounds the counting's temporaries to a few MiB).
BLOCK_VALUES = 16_384
#: Rounding allowance: a pair is skipped only when its bound is this far below the cutoff.
SLACK = 1e-9

Counts = tuple[npt.NDArray[np.uint8], npt.NDArray[np.float64]]


def character_counts(codes: FrameCodes, column: str) -> Counts | None:
    """Per distinct value of ``column``: the count of each character, and the length.

    None when a value is not ASCII, the values use more than :data:`MAX_ALPHABET`
    characters, or a value holds one character more than 255 times (no bound then).
    """

    def build() -> Counts | None:
        array = codes.values(column).to_arrow()
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        array = array.cast(pa.large_string())
        n = len(array)
        buffers = array.buffers()
        offsets = np.frombuffer(buffers[1], dtype=np.int64)[array.offset : array.offset + n + 1]
        if n == 0 or buffers[2] is None:
            return None
        data = np.frombuffer(buffers[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
        used = np.flatnonzero(np.bincount(data, minlength=256))
        if len(used) == 0 or used[-1] >= 128 or len(used) > MAX_ALPHABET:
            return None  # bytes are characters only in ASCII
        letter = np.zeros(256, dtype=np.int64)
        letter[used] = np.arange(len(used))
        lengths = np.diff(offsets)
        width = len(used)
        histogram = np.empty((n, width), dtype=np.uint8)
        for start in range(0, n, BLOCK_VALUES):  # bincount's int64 output, a block at a time
            stop = min(start + BLOCK_VALUES, n)
            owner = np.repeat(np.arange(stop - start, dtype=np.int64), lengths[start:stop])
            chars = letter[data[offsets[start] - offsets[0] : offsets[stop] - offsets[0]]]
            flat = np.bincount(owner * width + chars, minlength=(stop - start) * width)
            if flat.max(initial=0) > 255:
                return None
            histogram[start:stop] = flat.reshape(stop - start, width)
        return histogram, lengths.astype(np.float64)

    result: Counts | None = codes.memo(("character_counts", column), build)
    return result


def may_reach(
    counts: Counts,
    a: npt.NDArray[np.integer[Any]],
    b: npt.NDArray[np.integer[Any]],
    cutoff: float,
) -> BoolArray:
    """Per value pair (codes ``a``, ``b``, present): whether Jaro-Winkler may reach ``cutoff``."""
    histogram, length = counts
    a, b = a.astype(np.intp), b.astype(np.intp)  # int32 indices gather several times slower
    common = np.minimum(histogram[a], histogram[b]).sum(axis=1, dtype=np.int64)
    # lengths are >= 1 for present values, and common = 0 gives J = 0
    jaro = (common / length[a] + common / length[b] + (common > 0)) / 3
    bound = jaro + PREFIX_BOOST * (1.0 - jaro)
    mask: BoolArray = bound >= cutoff - SLACK
    return mask
