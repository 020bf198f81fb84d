"""Tests for the synthetic multi-agency generator (linkage.generate)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import jellyfish
import polars as pl
import pytest
from nicknames import NickNamer

from linkage import generate as gen
from linkage.generate import AGENCIES, OUTPUT_COLUMNS, generate, write_extracts
from linkage.schema import CANONICAL_COLUMNS, load_mappings, read_extract
from linkage.standardise.dates import parse_dob

N = 20_000


@pytest.fixture(scope="module")
def frame() -> pl.DataFrame:
    return generate(N, seed=7)


@pytest.fixture(scope="module")
def modal(frame: pl.DataFrame) -> pl.DataFrame:
    """Records of people with 3+ records, with each person's most common (upper-case) values."""
    up = frame.with_columns(
        g=pl.col("given_name").str.to_uppercase().str.replace(r"^(MR|MRS|MS|MISS|MX)\.? ", ""),
        f=pl.col("family_name").str.to_uppercase(),
        s=pl.col("street").str.to_uppercase(),
    )
    mode = up.group_by("true_person_id").agg(
        n=pl.len(),
        g_mode=pl.col("g").drop_nulls().mode().sort().first(),
        f_mode=pl.col("f").drop_nulls().mode().sort().first(),
        dob_mode=pl.col("dob").drop_nulls().mode().sort().first(),
        s_mode=pl.col("s").drop_nulls().mode().sort().first(),
    )
    return up.join(mode.filter(pl.col("n") >= 3), on="true_person_id")


def test_same_seed_gives_identical_frame() -> None:
    assert generate(3000, seed=3).equals(generate(3000, seed=3))


def test_different_seeds_differ() -> None:
    assert not generate(3000, seed=3).equals(generate(3000, seed=4))


@pytest.mark.parametrize("n", [0, 1, 7, 999, 12_345], ids=lambda n: f"n={n}")
def test_exact_row_count(n: int) -> None:
    assert generate(n, seed=1).height == n


def test_schema_is_canonical_plus_identifiers_and_truth(frame: pl.DataFrame) -> None:
    assert frame.columns == list(OUTPUT_COLUMNS)
    assert set(CANONICAL_COLUMNS) <= set(frame.columns)
    assert frame.schema["aliases"] == pl.List(pl.String)
    assert all(t == pl.String for c, t in frame.schema.items() if c != "aliases")
    # canonical text is stripped and never empty
    for col in ("given_name", "family_name", "street", "suburb", "phone", "email"):
        values = frame[col].drop_nulls()
        assert (values == values.str.strip_chars()).all(), col
        assert (values.str.len_chars() > 0).all(), col


def test_agency_record_id_is_unique(frame: pl.DataFrame) -> None:
    assert frame.select(pl.struct("agency", "record_id").is_unique().all()).item()
    assert set(frame["agency"].unique()) == set(AGENCIES)


def test_people_have_one_to_eight_records_across_agencies(frame: pl.DataFrame) -> None:
    per = frame.group_by("true_person_id").agg(n=pl.len(), agencies=pl.col("agency").n_unique())
    assert per["n"].min() == 1
    assert per["n"].max() <= 8
    assert N / 2.8 < per.height < N / 2.2  # about n / 2.5 people
    assert 0.30 < (per["n"] == 1).mean() < 0.45  # skewed: many singletons, a tail of many
    multi = per.filter(pl.col("n") >= 2)
    assert (multi["agencies"] >= 2).mean() > 0.5  # people appear in several agencies


def test_records_of_one_person_agree_mostly(modal: pl.DataFrame) -> None:
    dob_known = modal.filter(pl.col("dob").is_not_null())
    assert (dob_known["dob"] == dob_known["dob_mode"]).mean() > 0.9
    fam = modal.filter(pl.col("f").is_not_null())
    assert (fam["f"] == fam["f_mode"]).mean() > 0.8


def test_licence_numbers_identify_people_except_typos(frame: pl.DataFrame) -> None:
    lic = frame.filter(pl.col("id_licence_no").is_not_null())
    assert set(lic["agency"].unique()) <= {"police", "courts", "corrections"}
    people_per_licence = lic.group_by("id_licence_no").agg(pl.col("true_person_id").n_unique())
    assert (people_per_licence["true_person_id"] == 1).mean() > 0.999
    assert (
        frame.filter(pl.col("agency") == "dffh")["id_licence_no"].null_count()
        == frame.filter(pl.col("agency") == "dffh").height
    )


