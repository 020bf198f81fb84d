"""Comparison-vector checks and distinct comparison patterns with their counts.

EM only needs each distinct row of ``gamma`` once, with how often it occurs.
``np.unique(gamma, axis=0)`` sorts rows lexicographically and is slow for
millions of pairs, so each row is packed into one integer (mixed radix, one
digit per comparison with base ``n_levels[j]``) and the integers are counted.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from linkage.errors import InvalidInputError
from linkage.model._lookup import column_max, lookup_sum

# Below this many possible patterns a dense bincount beats sorting the keys.
_DENSE_LIMIT = 1 << 22
_UINT64_LIMIT = 1 << 64
_UINT32_LIMIT = 1 << 32
#: Rows packed at a time (their gamma bytes and keys stay in cache across the columns).
_PACK_ROWS = 1 << 15


def check_gamma(
    gamma: npt.ArrayLike, n_levels: Sequence[int], *, check_levels: bool = True
) -> npt.NDArray[np.uint8]:
    """Return ``gamma`` as a C-contiguous uint8 matrix, or raise InvalidInputError."""
    array = np.asarray(gamma)
    if array.ndim != 2:
        msg = f"gamma must be a 2-D matrix (pairs x comparisons), got {array.ndim} dimensions"
        raise InvalidInputError(msg, field="gamma")
    if array.dtype != np.uint8:
        msg = f"gamma must have dtype uint8, got {array.dtype}"
        raise InvalidInputError(msg, field="gamma")
    if array.shape[1] != len(n_levels):
        msg = f"gamma has {array.shape[1]} columns but the model has {len(n_levels)} comparisons"
        raise InvalidInputError(msg, field="gamma")
    array = np.ascontiguousarray(array)
    if check_levels and array.shape[0] > 0:
        too_high = np.flatnonzero(column_max(array) >= np.asarray(n_levels))
        if too_high.size:
            raise level_error(int(too_high[0]), n_levels)
    return array


def level_error(column: int, n_levels: Sequence[int]) -> InvalidInputError:
    """The error for a gamma column holding a level the comparison does not have."""
    msg = f"gamma column {column} holds a level >= its {n_levels[column]} levels"
    return InvalidInputError(msg, field="gamma")


def _digit_groups(n_levels: Sequence[int]) -> list[list[int]]:
    """Split the columns into runs whose mixed-radix product fits in a uint64."""
    groups: list[list[int]] = [[]]
    product = 1
    for j, base in enumerate(n_levels):
        if groups[-1] and product * base > _UINT64_LIMIT:
            groups.append([])
            product = 1
        groups[-1].append(j)
        product *= base
    return groups


def _pack(
    gamma: npt.NDArray[np.uint8], columns: Sequence[int], n_levels: Sequence[int]
) -> npt.NDArray[np.unsignedinteger[Any]]:
    """Mixed-radix key of the given columns (first column most significant).

    ``uint32`` when the key fits, else ``uint64``.
    """
    product = math.prod(n_levels[j] for j in columns)
    if product <= _UINT32_LIMIT:
        # key = (..(g0 * n1 + g1) * n2 + ..): Horner's rule in uint32 halves the memory
        # traffic and costs a third of the uint64 table lookups (lookup_sum)
        key = np.zeros(gamma.shape[0], dtype=np.uint32)
        for start in range(0, gamma.shape[0], _PACK_ROWS):  # a block's rows stay in cache
            block, out = gamma[start : start + _PACK_ROWS], key[start : start + _PACK_ROWS]
            for j in columns:
                out *= np.uint32(n_levels[j])
                out += block[:, j]
        return key
    # key = sum_j level_j * radix_j: a table lookup per column, summed.
    table = np.zeros((gamma.shape[1], 256), dtype=np.uint64)
    radix = 1
    for j in reversed(columns):
        table[j, : n_levels[j]] = np.arange(n_levels[j], dtype=np.uint64) * np.uint64(radix)
        radix *= n_levels[j]
    return lookup_sum(gamma, table)


def _unpack(
    keys: npt.NDArray[np.unsignedinteger[Any]], n_levels: Sequence[int]
) -> npt.NDArray[np.uint8]:
    """Inverse of `_pack` over all columns."""
    patterns = np.empty((keys.shape[0], len(n_levels)), dtype=np.uint8)
    rest = keys.astype(np.uint64)
    for j in range(len(n_levels) - 1, -1, -1):
        base = np.uint64(n_levels[j])
        patterns[:, j] = rest % base
        rest //= base
    return patterns


def distinct_patterns(
    gamma: npt.NDArray[np.uint8], n_levels: Sequence[int]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Distinct rows of ``gamma`` and how many times each occurs.

    Args:
        gamma: Checked uint8 matrix (pairs x comparisons), levels below ``n_levels``.
        n_levels: Number of levels of each comparison, null level included.

    Returns:
        ``(patterns, counts)``: a uint8 matrix of distinct rows and int64 counts.
        Rows are in ascending mixed-radix order.
    """
    n_levels = [int(x) for x in n_levels]
    if gamma.shape[0] == 0:
        return np.empty((0, len(n_levels)), dtype=np.uint8), np.empty(0, dtype=np.int64)
    groups = _digit_groups(n_levels)
    if len(groups) == 1:
        keys = _pack(gamma, groups[0], n_levels)
        n_possible = math.prod(n_levels)
        if n_possible <= max(_DENSE_LIMIT, gamma.shape[0]):
            # uint32 keys are read as they are; uint64 cannot be cast to intp safely
            dense = np.bincount(
                keys if keys.dtype == np.uint32 else keys.astype(np.intp), minlength=n_possible
            )
            distinct = np.flatnonzero(dense)
            return _unpack(distinct.astype(np.uint64), n_levels), dense[distinct].astype(np.int64)
        unique_keys, counts = np.unique(keys, return_counts=True)
        return _unpack(unique_keys, n_levels), counts.astype(np.int64)
    # Too many levels for one 64-bit key: pack each group, then combine groups
    # through their dense ranks (each rank < n_pairs, so two ranks fit in 64 bits).
    combined = np.zeros(gamma.shape[0], dtype=np.uint64)
    for columns in groups:
        _, ranks = np.unique(_pack(gamma, columns, n_levels), return_inverse=True)
        group_keys = ranks.astype(np.uint64).ravel()
        n_ranks = np.uint64(int(group_keys.max()) + 1)
        _, combined_ranks = np.unique(combined * n_ranks + group_keys, return_inverse=True)
        combined = combined_ranks.astype(np.uint64).ravel()
    _, first, counts = np.unique(combined, return_index=True, return_counts=True)
    return gamma[first], counts.astype(np.int64)


def merge_patterns(
    patterns: npt.NDArray[np.uint8], counts: npt.NDArray[np.int64], n_levels: Sequence[int]
) -> tuple[npt.NDArray[np.uint8], npt.NDArray[np.int64]]:
    """Distinct rows of ``patterns`` with the summed ``counts`` of equal rows.

    The same result as :func:`distinct_patterns` on the pairs the counted patterns stand
    for (a subset of a gamma's patterns, some columns set to 0), without the pairs.
    """
    n_levels = [int(x) for x in n_levels]
    if patterns.shape[0] == 0:
        return np.empty((0, len(n_levels)), dtype=np.uint8), np.empty(0, dtype=np.int64)
    if len(_digit_groups(n_levels)) == 1:
        keys = _pack(np.ascontiguousarray(patterns), range(len(n_levels)), n_levels)
        unique_keys, inverse = np.unique(keys, return_inverse=True)
        summed = np.zeros(len(unique_keys), dtype=np.int64)
        np.add.at(summed, inverse.ravel(), counts)
        return _unpack(unique_keys, n_levels), summed
    rows = np.repeat(patterns, counts, axis=0)
    return distinct_patterns(rows, n_levels)
