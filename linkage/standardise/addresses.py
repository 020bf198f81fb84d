"""Australian addresses: unit, street number, street name and type, PO boxes, postcodes, states.

Streets are nearly unique per person, so they are parsed with regexes that run
as polars expressions in the batch path and with :mod:`re` for one record.
The same pattern strings serve both (see ``_text``); suburbs and states repeat
and go through per-value functions on distinct values.
"""

from __future__ import annotations

import re

import polars as pl

from linkage.standardise._text import (
    Step,
    apply_steps,
    as_text,
    compile_steps,
    distinct_values,
    empty_to_null,
    fold,
    fold_series,
    gather_rows,
    map_distinct,
    patch_rows,
    steps_expr,
)

# Standard abbreviation for each street type spelling (AS 4590 style).
_TYPE_SPELLINGS = {
    "ST": "STREET ST STR",
    "RD": "ROAD RD",
    "AVE": "AVENUE AVE AV",
    "CT": "COURT CT CRT",
    "CRES": "CRESCENT CRES CRESC CR",
    "DR": "DRIVE DR DRV",
    "PL": "PLACE PL",
    "PDE": "PARADE PDE",
    "HWY": "HIGHWAY HWY",
    "TCE": "TERRACE TCE",
    "BVD": "BOULEVARD BOULEVARDE BVD BLVD BVDE",
    "CL": "CLOSE CL",
    "LANE": "LANE LN",
    "GR": "GROVE GR GRV",
    "WAY": "WAY WY",
    "CCT": "CIRCUIT CCT",
    "CIR": "CIRCLE CIR",
    "SQ": "SQUARE SQ",
    "ESP": "ESPLANADE ESP",
    "FWY": "FREEWAY FWY",
    "PKWY": "PARKWAY PKWY",
    "PROM": "PROMENADE PROM",
    "RTT": "RETREAT RTT",
    "ARC": "ARCADE ARC",
    "GDNS": "GARDENS GDNS",
    "GLD": "GLADE GLD",
    "CH": "CHASE CH",
    "VW": "VIEW VW",
    "RISE": "RISE",
    "WALK": "WALK",
    "LOOP": "LOOP",
    "MEWS": "MEWS",
    "TRL": "TRAIL TRL",
    "TRK": "TRACK TRK",
    "ALLY": "ALLEY ALLY",
    "BYPA": "BYPASS BYPA",
    "ENT": "ENTRANCE ENT",
}
STREET_TYPES: dict[str, str] = {
    spelling: abbrev
    for abbrev, spellings in _TYPE_SPELLINGS.items()
    for spelling in spellings.split()
}
_STATE_NAMES = {
    "VIC": "VICTORIA",
    "NSW": "NEW SOUTH WALES",
    "QLD": "QUEENSLAND",
    "SA": "SOUTH AUSTRALIA",
    "WA": "WESTERN AUSTRALIA",
    "TAS": "TASMANIA",
    "NT": "NORTHERN TERRITORY",
    "ACT": "AUSTRALIAN CAPITAL TERRITORY",
}
STATES: dict[str, str] = {
    **{code: code for code in _STATE_NAMES},
    **{name: code for code, name in _STATE_NAMES.items()},
}

ADDRESS_COLUMNS = ("unit", "street_number", "street_name", "street_type", "po_box", "address_std")