def test_agency_person_numbers_are_mostly_stable_with_some_duplicates(frame: pl.DataFrame) -> None:
    per = frame.group_by("true_person_id", "agency").agg(
        n=pl.len(), numbers=pl.col("id_agency_person_no").n_unique()
    )
    multi = per.filter(pl.col("n") >= 2)
    split = (multi["numbers"] > 1).mean()
    assert 0.02 < split < 0.25  # an agency sometimes opens a duplicate person number
    owners = frame.group_by("agency", "id_agency_person_no").agg(
        pl.col("true_person_id").n_unique()
    )
    assert (owners["true_person_id"] == 1).all()  # a number never belongs to two people
    assert (
        frame.filter(pl.col("agency") == "police")["id_agency_person_no"]
        .str.starts_with("VP")
        .all()
    )


@pytest.mark.parametrize(
    ("column", "rate"),
    [(c, r) for c, r in gen.MISSING_RATE.items() if c not in ("middle_name", "phone", "email")],
    ids=lambda v: str(v),
)
def test_missing_rates_match_configuration(frame: pl.DataFrame, column: str, rate: float) -> None:
    observed = frame[column].null_count() / frame.height
    assert rate - 0.012 < observed < rate + 0.02, (column, observed)


@pytest.mark.parametrize("column", ["middle_name", "phone", "email"])
def test_missing_rates_at_least_configured_where_people_lack_the_field(
    frame: pl.DataFrame, column: str
) -> None:
    assert frame[column].null_count() / frame.height > gen.MISSING_RATE[column] - 0.012


def test_dob_corruptions_at_configured_rates(frame: pl.DataFrame, modal: pl.DataFrame) -> None:
    dob = frame["dob"]
    present = 1 - gen.MISSING_RATE["dob"]
    sentinel = (dob == "1900-01-01").sum() / frame.height
    assert 0.4 * gen.DOB_SENTINEL_RATE * present < sentinel < 2 * gen.DOB_SENTINEL_RATE
    year_only = dob.str.contains(r"^\d{4}$").sum() / frame.height
    assert 0.6 * gen.DOB_YEAR_ONLY_RATE * present < year_only < 1.5 * gen.DOB_YEAR_ONLY_RATE
    full = modal.filter(
        pl.col("dob").str.len_chars() == 10, pl.col("dob_mode").str.len_chars() == 10
    )
    transposed = full.filter(
        pl.col("dob") != pl.col("dob_mode"),
        pl.col("dob")
        == pl.concat_str(
            [
                pl.col("dob_mode").str.slice(0, 5),
                pl.col("dob_mode").str.slice(8, 2),
                pl.lit("-"),
                pl.col("dob_mode").str.slice(5, 2),
            ]
        ),
    )
    # applied only where day <= 12 and day != month (about a third of dates)
    assert (
        0.1 * gen.DOB_DAY_MONTH_SWAP_RATE
        < transposed.height / full.height
        < gen.DOB_DAY_MONTH_SWAP_RATE
    )
    one_digit = full.filter(
        pl.col("dob") != pl.col("dob_mode"),
        pl.struct("dob", "dob_mode").map_elements(
            lambda r: jellyfish.hamming_distance(r["dob"], r["dob_mode"]) == 1,
            return_dtype=pl.Boolean,
        ),
    )
    assert 0.5 * gen.DOB_DIGIT_RATE < one_digit.height / full.height < 2 * gen.DOB_DIGIT_RATE


