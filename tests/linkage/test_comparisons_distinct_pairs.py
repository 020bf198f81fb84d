"""One-key-column comparisons evaluated once per distinct value pair of a compare call."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage.comparisons import _distinct_pairs, compare, engine
from tests.linkage.test_comparisons_engine import COMPARISONS, _frame, _person, reference


@st.composite
def many_pairs(draw: Any) -> tuple[list[dict[str, Any]], list[tuple[int, int]]]:
    # few values, many pairs: each value pair repeats, so the one-key comparisons qualify
    rows = [_person(draw) for _ in range(draw(st.integers(2, 30)))]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    n = len(rows)
    left, right = rng.integers(0, n, 1_500), rng.integers(0, n, 1_500)
    keep = left != right
    return rows, list(zip(left[keep].tolist(), right[keep].tolist(), strict=True))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(many_pairs())
def test_distinct_value_pairs_match_reference(
    data: tuple[list[dict[str, Any]], list[tuple[int, int]]],
) -> None:
    rows, pairs = data
    frame = _frame(rows)
    left = np.array([p[0] for p in pairs], dtype=np.uint32)
    right = np.array([p[1] for p in pairs], dtype=np.uint32)
    expected = reference(rows, pairs, COMPARISONS)
    module = _distinct_pairs
    saved = engine.CHUNK, module.PAIRS_PER_VALUE, engine.SCORE_PAIRS_PER_VALUE
    hash_max, parallel = module.HASH_MAX_VALUES, engine.PARALLEL_PAIRS
    try:
        engine.CHUNK = 700  # several chunks share the value pairs
        assert module.worth_it(engine.frame_codes(frame), "given_std", len(left))
        distinct = compare(frame, left, right, COMPARISONS)
        module.HASH_MAX_VALUES = 0  # value pairs numbered by a sort
        distinct_sorted = compare(frame, left, right, COMPARISONS)
        module.HASH_MAX_VALUES = hash_max
        engine.PARALLEL_PAIRS = 0  # comparisons side by side on two threads
        threaded = compare(frame, left, right, COMPARISONS)
        engine.PARALLEL_PAIRS = parallel
        # chunk by chunk, pair by pair; addresses scored per chunk
        module.PAIRS_PER_VALUE = engine.SCORE_PAIRS_PER_VALUE = 10**9
        chunked = compare(frame, left, right, COMPARISONS)
    finally:
        engine.CHUNK, module.PAIRS_PER_VALUE, engine.SCORE_PAIRS_PER_VALUE = saved
        module.HASH_MAX_VALUES, engine.PARALLEL_PAIRS = hash_max, parallel
    np.testing.assert_array_equal(distinct.gamma, expected)
    np.testing.assert_array_equal(distinct_sorted.gamma, expected)
    np.testing.assert_array_equal(threaded.gamma, expected)
    assert list(threaded.tf) == list(distinct.tf)
    np.testing.assert_array_equal(chunked.gamma, expected)
    for name in distinct.tf:
        np.testing.assert_array_equal(distinct.tf[name], chunked.tf[name])
        np.testing.assert_array_equal(distinct_sorted.tf[name], chunked.tf[name])
        np.testing.assert_array_equal(threaded.tf[name], chunked.tf[name])


def test_distinct_pairs_index_and_representatives() -> None:
    frame = pl.DataFrame({"v": ["SMITH", "SMYTH", None, "SMITH", "JONES", ""]})
    left = np.array([0, 0, 1, 2, 3, 0, 4, 1] * 100, dtype=np.uint32)
    right = np.array([1, 3, 0, 0, 1, 4, 5, 4] * 100, dtype=np.uint32)
    codes = engine.frame_codes(frame)
    pairs = _distinct_pairs.DistinctPairs(codes, "v", left, right, [(0, 300), (300, 800)])
    values = frame["v"].to_list()
    # ordered value pairs: SMITH/SMYTH (pairs 0 and 4), SMYTH/SMITH, SMITH/JONES, SMYTH/JONES
    assert len(pairs) == 4
    got = [(values[a], values[b]) for a, b in zip(*pairs.rows(), strict=True)]
    assert got == [("SMITH", "SMYTH"), ("SMYTH", "SMITH"), ("SMITH", "JONES"), ("SMYTH", "JONES")]
    first = _distinct_pairs.FIRST
    expected = [first, _distinct_pairs.EQUAL, first + 1, _distinct_pairs.MISSING, first]
    expected += [first + 2, _distinct_pairs.MISSING, first + 3]  # a blank value is missing
    np.testing.assert_array_equal(pairs.index, expected * 100)


@pytest.mark.parametrize("hash_max", [_distinct_pairs.HASH_MAX_VALUES, 0])
def test_unordered_distinct_pairs(hash_max: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # hashed (few values) or sorted (many): the same value pairs, numbered differently
    monkeypatch.setattr(_distinct_pairs, "HASH_MAX_VALUES", hash_max)
    frame = pl.DataFrame({"v": ["SMITH", "SMYTH", None, "SMITH", "JONES", ""]})
    left = np.array([0, 0, 1, 2, 3, 0, 4, 1] * 100, dtype=np.uint32)
    right = np.array([1, 3, 0, 0, 1, 4, 5, 4] * 100, dtype=np.uint32)
    codes = engine.frame_codes(frame)
    spans = [(0, 300), (300, 800)]
    pairs = _distinct_pairs.DistinctPairs(codes, "v", left, right, spans, ordered=False)
    strings = codes.strings("v")
    got = {
        (strings[a], strings[b]) for a, b in zip(pairs.left_codes, pairs.right_codes, strict=True)
    }
    # SMITH/SMYTH and SMYTH/SMITH are one pair, held as (lower code, higher code)
    assert all(a < b for a, b in zip(pairs.left_codes, pairs.right_codes, strict=True))
    assert got == {("SMITH", "SMYTH"), ("SMITH", "JONES"), ("SMYTH", "JONES")}
    index = pairs.index[:8]
    assert index[0] == index[2] >= _distinct_pairs.FIRST
    assert list(index[[1, 3, 6]]) == [_distinct_pairs.EQUAL, *[_distinct_pairs.MISSING] * 2]
    held = zip(pairs.left_codes, pairs.right_codes, strict=True)
    numbered = {
        _distinct_pairs.FIRST + n: (strings[a], strings[b]) for n, (a, b) in enumerate(held)
    }
    looked_up = [numbered[i] for i in index[[0, 5, 7]]]
    assert looked_up == [("SMITH", "SMYTH"), ("SMITH", "JONES"), ("SMYTH", "JONES")]
    np.testing.assert_array_equal(pairs.index, np.tile(index, 100))


@pytest.mark.parametrize("high", [50, 2**40, 2**62])  # packed with positions, or argsort
def test_sort_with_sorts_the_keys_and_carries_their_positions(high: int) -> None:
    keys = np.random.default_rng(high % 97).integers(0, high, 10_000).astype(np.int64)
    positions = np.sort(np.random.default_rng(1).choice(10**6, 10_000, replace=False))
    got, at = _distinct_pairs._sort_with(keys.copy(), positions.astype(np.uint32))
    np.testing.assert_array_equal(got, np.sort(keys))
    np.testing.assert_array_equal(np.sort(at), positions)
    by_position = dict(zip(positions.tolist(), keys.tolist(), strict=True))
    assert [by_position[p] for p in at.tolist()] == got.tolist()
