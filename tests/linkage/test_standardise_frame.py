"""The batch ``standardise`` and the single-record ``standardise_record`` agree."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from linkage.standardise import OUTPUT_COLUMNS, standardise, standardise_record

TODAY = dt.date(2025, 6, 1)
TEXT_COLUMNS = (
    "agency", "record_id", "given_name", "middle_name", "family_name", "dob", "sex", "street",
    "suburb", "postcode", "state", "phone", "email", "role", "updated_at",
)  # fmt: skip
EXPECTED_DTYPES = {
    **dict.fromkeys(OUTPUT_COLUMNS, pl.Utf8()),
    "alias_names": pl.List(pl.Utf8()),
    "dob_date": pl.Date(),
    "dob_year": pl.Int16(),
    "dob_month": pl.Int8(),
    "dob_day": pl.Int8(),
}


def frame_of(records: list[dict[str, Any]]) -> pl.DataFrame:
    """A canonical frame from record dicts (absent keys are null)."""
    schema: dict[str, pl.DataType] = dict.fromkeys(TEXT_COLUMNS, pl.Utf8())
    schema["aliases"] = pl.List(pl.Utf8())
    for record in records:
        schema.update({k: pl.Utf8() for k in record if k.startswith("id_")})
    return pl.DataFrame([{c: r.get(c) for c in schema} for r in records], schema=schema)


BOB = {
    "agency": "police",
    "record_id": "L17-1",
    "given_name": "Mr Bob",
    "middle_name": "J.",
    "family_name": "O'Brien-Smith Jr",
    "aliases": ["Bobby Smith", "SMITH, Robert"],
    "dob": "12/03/85",
    "sex": "male",
    "street": "Unit 3, 12 Smith Street",
    "suburb": "St. Kilda",
    "postcode": "3182",
    "state": "Victoria",
    "phone": "0412 345 678",
    "email": " Bob@Example.COM ",
    "id_licence": "ab-123",
}


def test_standardise_adds_contract_columns_with_dtypes() -> None:
    frame = frame_of([BOB, {"agency": "courts", "record_id": "2"}])
    out = standardise(frame, today=TODAY)
    added = out.columns[len(frame.columns) :]
    assert added == [*OUTPUT_COLUMNS, "id_licence_std"]
    assert out.select(frame.columns).equals(frame)
    for column, dtype in EXPECTED_DTYPES.items():
        assert out.schema[column] == dtype, column
    row = out.row(0, named=True)
    assert row["given_root"] == "ROBERT"
    assert row["family_std"] == "OBRIEN SMITH"
    assert row["alias_names"] == ["BOBBY SMITH", "ROBERT SMITH"]
    assert row["dob_date"] == dt.date(1985, 3, 12)
    assert row["address_std"] == "3/12 SMITH ST"
    assert row["phone_std"] == "+61412345678"
    assert row["id_licence_std"] == "AB123"


def test_all_null_and_absent_columns() -> None:
    frame = pl.DataFrame({"agency": ["a", "b"], "record_id": ["1", "2"], "dob": [None, None]})
    out = standardise(frame, today=TODAY)
    assert out.height == 2
    assert out.select(OUTPUT_COLUMNS).null_count().row(0) == (2,) * len(OUTPUT_COLUMNS)


def test_empty_frame() -> None:
    out = standardise(frame_of([]), today=TODAY)
    assert out.height == 0
    assert set(OUTPUT_COLUMNS) <= set(out.columns)


def test_record_matches_frame_row_on_example() -> None:
    row = standardise(frame_of([BOB]), today=TODAY).row(0, named=True)
    record = standardise_record(BOB, today=TODAY)
    assert record == {k: row[k] for k in record}
    assert set(record) == {*OUTPUT_COLUMNS, "id_licence_std"}


_messy = st.one_of(
    st.none(),
    st.text(max_size=12),
    st.sampled_from(
        ["Bob", "Mr John Smith-Jones Jr", "José", "12/03/85", "1985", "1900-01-01", "M", "2",
         "3/12 Smith St", "PO Box 5", "0412 345 678", "+44 20 7946 0958", "a@b.com", "800",
         "Victoria", "ab-12", "😀", "\x00", " "]
    ),
)  # fmt: skip
_records = st.fixed_dictionaries(
    {c: _messy for c in TEXT_COLUMNS if c not in ("agency", "record_id")}
    | {"aliases": st.one_of(st.none(), st.lists(st.one_of(st.none(), _messy), max_size=3)),
       "id_x": _messy}
)  # fmt: skip


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(st.lists(_records, min_size=1, max_size=5))
def test_record_equals_frame_row(records: list[dict[str, Any]]) -> None:
    out = standardise(frame_of(records), today=TODAY)
    for i, record in enumerate(records):
        row = out.row(i, named=True)
        single = standardise_record(record, today=TODAY)
        assert single == {k: row[k] for k in single}


def test_standardise_is_idempotent_on_names() -> None:
    once = standardise(frame_of([BOB]), today=TODAY)
    again = frame_of(
        [{**BOB, "given_name": once["given_std"][0], "family_name": once["family_std"][0]}]
    )
    twice = standardise(again, today=TODAY)
    assert twice["given_std"][0] == once["given_std"][0]
    assert twice["family_std"][0] == once["family_std"][0]