def test_name_corruptions_at_configured_rates(modal: pl.DataFrame) -> None:
    named = modal.filter(pl.col("f").is_not_null(), pl.col("g").is_not_null())
    swapped = named.filter(pl.col("f") == pl.col("g_mode"), pl.col("g") == pl.col("f_mode"))
    assert 0.5 * gen.NAME_SWAP_RATE < swapped.height / named.height < 2 * gen.NAME_SWAP_RATE
    one_edit = named.filter(
        pl.col("f") != pl.col("f_mode"),
        pl.struct("f", "f_mode").map_elements(
            lambda r: jellyfish.damerau_levenshtein_distance(r["f"], r["f_mode"]) == 1,
            return_dtype=pl.Boolean,
        ),
    )
    rate = gen.TYPO_RATE["family_name"]
    assert 0.5 * rate < one_edit.height / named.height < 2 * rate
    namer = NickNamer()
    nick = named.filter(
        pl.col("g") != pl.col("g_mode"),
        pl.struct("g", "g_mode").map_elements(
            lambda r: r["g"].lower() in namer.nicknames_of(r["g_mode"].lower()),
            return_dtype=pl.Boolean,
        ),
    )
    assert 0.01 < nick.height / named.height < 2 * gen.NICKNAME_RATE


def test_case_honorific_and_alias_variants_present(frame: pl.DataFrame) -> None:
    fam = frame.filter(pl.col("family_name").is_not_null())
    upper = fam.group_by("agency").agg(
        (pl.col("family_name") == pl.col("family_name").str.to_uppercase()).mean()
    )
    by_agency = dict(upper.iter_rows())
    assert by_agency["corrections"] > 0.7
    assert by_agency["courts"] < 0.3
    assert fam["family_name"].str.contains(r"^[a-z]").any()  # lower-case keying
    assert frame["given_name"].str.contains(r"^(Mr|Mrs|Ms|Miss|MR|MS|Mx)\.? ").mean() > 0.003  # type: ignore[operator]
    has_alias = frame["aliases"].is_not_null().mean()
    assert 0.03 < has_alias < 0.2  # type: ignore[operator]
    assert frame["family_name"].str.contains("-").any()  # hyphenated married names


def test_sex_is_coded_by_agency(frame: pl.DataFrame) -> None:
    codes = {a: set(frame.filter(pl.col("agency") == a)["sex"].drop_nulls()) for a in AGENCIES}
    assert {"M", "F"} <= codes["police"]
    assert {"Male", "Female"} <= codes["courts"]
    assert codes["corrections"] <= {"1", "2", "9"}


def test_phone_formats_are_australian_variants(frame: pl.DataFrame) -> None:
    pattern = (
        r"^(0\d{3} \d{3} \d{3}|\+61 \d{3} \d{3} \d{3}|0\d{3}-\d{3}-\d{3}|0\d{9}|\+61\d{9}"
        r"|\(0\d\) \d{4} \d{4}|0\d \d{4} \d{4}|\d{4} \d{4}|\+61 \d \d{4} \d{4})$"
    )
    phones = frame["phone"].drop_nulls()
    assert phones.str.contains(pattern).all()
    for example in (
        r"^04\d\d \d{3} \d{3}$",
        r"^\(03\) ",
        r"^\+61 4",
        r"^04\d\d-",
        r"^\d{4} \d{4}$",
    ):
        assert phones.str.contains(example).any(), example


def test_households_share_surname_address_and_phone_across_people(modal: pl.DataFrame) -> None:
    people = modal.unique("true_person_id").filter(pl.col("s_mode").is_not_null())
    shared = people.group_by("f_mode", "s_mode").agg(
        n=pl.col("true_person_id").n_unique(), dobs=pl.col("dob_mode")
    )
    households = shared.filter(pl.col("n") >= 2)
    assert households.height > 0.05 * people.height  # many distinct people share name and address
    twins = households.filter(pl.col("dobs").list.n_unique() < pl.col("dobs").list.len())
    assert twins.height > 0  # twins: same surname, address and dob, different people


def test_agency_subset_and_bad_arguments() -> None:
    only = generate(500, seed=2, agencies=["police", "dffh"])
    assert set(only["agency"].unique()) <= {"police", "dffh"}
    with pytest.raises(ValueError, match="unknown"):
        generate(10, agencies=["tax office"])
    with pytest.raises(ValueError, match="n_records"):
        generate(-1)


_DOB_PATTERNS = {
    "police": r"^\d{2}/\d{2}/\d{4}$",
    "courts": r"^\d{4}-\d{2}-\d{2}$",
    "corrections": r"^\d{8}$",
    "dffh": r"^\d{1,2}/\d{1,2}/\d{2}$",
}


