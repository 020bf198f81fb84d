"""Sparse rules and pair checks (linkage._blocking_checks) against brute force."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage._blocking_checks import (
    DOB_CLOSE,
    FAMILY_AGREES_UNLESS_MARRIED,
    GIVEN_AGREES,
    LOCALITY_AGREES,
    SEX_AGREES,
    either,
    sparse_blocks,
)
from linkage._blocking_keys import id_parts
from linkage.blocking import (
    BlockingRule,
    KeyVariants,
    block_on,
    default_rules,
    dob_uncertain,
    generate_pairs,
    id_parts_keys,
    locality_key,
    name_sdx_tokens,
)

_SCHEMA = {
    "agency": pl.Utf8,
    "given_std": pl.Utf8,
    "given_sdx": pl.Utf8,
    "given_root": pl.Utf8,
    "family_std": pl.Utf8,
    "family_sdx": pl.Utf8,
    "sex_std": pl.Utf8,
    "dob_year": pl.Int16,
    "dob_month": pl.Int8,
    "dob_day": pl.Int8,
    "postcode_std": pl.Utf8,
    "suburb_std": pl.Utf8,
}
_text = st.sampled_from(["A", "B", "", None])
_record = st.fixed_dictionaries(
    {
        "agency": st.sampled_from(["police", "court"]),
        "given_std": st.sampled_from(["ANN", "AMY", "BOB", None]),
        "given_sdx": _text,
        "given_root": _text,
        "family_std": st.sampled_from(["LEE", None]),
        "family_sdx": _text,
        "sex_std": st.sampled_from(["M", "F", None]),
        "dob_year": st.sampled_from([1980, 1981, None]),
        "dob_month": st.sampled_from([1, 2, None]),
        "dob_day": st.sampled_from([1, 2, None]),
        "postcode_std": _text,
        "suburb_std": _text,
    }
)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=_SCHEMA) if rows else pl.DataFrame(schema=_SCHEMA)


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _eq(a: Any, b: Any) -> bool:
    return not _missing(a) and a == b


def _sure(r: dict[str, Any]) -> bool:
    parts = (r["dob_year"], r["dob_month"], r["dob_day"])
    return None not in parts and (r["dob_month"], r["dob_day"]) != (1, 1)


def _dob_close(a: dict[str, Any], b: dict[str, Any]) -> bool:
    if not (_sure(a) and _sure(b)):
        return True
    same = sum(a[k] == b[k] for k in ("dob_year", "dob_month", "dob_day"))
    swapped = {a["dob_month"], a["dob_day"]} == {b["dob_month"], b["dob_day"]}
    return same >= 2 or (a["dob_year"] == b["dob_year"] and swapped)


def _given(a: dict[str, Any], b: dict[str, Any]) -> bool:
    initial = [None if _missing(r["given_std"]) else r["given_std"][0] for r in (a, b)]
    return (
        _missing(a["given_sdx"])
        or _missing(b["given_sdx"])
        or a["given_sdx"] == b["given_sdx"]
        or _eq(a["given_root"], b["given_root"])
        or _eq(*initial)
    )


def _family(a: dict[str, Any], b: dict[str, Any]) -> bool:
    fa, fb = a["family_sdx"], b["family_sdx"]
    neither_male = a["sex_std"] != "M" and b["sex_std"] != "M"
    return _missing(fa) or _missing(fb) or fa == fb or neither_male


def _sex(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return _missing(a["sex_std"]) or _missing(b["sex_std"]) or a["sex_std"] == b["sex_std"]


def _locality(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return _eq(a["postcode_std"], b["postcode_std"]) or _eq(a["suburb_std"], b["suburb_std"])


_REFERENCE = {
    DOB_CLOSE.name: _dob_close,
    GIVEN_AGREES.name: _given,
    FAMILY_AGREES_UNLESS_MARRIED.name: _family,
    SEX_AGREES.name: _sex,
    LOCALITY_AGREES.name: _locality,
}


def _keys(rule: BlockingRule, frame: pl.DataFrame) -> list[set[tuple[Any, ...]]]:
    """Each record's key combinations (the rule's own key expressions, exploded)."""
    out: list[set[tuple[Any, ...]]] = [set() for _ in range(frame.height)]
    for row in rule.key_frame(frame).iter_rows():
        out[row[0]].add(row[1:])
    return out


def _brute_force(rule: BlockingRule, frame: pl.DataFrame) -> set[tuple[int, int]]:
    rows = frame.to_dicts()
    keys = _keys(rule, frame)
    sparse = (
        frame.select(rule.sparse).to_series().to_list()
        if rule.sparse is not None
        else [True] * len(rows)
    )
    out = set()
    for i, j in itertools.combinations(range(len(rows)), 2):
        if not keys[i] & keys[j] or not (sparse[i] or sparse[j]):
            continue
        if all(
            any(_REFERENCE[part](rows[i], rows[j]) for part in check.name.split("|"))
            for check in rule.checks
        ):
            out.add((i, j))
    return out


_RULES = (
    block_on(
        "family_sdx", locality_key(), sparse=dob_uncertain(), checks=(SEX_AGREES, GIVEN_AGREES)
    ),
    block_on("given_root", sparse=dob_uncertain(), checks=(FAMILY_AGREES_UNLESS_MARRIED,)),
    block_on(name_sdx_tokens(), checks=(either(DOB_CLOSE, GIVEN_AGREES),)),
    block_on("given_sdx", checks=(either(DOB_CLOSE, LOCALITY_AGREES),)),
    block_on("family_sdx", "dob_year"),
)


@settings(max_examples=80, deadline=None)
@given(st.lists(_record, max_size=14), st.integers(0, len(_RULES) - 1))
def test_sparse_rules_and_checks_match_brute_force(rows: list[dict[str, Any]], which: int) -> None:
    rule = _RULES[which]
    pairs, report = generate_pairs(_frame(rows), [rule], max_block_size=1000)
    found = set(zip(pairs["left"].to_list(), pairs["right"].to_list(), strict=True))
    assert found == _brute_force(rule, _frame(rows))
    assert report.rules[0].pairs == len(found)


@settings(max_examples=30, deadline=None)
@given(st.lists(_record, max_size=14))
def test_default_rules_with_checks_match_brute_force(rows: list[dict[str, Any]]) -> None:
    blank = ("middle_std", "given_first", "given_mph", "family_mph", "phone_std", "email_std")
    frame = _frame(rows).with_columns(
        *(pl.lit(None, pl.Utf8).alias(c) for c in blank),
        pl.col("postcode_std").alias("address_std"),
        pl.lit(None, pl.List(pl.Utf8)).alias("alias_names"),
    )
    for rule in default_rules():
        if rule.sparse is None and not rule.checks:
            continue
        pairs, _ = generate_pairs(frame, [rule])
        found = set(zip(pairs["left"].to_list(), pairs["right"].to_list(), strict=True))
        assert found == _brute_force(rule, frame), rule.name


@settings(max_examples=80, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 3), st.booleans()), max_size=30),
    st.integers(2, 5),
)
def test_sparse_blocks_pair_each_sparse_record_with_its_block(
    entries: list[tuple[int, int, bool]], max_block_size: int
) -> None:
    """(row, key) entries, a record may have several keys; sparse per record."""
    sparse = np.zeros(10, dtype=bool)
    for row, _, flag in entries:
        sparse[row] |= flag
    rows = np.array([r for r, _, _ in entries], dtype=np.int64)
    key = np.array([k for _, k, _ in entries], dtype=np.int64)
    blocks = sparse_blocks(rows, key, sparse, max_block_size)
    members: dict[int, set[int]] = {}
    for row, k, _ in entries:
        members.setdefault(k, set()).add(row)
    expected: set[tuple[int, int]] = set()
    capped = []
    for block in members.values():
        if len(block) > max_block_size:
            if any(sparse[r] for r in block):
                capped.append(block)
            continue
        pairs = itertools.combinations(sorted(block), 2)
        expected |= {(a, b) for a, b in pairs if sparse[a] or sparse[b]}
    got = list(zip(blocks.left.tolist(), blocks.right.tolist(), strict=True))
    assert all(a < b for a, b in got)
    assert set(got) == expected
    # a capped block is reported once, by one of its members, largest first
    reported = list(zip(blocks.capped_rows.tolist(), blocks.capped_sizes.tolist(), strict=True))
    assert sorted(size for _, size in reported) == sorted(len(b) for b in capped)
    assert all(any(row in b and size == len(b) for b in capped) for row, size in reported)
    assert [size for _, size in reported] == sorted((size for _, size in reported), reverse=True)


def test_sparse_rule_skips_pairs_of_two_dense_records() -> None:
    frame = _frame(
        [
            {"family_sdx": "L000", "dob_year": 1980, "dob_month": 2, "dob_day": 3},
            {"family_sdx": "L000", "dob_year": 1990, "dob_month": 5, "dob_day": 6},
            {"family_sdx": "L000"},
            {"family_sdx": "L000", "dob_year": 1970, "dob_month": 1, "dob_day": 1},
        ]
    )
    pairs, _ = generate_pairs(frame, [block_on("family_sdx", sparse=dob_uncertain())])
    found = set(zip(pairs["left"].to_list(), pairs["right"].to_list(), strict=True))
    assert found == {(0, 2), (1, 2), (2, 3), (0, 3), (1, 3)}


def test_checks_drop_household_members_but_keep_a_wrong_birth_date() -> None:
    frame = _frame(
        [
            {
                "given_std": "ANN",
                "given_sdx": "A500",
                "dob_year": 1980,
                "dob_month": 2,
                "dob_day": 3,
            },
            {
                "given_std": "BOB",
                "given_sdx": "B100",
                "dob_year": 2010,
                "dob_month": 5,
                "dob_day": 6,
            },
            {
                "given_std": "ANN",
                "given_sdx": "A500",
                "dob_year": 1908,
                "dob_month": 7,
                "dob_day": 9,
            },
        ]
    ).with_columns(pl.lit("1 MAIN ST").alias("address_std"))
    rule = block_on("address_std", checks=(either(DOB_CLOSE, GIVEN_AGREES),))
    pairs, _ = generate_pairs(frame, [rule])
    assert set(zip(pairs["left"].to_list(), pairs["right"].to_list(), strict=True)) == {(0, 2)}


@settings(max_examples=60, deadline=None)
@given(st.text("0123456789AB", min_size=6, max_size=12), st.data())
def test_id_parts_match_one_substitution_or_swap(value: str, data: st.DataObject) -> None:
    i = data.draw(st.integers(0, len(value) - 2))
    if data.draw(st.booleans()):
        typo = value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    else:
        typo = value[:i] + data.draw(st.sampled_from("0123456789")) + value[i + 1 :]
    frame = pl.DataFrame(
        {"id_x_std": [value, typo, value[::-1] + "Z"], "postcode_std": ["3000"] * 3}
    ).with_columns(pl.lit(None, pl.Utf8).alias("suburb_std"))
    rule = block_on(id_parts_keys("id_x_std"), locality_key())
    pairs, _ = generate_pairs(frame, [rule])
    found = set(zip(pairs["left"].to_list(), pairs["right"].to_list(), strict=True))
    assert (0, 1) in found
    variants = rule.keys[0]
    assert isinstance(variants, KeyVariants)
    forms = frame.select(f.alias(f"f{i}") for i, f in enumerate(variants.variants))
    assert id_parts(value) == list(forms.row(0))
