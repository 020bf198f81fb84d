"""The Jaro-Winkler bound from character counts never skips a pair that reaches the cutoff."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import JaroWinkler

from linkage.comparisons import _jaro_bound
from linkage.comparisons._codes import FrameCodes
from linkage.comparisons.string_levels import JaroWinklerLevel

# few letters: many pairs near any cutoff
WORDS = st.text(alphabet="ABCDE 12", min_size=1, max_size=12).filter(lambda s: s.strip() != "")


@settings(max_examples=200, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=30, unique=True), st.sampled_from([0.7, 0.8, 0.85]))
def test_bound_keeps_every_pair_at_or_above_the_cutoff(words: list[str], cutoff: float) -> None:
    codes = FrameCodes(pl.DataFrame({"v": words}))
    counts = _jaro_bound.character_counts(codes, "v")
    assert counts is not None
    n = codes.n_values("v")
    a, b = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(n)))
    strings = codes.strings("v")
    kept = _jaro_bound.may_reach(counts, a, b, cutoff)
    scores = np.array(
        [
            JaroWinkler.normalized_similarity(strings[i], strings[j])
            for i, j in zip(a, b, strict=True)
        ]
    )
    assert not np.any((scores >= cutoff) & ~kept)


@settings(max_examples=50, deadline=None)
@given(st.lists(WORDS, min_size=2, max_size=30, unique=True))
def test_value_scores_equal_with_and_without_the_bound(words: list[str]) -> None:
    level = JaroWinklerLevel(0.8, "v")
    codes = FrameCodes(pl.DataFrame({"v": words}))
    n = codes.n_values("v")
    a, b = (x.ravel() for x in np.meshgrid(np.arange(n), np.arange(n)))
    bounded = level.value_scores(codes, a, b)
    unbounded = FrameCodes(pl.DataFrame({"v": words}))
    unbounded.memo(("character_counts", "v"), lambda: None)  # as if no counts could be kept
    # a skipped pair scores 0, as rapidfuzz scores a pair below the cutoff
    np.testing.assert_array_equal(bounded, level.value_scores(unbounded, a, b))


@pytest.mark.parametrize(
    "words",
    [
        ["CAFÉ", "CAFE"],
        [chr(65 + i) * 2 for i in range(26)]
        + [chr(97 + i) for i in range(26)]
        + ["0123456789+-*/"],
        ["A" * 300, "AB"],
    ],
)
def test_no_counts_for_non_ascii_large_alphabets_or_long_runs(words: list[str]) -> None:
    codes = FrameCodes(pl.DataFrame({"v": words}))
    assert _jaro_bound.character_counts(codes, "v") is None


def test_counts_in_blocks_equal_counts_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    words = ["SMITH", "SMYTHE", "JONES", "LI", "O BRIEN", "SMITH JONES", "AA", "ZZZ 12"]
    whole = _jaro_bound.character_counts(FrameCodes(pl.DataFrame({"v": words})), "v")
    monkeypatch.setattr(_jaro_bound, "BLOCK_VALUES", 3)
    blocks = _jaro_bound.character_counts(FrameCodes(pl.DataFrame({"v": words})), "v")
    assert whole is not None
    assert blocks is not None
    np.testing.assert_array_equal(whole[0], blocks[0])
    np.testing.assert_array_equal(whole[1], blocks[1])
    assert whole[0].sum() == sum(len(w) for w in words)