def _expected_dob(iso: str | None, agency: str) -> str | None:
    """Reference conversion of ISO text to an agency's style (plain Python)."""
    if iso is None or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return iso
    y, m, d = iso.split("-")
    return {
        "police": f"{d}/{m}/{y}",
        "courts": iso,
        "corrections": f"{y}{m}{d}",
        "dffh": f"{int(d)}/{int(m)}/{y[2:]}",
    }[agency]


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_write_extracts_round_trips_through_mappings(tmp_path: Path, fmt: str) -> None:
    frame = generate(3000, seed=5)
    mappings_path = write_extracts(frame, tmp_path, fmt=fmt)  # type: ignore[arg-type]
    mappings = load_mappings(mappings_path)
    assert set(mappings) == set(AGENCIES)
    for agency, mapping in mappings.items():
        path = tmp_path / f"{agency}.{fmt}"
        raw = pl.read_csv(path, infer_schema=False) if fmt == "csv" else pl.read_parquet(path)
        assert mapping.columns["record_id"] in raw.columns
        assert "given_name" not in raw.columns  # the agency's own column names
        dobs = raw[mapping.columns["dob"]].drop_nulls()
        full = dobs.filter(dobs.str.len_chars() > 4)
        assert full.str.contains(_DOB_PATTERNS[agency]).mean() > 0.99  # type: ignore[operator]
        read = read_extract(path, mapping)
        expected = frame.filter(pl.col("agency") == agency)
        expected = expected.with_columns(
            dob=pl.Series(
                [_expected_dob(v, agency) for v in expected["dob"].to_list()], dtype=pl.String
            )
        )
        assert read.columns == [c for c in expected.columns if c in read.columns]
        assert read.equals(expected.select(read.columns)), agency
        dropped = set(expected.columns) - set(read.columns)
        assert dropped <= {"id_licence_no"}
        assert all(expected[c].null_count() == expected.height for c in dropped)


def test_raw_csv_extract_keeps_trailing_spaces(tmp_path: Path) -> None:
    write_extracts(generate(500, seed=1), tmp_path, fmt="csv")
    raw = pl.read_csv(tmp_path / "police.csv", infer_schema=False)
    assert raw["Surname"].drop_nulls().str.ends_with(" ").any()


def test_write_extracts_rejects_unknown_format(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="fmt"):
        write_extracts(generate(10), tmp_path, fmt="xlsx")  # type: ignore[arg-type]


@pytest.mark.parametrize("agency", ["police", "courts", "corrections"])
def test_round_trip_with_dob_format_gives_iso_dates(tmp_path: Path, agency: str) -> None:
    frame = generate(3000, seed=6)
    mapping = load_mappings(write_extracts(frame, tmp_path, fmt="csv"))[agency]
    mapping = dataclasses.replace(mapping, dob_format=gen.PROFILES[agency].dob_format)
    read = read_extract(tmp_path / f"{agency}.csv", mapping)
    expected = frame.filter(pl.col("agency") == agency)
    assert read.drop("dob").equals(expected.select(read.columns).drop("dob"))
    both = pl.DataFrame({"got": read["dob"], "want": expected["dob"]})
    valid = both.filter(pl.col("want").str.to_date("%Y-%m-%d", strict=False).is_not_null())
    assert (valid["got"] == valid["want"]).all()
    # year-only and impossible dates do not parse with one fixed format
    assert (
        both.filter(pl.col("want").str.len_chars() == 4)["got"].null_count()
        == (both["want"].str.len_chars() == 4).sum()
    )


def test_written_dates_parse_back_to_generated_dates(tmp_path: Path) -> None:
    """Without dob_format the standardiser reads every agency style, two-digit years included."""
    frame = generate(3000, seed=8)
    mappings = load_mappings(write_extracts(frame, tmp_path, fmt="parquet"))
    for agency, mapping in mappings.items():
        read = read_extract(tmp_path / f"{agency}.parquet", mapping)
        want = frame.filter(pl.col("agency") == agency)["dob"].to_list()
        for raw, iso in zip(read["dob"].to_list(), want, strict=True):
            expected = parse_dob(iso)[1:]
            if agency == "dffh" and (expected[0] or 0) < 1926:
                continue  # d/m/yy cannot carry a century (a wrong century digit is lost)
            assert parse_dob(raw)[1:] == expected, (agency, raw, iso)