# Run after upper-casing folded text. "P.O." -> "PO", commas -> spaces, "3 / 12" -> "3/12".
STREET_STEPS: list[Step] = [
    (r"['`.]", ""),
    (r"[^A-Z0-9/-]+", " "),
    (r" ?([/-]) ?", "${1}"),
]
_STREET_STRIP = " /-"
# Words of ASCII letters and digits (with / or - inside a word) separated by
# single spaces: STREET_STEPS and the strip leave these as they are.
_TIDY_WORD = "[A-Za-z0-9](?:[A-Za-z0-9/-]*[A-Za-z0-9])?"
_TIDY_STREET = rf"^{_TIDY_WORD}(?: {_TIDY_WORD})*$"
_UNIT_WORDS = "UNIT|U|FLAT|FLT|F|APARTMENT|APT|SUITE|STE|SHOP|VILLA|TOWNHOUSE|STUDIO|ROOM|RM"
_UNIT_ID = r"[0-9]+[A-Z]?|[A-Z]"
_TYPES = "|".join(sorted(STREET_TYPES, key=len, reverse=True))
STREET_PATTERN = (
    rf"^(?:(?:{_UNIT_WORDS}) ?(?P<u1>{_UNIT_ID})[ /]|(?P<u2>{_UNIT_ID})/)?"
    r"(?:(?P<number>(?:LOT )?[0-9]+[A-Z]?(?:-[0-9]+[A-Z]?)?) )?"
    rf"(?P<name>.+?)(?: (?P<type>{_TYPES}))?$"
)
PO_BOX_PATTERN = (
    r"^(?:(?:G ?P ?O|P ?O|POST OFFICE|LOCKED|PRIVATE|MAIL) ?)?(?:BOX|BAG) ?"
    r"(?P<box>[0-9]+)(?: .*)?$"
)
_STREET_STEPS = compile_steps(STREET_STEPS)
_STREET_RE = re.compile(STREET_PATTERN)
_PO_BOX_RE = re.compile(PO_BOX_PATTERN)
_POSTCODE = r"^[0-9]{3,4}$"
_POSTCODE_RE = re.compile(_POSTCODE)
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")


def clean_street(value: str | None) -> str | None:
    """Fold, upper-case and tidy a street line (``"3 / 12 Smith St."`` -> ``"3/12 SMITH ST"``)."""
    if value is None:
        return None
    return apply_steps(fold(value).upper(), _STREET_STEPS).strip(_STREET_STRIP) or None


def address_parts(street: str | None) -> tuple[str | None, ...]:
    """Parse one street line into the six address columns.

    The columns are ``unit, street_number, street_name, street_type, po_box, address_std``.

    Args:
        street: raw street text ("UNIT 3 12 SMITH STREET", "3/12 SMITH ST", "PO BOX 123").

    Returns:
        A tuple of the six address columns; all None when nothing is left.
    """
    text = clean_street(street)
    if text is None:
        return (None,) * len(ADDRESS_COLUMNS)
    po = _PO_BOX_RE.fullmatch(text)
    if po is not None:
        box = po.group("box")
        return (None, None, None, None, box, f"PO BOX {box}")
    m = _STREET_RE.fullmatch(text)
    if m is None:  # pragma: no cover - the name group matches any non-empty text
        return (None,) * len(ADDRESS_COLUMNS)
    unit = m.group("u1") or m.group("u2")
    number, name = m.group("number"), m.group("name")
    kind = STREET_TYPES.get(m.group("type") or "")
    lead = (f"{unit}/" if unit else "") + (number or "")
    return (unit, number, name, kind, None, " ".join(p for p in (lead, name, kind) if p))


def address_columns(street: pl.Series) -> list[pl.Series]:
    """The six address columns for a street series, as polars expressions.

    Parsed once per distinct street (households and repeat records share
    addresses) and gathered back per row.
    """
    values, index = distinct_values(as_text(street))
    return gather_rows(_parse_streets(values), index).get_columns()


def clean_streets(street: pl.Series) -> pl.Series:
    """:func:`clean_street` for a series (vectorised).

    Most streets are already tidy ASCII words, which only need upper-casing;
    the full rewrite runs on the others.
    """
    dirty = ~street.str.contains(_TIDY_STREET).fill_null(value=True)
    s = pl.col("s")
    rewrite = empty_to_null(
        steps_expr(s.str.to_uppercase(), STREET_STEPS).str.strip_chars(_STREET_STRIP)
    )
    fixed = pl.DataFrame({"s": fold_series(street.filter(dirty))}).select(rewrite).to_series()
    return patch_rows(street.str.to_uppercase(), dirty, fixed)


