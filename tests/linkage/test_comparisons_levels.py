"""Every comparison level on table-driven examples."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pytest

from linkage.comparisons import (
    AliasLevel,
    AnyExactLevel,
    Comparison,
    DamerauLevenshteinLevel,
    DateOneDigitLevel,
    DateTransposedLevel,
    ElseLevel,
    EmailLocalPartLevel,
    ExactLevel,
    InitialLevel,
    JaroWinklerLevel,
    Level,
    LevenshteinLevel,
    NameInOtherFieldLevel,
    NicknameLevel,
    PhoneticLevel,
    SameYearLevel,
    SuffixLevel,
    SwappedNamesLevel,
    TokenOverlapLevel,
    YearsWithinLevel,
    comparison_from_dict,
    default_comparisons,
    level_from_dict,
)
from linkage.errors import ConfigError

D = dt.date

CASES: list[tuple[str, Level, Any, Any, bool]] = [
    ("exact-equal", ExactLevel("c"), "SMITH", "SMITH", True),
    ("exact-differ", ExactLevel("c"), "SMITH", "SMYTH", False),
    ("exact-null", ExactLevel("c"), None, None, False),
    ("exact-blank-is-null", ExactLevel("c"), "", "", False),
    (
        "exact-two-columns",
        ExactLevel(["n", "s"]),
        {"n": "12", "s": "KING ST"},
        {"n": "12", "s": "KING ST"},
        True,
    ),
    (
        "exact-two-columns-one-differs",
        ExactLevel(["n", "s"]),
        {"n": "12", "s": "KING ST"},
        {"n": "14", "s": "KING ST"},
        False,
    ),
    (
        "any-exact-postcode",
        AnyExactLevel(["sub", "pc"]),
        {"sub": "A", "pc": "3000"},
        {"sub": "B", "pc": "3000"},
        True,
    ),
    (
        "any-exact-none",
        AnyExactLevel(["sub", "pc"]),
        {"sub": "A", "pc": "3000"},
        {"sub": "B", "pc": None},
        False,
    ),
    ("nickname-same-root", NicknameLevel("root"), "ROBERT", "ROBERT", True),
    ("nickname-other-root", NicknameLevel("root"), "ROBERT", "WILLIAM", False),
    (
        "phonetic-metaphone",
        PhoneticLevel(["mph", "sdx"]),
        {"mph": "SM0", "sdx": "S530"},
        {"mph": "SM0", "sdx": "S531"},
        True,
    ),
    (
        "phonetic-soundex",
        PhoneticLevel(["mph", "sdx"]),
        {"mph": "SM0", "sdx": "S530"},
        {"mph": "SMT", "sdx": "S530"},
        True,
    ),
    (
        "phonetic-neither",
        PhoneticLevel(["mph", "sdx"]),
        {"mph": "SM0", "sdx": "S530"},
        {"mph": "JNS", "sdx": "J520"},
        False,
    ),
    ("jw-high", JaroWinklerLevel(0.92, "c"), "MARTHA", "MARHTA", True),
    ("jw-below", JaroWinklerLevel(0.92, "c"), "DIXON", "DICKSONX", False),
    ("jw-080", JaroWinklerLevel(0.80, "c"), "DIXON", "DICKSONX", True),
    ("jw-null", JaroWinklerLevel(0.80, "c"), "DIXON", None, False),
    ("lev-one", LevenshteinLevel(1, "c"), "ABC1234", "ABC1235", True),
    ("lev-two", LevenshteinLevel(1, "c"), "ABC1234", "ABC1256", False),
    ("lev-two-allowed", LevenshteinLevel(2, "c"), "ABC1234", "ABC1256", True),
    ("lev-transposition-is-two", LevenshteinLevel(1, "c"), "7200837", "7208037", False),
    ("damerau-transposition", DamerauLevenshteinLevel(1, "c"), "7200837", "7208037", True),
    ("damerau-middle-pair", DamerauLevenshteinLevel(1, "c"), "1234", "1324", True),
    ("damerau-last-pair", DamerauLevenshteinLevel(1, "c"), "1234", "1243", True),
    ("damerau-one-edit", DamerauLevenshteinLevel(1, "c"), "ABC1234", "ABC123", True),
    ("damerau-two-swaps", DamerauLevenshteinLevel(1, "c"), "1234", "2143", False),
    ("damerau-rotation", DamerauLevenshteinLevel(1, "c"), "123", "231", False),
    ("token-compound", TokenOverlapLevel("c"), "SMITH JONES", "JONES", True),
    ("token-none", TokenOverlapLevel("c"), "SMITH JONES", "BROWN", False),
    ("token-particle-only", TokenOverlapLevel("c"), "VAN DYKE", "VAN HALEN", False),
    ("transposed", DateTransposedLevel("d"), D(1980, 3, 2), D(1980, 2, 3), True),
    ("transposed-other-year", DateTransposedLevel("d"), D(1980, 3, 2), D(1981, 2, 3), False),
    ("transposed-same-day-month", DateTransposedLevel("d"), D(1980, 3, 3), D(1980, 3, 3), False),
    ("one-digit-day", DateOneDigitLevel("d"), D(1980, 3, 12), D(1980, 3, 13), True),
    ("one-digit-year", DateOneDigitLevel("d"), D(1980, 3, 12), D(1990, 3, 12), True),
    ("one-digit-two-digits", DateOneDigitLevel("d"), D(1980, 3, 12), D(1980, 4, 13), False),
    ("one-digit-swap-off", DateOneDigitLevel("d"), D(1937, 4, 16), D(1973, 4, 16), False),
    (
        "digit-swap-year",
        DateOneDigitLevel("d", transpositions=True),
        D(1937, 4, 16),
        D(1973, 4, 16),
        True,
    ),
    (
        "digit-swap-month-day",
        DateOneDigitLevel("d", transpositions=True),
        D(1910, 2, 10),
        D(1910, 1, 20),
        True,
    ),
    (
        "digit-swap-still-one-digit",
        DateOneDigitLevel("d", transpositions=True),
        D(1980, 3, 12),
        D(1980, 3, 13),
        True,
    ),
    (
        "digit-swap-not-adjacent",
        DateOneDigitLevel("d", transpositions=True),
        D(1937, 4, 16),
        D(1937, 6, 14),
        False,
    ),
    (
        "same-year-full",
        SameYearLevel("y", "d"),
        {"y": 1980, "d": D(1980, 1, 1)},
        {"y": 1980, "d": D(1980, 12, 1)},
        True,
    ),
    (
        "same-year-partial",
        SameYearLevel("y", "d"),
        {"y": 1980, "d": None},
        {"y": None, "d": D(1980, 12, 1)},
        True,
    ),
    (
        "same-year-differ",
        SameYearLevel("y", "d"),
        {"y": 1980, "d": None},
        {"y": 1981, "d": None},
        False,
    ),
    (
        "within-3",
        YearsWithinLevel(3, "y", "d"),
        {"y": 1980, "d": None},
        {"y": 1983, "d": None},
        True,
    ),
    (
        "within-3-no",
        YearsWithinLevel(3, "y", "d"),
        {"y": 1980, "d": None},
        {"y": 1984, "d": None},
        False,
    ),
    ("suffix-8", SuffixLevel(8, "c"), "+61398765432", "0398765432", True),
    ("suffix-8-differ", SuffixLevel(8, "c"), "+61398765432", "+61398765431", False),
    ("suffix-too-short", SuffixLevel(8, "c"), "5432", "5432", False),
    ("email-local", EmailLocalPartLevel("c"), "jo.smith@a.com", "jo.smith@b.org", True),
    ("email-local-differ", EmailLocalPartLevel("c"), "jo.smith@a.com", "j.smith@a.com", False),
    ("initial", InitialLevel("c"), "J", "JAMES", True),
    ("initial-both-full", InitialLevel("c"), "JOHN", "JAMES", False),
    ("initial-other-letter", InitialLevel("c"), "K", "JAMES", False),
    ("else", ElseLevel(), "A", "B", True),
    (
        "swapped",
        SwappedNamesLevel("g", "f"),
        {"g": "JOHN", "f": "SMITH"},
        {"g": "SMITH", "f": "JOHN"},
        True,
    ),
    (
        "not-swapped",
        SwappedNamesLevel("g", "f"),
        {"g": "JOHN", "f": "SMITH"},
        {"g": "SMITH", "f": "JON"},
        False,
    ),
    (
        "swapped-one-typo",
        SwappedNamesLevel("g", "f", threshold=0.88),
        {"g": "GABRIELLE", "f": "LANGER"},
        {"g": "LAZNGER", "f": "GABRIELLE"},
        True,
    ),
    (
        "swapped-one-typo-needs-threshold",
        SwappedNamesLevel("g", "f"),
        {"g": "GABRIELLE", "f": "LANGER"},
        {"g": "LAZNGER", "f": "GABRIELLE"},
        False,
    ),
    (
        "swapped-other-name-differs",
        SwappedNamesLevel("g", "f", threshold=0.88),
        {"g": "GABRIELLE", "f": "LANGER"},
        {"g": "HOWIE", "f": "GABRIELLE"},
        False,
    ),
    (
        "swapped-both-typos",
        SwappedNamesLevel("g", "f", threshold=0.88),
        {"g": "GABRIELLE", "f": "LANGER"},
        {"g": "LAZNGER", "f": "GABRIELE"},
        False,
    ),
    (
        "name-in-other-field",
        NameInOtherFieldLevel("g", "f"),
        {"g": "FLYNN", "f": "WELLER"},
        {"g": "WELLER", "f": "EBONY"},
        True,
    ),
    (
        "name-in-same-field-only",
        NameInOtherFieldLevel("g", "f"),
        {"g": "FLYNN", "f": "WELLER"},
        {"g": "EBONY", "f": "WELLER"},
        False,
    ),
    (
        "alias-is-other-name",
        AliasLevel("a", "g", "f"),
        {"a": ["BOB SMITH"], "g": "ROBERT", "f": "JONES"},
        {"a": None, "g": "BOB", "f": "SMITH"},
        True,
    ),
    (
        "alias-shared",
        AliasLevel("a", "g", "f"),
        {"a": ["X Y"], "g": "A", "f": "B"},
        {"a": ["Z W", "X Y"], "g": "C", "f": "D"},
        True,
    ),
    (
        "alias-none",
        AliasLevel("a", "g", "f"),
        {"a": ["X Y"], "g": "A", "f": "B"},
        {"a": ["Z W"], "g": "X", "f": "Q"},
        False,
    ),
]


@pytest.mark.parametrize(
    ("level", "left", "right", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_level(level: Level, left: Any, right: Any, expected: bool) -> None:
    def wrap(value: Any) -> Any:
        if isinstance(value, dict):
            return {
                k: np.array([v, None][:1] if not isinstance(v, list) else [v], dtype=object)
                for k, v in value.items()
            }
        return np.array([value], dtype=object)

    assert level.compare(wrap(left), wrap(right)).tolist() == [expected]
    assert level.compare(wrap(right), wrap(left)).tolist() == [expected]  # symmetric


@pytest.mark.parametrize(
    "make",
    [
        lambda: JaroWinklerLevel(0),
        lambda: JaroWinklerLevel(1.5),
        lambda: LevenshteinLevel(0),
        lambda: DamerauLevenshteinLevel(0),
        lambda: SwappedNamesLevel(threshold=0),
        lambda: SuffixLevel(0),
        lambda: YearsWithinLevel(0),
        lambda: AnyExactLevel([]),
        lambda: Comparison("x", "c", [ExactLevel()]),
        lambda: Comparison("x", "c", [ElseLevel(), ExactLevel(), ElseLevel()]),
    ],
    ids=[
        "jw-zero",
        "jw-above-one",
        "lev-zero",
        "damerau-zero",
        "swap-threshold-zero",
        "suffix-zero",
        "years-zero",
        "any-empty",
        "no-else",
        "else-not-last",
    ],
)
def test_bad_parameters_raise_config_error(make: Any) -> None:
    with pytest.raises(ConfigError):
        make()


def test_level_round_trip() -> None:
    for _, level, *_ in CASES:
        assert level_from_dict(level.to_dict()) == level


def test_default_comparisons_round_trip_and_numbering() -> None:
    comparisons = default_comparisons(["licence"])
    names = [c.name for c in comparisons]
    assert names == [
        "given_name",
        "family_name",
        "middle_name",
        "dob",
        "sex",
        "address",
        "phone",
        "email",
        "id_licence",
    ]
    for comparison in comparisons:
        rebuilt = comparison_from_dict(comparison.to_dict())
        assert rebuilt == comparison
        assert type(rebuilt) is type(comparison)
        assert comparison.level_labels[0] == "null"
        assert comparison.level_labels[-1] == "else"
    given = comparisons[0]
    assert given.tf_adjusted
    assert given.level_labels[1:5] == (
        "exact",
        "same nickname root",
        "given and family swapped",
        "given and family swapped, one Jaro-Winkler >= 0.88",
    )
    family = comparisons[1]
    assert family.level_labels[3] == "alias agrees"
    assert family.level_labels[-2:] == ("a name in the other name field", "else")
    # a cross-field agreement is evidence once: no cross level in two comparisons
    cross = [repr(lv) for c in comparisons for _, lv in c.cross_levels]
    assert len(cross) == len(set(cross))
    assert comparisons[-1].column == "id_licence_std"


def test_unknown_level_kind() -> None:
    with pytest.raises(ConfigError):
        level_from_dict({"kind": "nope"})
