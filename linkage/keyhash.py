"""Stable 64-bit hashes of key text: one value per string in Python and in numpy.

FNV-1a over the UTF-8 bytes. :func:`fnv1a` hashes one string (the real-time
path); :func:`fnv1a_series` hashes a whole polars string column at once with
numpy (the batch path). Both give the same number for the same text, in any
process and any version, so hashes can be persisted in a snapshot.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

OFFSET = 0xCBF29CE484222325
PRIME = 0x100000001B3
_MASK = (1 << 64) - 1


def fnv1a(text: str, start: int = OFFSET) -> int:
    """FNV-1a 64 of ``text``'s UTF-8 bytes (continued from state ``start``: the hash of a
    prefix, so ``fnv1a(b, fnv1a(a)) == fnv1a(a + b)``)."""
    h = start
    data = text.encode()
    # XOR with a byte and products are exact modulo 2**64 on wider ints: masking once per
    # 8 bytes (ints under 400 bits) gives the same hash with a third of the operations.
    for at in range(0, len(data), 8):
        for byte in data[at : at + 8]:
            h = (h ^ byte) * PRIME
        h &= _MASK
    return h


def fnv1a_series(values: pl.Series) -> npt.NDArray[np.uint64]:
    """FNV-1a 64 of every string of a column without nulls, vectorised over positions.

    Strings are processed longest first so that, at each byte position, the
    strings still running form a prefix of the arrays.
    """
    if values.null_count():
        msg = "fnv1a_series: values must not be null"
        raise ValueError(msg)
    n = len(values)
    if n == 0:
        return np.empty(0, np.uint64)
    array = values.cast(pl.Utf8).to_arrow()
    if hasattr(array, "combine_chunks"):
        array = array.combine_chunks()
    buffers = array.buffers()
    offset_type = np.int64 if str(array.type) in ("large_string", "large_utf8") else np.int32
    offsets = np.frombuffer(buffers[1], dtype=offset_type)[array.offset : array.offset + n + 1]
    data = np.frombuffer(buffers[2], dtype=np.uint8) if buffers[2] is not None else np.empty(0)
    bounds = offsets.astype(np.int64)
    starts = bounds[:-1]
    lengths = bounds[1:] - bounds[:-1]
    order = np.argsort(-lengths, kind="stable")
    starts, lengths = starts[order], lengths[order]
    h = np.full(n, OFFSET, dtype=np.uint64)
    prime = np.uint64(PRIME)
    longest = int(lengths[0]) if n else 0
    # how many strings are longer than each position (lengths sorted descending)
    counts = np.searchsorted(-lengths, -np.arange(longest), side="left")
    with np.errstate(over="ignore"):
        for position in range(longest):
            running = int(counts[position])
            part = h[:running]
            part ^= data[starts[:running] + position].astype(np.uint64)
            part *= prime
    out = np.empty(n, dtype=np.uint64)
    out[order] = h
    return out
