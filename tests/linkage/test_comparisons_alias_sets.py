"""The alias level's batch sets found through codes equal those built from name strings."""

from __future__ import annotations

from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.comparisons._codes import FrameCodes
from linkage.comparisons.cross import AliasLevel

GIVEN = st.sampled_from([None, "", " ", "BOB", "MARY", "LEE", "SMITH"])  # no space in a name
NAMES = st.sampled_from([None, "", " ", "BOB", "MARY", "LEE", "SMITH JONES", "SMITH", " LI"])
ALIASES = st.sampled_from(
    ["BOB SMITH", "MARY SMITH JONES", "LEE", "BOB  LI", " LI", "MARY LEE", ""]
)


@st.composite
def records(draw: Any, given_names: Any = GIVEN) -> pl.DataFrame:
    n = draw(st.integers(1, 25))
    return pl.DataFrame(
        {
            "given_first": [draw(given_names) for _ in range(n)],
            "family_std": [draw(NAMES) for _ in range(n)],
            "alias_names": [draw(st.none() | st.lists(ALIASES, max_size=3)) for _ in range(n)],
        },
        schema={"given_first": pl.Utf8, "family_std": pl.Utf8, "alias_names": pl.List(pl.Utf8)},
    )


def _same(frame: pl.DataFrame, *, split: bool) -> None:
    codes = FrameCodes(frame)
    level = AliasLevel()
    expected = level._sets_large(codes.table())
    calls: list[bool] = []
    level._sets_large = lambda table: calls.append(True) or expected  # type: ignore[method-assign]
    got = level._sets_from_codes(codes)
    assert calls == ([] if split else [True])
    for want, have in zip(expected, got, strict=True):
        for a, b in zip(want, have, strict=True):
            np.testing.assert_array_equal(a, b)


@settings(max_examples=200, deadline=None)
@given(records())
def test_sets_from_codes_equal_the_string_sets(frame: pl.DataFrame) -> None:
    _same(frame, split=True)


@settings(max_examples=50, deadline=None)
@given(records(st.sampled_from(["BOB SMITH", "MARY", "BOB"])))
def test_given_names_with_a_space_fall_back(frame: pl.DataFrame) -> None:
    spaced = frame["given_first"].str.contains(" ") & (frame["given_first"].str.strip_chars() != "")
    _same(
        frame, split=not spaced.any()
    )  # "BOB SMITH" + " " + family cannot be split at the first space
