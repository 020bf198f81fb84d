"""Synthetic multi-agency person records with known truth, for measuring linkage.

``generate`` draws a population of Victorian households (respondents, affected
family members, children, twins, sons named after their fathers: hard
negatives who share a family name, address and landline), gives each person
1-8 records spread over police, courts, corrections and DFFH, and corrupts
every record the way real extracts are corrupted, at the rates documented in
``linkage._generate_fields`` (re-exported here: ``TYPO_RATE``,
``MISSING_RATE``, ``NICKNAME_RATE``, ...). ``write_extracts`` writes one file
per agency in that agency's own layout (column names, date format, alias
separator) plus a ``mappings.toml`` that ``linkage.schema.load_mappings`` reads.

Layout: population and households in ``linkage._generate_people``, record
fields and corruption in ``linkage._generate_fields``, agency layouts in
``linkage._generate_agencies``, bundled names and places in ``linkage.data.names``.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from linkage import _generate_fields as fields
from linkage._generate_agencies import AGENCY_BY_ROLE, PROFILES, AgencyProfile
from linkage._generate_corrupt import IntArray, dob_to_agency
from linkage._generate_fields import (
    ALIAS_RATE,
    DOB_DAY_MONTH_SWAP_RATE,
    DOB_DIGIT_RATE,
    DOB_SENTINEL_RATE,
    DOB_YEAR_ONLY_RATE,
    DUPLICATE_PERSON_NO_RATE,
    HONORIFIC_RATE,
    LICENCE_TYPO_RATE,
    LOWER_CASE_RATE,
    MISSING_RATE,
    NAME_SWAP_RATE,
    NICKNAME_RATE,
    TYPO_RATE,
)
from linkage._generate_people import People, make_people
from linkage.schema import CANONICAL_COLUMNS, TRUTH_COLUMN

__all__ = [
    "AGENCIES",
    "ALIAS_RATE",
    "DOB_DAY_MONTH_SWAP_RATE",
    "DOB_DIGIT_RATE",
    "DOB_SENTINEL_RATE",
    "DOB_YEAR_ONLY_RATE",
    "DUPLICATE_PERSON_NO_RATE",
    "HONORIFIC_RATE",
    "LICENCE_TYPO_RATE",
    "LOWER_CASE_RATE",
    "MISSING_RATE",
    "NAME_SWAP_RATE",
    "NICKNAME_RATE",
    "OUTPUT_COLUMNS",
    "PROFILES",
    "RECORDS_PER_PERSON_P",
    "TYPO_RATE",
    "AgencyProfile",
    "generate",
    "write_extracts",
]

AGENCIES = tuple(PROFILES)
RECORDS_PER_PERSON_P = (0.36, 0.26, 0.15, 0.10, 0.06, 0.035, 0.02, 0.015)  # 1..8 records, mean 2.5
OUTPUT_COLUMNS = (*CANONICAL_COLUMNS, "id_licence_no", "id_agency_person_no", TRUTH_COLUMN)
_UNIT_SEPARATOR = "\x1f"  # joins aliases before splitting them into a list (fast)
_RAW_SPACE_EVERY = 23  # every 23rd row of a written extract carries a trailing space in names


def generate(
    n_records: int,
    *,
    seed: int = 0,
    agencies: Sequence[str] = ("police", "courts", "corrections", "dffh"),
) -> pl.DataFrame:
    """Generate synthetic canonical person records with known truth.

    Args:
        n_records: exact number of rows to return.
        seed: random seed; the same seed gives an identical frame.
        agencies: agencies to spread the records over (a subset of ``AGENCIES``).

    Returns:
        A canonical frame (columns ``OUTPUT_COLUMNS``, see ``linkage.schema``)
        with ``id_licence_no``, ``id_agency_person_no`` and ``true_person_id``.
        Rows are shuffled. ``dob`` is ISO text, possibly year-only, impossible
        or the 1900-01-01 sentinel; ``sex`` uses each agency's own codes.

    Raises:
        ValueError: ``n_records`` is negative or an agency is unknown.
    """
    if n_records < 0:
        msg = f"n_records must be >= 0, got {n_records}"
        raise ValueError(msg)
    unknown = sorted(set(agencies) - set(AGENCIES))
    if unknown or not agencies:
        msg = f"unknown or no agencies {unknown}; choose from {list(AGENCIES)}"
        raise ValueError(msg)
    rng = np.random.default_rng(seed)
    rnd = random.Random(seed)
    counts = _records_per_person(rng, n_records)
    people = make_people(rng, max(len(counts), 1))
    person = rng.permutation(np.repeat(np.arange(len(counts), dtype=np.int64), counts))
    return _records(rng, rnd, people, person, tuple(dict.fromkeys(agencies)))


def _records_per_person(rng: np.random.Generator, n_records: int) -> IntArray:
    """Records per person (1..8, mean 2.5) summing exactly to ``n_records``."""
    if n_records == 0:
        return np.zeros(0, dtype=np.int64)
    cdf = np.cumsum(RECORDS_PER_PERSON_P)
    counts = (
        np.searchsorted(cdf / cdf[-1], rng.random(n_records), side="right").astype(np.int64) + 1
    )
    total = np.cumsum(counts)
    k = int(np.searchsorted(total, n_records))
    counts = counts[: k + 1]
    counts[-1] -= int(total[k]) - n_records
    return counts


def _agency_of(rng: np.random.Generator, role: IntArray, agencies: tuple[str, ...]) -> IntArray:
    """Each record's agency from P(agency | role), restricted to ``agencies``."""
    cols = [AGENCIES.index(a) for a in agencies]
    p = np.array(AGENCY_BY_ROLE)[:, cols] + 1e-3
    cdf = np.cumsum(p / p.sum(axis=1, keepdims=True), axis=1)
    drawn = (rng.random(len(role))[:, None] > cdf[role]).sum(axis=1)
    return np.asarray(np.minimum(drawn, len(agencies) - 1), dtype=np.int64)


