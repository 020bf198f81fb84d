"""String similarity of every candidate pair, scored once per distinct value pair of the call.

Within one :func:`~linkage.comparisons.engine.compare` call the same two names
meet in many record pairs, spread over all chunks (1M fixture: 3.25M pairs with
unequal family names hold 538k distinct value pairs; deduplicating chunk by chunk,
after the better levels, left 2.4M to score, and the middle name was not deduplicated
at all). :class:`PairScores` finds the distinct (code, code) pairs of a column
over all the call's pairs once (a hash encode of one integer key per pair, no sort),
scores each with rapidfuzz, and keeps one ``int32`` per pair pointing at its score;
a level then gathers the scores of the pairs it looks at.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]
from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cpdist

from linkage.comparisons._codes import FrameCodes

#: A column's scores are tabled when the pairs number at least this many times its values.
#: At 1M records (6.1M pairs) the names qualify (17-27k values; 538k distinct unequal
#: family name pairs among 3.25M); the address (196k values, 1.7M distinct among 3.3M) does
#: not: the table would save half its scoring for more memory (a hash of 1.7M keys) than
#: chunk by chunk, and the random pairs for u (400k) have few repeats in any column.
PAIRS_PER_VALUE = 100
#: Distinct value pairs scored per rapidfuzz call.
_SCORE_BATCH = 250_000
#: Entries 0 and 1 of the score table: a side missing, equal values.
_MISSING, _EQUAL, _FIRST = 0, 1, 2


class PairScores:
    """``scorer`` of each pair's values of ``column``, looked up by pair position.

    Args:
        codes: the frame's codes.
        column: the string column scored.
        left, right: row positions of all the pairs (any integer dtype).
        spans: (start, stop) chunks covering the pairs, to bound the temporaries.
        scorer: a rapidfuzz scorer; ``cutoff`` its ``score_cutoff``.
        same, missing: the score of equal values and of a pair with a side missing.
    """

    def __init__(
        self,
        codes: FrameCodes,
        column: str,
        left: npt.NDArray[np.integer[Any]],
        right: npt.NDArray[np.integer[Any]],
        spans: list[tuple[int, int]],
        *,
        scorer: Callable[..., Any],
        cutoff: float,
        same: float,
        missing: float,
    ) -> None:
        values = codes.codes(column)
        n_values = max(codes.n_values(column), 1)
        # per pair: _MISSING, _EQUAL, or the number of its distinct pair plus _FIRST
        self.index = np.empty(len(left), dtype=np.int32)
        position_type = np.uint32 if len(left) < 2**32 else np.int64
        keys, positions = [], []
        for start, stop in spans:
            a, b = values[left[start:stop]], values[right[start:stop]]
            ok = (a >= 0) & (b >= 0)
            equal = ok & (a == b)
            todo = np.flatnonzero(ok & ~equal)
            chunk = self.index[start:stop]
            chunk[:] = _MISSING
            chunk[equal] = _EQUAL
            if len(todo) == 0:  # Arrow leaves empty chunks out of its output
                continue
            a, b = a[todo], b[todo]
            key = np.minimum(a, b).astype(np.int64)
            key *= n_values
            key += np.maximum(a, b)
            keys.append(pa.array(key, type=pa.int64()))  # no copy
            positions.append((todo + start).astype(position_type))
        # hash-based (no sort): the distinct keys in order of first appearance and each
        # key's number, one dictionary across the chunks
        pool = pa.system_memory_pool()  # Arrow's default pool keeps what it frees resident
        encoded = pc.dictionary_encode(pa.chunked_array(keys, type=pa.int64()), memory_pool=pool)
        del keys
        distinct: npt.NDArray[np.int64] = np.empty(0, dtype=np.int64)
        for part, at in zip(encoded.chunks, positions, strict=True):
            self.index[at] = part.indices.to_numpy(zero_copy_only=False) + np.int32(_FIRST)
            distinct = part.dictionary.to_numpy(zero_copy_only=False)
        del encoded, positions
        strings = codes.strings(column)
        table = np.empty(len(distinct) + _FIRST, dtype=np.float64)
        table[_MISSING], table[_EQUAL] = missing, same
        # in batches: rapidfuzz holds a converted copy of every string of a call
        for start in range(0, len(distinct), _SCORE_BATCH):
            batch = distinct[start : start + _SCORE_BATCH]
            table[_FIRST + start : _FIRST + start + len(batch)] = cpdist(
                strings[batch // n_values],
                strings[batch % n_values],
                scorer=scorer,
                score_cutoff=cutoff,
                dtype=np.float64,
                workers=-1,
            )
        self.table = table

    def at(self, positions: npt.NDArray[np.integer[Any]]) -> npt.NDArray[np.float64]:
        """Scores of the pairs at ``positions`` (of all the call's pairs)."""
        scores: npt.NDArray[np.float64] = self.table[self.index[positions]]
        return scores


class JaroWinklerTables:
    """Jaro-Winkler :class:`PairScores` of one call's pairs, built on first use per column.

    ``tables(column, cutoff)``: missing scores 0 and equal values 1, as
    :meth:`~linkage.comparisons.string_levels.JaroWinklerLevel.pair_scores`.
    """

    def __init__(
        self,
        codes: FrameCodes,
        left: npt.NDArray[np.integer[Any]],
        right: npt.NDArray[np.integer[Any]],
        spans: list[tuple[int, int]],
    ) -> None:
        self._codes, self._left, self._right, self._spans = codes, left, right, spans
        self._tables: dict[tuple[str, float], PairScores] = {}

    def __call__(self, column: str, cutoff: float) -> PairScores | None:
        """The table of ``column`` at ``cutoff``, built on the first call.

        None when the column has too many values for its value pairs to repeat much: the
        caller scores its pairs chunk by chunk.
        """
        if self._codes.n_values(column) * PAIRS_PER_VALUE > len(self._left):
            return None
        table = self._tables.get((column, cutoff))
        if table is None:
            table = PairScores(
                self._codes,
                column,
                self._left,
                self._right,
                self._spans,
                scorer=JaroWinkler.normalized_similarity,
                cutoff=cutoff,
                same=1.0,
                missing=0.0,
            )
            self._tables[column, cutoff] = table
        return table
