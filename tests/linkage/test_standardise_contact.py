"""Phones (fast path against phonenumbers), emails, sex codes and identifiers."""

from __future__ import annotations

import re

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.standardise.contact import (
    _SEPARATOR_CHARS,
    PHONE_SEPARATORS,
    email_column,
    identifier_column,
    phone_column,
    phone_fast,
    phone_slow,
    standardise_email,
    standardise_identifier,
    standardise_phone,
    standardise_sex,
)

PHONES = [
    ("mobile-spaces", "0412 345 678", "+61412345678"),
    ("mobile-plain", "0412345678", "+61412345678"),
    ("mobile-plus61", "+61 412 345 678", "+61412345678"),
    ("mobile-61", "61412345678", "+61412345678"),
    ("mobile-dashes", "0412-345-678", "+61412345678"),
    ("mobile-dots", "0412.345.678", "+61412345678"),
    ("landline-brackets", "(03) 9123 4567", "+61391234567"),
    ("landline-plus61", "+61 3 9123 4567", "+61391234567"),
    ("landline-sydney", "02 9876 5432", "+61298765432"),
    ("plus61-trunk-zero", "+61 (0)412 345 678", "+61412345678"),
    ("idd-prefix", "0011 61 412 345 678", "+61412345678"),
    ("uk", "+44 20 7946 0958", "+442079460958"),
    ("toll-free", "1800 123 456", "+611800123456"),
    ("invalid-mobile-range", "0400 000 00", None),
    ("too-short", "12345", None),
    ("letters", "call me", None),
    ("empty", "", None),
    ("none", None, None),
]


@pytest.mark.parametrize(("raw", "expected"), [p[1:] for p in PHONES], ids=[p[0] for p in PHONES])
def test_standardise_phone(raw: str | None, expected: str | None) -> None:
    assert standardise_phone(raw) == expected


def test_phone_column_matches_per_value_on_examples() -> None:
    raws = [p[1] for p in PHONES]
    assert phone_column(pl.Series(raws, dtype=pl.Utf8)).to_list() == [p[2] for p in PHONES]


_separator = st.sampled_from(["", "", "", " ", "-", ".", "(", ")", "  "])


@st.composite
def fast_domain_phone(draw: st.DrawFn) -> str:
    """An AU number in the fast path's shapes: prefix, 9 digits, random separators."""
    prefix = draw(st.sampled_from(["0", "61", "+61"]))
    first = draw(st.sampled_from("234478"))
    rest = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    chars = list(prefix + first + rest)
    return "".join(c + draw(_separator) for c in chars).strip()


@settings(max_examples=1000, deadline=None)
@given(fast_domain_phone())
def test_fast_path_equals_phonenumbers_on_its_domain(raw: str) -> None:
    handled, fast = phone_fast(raw)
    assert handled
    assert fast == phone_slow(raw)


@st.composite
def local_phone(draw: st.DrawFn) -> str:
    """Eight digits without an area code (any first digit), random separators."""
    digits = draw(st.text(alphabet="0123456789", min_size=8, max_size=8))
    return "".join(c + draw(_separator) for c in digits).strip()


@settings(max_examples=1000, deadline=None)
@given(local_phone())
def test_local_numbers_equal_phonenumbers(raw: str) -> None:
    handled, fast = phone_fast(raw)
    assert fast is None
    digits = "".join(c for c in raw if c.isdigit())
    assert handled == (digits[0] in "23456789" and not digits.startswith("61"))
    assert standardise_phone(raw) == phone_slow(raw)


@settings(deadline=None)
@given(
    st.lists(
        st.one_of(st.none(), fast_domain_phone(), local_phone(), st.text(max_size=15)),
        max_size=20,
    )
)
def test_polars_phone_path_equals_per_value(raws: list[str | None]) -> None:
    out = phone_column(pl.Series(raws, dtype=pl.Utf8)).to_list()
    assert out == [standardise_phone(r) for r in raws]


@settings(deadline=None)
@given(st.text(max_size=30))
def test_phone_never_raises_and_is_idempotent(text: str) -> None:
    once = standardise_phone(text)
    assert standardise_phone(once) == once


EMAILS = [
    ("lower-trim", "  Bob.Smith@Example.COM ", "bob.smith@example.com"),
    ("plus-tag", "a+tag@mail.example.org", "a+tag@mail.example.org"),
    ("no-at", "bob.example.com", None),
    ("no-tld", "bob@localhost", None),
    ("two-at", "a@b@c.com", None),
    ("space-inside", "bob smith@example.com", None),
    ("trailing-newline-inside", "bob@example.com\nx", None),
    ("unicode", "jos\u00e9@example.com", None),
    ("empty", "", None),
]


@pytest.mark.parametrize(("raw", "expected"), [e[1:] for e in EMAILS], ids=[e[0] for e in EMAILS])
def test_standardise_email(raw: str, expected: str | None) -> None:
    assert standardise_email(raw) == expected


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=12), st.emails()), max_size=20))
def test_polars_email_equals_per_value_and_is_idempotent(raws: list[str | None]) -> None:
    out = email_column(pl.Series(raws, dtype=pl.Utf8)).to_list()
    assert out == [standardise_email(r) for r in raws]
    assert [standardise_email(o) for o in out] == out


SEXES = [
    ("m", "M", "M"),
    ("male", "male", "M"),
    ("man", "Man", "M"),
    ("one", "1", "M"),
    ("f", "f", "F"),
    ("female", "FEMALE", "F"),
    ("woman", "woman", "F"),
    ("two", "2", "F"),
    ("x", "X", "X"),
    ("u", "U", "X"),
    ("indeterminate", "Indeterminate", "X"),
    ("intersex", "intersex", "X"),
    ("non-binary", "Non-Binary", "X"),
    ("unknown-word", "unknown", None),
    ("empty", "", None),
]


@pytest.mark.parametrize(("raw", "expected"), [s[1:] for s in SEXES], ids=[s[0] for s in SEXES])
def test_standardise_sex(raw: str, expected: str | None) -> None:
    assert standardise_sex(raw) == expected


IDENTIFIERS = [
    ("dashes", "ab-123", "AB123"),
    ("spaces", " 12 34 5 ", "12345"),
    ("unicode-dropped", "Ä12", "12"),
    ("only-punctuation", "--", None),
]


@pytest.mark.parametrize(
    ("raw", "expected"), [i[1:] for i in IDENTIFIERS], ids=[i[0] for i in IDENTIFIERS]
)
def test_standardise_identifier(raw: str, expected: str | None) -> None:
    assert standardise_identifier(raw) == expected


@settings(deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            st.text(max_size=10),
            st.text(alphabet="AZ09az- ", max_size=6),
            st.text(alphabet="ABC0129", min_size=1, max_size=6),
        ),
        max_size=20,
    )
)
def test_polars_identifier_equals_per_value_and_is_idempotent(raws: list[str | None]) -> None:
    out = identifier_column(pl.Series(raws, dtype=pl.Utf8), "id_x").to_list()
    assert out == [standardise_identifier(r) for r in raws]
    assert [standardise_identifier(o) for o in out] == out


@settings(deadline=None)
@given(st.text())
def test_sex_never_raises_and_is_idempotent(text: str) -> None:
    once = standardise_sex(text)
    assert standardise_sex(once) == once


def test_separator_characters_are_the_separator_pattern() -> None:
    matching = {chr(i) for i in range(0x110000) if re.fullmatch(PHONE_SEPARATORS, chr(i))}
    assert matching == set(_SEPARATOR_CHARS)