def _parse_streets(street: pl.Series) -> pl.DataFrame:
    """Parse a series of street lines into the six address columns."""
    s = pl.col("s")
    # Materialise each stage so no regex runs twice (struct fields would re-run it).
    frame = (
        pl.DataFrame({"s": clean_streets(street)})
        .with_columns(
            s.str.extract(PO_BOX_PATTERN, 1).alias("po"),
            s.str.extract_groups(STREET_PATTERN).alias("parts"),
        )
        .unnest("parts")
    )
    is_po = pl.col("po").is_not_null()
    unit = pl.coalesce("u1", "u2")
    kind = pl.col("type").replace_strict(STREET_TYPES, default=None, return_dtype=pl.Utf8)
    lead = empty_to_null(pl.concat_str([unit + "/", "number"], separator="", ignore_nulls=True))
    std = pl.concat_str([lead, "name", kind], separator=" ", ignore_nulls=True)
    none = pl.lit(None, dtype=pl.Utf8)
    out = frame.select(
        pl.when(is_po).then(none).otherwise(unit).alias("unit"),
        pl.when(is_po).then(none).otherwise(pl.col("number")).alias("street_number"),
        pl.when(is_po).then(none).otherwise(pl.col("name")).alias("street_name"),
        pl.when(is_po).then(none).otherwise(kind).alias("street_type"),
        pl.col("po").alias("po_box"),
        pl.when(is_po)
        .then(pl.lit("PO BOX ") + pl.col("po"))
        .when(s.is_not_null())
        .then(std)
        .otherwise(none)
        .alias("address_std"),
    )
    return out


def _clean_words(value: str) -> str:
    """Fold, upper-case, drop apostrophes and turn other punctuation into single spaces."""
    text = fold(value).upper().replace("'", "").replace("`", "")
    return " ".join(_NON_ALNUM.sub(" ", text).split())


def standardise_suburb(value: str | None) -> str | None:
    """Suburb in upper case without punctuation (``"St. Kilda"`` -> ``"ST KILDA"``)."""
    return (_clean_words(value) or None) if value else None


def standardise_state(value: str | None) -> str | None:
    """Australian state or territory code (``"Victoria"`` -> ``"VIC"``); None when unknown."""
    if not value:
        return None
    words = _clean_words(value)
    # "N.S.W." cleans to "N S W"; try the letters run together as well.
    return STATES.get(words) or STATES.get(words.replace(" ", ""))


def standardise_postcode(value: str | None) -> str | None:
    """Four-digit postcode; three digits are zero-padded (NT "800" -> "0800"), else None."""
    if value is None:
        return None
    text = value.strip(" ")
    return text.zfill(4) if _POSTCODE_RE.fullmatch(text) else None


def place_columns(frame: pl.DataFrame) -> list[pl.Series]:
    """``suburb_std`` and ``state_std`` for a canonical frame (distinct values)."""
    suburb = map_distinct(
        as_text(frame["suburb"]), lambda v: (standardise_suburb(v),), {"suburb_std": pl.Utf8()}
    )
    state = map_distinct(
        as_text(frame["state"]), lambda v: (standardise_state(v),), {"state_std": pl.Utf8()}
    )
    return [suburb.to_series(), state.to_series()]


def postcode_expr(column: str) -> pl.Expr:
    """``postcode_std`` as a polars expression over a text column."""
    raw = pl.col(column).str.strip_chars(" ")
    return pl.when(raw.str.contains(_POSTCODE)).then(raw.str.zfill(4)).alias("postcode_std")


def postcode_column(postcode: pl.Series) -> pl.Series:
    """``postcode_std`` for a postcode series (vectorised).

    Four digits are kept as they are; the other values go through :func:`postcode_expr`.
    """
    text = as_text(postcode).rename("p")
    dirty = ~text.str.contains(r"^[0-9]{4}$").fill_null(value=True)
    fixed = pl.DataFrame({"p": text.filter(dirty)}).select(postcode_expr("p")).to_series()
    return patch_rows(text, dirty, fixed).alias("postcode_std")
