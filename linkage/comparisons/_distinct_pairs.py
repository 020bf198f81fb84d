"""The distinct value pairs of one column over all the pairs of a compare call.

A comparison whose levels read one key column (the names: their phonetic keys,
roots and first names are functions of it, see ``Comparison.key_columns``) has
one level per ordered (left value, right value) pair. Within one call the same
two values meet in many record pairs, spread over all chunks (1M fixture: 3.25M
pairs with unequal family names hold about a million ordered value pairs), so its
levels are evaluated once per distinct value pair, on one representative record
pair each, and gathered back. :class:`DistinctPairs` finds them with one hash of
an integer key per pair (no sort) and keeps one ``int32`` per pair: missing,
equal, or the number of its value pair.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

from linkage.comparisons._codes import FrameCodes, Rows
from linkage.comparisons.comparison import Comparison
from linkage.comparisons.levels import ElseLevel

#: A column's value pairs are found over the call when the pairs number at least this
#: many times its values. At 1M records (6.1M pairs) the names (8-27k values) qualify and
#: the phones, e-mails and identifiers do not (hundreds of thousands of values); the
#: random pairs for u (400k) repeat few value pairs in any column but the sex.
PAIRS_PER_VALUE = 100
#: A string score (Jaro-Winkler) of a column is computed once per distinct unordered
#: value pair of the call when the pairs number at least this many times its values: at
#: 1M the addresses (196k values, 6.1M pairs; 3.3M scored pairs hold 1.7M value pairs).
SCORE_PAIRS_PER_VALUE = 10
#: Columns with fewer values are numbered by a hash of the pair keys (few distinct pairs:
#: the table stays small); more, by a sort of the keys packed with their positions, which
#: at 1M costs less CPU and memory than Arrow's hash table (family names, 770k distinct of
#: 3.3M keys: 0.30 vs 0.35 s, peak ~50 MiB lower; addresses, 1.7M of 3.3M: ~100 MiB lower).
HASH_MAX_VALUES = 2**10
#: ``index`` entries below the first value pair: a side missing, equal values.
MISSING, EQUAL, FIRST = 0, 1, 2


def worth_it(codes: FrameCodes, column: str, n_pairs: int, per_value: int | None = None) -> bool:
    """Whether ``n_pairs`` pairs likely repeat the value pairs of ``column`` often."""
    return codes.n_values(column) * (per_value or PAIRS_PER_VALUE) <= n_pairs


def per_value_pair(codes: FrameCodes, comparison: Comparison, n_pairs: int) -> bool:
    """Whether a comparison is evaluated once per distinct value pair of the call.

    Its levels read one key column (``exact_on_equal_key``), the pairs repeat its value
    pairs, and it has a level between exact and else (for exact/else alone, such as the
    sex, one equality per pair costs less than finding the value pairs).
    """
    decided = all(isinstance(level, ElseLevel) for _, level in comparison.value_levels[1:])
    return (
        comparison.exact_on_equal_key
        and not decided
        and worth_it(codes, comparison.column, n_pairs)
    )


class DistinctPairs:
    """Distinct ordered (left code, right code) pairs of ``column``, both present and unequal.

    Args:
        codes: the frame's codes.
        column: the key column.
        left, right: row positions of all the call's pairs (any integer dtype).
        spans: (start, stop) chunks covering the pairs, to bound the temporaries.
        ordered: False: (a, b) and (b, a) are one value pair, held as (min, max) codes
            (for symmetric scores).

    Attributes:
        index: per pair, MISSING, EQUAL, or FIRST + the number of its value pair.
        left_codes, right_codes: each value pair's codes (``int32``).
    """

    def __init__(
        self,
        codes: FrameCodes,
        column: str,
        left: npt.NDArray[np.integer[Any]],
        right: npt.NDArray[np.integer[Any]],
        spans: list[tuple[int, int]],
        *,
        ordered: bool = True,
    ) -> None:
        self.codes, self.column = codes, column
        values = codes.codes(column)
        n_values = max(codes.n_values(column), 1)
        self.index = np.empty(len(left), dtype=np.int32)
        position_type = np.uint32 if len(left) < 2**32 else np.int64
        keys, positions = [], []
        for start, stop in spans:
            # intp indices: numpy gathers with (u)int32 ones several times slower
            a = values[left[start:stop].astype(np.intp)]
            b = values[right[start:stop].astype(np.intp)]
            ok = (a >= 0) & (b >= 0)
            equal = ok & (a == b)
            todo = np.flatnonzero(ok & ~equal)
            chunk = self.index[start:stop]
            chunk[:] = MISSING
            chunk[equal] = EQUAL
            if len(todo) == 0:  # Arrow leaves empty chunks out of its output
                continue
            a, b = a[todo], b[todo]
            if not ordered:
                a, b = np.minimum(a, b), np.maximum(a, b)
            key = a.astype(np.int64)
            key *= n_values
            key += b
            keys.append(key)
            positions.append((todo + start).astype(position_type))
        if n_values < HASH_MAX_VALUES:
            distinct = self._hashed(keys, positions)
        else:
            distinct = self._sorted(keys, positions)
        self.left_codes = (distinct // n_values).astype(np.int32)
        self.right_codes = (distinct % n_values).astype(np.int32)

    def _hashed(
        self, keys: list[npt.NDArray[np.int64]], positions: list[npt.NDArray[Any]]
    ) -> npt.NDArray[np.int64]:
        """Number the keys by one Arrow hash: distinct keys in order of first appearance."""
        # no copy; pa.array would import pandas
        chunked = pa.chunked_array([pl.Series(key).to_arrow() for key in keys], type=pa.int64())
        keys.clear()
        pool = pa.system_memory_pool()  # Arrow's default pool keeps what it frees resident
        encoded = pc.dictionary_encode(chunked, memory_pool=pool)
        del chunked
        distinct: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        for part, at in zip(encoded.chunks, positions, strict=True):
            self.index[at] = _view(part.indices, np.int32) + np.int32(FIRST)
            distinct = _view(part.dictionary, np.int64)
        return distinct

    def _sorted(
        self, keys: list[npt.NDArray[np.int64]], positions: list[npt.NDArray[Any]]
    ) -> npt.NDArray[np.int64]:
        """Number the keys in sorted order (one sort: less memory than a large hash table)."""
        if not keys:
            return np.empty(0, dtype=np.int64)
        key = np.concatenate(keys)
        keys.clear()
        position = np.concatenate(positions)
        positions.clear()
        key, at = _sort_with(key, position)
        del position
        first = np.empty(len(key), dtype=bool)
        first[0] = True
        np.not_equal(key[1:], key[:-1], out=first[1:])
        distinct = key[first]
        del key
        number = np.cumsum(first, dtype=np.int32)
        number += np.int32(FIRST - 1)
        self.index[at] = number
        return distinct

    def rows(self) -> tuple[Rows, Rows]:
        """A record row holding each value pair's left value, and one holding its right."""
        rows = representative_rows(self.codes, self.column)
        return rows[self.left_codes], rows[self.right_codes]

    def __len__(self) -> int:
        return len(self.left_codes)


