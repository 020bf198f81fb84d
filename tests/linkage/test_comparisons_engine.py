"""The vectorised engine against a slow, obviously correct reference; compare_one vs compare."""

from __future__ import annotations

import datetime as dt
from typing import Any

import jellyfish
import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import JaroWinkler, Levenshtein

from linkage.comparisons import (
    Comparison,
    compare,
    compare_one,
    default_comparisons,
    prepare_candidates,
    term_frequencies,
)
from linkage.comparisons._kernels import PreparedRows
from linkage.comparisons.levels import PARTICLES
from linkage.comparisons.realtime import compare_one_generic, python_values
from linkage.errors import InvalidInputError

ROOTS = {"BOB": "ROBERT", "ROB": "ROBERT", "LIZ": "ELIZABETH", "BETH": "ELIZABETH"}
GIVEN = [
    "ROBERT",
    "BOB",
    "ROB",
    "ROBERTA",
    "JOHN",
    "JON",
    "LIZ",
    "ELIZABETH",
    "SMITH",
    "MARY ANNE",
    "MARY",
    "SMYTHE",
]
FAMILY = [
    "SMITH",
    "SMYTH",
    "SMITH JONES",
    "JONES",
    "JOHN",
    "ROBERT",
    "VAN DYKE",
    "VAN HALEN",
    "LEE",
    "LI",
    "ROBERTS",
]
DATES = [
    dt.date(1980, 3, 2),
    dt.date(1980, 2, 3),
    dt.date(1980, 3, 12),
    dt.date(1981, 3, 2),
    dt.date(1983, 7, 7),
    dt.date(1990, 3, 2),
    dt.date(1908, 3, 2),
    dt.date(1980, 3, 20),
]
PHONES = ["+61398765432", "+61398765433", "+61398765423", "0398765432", "+61411111111"]
EMAILS = ["jo@a.com", "jo@b.com", "ja@a.com", "xy@z.org"]
ADDRESSES = [
    ("12 KING ST", "12", "KING ST"),
    ("12A KING ST", "12A", "KING ST"),
    ("14 KING ST", "14", "KING ST"),
    ("3/12 KING ST", "12", "KING ST"),
]


def _person(draw: Any) -> dict[str, Any]:
    maybe = lambda values: draw(st.sampled_from([None, *values]))  # noqa: E731
    given_std = maybe(GIVEN)
    family_std = maybe(FAMILY)
    given_first = given_std.split()[0] if given_std else None
    address = maybe(ADDRESSES)
    dob = maybe(DATES)
    year = dob.year if dob else maybe([1980, 1981, 1985])
    aliases = draw(
        st.lists(
            st.sampled_from(["BOB SMITH", "JOHN LEE", "ROBERT SMITH JONES", "MARY LI"]), max_size=2
        )
    )
    return {
        "given_std": given_std,
        "given_first": given_first,
        "given_root": ROOTS.get(given_first, given_first) if given_first else None,
        "given_mph": jellyfish.metaphone(given_first) if given_first else None,
        "given_sdx": jellyfish.soundex(given_first) if given_first else None,
        "family_std": family_std,
        "family_mph": jellyfish.metaphone(family_std.replace(" ", "")) if family_std else None,
        "family_sdx": jellyfish.soundex(family_std.replace(" ", "")) if family_std else None,
        "middle_std": maybe(["J", "JAMES", "JAMIE", "K"]),
        "alias_names": aliases or None,
        "dob_date": dob,
        "dob_year": year,
        "sex_std": maybe(["M", "F"]),
        "address_std": address[0] if address else None,
        "street_number": address[1] if address else None,
        "street_name": address[2] if address else None,
        "suburb_std": maybe(["CARLTON", "RICHMOND"]),
        "postcode_std": maybe(["3053", "3121"]),
        "phone_std": maybe(PHONES),
        "email_std": maybe(EMAILS),
        "id_licence_std": maybe(["AB1234", "AB1235", "AB1243", "BA1234", "ZZ9999"]),
    }


