"""Row sums of per-column table lookups over a uint8 matrix, fast.

Used for both match weights (float64 tables of log2 m/u) and pattern keys
(uint64 tables of level x radix). Two adjacent uint8 columns are read as one
uint16 (a free view of the same bytes) and looked up in a 65,536-entry table
holding the sum of both columns' entries, so each row costs k/2 gathers; rows
go in chunks small enough that the temporaries stay in cache.
"""

from __future__ import annotations

import sys
from typing import TypeVar

import numpy as np
import numpy.typing as npt

ScalarT = TypeVar("ScalarT", bound=np.generic)

_CHUNK = 1 << 14  # rows per chunk: the chunk's temporaries stay in L1/L2 cache
_SMALL = 4096  # below this many rows the plain per-column lookup is cheaper
_LITTLE_ENDIAN = sys.byteorder == "little"


def _pair_tables(padded: npt.NDArray[ScalarT]) -> list[npt.NDArray[ScalarT]]:
    """65,536-entry tables indexed by the uint16 view of columns (2i, 2i+1)."""
    out = []
    for i in range(padded.shape[0] // 2):
        a, b = padded[2 * i], padded[2 * i + 1]
        # Little-endian: the uint16 value is gamma[:, 2i] + 256 * gamma[:, 2i+1].
        low, high = (a, b) if _LITTLE_ENDIAN else (b, a)
        out.append(np.ascontiguousarray((high[:, None] + low[None, :]).ravel()))
    return out


def lookup_sum(gamma: npt.NDArray[np.uint8], padded: npt.NDArray[ScalarT]) -> npt.NDArray[ScalarT]:
    """``sum_j padded[j, gamma[:, j]]`` per row.

    Args:
        gamma: C-contiguous uint8 matrix (rows x k).
        padded: (k x 256) table, so any uint8 value indexes it.

    Returns:
        One value per row, of the table's dtype.
    """
    n, k = gamma.shape
    out = np.zeros(n, dtype=padded.dtype)
    if n == 0 or k == 0:
        return out
    if n < _SMALL or k == 1:
        for j in range(k):
            out += padded[j][gamma[:, j]]
        return out
    pairs = _pair_tables(padded)
    n_pairs = len(pairs)
    odd = k % 2 == 1
    tail = padded[k - 1]
    tmp = np.empty(_CHUNK, dtype=padded.dtype)
    for start in range(0, n, _CHUNK):
        stop = min(start + _CHUNK, n)
        block = gamma[start:stop, : 2 * n_pairs]
        if odd:  # rows of odd width cannot be viewed as uint16: copy one chunk (cache-resident)
            block = np.ascontiguousarray(block)
        rows = block.view(np.uint16)
        acc = out[start:stop]
        scratch = tmp[: stop - start]
        np.take(pairs[0], rows[:, 0], out=acc)
        for i in range(1, n_pairs):
            np.take(pairs[i], rows[:, i], out=scratch)
            acc += scratch
        if odd:
            np.take(tail, gamma[start:stop, k - 1], out=scratch)
            acc += scratch
    return out


def column_max(gamma: npt.NDArray[np.uint8]) -> npt.NDArray[np.uint8]:
    """``gamma.max(axis=0)``, about 25x faster on a tall C-contiguous matrix.

    Reducing over rows of width k vectorises poorly for small k, so blocks of
    256 rows are reduced as rows of width 256 * k first.
    """
    n, k = gamma.shape
    block = 256
    full = n // block * block
    out = np.zeros(k, dtype=np.uint8)
    if full:
        wide = gamma[:full].reshape(n // block, block * k).max(axis=0)
        out = wide.reshape(block, k).max(axis=0)
    if full < n:
        out = np.maximum(out, gamma[full:].max(axis=0))
    return out
