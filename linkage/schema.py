"""The canonical person record and agency column mappings.

Every agency extract is mapped onto one canonical frame by a TOML mapping
(never by code edits). ``(agency, record_id)`` is the key.

Canonical columns (all ``Utf8`` unless said otherwise, nullable):

    agency, record_id, given_name, middle_name, family_name,
    aliases (List[Utf8], each a free-text full name), dob (raw text),
    sex, street, suburb, postcode, state, phone, email, role, updated_at

plus ``id_<name>`` for each extra identifier an agency supplies (a licence
number, the agency's own person number) and, when known, ``true_person_id``
(the truth column used only for evaluation).
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import polars as pl

from linkage.errors import ConfigError, InvalidInputError

KEY_COLUMNS = ("agency", "record_id")
TEXT_COLUMNS = (
    "given_name",
    "middle_name",
    "family_name",
    "dob",
    "sex",
    "street",
    "suburb",
    "postcode",
    "state",
    "phone",
    "email",
    "role",
    "updated_at",
)
LIST_COLUMNS = ("aliases",)
CANONICAL_COLUMNS = (*KEY_COLUMNS, *TEXT_COLUMNS, *LIST_COLUMNS)
TRUTH_COLUMN = "true_person_id"
IDENTIFIER_PREFIX = "id_"
ROLES = ("respondent", "affected_family_member", "child", "other")

_MAPPING_KEYS = frozenset(
    {*CANONICAL_COLUMNS, "truth", "identifiers", "alias_separator", "dob_format", "path"}
)


@dataclass(frozen=True)
class AgencyMapping:
    """How one agency's extract maps onto the canonical record.

    Attributes:
        agency: the agency code written into the ``agency`` column.
        columns: canonical column -> source column name.
        identifiers: identifier name -> source column (becomes ``id_<name>``).
        truth: source column holding the true person id, for evaluation.
        alias_separator: separator between aliases in a text alias column.
        dob_format: a strptime format for the date of birth, when the agency
            uses one fixed format; otherwise formats are detected.
        path: the extract file, relative to the mapping file, when the
            mapping names it.
    """

    agency: str
    columns: Mapping[str, str] = field(default_factory=dict)
    identifiers: Mapping[str, str] = field(default_factory=dict)
    truth: str | None = None
    alias_separator: str = ";"
    dob_format: str | None = None
    path: Path | None = None

    def __post_init__(self) -> None:
        if not self.agency:
            msg = "agency mapping: 'agency' must not be empty"
            raise ConfigError(msg)
        unknown = set(self.columns) - set(CANONICAL_COLUMNS)
        if unknown:
            msg = f"agency {self.agency!r}: unknown canonical columns {sorted(unknown)}"
            raise ConfigError(msg)
        if "record_id" not in self.columns:
            msg = f"agency {self.agency!r}: the mapping must name the 'record_id' column"
            raise ConfigError(msg)

    @classmethod
    def from_dict(
        cls, agency: str, raw: Mapping[str, Any], *, base_dir: Path | None = None
    ) -> AgencyMapping:
        """Build a mapping from one ``[agency.NAME]`` TOML table."""
        unknown = set(raw) - _MAPPING_KEYS
        if unknown:
            msg = f"agency {agency!r}: unknown mapping keys {sorted(unknown)}"
            raise ConfigError(msg)
        columns = {k: str(v) for k, v in raw.items() if k in CANONICAL_COLUMNS}
        identifiers = raw.get("identifiers", {})
        if not isinstance(identifiers, Mapping):
            msg = f"agency {agency!r}: 'identifiers' must be a table of name = column"
            raise ConfigError(msg)
        return cls(
            agency=agency,
            columns=columns,
            identifiers={str(k): str(v) for k, v in identifiers.items()},
            truth=raw.get("truth"),
            alias_separator=str(raw.get("alias_separator", ";")),
            dob_format=raw.get("dob_format"),
            path=(base_dir or Path()) / raw["path"] if "path" in raw else None,
        )


def load_mappings(path: str | Path) -> dict[str, AgencyMapping]:
    """Read agency mappings from a TOML file with one ``[agency.NAME]`` table each."""
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        msg = f"{path}: mapping file not found"
        raise ConfigError(msg) from exc
    except tomllib.TOMLDecodeError as exc:
        msg = f"{path}: not valid TOML: {exc}"
        raise ConfigError(msg) from exc
    agencies = raw.get("agency")
    if not isinstance(agencies, Mapping) or not agencies:
        msg = f"{path}: no [agency.NAME] tables found"
        raise ConfigError(msg)
    return {
        name: AgencyMapping.from_dict(name, table, base_dir=path.parent)
        for name, table in agencies.items()
    }


def identity_mapping(agency: str, frame_columns: list[str]) -> AgencyMapping:
    """A mapping for a frame that already uses canonical column names."""
    columns = {c: c for c in frame_columns if c in CANONICAL_COLUMNS and c != "agency"}
    identifiers = {
        c.removeprefix(IDENTIFIER_PREFIX): c
        for c in frame_columns
        if c.startswith(IDENTIFIER_PREFIX)
    }
    truth = TRUTH_COLUMN if TRUTH_COLUMN in frame_columns else None
    return AgencyMapping(agency=agency, columns=columns, identifiers=identifiers, truth=truth)


def read_extract(path: str | Path, mapping: AgencyMapping) -> pl.DataFrame:
    """Read one agency's CSV or Parquet extract and map it onto the canonical record.

    Raises:
        InvalidInputError: the file is missing or malformed, or a mapped column is absent.
    """
    path = Path(path)
    if not path.exists():
        msg = f"{path}: file not found"
        raise InvalidInputError(msg)
    try:
        if path.suffix.lower() == ".parquet":
            raw = pl.read_parquet(path)
        else:
            raw = pl.read_csv(path, infer_schema=False, encoding="utf8-lossy")
    except (pl.exceptions.PolarsError, OSError) as exc:
        msg = f"{path}: cannot read as {path.suffix.lstrip('.') or 'csv'}: {exc}"
        raise InvalidInputError(msg) from exc
    return to_canonical(raw, mapping, source=str(path))


def to_canonical(
    raw: pl.DataFrame, mapping: AgencyMapping, *, source: str = "<frame>"
) -> pl.DataFrame:
    """Map a raw agency frame onto the canonical columns (see module docstring)."""
    wanted = {
        **mapping.columns,
        **{f"{IDENTIFIER_PREFIX}{k}": v for k, v in mapping.identifiers.items()},
    }
    if mapping.truth:
        wanted[TRUTH_COLUMN] = mapping.truth
    missing = sorted({v for v in wanted.values() if v not in raw.columns})
    if missing:
        msg = f"{source}: column(s) {missing} of the {mapping.agency!r} mapping are not in the file"
        raise InvalidInputError(msg, field=missing[0])

    exprs: list[pl.Expr] = [pl.lit(mapping.agency, dtype=pl.Utf8).alias("agency")]
    for canonical in (*KEY_COLUMNS[1:], *TEXT_COLUMNS):
        source_col = mapping.columns.get(canonical)
        exprs.append(
            _text(raw, source_col).alias(canonical)
            if source_col
            else pl.lit(None, dtype=pl.Utf8).alias(canonical)
        )
    exprs.append(_aliases(raw, mapping))
    exprs.extend(
        _text(raw, src).alias(name)
        for name, src in wanted.items()
        if name.startswith(IDENTIFIER_PREFIX)
    )
    if mapping.truth:
        exprs.append(_text(raw, mapping.truth).alias(TRUTH_COLUMN))
    frame = raw.select(exprs)

    empty_ids = frame.select(
        pl.col("record_id").is_null() | (pl.col("record_id").str.strip_chars() == "")
    )
    bad = empty_ids.to_series().arg_true()
    if len(bad):
        column = mapping.columns["record_id"]
        msg = f"{source}: row {int(bad[0]) + 1}: column {column!r} (record_id) is empty"
        raise InvalidInputError(msg, field="record_id")
    dupes = frame.filter(pl.col("record_id").is_duplicated())
    if dupes.height:
        msg = f"{source}: record_id {dupes['record_id'][0]!r} appears more than once"
        raise InvalidInputError(msg, field="record_id")
    if mapping.dob_format:
        from linkage.standardise.dates import reformat_dates

        frame = frame.with_columns(reformat_dates(pl.col("dob"), mapping.dob_format).alias("dob"))
    return frame


def _text(raw: pl.DataFrame, column: str) -> pl.Expr:
    dtype = raw.schema[column]
    expr = pl.col(column)
    if dtype != pl.Utf8:
        expr = expr.cast(pl.Utf8)
    return expr.str.strip_chars().replace("", None)


def _aliases(raw: pl.DataFrame, mapping: AgencyMapping) -> pl.Expr:
    source_col = mapping.columns.get("aliases")
    if source_col is None:
        return pl.lit(None, dtype=pl.List(pl.Utf8)).alias("aliases")
    if isinstance(raw.schema[source_col], pl.List):
        return pl.col(source_col).cast(pl.List(pl.Utf8)).alias("aliases")
    return (
        _text(raw, source_col)
        .str.split(mapping.alias_separator)
        .list.eval(pl.element().str.strip_chars().filter(pl.element() != ""))
        .alias("aliases")
    )


def empty_canonical() -> pl.DataFrame:
    """An empty frame with the canonical schema."""
    schema: dict[str, pl.DataType] = {c: pl.Utf8() for c in (*KEY_COLUMNS, *TEXT_COLUMNS)}
    schema["aliases"] = pl.List(pl.Utf8())
    return pl.DataFrame(schema=schema)


def concat_canonical(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """Stack canonical frames of several agencies, filling absent identifier columns with nulls."""
    if not frames:
        return empty_canonical()
    combined = pl.concat(frames, how="diagonal_relaxed")
    dupes = combined.filter(pl.struct(*KEY_COLUMNS).is_duplicated())
    if dupes.height:
        row = dupes.row(0, named=True)
        msg = f"record ({row['agency']!r}, {row['record_id']!r}) appears in more than one input"
        raise InvalidInputError(msg, field="record_id")
    return combined