def _sort_with(
    key: npt.NDArray[np.int64], position: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.intp]]:
    """Non-negative keys sorted, and the ``position`` of each; ``key`` is overwritten.

    When a key and its position fit in 64 bits together, the two are packed into one
    ``uint64`` (in ``key``'s memory) and sorted as values: several times cheaper than an
    argsort and the gathers it needs (33 vs 156 ms for sorting 3.3M keys with AVX-512).
    """
    bits = max(int(position.max(initial=0)).bit_length(), 1)
    if int(key.max(initial=0)) >= 1 << (64 - bits):
        order = np.argsort(key)
        return key[order], position[order].astype(np.intp)
    packed = key.view(np.uint64)
    packed <<= np.uint64(bits)
    np.bitwise_or(packed, position, out=packed)
    packed.sort()
    at = np.empty(len(packed), dtype=np.intp)
    np.bitwise_and(packed, np.uint64((1 << bits) - 1), out=at, casting="unsafe")
    packed >>= np.uint64(bits)
    return key, at


def _view(array: Any, dtype: type[np.generic]) -> npt.NDArray[Any]:
    """A null-free Arrow numeric array as numpy, without a copy (Array.to_numpy imports pandas)."""
    values = np.frombuffer(array.buffers()[1], dtype=dtype)
    return values[array.offset : array.offset + len(array)]


def representative_rows(codes: FrameCodes, column: str) -> Rows:
    """Per code of ``column``, a record row holding that value."""

    def build() -> Rows:
        values = codes.codes(column)
        rows = np.zeros(max(codes.n_values(column), 1), dtype=np.intp)
        present = np.flatnonzero(values >= 0)
        rows[values[present]] = present  # any row of a value will do: they hold the same
        return rows

    return codes.memo(("representative_rows", column), build)
