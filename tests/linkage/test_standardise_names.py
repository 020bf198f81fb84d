"""Names: cleaning, honorifics, suffixes, nickname roots, phonetic keys, aliases."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.standardise._nicknames import nickname_root, root_table
from linkage.standardise.names import (
    HONORIFICS,
    PARTICLES,
    SUFFIXES,
    alias_table,
    family_parts,
    given_parts,
    standardise_alias,
    standardise_name,
)

NAMES = [
    ("plain", "smith", "SMITH"),
    ("accents", "José Müller", "JOSE MULLER"),
    ("curly-apostrophe", "O\u2019Brien", "OBRIEN"),
    ("apostrophe", "O'Brien", "OBRIEN"),
    ("hyphen", "Smith-Jones", "SMITH JONES"),
    ("compound", "van der Berg", "VAN DER BERG"),
    ("honorific", "Mr John", "JOHN"),
    ("honorific-dotted", "Dr. Jane", "JANE"),
    ("two-honorifics", "Rev Dr Paul", "PAUL"),
    ("suffix-jr", "Smith Jr.", "SMITH"),
    ("suffix-iii", "Gates III", "GATES"),
    ("initial", "J.", "J"),
    ("initials", "J.R.R.", "J R R"),
    ("double-space", "  Mary   Anne ", "MARY ANNE"),
    ("only-honorific-kept", "Miss", "MISS"),
    ("digits-dropped", "J0hn", "J HN"),
    ("emoji-dropped", "Zoe 😀", "ZOE"),
    ("empty", "", None),
    ("whitespace", " \t\n", None),
    ("punctuation-only", "-.'", None),
    ("none", None, None),
]


@pytest.mark.parametrize(("raw", "expected"), [c[1:] for c in NAMES], ids=[c[0] for c in NAMES])
def test_standardise_name(raw: str | None, expected: str | None) -> None:
    assert standardise_name(raw) == expected


ROOTS = [
    ("BOB", "ROBERT"),
    ("ROB", "ROBERT"),
    ("ROBBIE", "ROBERT"),
    ("BOBBY", "ROBERT"),
    ("ROBERT", "ROBERT"),
    ("LIZ", "ELIZABETH"),
    ("BETH", "ELIZABETH"),
    ("ELIZABETH", "ELIZABETH"),
    ("BILL", "WILLIAM"),
    ("WILL", "WILLIAM"),
    ("WILLIAM", "WILLIAM"),
    ("KATE", "KATHERINE"),
    ("KATHY", "KATHERINE"),
    ("KATHERINE", "KATHERINE"),
    ("JIM", "JAMES"),
    ("MIKE", "MICHAEL"),
    ("PEGGY", "MARGARET"),
    ("JOHN", "JOHN"),
    ("PETER", "PETER"),
    ("MARY", "MARY"),
    ("ALEXANDER", "ALEXANDER"),
    ("CHRIS", "CHRIS"),  # ambiguous: Christopher or Christine
    ("SAM", "SAM"),
    ("ZYGMUNT", "ZYGMUNT"),  # unknown names are their own root
]


@pytest.mark.parametrize(("name", "root"), ROOTS, ids=[r[0] for r in ROOTS])
def test_nickname_root(name: str, root: str) -> None:
    assert nickname_root(name) == root


def test_every_root_is_a_fixed_point() -> None:
    table = root_table()
    assert len(table) > 1000
    bad = {name: root for name, root in table.items() if nickname_root(root) != root}
    assert bad == {}


def test_given_parts_use_first_token() -> None:
    std, first, root, sdx, mph, nysiis = given_parts("Mr Bob James")
    assert (std, first, root) == ("BOB JAMES", "BOB", "ROBERT")
    assert (sdx, mph, nysiis) == ("B100", "BB", "BAB")


def test_family_parts_split_and_phonetics_without_spaces() -> None:
    std, first, last, sdx, _mph, _nysiis = family_parts("Smith-Jones")
    assert (std, first, last, sdx) == ("SMITH JONES", "SMITH", "JONES", "S532")
    assert family_parts("") == (None,) * 6


ALIASES = [
    ("given-family", "Bobby Smith", "BOBBY SMITH"),
    ("family-comma-given", "SMITH, Robert", "ROBERT SMITH"),
    ("comma-two-given", "Smith, Mary Anne", "MARY SMITH"),
    ("middle-dropped", "Mary Anne Smith", "MARY SMITH"),
    ("hyphen-family", "Mary Smith-Jones", "MARY SMITH JONES"),
    ("particles", "Ludwig van der Berg", "LUDWIG VAN DER BERG"),
    ("honorific-suffix", "Mr. Bob Smith Jr", "BOB SMITH"),
    ("single-word", "Bobby", "BOBBY"),
    ("apostrophe", "Sean O'Brien", "SEAN OBRIEN"),
    ("empty", "", None),
    ("punctuation", " , ", None),
]


@pytest.mark.parametrize(("raw", "expected"), [a[1:] for a in ALIASES], ids=[a[0] for a in ALIASES])
def test_standardise_alias(raw: str, expected: str | None) -> None:
    assert standardise_alias(raw) == expected


@settings(deadline=None)
@given(st.text())
def test_name_never_raises_and_is_idempotent(text: str) -> None:
    once = standardise_name(text)
    assert standardise_name(once) == once
    if once is not None:
        assert once.isascii()
        assert once == once.strip()
        assert "  " not in once


@settings(deadline=None)
@given(st.text())
def test_parts_and_aliases_never_raise(text: str) -> None:
    given_parts(text)
    family_parts(text)
    alias = standardise_alias(text)
    assert alias is None or alias.isascii()


@settings(deadline=None)
@given(st.text(alphabet=st.characters(codec="ascii", categories=["Lu", "Ll"]), min_size=1))
def test_root_is_idempotent(text: str) -> None:
    root = nickname_root(text.upper())
    assert nickname_root(root) == root


_word = st.one_of(
    st.text(alphabet="abcXYZ", min_size=1, max_size=6),
    st.sampled_from(sorted(HONORIFICS | SUFFIXES | PARTICLES)).map(str.title),
    st.sampled_from(["Mr", "jr", "van", "Bob", "O'Brien", "Zoë", "ß", "Smith-Jones"]),
)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.builds(
                lambda a, b, sep: a + sep + b, _word, _word, st.sampled_from([" ", "  ", ","])
            ),
            st.text(max_size=12),
        ),
        max_size=20,
    )
)
def test_alias_table_equals_standardise_alias(values: list[str]) -> None:
    old, new = alias_table(pl.Series(values, dtype=pl.Utf8).unique())
    assert sorted(old.to_list()) == sorted(set(values))
    assert new.dtype == pl.Utf8
    for raw, std in zip(old.to_list(), new.to_list(), strict=True):
        assert std == standardise_alias(raw), raw
