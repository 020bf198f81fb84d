from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from linkage.encoding import NULL_CODE, encode


@given(st.lists(st.one_of(st.none(), st.text("ab \t", max_size=4)), max_size=40))
def test_codes_decode_to_the_values_and_missing_to_null_code(values: list[str | None]) -> None:
    encoded = encode(pl.Series(values, dtype=pl.Utf8))

    decoded = [None if c == NULL_CODE else encoded.values[int(c)] for c in encoded.codes]
    expected = [v if v is not None and v.strip() else None for v in values]
    assert decoded == expected
    assert encoded.values.is_sorted()
    assert encoded.values.n_unique() == encoded.n_values


def test_integer_columns_encode_too() -> None:
    encoded = encode(pl.Series([1985, None, 1970, 1985]))
    assert encoded.codes.tolist() == [1, NULL_CODE, 0, 1]
    assert encoded.values.to_list() == [1970, 1985]
