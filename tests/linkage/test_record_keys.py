"""The real-time blocking keys equal the batch rules' keys (property tests)."""

from __future__ import annotations

from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage.blocking import block_on, default_rules
from linkage.errors import ConfigError
from linkage.index import canonical_frame
from linkage.keyhash import fnv1a, fnv1a_series
from linkage.record_keys import RecordKeys, frame_key_hashes, frame_key_texts
from linkage.standardise import standardise, standardise_record

RULES = default_rules(identifiers=("licence",))
NAMES = st.sampled_from(["Ann", "Anne", "Bob", "Robert", "Smith", "Smyth", "O'Brien", "Lee",
                         "Mary-Jane", "", " ", "Zoë", "Ng"])  # fmt: skip
DOBS = st.sampled_from(["1985-03-07", "07/03/1985", "1985", "1985-07-03", "1900-01-01",
                        "1985-13-01", "", "03/07/1985", "1986-03-07"])  # fmt: skip


@st.composite
def records(draw: st.DrawFn) -> dict[str, Any]:
    optional = st.one_of(st.none(), st.just(""))
    return {
        "agency": "police",
        "record_id": str(draw(st.integers(0, 10**6))),
        "given_name": draw(st.one_of(optional, NAMES)),
        "middle_name": draw(st.one_of(optional, NAMES)),
        "family_name": draw(st.one_of(optional, NAMES)),
        "aliases": draw(st.lists(st.sampled_from(["Bob Smith", "Ann Lee", " "]), max_size=2)),
        "dob": draw(st.one_of(optional, DOBS)),
        "street": draw(st.sampled_from([None, "12 Smith St", "3/4 High Road", "PO Box 7"])),
        "suburb": draw(st.sampled_from([None, "Carlton", "Fitzroy"])),
        "postcode": draw(st.sampled_from([None, "3053", "3065", "30"])),
        "phone": draw(st.sampled_from([None, "0412 345 678", "+61 3 9123 4567", "12"])),
        "email": draw(st.sampled_from([None, "a@b.com", "A@B.COM", "nope"])),
        "id_licence": draw(
            st.sampled_from([None, "ab-123", "AB123", "12345678", "12354678", "1234567890a"])
        ),
    }


def _by_row(keyed: pl.DataFrame, n: int) -> list[set[str]]:
    out: list[set[str]] = [set() for _ in range(n)]
    for row, key in keyed.iter_rows():
        out[row].add(key)
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(records(), min_size=1, max_size=8))
def test_record_keys_equal_batch_keys(batch: list[dict[str, Any]]) -> None:
    std = standardise(canonical_frame(batch))
    expected = _by_row(frame_key_texts(std, RULES), std.height)
    keys = RecordKeys(RULES)
    for i in range(std.height):
        assert keys.texts(std.row(i, named=True)) == expected[i]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_standardise_record_gives_the_batch_keys(record: dict[str, Any]) -> None:
    std = standardise(canonical_frame([record]))
    expected = _by_row(frame_key_texts(std, RULES), 1)[0]
    clean = {k: v for k, v in record.items() if v not in (None, "")}
    assert RecordKeys(RULES).texts(standardise_record(clean)) == expected


@given(st.lists(st.text(max_size=30), max_size=20))
def test_vectorised_hash_equals_scalar_hash(texts: list[str]) -> None:
    assert fnv1a_series(pl.Series(texts, dtype=pl.Utf8)).tolist() == [fnv1a(t) for t in texts]


def test_hashes_match_between_paths() -> None:
    rec = {"agency": "a", "record_id": "1", "given_name": "Ann", "family_name": "Lee",
           "dob": "1985-03-07", "phone": "0412 345 678"}  # fmt: skip
    std = standardise(canonical_frame([rec]))
    _, hashes = frame_key_hashes(std, RULES)
    assert sorted(RecordKeys(RULES).hashes(std.row(0, named=True)).tolist()) == sorted(
        hashes.tolist()
    )
    assert len(hashes) >= 3


def test_unknown_key_expression_is_refused() -> None:
    rule = block_on(pl.col("family_std").str.slice(0, 3).alias("fam3"))
    with pytest.raises(ConfigError, match="fam3"):
        RecordKeys([rule])


@given(st.text(max_size=60), st.text(max_size=60))
def test_fnv1a_is_the_per_byte_definition_and_continues_a_prefix(a: str, b: str) -> None:
    def reference(text: str) -> int:
        h = 0xCBF29CE484222325
        for byte in text.encode():
            h = ((h ^ byte) * 0x100000001B3) % 2**64
        return h

    assert fnv1a(a + b) == reference(a + b)
    assert fnv1a(b, fnv1a(a)) == fnv1a(a + b)
