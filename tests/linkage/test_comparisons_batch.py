"""Batch fast paths (codes, dedupe, chunks, token grid, date kernels) vs the reference."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import Levenshtein

from linkage.comparisons import (
    Comparison,
    DamerauLevenshteinLevel,
    DateComparison,
    ElseLevel,
    JaroWinklerLevel,
    LevenshteinLevel,
    TokenOverlapLevel,
    _codes,
    compare,
    derived_levels,
    engine,
)
from linkage.comparisons._codes import encode_strings, frame_codes
from tests.linkage.test_comparisons_engine import (
    COMPARISONS,
    _all_pairs,
    _frame,
    _osa,
    _person,
    reference,
)


@st.composite
def larger_frames(draw: Any) -> list[dict[str, Any]]:
    return [_person(draw) for _ in range(draw(st.integers(6, 14)))]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(larger_frames())
def test_forced_fast_paths_match_reference(rows: list[dict[str, Any]]) -> None:
    """Always deduplicate, tiny chunks and a one-token grid: still the reference's levels."""
    frame = _frame(rows)
    pairs = _all_pairs(len(rows))
    left = np.array([p[0] for p in pairs], dtype=np.uint32)
    right = np.array([p[1] for p in pairs], dtype=np.uint32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_codes, "_MIN_DEDUPE", 1)
        patch.setattr(_codes, "DEDUPE_MAX_DISTINCT_RATIO", 1.0)
        patch.setattr(engine, "CHUNK", 4)
        patch.setattr(derived_levels, "GRID_WIDTH", 1)
        gamma = compare(frame, left, right, COMPARISONS).gamma
    np.testing.assert_array_equal(gamma, reference(rows, pairs, COMPARISONS))


@st.composite
def dated_rows(draw: Any) -> list[dict[str, Any]]:
    dates = st.one_of(st.none(), st.dates(dt.date(1900, 1, 1), dt.date(2030, 12, 31)))
    out = []
    for _ in range(draw(st.integers(2, 10))):
        date = draw(dates)
        year = date.year if date else draw(st.one_of(st.none(), st.integers(1900, 2030)))
        out.append({"dob_date": date, "dob_year": year})
    # near misses: a digit changed, two digits of the year swapped, day and month swapped
    base = draw(st.dates(dt.date(1950, 1, 1), dt.date(2012, 12, 28)))
    base = base.replace(day=min(base.day, 28))  # every year has it
    decade, unit = divmod(base.year % 100, 10)
    digits_swapped = base.replace(year=base.year - base.year % 100 + unit * 10 + decade)
    near = (base.replace(day=base.day % 9 + 1), base.replace(year=base.year + 10), digits_swapped)
    for other in near:
        out += [{"dob_date": base, "dob_year": base.year}, {"dob_date": other, "dob_year": None}]
    if base.day <= 12:
        swapped = base.replace(month=base.day, day=base.month)
        out.append({"dob_date": swapped, "dob_year": swapped.year})
    return out


@settings(max_examples=100, deadline=None)
@given(dated_rows())
def test_date_kernels_match_reference(rows: list[dict[str, Any]]) -> None:
    frame = pl.DataFrame(rows, schema={"dob_date": pl.Date, "dob_year": pl.Int16})
    pairs = _all_pairs(len(rows))
    comparisons = (DateComparison(),)
    left = np.array([p[0] for p in pairs], dtype=np.uint32)
    right = np.array([p[1] for p in pairs], dtype=np.uint32)
    gamma = compare(frame, left, right, comparisons).gamma
    np.testing.assert_array_equal(gamma, reference(rows, pairs, comparisons))


def test_token_overlap_beyond_the_grid() -> None:
    names = ["A BB CC DD EE", "EE", "XX YY ZZ WW", "QQ", "BB", None, "VAN DER"]
    frame = pl.DataFrame({"c": names})
    comparison = Comparison("c", "c", [TokenOverlapLevel(), JaroWinklerLevel(0.99), ElseLevel()])
    pairs = _all_pairs(len(names))
    left = np.array([p[0] for p in pairs], dtype=np.uint32)
    right = np.array([p[1] for p in pairs], dtype=np.uint32)
    gamma = compare(frame, left, right, [comparison]).gamma[:, 0].tolist()
    expected = []
    for i, j in pairs:
        a, b = names[i], names[j]
        if a is None or b is None:
            expected.append(0)
            continue
        ta = {t for t in a.split() if len(t) >= 2 and t not in {"VAN", "DER"}}
        tb = {t for t in b.split() if len(t) >= 2 and t not in {"VAN", "DER"}}
        expected.append(1 if ta & tb else 2 if a == b else 3)
    assert gamma == expected


def test_frame_codes_are_shared_per_frame() -> None:
    frame = pl.DataFrame({"c": ["A", "B"]})
    other = pl.DataFrame({"c": ["A", "B"]})
    assert frame_codes(frame) is frame_codes(frame)
    assert frame_codes(other) is not frame_codes(frame)


def test_encode_strings_blank_is_missing_and_equal_values_share_codes() -> None:
    codes, n_values, values = encode_strings(pl.Series(["B", " ", None, "A", "B", ""]))
    assert codes[1] == codes[2] == codes[5] == -1
    assert codes[0] == codes[4] != codes[3]
    assert n_values == len(values)
    assert values[int(codes[3])] == "A"


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.text("ab1", max_size=7)), min_size=2, max_size=12),
    st.sampled_from([1, 2]),
)
def test_levenshtein_prefilter_matches_rapidfuzz(values: list[str | None], distance: int) -> None:
    _assert_edit_level(
        values, LevenshteinLevel(distance), lambda a, b: Levenshtein.distance(a, b) <= distance
    )


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), st.text("ab1", max_size=7)), min_size=2, max_size=12))
def test_damerau_prefilter_matches_reference(values: list[str | None]) -> None:
    """The halves-and-middle-pair filter keeps every pair one edit or one swap apart."""
    _assert_edit_level(values, DamerauLevenshteinLevel(1), lambda a, b: _osa(a, b) <= 1)


def _assert_edit_level(
    values: list[str | None], level: Any, within: Callable[[str, str], bool]
) -> None:
    """The batch level on every pair of ``values`` equals ``within`` (0 = a side missing)."""
    frame = pl.DataFrame({"c": values}, schema={"c": pl.Utf8})
    comparison = Comparison("c", "c", [level, ElseLevel()])
    pairs = _all_pairs(len(values))
    left = np.array([p[0] for p in pairs], dtype=np.uint32)
    right = np.array([p[1] for p in pairs], dtype=np.uint32)
    gamma = compare(frame, left, right, [comparison]).gamma[:, 0].tolist()
    expected = []
    for i, j in pairs:
        a, b = values[i], values[j]
        if not a or not a.strip() or not b or not b.strip():
            expected.append(0)
        else:
            expected.append(1 if within(a, b) else 2)
    assert gamma == expected
