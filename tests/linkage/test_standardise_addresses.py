"""Australian addresses, suburbs, postcodes and states."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.standardise.addresses import (
    ADDRESS_COLUMNS,
    address_columns,
    address_parts,
    clean_street,
    clean_streets,
    postcode_column,
    standardise_postcode,
    standardise_state,
    standardise_suburb,
)

N = None
STREETS = [
    ("unit-word", "UNIT 3 12 SMITH STREET", ("3", "12", "SMITH", "ST", N, "3/12 SMITH ST")),
    ("slash", "3/12 Smith St", ("3", "12", "SMITH", "ST", N, "3/12 SMITH ST")),
    ("slash-spaced", "3 / 12 Smith St.", ("3", "12", "SMITH", "ST", N, "3/12 SMITH ST")),
    ("flat-comma", "Flat 2, 5 High Rd", ("2", "5", "HIGH", "RD", N, "2/5 HIGH RD")),
    (
        "apartment",
        "Apartment 4B 100 Collins Street",
        ("4B", "100", "COLLINS", "ST", N, "4B/100 COLLINS ST"),
    ),
    ("no-unit", "12 Smith Street", (N, "12", "SMITH", "ST", N, "12 SMITH ST")),
    ("avenue", "7 Lygon Avenue", (N, "7", "LYGON", "AVE", N, "7 LYGON AVE")),
    ("court", "7 Lygon Court", (N, "7", "LYGON", "CT", N, "7 LYGON CT")),
    ("crescent", "7 Lygon Crescent", (N, "7", "LYGON", "CRES", N, "7 LYGON CRES")),
    ("drive", "7 Lygon Drive", (N, "7", "LYGON", "DR", N, "7 LYGON DR")),
    ("place", "7 Lygon Place", (N, "7", "LYGON", "PL", N, "7 LYGON PL")),
    ("parade", "7 The Parade", (N, "7", "THE", "PDE", N, "7 THE PDE")),
    ("highway", "1200 Princes Highway", (N, "1200", "PRINCES", "HWY", N, "1200 PRINCES HWY")),
    ("terrace", "7 Lygon Terrace", (N, "7", "LYGON", "TCE", N, "7 LYGON TCE")),
    ("boulevard", "7 Lygon Boulevard", (N, "7", "LYGON", "BVD", N, "7 LYGON BVD")),
    ("close", "7 Lygon Close", (N, "7", "LYGON", "CL", N, "7 LYGON CL")),
    ("lane", "7 Lygon Lane", (N, "7", "LYGON", "LANE", N, "7 LYGON LANE")),
    ("grove", "7 Lygon Grove", (N, "7", "LYGON", "GR", N, "7 LYGON GR")),
    ("way", "7 Lygon Way", (N, "7", "LYGON", "WAY", N, "7 LYGON WAY")),
    ("circuit", "7 Lygon Circuit", (N, "7", "LYGON", "CCT", N, "7 LYGON CCT")),
    ("saint-name", "9 St Kilda Road", (N, "9", "ST KILDA", "RD", N, "9 ST KILDA RD")),
    ("range", "12-14 High St", (N, "12-14", "HIGH", "ST", N, "12-14 HIGH ST")),
    ("letter-number", "12A High St", (N, "12A", "HIGH", "ST", N, "12A HIGH ST")),
    ("lot", "Lot 5 Old Coach Road", (N, "LOT 5", "OLD COACH", "RD", N, "LOT 5 OLD COACH RD")),
    (
        "no-type",
        "12 The Boulevard West",
        (N, "12", "THE BOULEVARD WEST", N, N, "12 THE BOULEVARD WEST"),
    ),
    ("no-number", "Smith Street", (N, N, "SMITH", "ST", N, "SMITH ST")),
    ("po-box", "PO BOX 123", (N, N, N, N, "123", "PO BOX 123")),
    ("po-box-dotted", "P.O. Box 123", (N, N, N, N, "123", "PO BOX 123")),
    ("gpo-box", "GPO Box 12", (N, N, N, N, "12", "PO BOX 12")),
    ("locked-bag", "Locked Bag 7", (N, N, N, N, "7", "PO BOX 7")),
    ("accents", "3 Rue Élysée", (N, "3", "RUE ELYSEE", N, N, "3 RUE ELYSEE")),
    ("empty", "", (N,) * 6),
    ("punctuation", " ,/- ", (N,) * 6),
    ("none", None, (N,) * 6),
]


@pytest.mark.parametrize(("raw", "expected"), [s[1:] for s in STREETS], ids=[s[0] for s in STREETS])
def test_address_parts(raw: str | None, expected: tuple[str | None, ...]) -> None:
    assert address_parts(raw) == expected


def test_address_columns_match_address_parts_on_examples() -> None:
    raws = [s[1] for s in STREETS]
    frame = pl.DataFrame(address_columns(pl.Series(raws, dtype=pl.Utf8)))
    assert frame.columns == list(ADDRESS_COLUMNS)
    assert frame.rows() == [address_parts(r) for r in raws]


_street_text = st.one_of(
    st.text(),
    st.lists(
        st.sampled_from(
            [
                "UNIT",
                "U",
                "FLAT",
                "3",
                "12",
                "12A",
                "/",
                "-",
                ",",
                ".",
                "LOT",
                "PO",
                "BOX",
                "GPO",
                "ST",
                "STREET",
                "RD",
                "SMITH",
                "HIGH",
                "THE",
                " ",
                "  ",
                "É",
                "'",
            ]
        ),
        max_size=8,
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.none(), _street_text), max_size=20))
def test_polars_address_path_equals_python_path(raws: list[str | None]) -> None:
    frame = pl.DataFrame(address_columns(pl.Series(raws, dtype=pl.Utf8)))
    assert frame.rows() == [address_parts(r) for r in raws]


_tidy_word = st.text(alphabet="ab09/-", min_size=1, max_size=5)


@settings(max_examples=500, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.none(),
            _street_text,
            st.lists(_tidy_word, min_size=1, max_size=4).map(" ".join),
            st.lists(_tidy_word, min_size=1, max_size=4).map("  ".join),
        ),
        max_size=20,
    )
)
def test_clean_streets_equals_clean_street(raws: list[str | None]) -> None:
    out = clean_streets(pl.Series(raws, dtype=pl.Utf8)).to_list()
    assert out == [clean_street(r) for r in raws]


@settings(deadline=None)
@given(_street_text)
def test_address_is_idempotent_on_address_std(raw: str) -> None:
    std = address_parts(raw)[-1]
    if std is not None:
        assert address_parts(std)[-1] == std


PLACES = [
    ("suburb", standardise_suburb, "St. Kilda", "ST KILDA"),
    ("suburb-apostrophe", standardise_suburb, "O'Connor", "OCONNOR"),
    ("suburb-hyphen", standardise_suburb, "Kingston-upon-Hull", "KINGSTON UPON HULL"),
    ("suburb-empty", standardise_suburb, " ", None),
    ("state-full", standardise_state, "Victoria", "VIC"),
    ("state-code", standardise_state, "vic", "VIC"),
    ("state-dotted", standardise_state, "N.S.W.", "NSW"),
    ("state-nsw", standardise_state, "New South Wales", "NSW"),
    ("state-act", standardise_state, "Australian Capital Territory", "ACT"),
    ("state-unknown", standardise_state, "Ontario", None),
    ("postcode", standardise_postcode, "3000", "3000"),
    ("postcode-padded", standardise_postcode, " 3000 ", "3000"),
    ("postcode-nt", standardise_postcode, "800", "0800"),
    ("postcode-short", standardise_postcode, "30", None),
    ("postcode-long", standardise_postcode, "30000", None),
    ("postcode-letters", standardise_postcode, "3OOO", None),
    ("postcode-unicode-digits", standardise_postcode, "٣٠٠٠", None),
]


@pytest.mark.parametrize(
    ("func", "raw", "expected"), [p[1:] for p in PLACES], ids=[p[0] for p in PLACES]
)
def test_places(func: object, raw: str, expected: str | None) -> None:
    assert func(raw) == expected  # type: ignore[operator]


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.text(max_size=6), st.from_regex(r"\A ?[0-9]{3,5}\n?\Z"))))
def test_polars_postcode_equals_python(raws: list[str | None]) -> None:
    out = postcode_column(pl.Series(raws, dtype=pl.Utf8)).to_list()
    assert out == [standardise_postcode(r) for r in raws]


@settings(deadline=None)
@given(st.text())
def test_places_never_raise_and_are_idempotent(text: str) -> None:
    for func in (standardise_suburb, standardise_state, standardise_postcode):
        once = func(text)
        assert func(once) == once
