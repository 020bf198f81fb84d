"""Jaro-Winkler scored once per distinct value pair of a compare call (PairScores tables)."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import JaroWinkler

from linkage.comparisons import _pair_scores, compare, engine
from tests.linkage.test_comparisons_engine import COMPARISONS, _frame, _person, reference


@st.composite
def many_pairs(draw: Any) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    # few values, many pairs: each value pair repeats, so the name columns are tabled
    rows = [_person(draw) for _ in range(draw(st.integers(2, 30)))]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = len(rows)
    left, right = rng.integers(0, n, 1_500), rng.integers(0, n, 1_500)
    keep = left != right
    return rows, list(zip(left[keep].tolist(), right[keep].tolist(), strict=True))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_pairs())
def test_tabled_scores_match_reference(
    data: tuple[list[dict[str, Any]], list[tuple[int, int]]],
) -> None:
    rows, pairs = data
    frame = _frame(rows)
    left = np.array([p[0] for p in pairs], dtype=np.uint32)
    right = np.array([p[1] for p in pairs], dtype=np.uint32)
    expected = reference(rows, pairs, COMPARISONS)
    chunk, per_value = engine.CHUNK, _pair_scores.PAIRS_PER_VALUE
    try:
        engine.CHUNK = 700  # several chunks share one table
        tabled = compare(frame, left, right, COMPARISONS)
        _pair_scores.PAIRS_PER_VALUE = 10**9  # no table: chunk by chunk
        chunked = compare(frame, left, right, COMPARISONS)
    finally:
        engine.CHUNK, _pair_scores.PAIRS_PER_VALUE = chunk, per_value
    np.testing.assert_array_equal(tabled.gamma, expected)
    np.testing.assert_array_equal(chunked.gamma, expected)


def test_table_is_used_and_scores_each_distinct_pair_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frame = pl.DataFrame({"v": ["SMITH", "SMYTH", None, "SMITH", "JONES", ""]})
    left = np.array([0, 0, 1, 2, 3, 0, 4, 1] * 100, dtype=np.uint32)
    right = np.array([1, 3, 0, 0, 1, 4, 5, 4] * 100, dtype=np.uint32)
    codes = engine.frame_codes(frame)
    calls: list[int] = []
    real = _pair_scores.cpdist

    def counting(a: Any, b: Any, **kw: Any) -> Any:
        calls.append(len(a))
        return real(a, b, **kw)

    monkeypatch.setattr(_pair_scores, "cpdist", counting)
    tables = _pair_scores.JaroWinklerTables(codes, left, right, [(0, 300), (300, 800)])
    table = tables("v", 0.8)
    assert table is not None
    assert tables("v", 0.8) is table
    # distinct unequal present pairs: SMITH/SMYTH, SMYTH/SMITH (one), SMITH/JONES, SMYTH/JONES
    assert calls == [3]
    scores = table.at(np.arange(8))

    def jw(a: str, b: str) -> float:
        s = JaroWinkler.normalized_similarity(a, b)
        return s if s >= 0.8 else 0.0

    close, far = jw("SMITH", "SMYTH"), jw("SMITH", "JONES")
    # pairs 0 and 4 SMITH/SMYTH, 3 a missing side, 6 a blank one (missing), 7 SMYTH/JONES
    np.testing.assert_array_equal(scores, [close, 1.0, close, 0.0, close, far, 0.0, 0.0])
    assert jw("SMYTH", "JONES") == 0.0
