from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from linkage.errors import ConfigError, InvalidInputError
from linkage.schema import (
    CANONICAL_COLUMNS,
    TRUTH_COLUMN,
    AgencyMapping,
    concat_canonical,
    load_mappings,
    read_extract,
)

MAPPINGS = """
[agency.police]
path = "police.csv"
record_id = "PersonRef"
given_name = "FirstName"
family_name = "Surname"
aliases = "AKA"
dob = "DOB"
truth = "TruePerson"

[agency.police.identifiers]
licence_no = "Licence"
"""

POLICE_CSV = """PersonRef,FirstName,Surname,AKA,DOB,Licence,TruePerson
P1, Robert ,Smith,Bob Smith; Robbie Smyth,01/02/1980,123456789,t1
P2,Mary,Nguyen,,1981-03-04,,t2
"""


@pytest.fixture
def police_dir(tmp_path: Path) -> Path:
    (tmp_path / "mappings.toml").write_text(MAPPINGS)
    (tmp_path / "police.csv").write_text(POLICE_CSV)
    return tmp_path


def test_mapping_maps_agency_columns_onto_canonical(police_dir: Path) -> None:
    mapping = load_mappings(police_dir / "mappings.toml")["police"]
    assert mapping.path == police_dir / "police.csv"

    frame = read_extract(mapping.path, mapping)

    assert set(CANONICAL_COLUMNS) <= set(frame.columns)
    assert frame["agency"].to_list() == ["police", "police"]
    assert frame["given_name"].to_list() == ["Robert", "Mary"]
    assert frame["aliases"].to_list() == [["Bob Smith", "Robbie Smyth"], None]
    assert frame["id_licence_no"].to_list() == ["123456789", None]
    assert frame[TRUTH_COLUMN].to_list() == ["t1", "t2"]
    assert frame["phone"].null_count() == 2


def test_missing_source_column_names_the_column(police_dir: Path) -> None:
    mapping = AgencyMapping(agency="police", columns={"record_id": "PersonRef", "sex": "Gender"})

    with pytest.raises(InvalidInputError, match="Gender") as info:
        read_extract(police_dir / "police.csv", mapping)
    assert info.value.field == "Gender"


def test_empty_record_id_names_row_and_column(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("PersonRef,FirstName\nP1,Ann\n,Bob\n")
    mapping = AgencyMapping(
        agency="x", columns={"record_id": "PersonRef", "given_name": "FirstName"}
    )

    with pytest.raises(InvalidInputError, match=r"row 2: column 'PersonRef'"):
        read_extract(tmp_path / "x.csv", mapping)


def test_duplicate_record_id_is_refused(tmp_path: Path) -> None:
    (tmp_path / "x.csv").write_text("PersonRef\nP1\nP1\n")
    mapping = AgencyMapping(agency="x", columns={"record_id": "PersonRef"})

    with pytest.raises(InvalidInputError, match="'P1' appears more than once"):
        read_extract(tmp_path / "x.csv", mapping)


def test_missing_file_and_bad_toml_are_clear(tmp_path: Path) -> None:
    mapping = AgencyMapping(agency="x", columns={"record_id": "id"})
    with pytest.raises(InvalidInputError, match="file not found"):
        read_extract(tmp_path / "absent.csv", mapping)
    (tmp_path / "bad.toml").write_text("[agency.x\nrecord_id = 1")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_mappings(tmp_path / "bad.toml")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param({"given_name": "A"}, "must name the 'record_id'", id="no-record-id"),
        pytest.param(
            {"record_id": "A", "shoe_size": "B"}, "unknown mapping keys", id="unknown-key"
        ),
    ],
)
def test_invalid_mapping_tables(table: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        AgencyMapping.from_dict("x", table)


def test_concat_refuses_the_same_key_twice() -> None:
    frame = pl.DataFrame({"agency": ["a"], "record_id": ["1"]})
    with pytest.raises(InvalidInputError, match="more than one input"):
        concat_canonical([frame, frame])