def _records(
    rng: np.random.Generator,
    rnd: random.Random,
    people: People,
    person: IntArray,
    agencies: tuple[str, ...],
) -> pl.DataFrame:
    """Corrupted records for each (shuffled) person index."""
    n = len(person)
    agency = _agency_of(rng, people.role[person], agencies)
    sex_code = people.sex[person]
    codes = fields.name_codes(rng, rnd, people, person)
    names = people.names
    upper_rate = np.array([PROFILES[a].upper_case_rate for a in agencies])[agency]
    case = np.where(rng.random(n) < upper_rate, 1, np.where(rng.random(n) < LOWER_CASE_RATE, 2, 0))
    honorific = np.where(rng.random(n) < HONORIFIC_RATE, rng.integers(0, 3, n), -1)
    places = fields.address(rng, rnd, people, person)
    old = places.pop("_old").to_numpy()
    seq = pl.DataFrame({"a": agency}).select(pl.int_range(pl.len()).over("a") + 100_001).to_series()
    prefix = pl.Series([PROFILES[a].record_prefix for a in agencies]).gather(agency)
    frame = pl.DataFrame(
        [
            pl.Series("agency", agencies, dtype=pl.String).gather(agency),
            (prefix + seq.cast(pl.String)).alias("record_id"),
            *(names.series(c, col) for col, c in codes.items()),
            fields.dob(rng, rnd, people, person),
            fields.sex(rng, sex_code, agency, agencies),
            *places.values(),
            *fields.contact(rng, rnd, people, person).values(),
            fields.role(rng, people.role[person], agency, agencies),
            fields.updated_at(rng, old),
            *fields.identifiers(rng, rnd, people, person, agency, agencies).values(),
            ("P" + pl.Series(person).cast(pl.String).str.zfill(7)).alias("true_person_id"),
            pl.Series("_case", case),
            fields.honorific_titles(sex_code, honorific),
        ]
    )
    return _finish(frame)


def _cased(column: str, case: pl.Expr) -> pl.Expr:
    """The column in upper case where ``case == 1``, lower case where ``case == 2``."""
    col = pl.col(column)
    return (
        pl.when(case == 1)
        .then(col.str.to_uppercase())
        .when(case == 2)
        .then(col.str.to_lowercase())
        .otherwise(col)
        .alias(column)
    )