SCHEMA = {"alias_names": pl.List(pl.Utf8), "dob_date": pl.Date, "dob_year": pl.Int16}


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    schema = {k: SCHEMA.get(k, pl.Utf8) for k in rows[0]}
    return pl.DataFrame(rows, schema=schema)


@st.composite
def frames(draw: Any) -> list[dict[str, Any]]:
    return [_person(draw) for _ in range(draw(st.integers(2, 7)))]


# ---------------------------------------------------------------- reference


def _ymd(d: dt.date) -> str:
    return f"{d.year:04d}{d.month:02d}{d.day:02d}"


def _year(r: dict[str, Any]) -> int | None:
    if r["dob_year"] is not None:
        return int(r["dob_year"])
    return r["dob_date"].year if r["dob_date"] else None


def _tokens(v: str) -> set[str]:
    return {t for t in v.split() if len(t) >= 2 and t not in PARTICLES}


def _name(r: dict[str, Any]) -> str | None:
    if r["given_first"] and r["family_std"]:
        return f"{r['given_first']} {r['family_std']}"
    return None


def _osa(x: str, y: str) -> int:
    """Optimal string alignment distance (edits and adjacent transpositions), by the table."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(y) + 1)] for i in range(len(x) + 1)]
    for i in range(1, len(x) + 1):
        for j in range(1, len(y) + 1):
            cost = x[i - 1] != y[j - 1]
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
            if i > 1 and j > 1 and x[i - 1] == y[j - 2] and x[i - 2] == y[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(x)][len(y)]


def _one_digit(x: str, y: str, transpositions: bool) -> bool:
    differ = [i for i in range(8) if x[i] != y[i]]
    if len(differ) == 1:
        return True
    i = differ[0] if differ else 0
    return transpositions and differ == [i, i + 1] and x[i] == y[i + 1] and x[i + 1] == y[i]


def _swapped(p: dict[str, Any], a: dict[str, Any], b: dict[str, Any]) -> bool:
    g, f = p["given_column"], p["family_column"]
    first = a[g] is not None and a[g] == b[f]
    second = a[f] is not None and a[f] == b[g]
    threshold = p.get("threshold")
    if threshold is None:
        return first and second

    def near(x: str | None, y: str | None) -> bool:
        return x is not None and y is not None and JaroWinkler.similarity(x, y) >= threshold

    return (first and (second or near(a[f], b[g]))) or (second and near(a[g], b[f]))


def _level(kind: str, p: dict[str, Any], col: str, a: dict[str, Any], b: dict[str, Any]) -> bool:
    x, y = (a.get(col), b.get(col)) if isinstance(col, str) else (None, None)
    both = x is not None and y is not None
    if kind == "exact":
        cols = p["column"] if isinstance(p["column"], list) else [p["column"]]
        return all(a[c] is not None and a[c] == b[c] for c in cols)
    if kind == "nickname":
        return a[p["root_column"]] is not None and a[p["root_column"]] == b[p["root_column"]]
    if kind in ("any_exact", "phonetic"):
        return any(a[c] is not None and a[c] == b[c] for c in p["columns"])
    if kind == "jaro_winkler":
        return both and JaroWinkler.normalized_similarity(x, y) >= p["threshold"]
    if kind == "levenshtein":
        return both and Levenshtein.distance(x, y) <= p["max_distance"]
    if kind == "damerau_levenshtein":
        return both and _osa(x, y) <= p["max_distance"]
    if kind == "token_overlap":
        return both and bool(_tokens(x) & _tokens(y))
    if kind == "suffix":
        n = p["length"]
        return both and len(x) >= n and len(y) >= n and x[-n:] == y[-n:]
    if kind == "email_local_part":
        return both and x.split("@")[0] == y.split("@")[0]
    if kind == "initial":
        return both and x[0] == y[0] and (len(x) == 1 or len(y) == 1)
    if kind == "date_transposed":
        return (
            both
            and x.year == y.year
            and x.month == y.day
            and x.day == y.month
            and (x.month != x.day)
        )
    if kind == "date_one_digit":
        return both and _one_digit(_ymd(x), _ymd(y), p["transpositions"])
    if kind in ("same_year", "years_within"):
        ya, yb = _year(a), _year(b)
        if ya is None or yb is None:
            return False
        return ya == yb if kind == "same_year" else abs(ya - yb) <= p["years"]
    if kind == "swapped_names":
        return _swapped(p, a, b)
    if kind == "name_in_other_field":
        g, f = p["given_column"], p["family_column"]
        return (a[g] is not None and a[g] == b[f]) or (a[f] is not None and a[f] == b[g])
    if kind == "alias":
        sa, sb = set(a["alias_names"] or []), set(b["alias_names"] or [])
        return bool(sa & sb) or _name(a) in sb or _name(b) in sa
    if kind == "else":
        return True
    raise AssertionError(kind)


def reference(
    rows: list[dict[str, Any]], pairs: list[tuple[int, int]], comparisons: tuple[Comparison, ...]
) -> np.ndarray:
    out = np.zeros((len(pairs), len(comparisons)), dtype=np.uint8)
    for i, (lo, r) in enumerate(pairs):
        a, b = rows[lo], rows[r]
        for j, c in enumerate(comparisons):
            if all(a.get(n) is None for n in c.null_columns) or all(
                b.get(n) is None for n in c.null_columns
            ):
                continue
            for number, level in enumerate(c.levels, 1):
                params = level.params()
                column = params.get("column") or c.column
                if _level(level.kind, params, column, a, b):
                    out[i, j] = number
                    break
    return out


def _all_pairs(n: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(n) for j in range(i + 1, n)]


COMPARISONS = default_comparisons(["licence"])


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frames())
def test_compare_matches_reference(rows: list[dict[str, Any]]) -> None:
    frame = _frame(rows)
    pairs = _all_pairs(len(rows))
    left = np.array([p[0] for p in pairs], dtype=np.uint32)
    right = np.array([p[1] for p in pairs], dtype=np.uint32)
    vectors = compare(frame, left, right, COMPARISONS)
    assert vectors.gamma.dtype == np.uint8
    assert vectors.gamma.flags.c_contiguous
    np.testing.assert_array_equal(vectors.gamma, reference(rows, pairs, COMPARISONS))
    tfs = term_frequencies(frame, COMPARISONS)
    for i, (lo, r) in enumerate(pairs):
        one = compare_one(rows[lo], frame[r : r + 1], COMPARISONS, term_frequencies=tfs)
        np.testing.assert_array_equal(one.gamma[0], vectors.gamma[i])
        for name, tf in vectors.tf.items():
            np.testing.assert_allclose(one.tf[name][0], tf[i], rtol=1e-6)
    # one query against all later rows at once: kernels, prepared candidates, generic path
    for lo in range(len(rows) - 1):
        mask = np.array([p[0] == lo for p in pairs])
        candidates = frame[lo + 1 :]
        prepared = prepare_candidates(candidates, COMPARISONS)
        for _ in range(2):  # the second call reuses the prepared candidates
            many = compare_one(rows[lo], prepared, COMPARISONS, term_frequencies=tfs)
            np.testing.assert_array_equal(many.gamma, vectors.gamma[mask])
            for name, tf in vectors.tf.items():
                np.testing.assert_allclose(many.tf[name], tf[mask], rtol=1e-6)
        generic = compare_one_generic(rows[lo], candidates, COMPARISONS, term_frequencies=tfs)
        np.testing.assert_array_equal(generic.gamma, vectors.gamma[mask])
    # rows prepared once in a store (as the index keeps them), gathered per query in any
    # order; the kernels' value caches are filled by one query and reused by the next
    store = PreparedRows(frame.columns)
    half = len(rows) // 2
    store.extend(0, {c: python_values(frame[c][:half]) for c in frame.columns})
    store.extend(half, {c: python_values(frame[c][half:]) for c in frame.columns})
    for lo in range(len(rows) - 1):
        mask = np.array([p[0] == lo for p in pairs])
        later = list(range(lo + 1, len(rows)))
        for order in (later, later[::-1]):
            many = compare_one(rows[lo], store.gather(order), COMPARISONS, term_frequencies=tfs)
            expected = vectors.gamma[mask] if order is later else vectors.gamma[mask][::-1]
            np.testing.assert_array_equal(many.gamma, expected)
            for name, tf in vectors.tf.items():
                want = tf[mask] if order is later else tf[mask][::-1]
                np.testing.assert_allclose(many.tf[name], want, rtol=1e-6)


@settings(max_examples=60, deadline=None)
@given(frames())
def test_compare_one_with_arrays_matches_frame(rows: list[dict[str, Any]]) -> None:
    frame = _frame(rows)
    arrays = {c: frame[c].to_numpy() for c in frame.columns if c != "alias_names"}
    arrays["alias_names"] = np.array([*frame["alias_names"].to_list(), None], dtype=object)[:-1]
    a = compare_one(rows[0], frame, COMPARISONS).gamma
    b = compare_one(rows[0], arrays, COMPARISONS).gamma
    np.testing.assert_array_equal(a, b)


def test_missing_columns_count_as_null() -> None:
    frame = pl.DataFrame({"given_std": ["JOHN", "JOHN"], "given_first": ["JOHN", "JOHN"]})
    vectors = compare(frame, np.array([0], np.uint32), np.array([1], np.uint32), COMPARISONS)
    assert vectors.gamma.tolist() == [[1, 0, 0, 0, 0, 0, 0, 0, 0]]
    assert vectors.tf["given_name"].tolist() == [1.0]
    assert np.isnan(vectors.tf["family_name"][0])


def test_swap_and_alias_override_worse_levels_only() -> None:
    rows = [
        {"given_std": "JOHN", "given_first": "JOHN", "family_std": "SMITH", "alias_names": None},
        {"given_std": "SMITH", "given_first": "SMITH", "family_std": "JOHN", "alias_names": None},
        {
            "given_std": "JOHN",
            "given_first": "JOHN",
            "family_std": "BROWN",
            "alias_names": ["JOHN SMITH"],
        },
        {
            "given_std": None,
            "given_first": None,
            "family_std": "SMITH",
            "alias_names": ["JOHN SMITH"],
        },
    ]
    frame = pl.DataFrame(rows, schema_overrides={"alias_names": pl.List(pl.Utf8)})
    comps = COMPARISONS[:2]
    left, right = np.array([0, 0, 0], np.uint32), np.array([1, 2, 3], np.uint32)
    gamma = compare(frame, left, right, comps).gamma
    # swapped: given lowered from else (8) to "swapped" (3); the family name, JOHN as the
    # other's given name, to "a name in the other name field" (7), not to a swap level too
    assert gamma[0].tolist() == [3, 7]
    # alias of row 2 is row 0's name: given stays exact (1 is better), family -> 3
    assert gamma[1].tolist() == [1, 3]
    # row 3 has no given name: the given level stays null, family stays exact
    assert gamma[2].tolist() == [0, 1]


def test_compare_rejects_bad_pairs() -> None:
    frame = pl.DataFrame({"given_std": ["A"]})
    with pytest.raises(InvalidInputError):
        compare(frame, np.array([0, 0]), np.array([0]), COMPARISONS)
    with pytest.raises(InvalidInputError):
        compare(frame, np.array([0]), np.array([5]), COMPARISONS)


def test_empty_pairs() -> None:
    frame = pl.DataFrame({"given_std": ["A", "B"]})
    vectors = compare(frame, np.array([], np.uint32), np.array([], np.uint32), COMPARISONS)
    assert vectors.gamma.shape == (0, len(COMPARISONS))
