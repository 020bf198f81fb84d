from __future__ import annotations

from typing import Any
from unittest.mock import patch

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage._dense_codes import dense_codes

_columns = [
    pytest.param(st.sampled_from(["a", "b", "", " ", "ab", None]), pl.Utf8, id="text"),
    pytest.param(st.sampled_from([0, -5, 7, 10**12, None]), pl.Int64, id="wide-integers"),
    pytest.param(st.sampled_from([1, 2, 3, None]), pl.Int8, id="small-integers"),
    pytest.param(st.sampled_from([True, False, None]), pl.Boolean, id="booleans"),
    pytest.param(st.sampled_from([0.5, -0.0, 2.0, None]), pl.Float64, id="floats"),
]


def _check(values: list[Any], dtype: pl.DataType, blank_is_missing: bool) -> None:
    codes, k = dense_codes(pl.Series(values, dtype=dtype), blank_is_missing=blank_is_missing)

    def missing(v: Any) -> bool:
        return v is None or (blank_is_missing and isinstance(v, str) and not v.strip())

    assert codes.dtype == np.int64
    for i, a in enumerate(values):
        assert (codes[i] == -1) == missing(a)
        assert codes[i] < k
        for j, b in enumerate(values):
            if not missing(a) and not missing(b):
                assert (codes[i] == codes[j]) == (a == b)


@pytest.mark.parametrize(("strategy", "dtype"), _columns)
@pytest.mark.parametrize("blank_is_missing", [True, False])
def test_codes_are_equal_exactly_when_values_are(
    strategy: st.SearchStrategy[Any], dtype: pl.DataType, blank_is_missing: bool
) -> None:
    @settings(max_examples=40, deadline=None)
    @given(st.lists(strategy, max_size=12))
    def check(values: list[Any]) -> None:
        _check(values, dtype, blank_is_missing)

    check()


def test_a_hash_collision_falls_back_to_exact_codes() -> None:
    values = ["x", "y", "x", "z"]
    constant = pl.Series([7, 7, 7, 7], dtype=pl.UInt64)
    with patch.object(pl.Series, "hash", return_value=constant):
        codes, k = dense_codes(pl.Series(values))
    assert k == 3
    assert codes[0] == codes[2] != codes[1] != codes[3] != codes[0]


def test_mostly_distinct_text_is_numbered_exactly() -> None:
    """Many distinct values take the sort path of the hash numbering."""
    rng = np.random.default_rng(0)
    values = [f"v{x}" for x in rng.integers(0, 20_000, 10_000)] + ["", " ", None, "v1"]
    codes, k = dense_codes(pl.Series(values))
    present = [v for v in values if v is not None and v.strip()]
    assert k == len(set(present))
    first: dict[str, int] = {}
    for value, code in zip(values, codes.tolist(), strict=True):
        if value is None or not value.strip():
            assert code == -1
        else:
            assert first.setdefault(value, code) == code
    assert len(set(first.values())) == len(first)
    assert min(first.values()) >= 0
    assert max(first.values()) < k