def _finish(frame: pl.DataFrame) -> pl.DataFrame:
    """Apply case variants and honorifics, build the alias list, order the columns."""
    case = pl.col("_case")
    frame = frame.with_columns(
        *(
            _cased(c, case)
            for c in ("given_name", "middle_name", "family_name", "_alias1", "_alias2")
        ),
        *(_cased(c, (case == 1).cast(pl.Int64)) for c in ("street", "suburb")),
    )
    given = pl.col("given_name")
    a1, a2 = pl.col("_alias1"), pl.col("_alias2")
    joined = pl.concat_str([a1, a2], separator=_UNIT_SEPARATOR, ignore_nulls=True)
    frame = frame.with_columns(
        given_name=pl.when(pl.col("_title").is_not_null() & given.is_not_null())
        .then(pl.concat_str([pl.col("_title"), pl.lit(" "), given]))
        .otherwise(given),
        aliases=pl.when(a1.is_not_null() | a2.is_not_null()).then(
            joined.str.split(_UNIT_SEPARATOR)
        ),
    )
    return frame.select(OUTPUT_COLUMNS)


def write_extracts(
    frame: pl.DataFrame,
    out_dir: str | Path,
    *,
    fmt: Literal["parquet", "csv"] = "parquet",
) -> Path:
    """Write one extract per agency in its own layout, and a ``mappings.toml``.

    Each agency's file (``<agency>.<fmt>``) uses that agency's column names,
    date style (police dd/mm/yyyy, courts ISO, corrections yyyymmdd, DFFH
    d/m/yy) and alias separator; every ``_RAW_SPACE_EVERY``-th row carries a
    trailing space in its names, as raw extracts do (the reader strips it).

    Args:
        frame: a frame from ``generate``.
        out_dir: directory to write into (created when missing).
        fmt: ``"parquet"`` (aliases as a list column) or ``"csv"``.

    Returns:
        The path of ``mappings.toml``, readable by ``linkage.schema.load_mappings``.

    Raises:
        ValueError: ``fmt`` is unknown or the frame holds an unknown agency.
    """
    if fmt not in ("parquet", "csv"):
        msg = f"fmt must be 'parquet' or 'csv', got {fmt!r}"
        raise ValueError(msg)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    present = frame.get_column("agency").unique(maintain_order=True).to_list()
    unknown = sorted(set(present) - set(AGENCIES))
    if unknown:
        msg = f"unknown agencies in frame: {unknown}"
        raise ValueError(msg)
    tables: list[str] = []
    for agency in [a for a in AGENCIES if a in present]:
        profile = PROFILES[agency]
        rows = frame.filter(pl.col("agency") == agency)
        pad = pl.int_range(pl.len()) % _RAW_SPACE_EVERY == 0
        exprs: list[pl.Expr] = []
        for canonical, source in profile.columns.items():
            col = pl.col(canonical)
            if canonical == "dob":
                col = dob_to_agency(col, profile.date_style)
            elif canonical == "aliases" and fmt == "csv":
                col = col.list.join(profile.alias_separator)
            elif canonical in ("given_name", "family_name"):
                col = pl.when(pad).then(col + " ").otherwise(col)
            exprs.append(col.alias(source))
        idents = {k: v for k, v in profile.identifiers.items() if f"id_{k}" in rows.columns}
        exprs.extend(pl.col(f"id_{k}").alias(v) for k, v in idents.items())
        exprs.append(pl.col("true_person_id").alias(profile.truth))
        raw = rows.select(exprs)
        path = out / f"{agency}.{fmt}"
        if fmt == "csv":
            raw.write_csv(path)
        else:
            raw.write_parquet(path)
        tables.append(_mapping_table(agency, idents, fmt))
    mappings = out / "mappings.toml"
    mappings.write_text("\n".join(tables), encoding="utf-8")
    return mappings


def _mapping_table(agency: str, identifiers: dict[str, str], fmt: str) -> str:
    """One ``[agency.NAME]`` TOML table (strings quoted JSON-style, valid TOML)."""
    profile = PROFILES[agency]
    lines = [
        f"# {agency}.{fmt}: dates of birth written as {profile.dob_format}. dob_format is not set:",
        "# linkage.standardise detects the format itself, keeps year-only dates and pivots",
        "# two-digit years into the past (a fixed strptime format would drop or misread them).",
        f"[agency.{agency}]",
    ]
    lines += [f"{k} = {json.dumps(v)}" for k, v in profile.columns.items()]
    lines.append(f"truth = {json.dumps(profile.truth)}")
    lines.append(f"alias_separator = {json.dumps(profile.alias_separator)}")
    lines.append(f"[agency.{agency}.identifiers]")
    lines += [f"{k} = {json.dumps(v)}" for k, v in identifiers.items()]
    return "\n".join(lines) + "\n"
