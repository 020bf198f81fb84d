"""Standardisation: canonical person records -> comparable, normalised columns.

The public face is two functions that produce the same values
(docs/CONTRACTS.md §2):

* :func:`standardise` for a whole canonical frame (the batch path): per-value
  Python work runs once per *distinct* value, high-cardinality columns
  (streets, phones, emails, identifiers) are polars expressions;
* :func:`standardise_record` for one record (the real-time path), built from
  the same per-value functions and regex patterns.

Bad values never raise; they become null.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from linkage.schema import TEXT_COLUMNS
from linkage.standardise import addresses, contact, dates, names

__all__ = ["OUTPUT_COLUMNS", "standardise", "standardise_record"]

IDENTIFIER_PREFIX = "id_"

# Added columns, in order; identifier columns ``id_<name>_std`` follow.
OUTPUT_COLUMNS = (
    "given_std",
    "given_first",
    "middle_std",
    "family_std",
    "family_first",
    "family_last",
    "given_root",
    "given_sdx",
    "family_sdx",
    "given_mph",
    "family_mph",
    "given_nysiis",
    "family_nysiis",
    "alias_names",
    "dob_date",
    "dob_year",
    "dob_month",
    "dob_day",
    "sex_std",
    *addresses.ADDRESS_COLUMNS,
    "suburb_std",
    "postcode_std",
    "state_std",
    "phone_std",
    "email_std",
)
_TEXT_INPUTS = tuple(c for c in TEXT_COLUMNS if c not in ("role", "updated_at"))


def _identifier_columns(columns: list[str]) -> list[str]:
    """Input identifier columns (``id_<name>``, not already standardised ones)."""
    return [c for c in columns if c.startswith(IDENTIFIER_PREFIX) and not c.endswith("_std")]


def _inputs(frame: pl.DataFrame) -> pl.DataFrame:
    """The text inputs as Utf8 (and aliases as List[Utf8]), absent columns as nulls."""
    exprs = [
        pl.col(c).cast(pl.Utf8) if c in frame.columns else pl.lit(None, dtype=pl.Utf8).alias(c)
        for c in _TEXT_INPUTS
    ]
    aliases = (
        pl.col("aliases").cast(pl.List(pl.Utf8))
        if "aliases" in frame.columns
        else pl.lit(None, dtype=pl.List(pl.Utf8)).alias("aliases")
    )
    return frame.select(*exprs, aliases)


def standardise(frame: pl.DataFrame, *, today: dt.date | None = None) -> pl.DataFrame:
    """Add the standardised columns of docs/CONTRACTS.md §2 to a canonical frame.

    Args:
        frame: a canonical frame (any canonical column may be absent or all null;
            ``id_<name>`` identifier columns are optional).
        today: reference date for future-date checks and two-digit years
            (defaults to today).

    Returns:
        The input frame with the added columns; the original columns are kept.
    """
    src = _inputs(frame)
    # Polars releases the GIL, so the vectorised columns (both cores) run while
    # this thread does the per-distinct-value Python work.
    with ThreadPoolExecutor(max_workers=1) as pool:
        vectorised = pool.submit(_vectorised_columns, src, frame)
        by_name = {s.name: s for s in _distinct_value_columns(src, today)}
        by_name.update((s.name, s) for s in vectorised.result())
    added = [by_name[c] for c in OUTPUT_COLUMNS]
    added += [by_name[f"{c}_std"] for c in _identifier_columns(frame.columns)]
    return frame.with_columns(added)


def _distinct_value_columns(src: pl.DataFrame, today: dt.date | None) -> list[pl.Series]:
    """Columns computed by Python functions once per distinct value."""
    return [
        *names.name_columns(src),
        *dates.dob_columns(src, today),
        contact.sex_column(src["sex"]),
        *addresses.place_columns(src),
    ]


def _vectorised_columns(src: pl.DataFrame, frame: pl.DataFrame) -> list[pl.Series]:
    """Columns computed as polars expressions (high-cardinality inputs)."""
    return [
        *addresses.address_columns(src["street"]),
        contact.phone_column(src["phone"]),
        addresses.postcode_column(src["postcode"]),
        contact.email_column(src["email"]),
        *(contact.identifier_column(frame[c], c) for c in _identifier_columns(frame.columns)),
    ]


def _text(value: Any) -> str | None:
    """A record value as text (None stays None)."""
    return value if value is None or isinstance(value, str) else str(value)


def _through(memo: Callable[[str], Any], func: Callable[[None], Any], value: Any) -> Any:
    """``func`` of a record value through a memo of it (the memo takes text only)."""
    text = _text(value)
    return func(None) if text is None else memo(text)


_STREET_MEMO = names.memoised(addresses.address_parts)


@functools.lru_cache(maxsize=1)
def _dob_memo(today: dt.date) -> Callable[[str], Any]:
    """Dates of birth as :func:`dates.parse_dob` reads them today: a new memo each day."""
    return names.memoised(functools.partial(dates.parse_dob, today=today))


def standardise_record(
    record: Mapping[str, Any], *, today: dt.date | None = None
) -> dict[str, Any]:
    """The added standardised values for one canonical record (the real-time path).

    Args:
        record: canonical column -> value; absent keys count as null.
        today: reference date, as for :func:`standardise`.

    Returns:
        A dict with the same keys and values as the added columns of
        :func:`standardise` for this record (dates as ``datetime.date``).
    """
    get = record.get
    given = _through(names.GIVEN_MEMO, names.given_parts, get("given_name"))
    family = _through(names.FAMILY_MEMO, names.family_parts, get("family_name"))
    raw_aliases = get("aliases")
    if isinstance(raw_aliases, str):
        raw_aliases = [raw_aliases]
    aliases = None if raw_aliases is None else [_text(a) for a in raw_aliases]
    raw_dob = _text(get("dob"))
    if today is None and raw_dob is not None:
        dob = _dob_memo(dt.date.today())(raw_dob)
    else:
        dob = dates.parse_dob(raw_dob, today)
    street = _through(_STREET_MEMO, addresses.address_parts, get("street"))
    out: dict[str, Any] = {
        "given_std": given[0],
        "given_first": given[1],
        "middle_std": _through(names.MIDDLE_MEMO, names.middle_parts, get("middle_name"))[0],
        "family_std": family[0],
        "family_first": family[1],
        "family_last": family[2],
        "given_root": given[2],
        "given_sdx": given[3],
        "family_sdx": family[3],
        "given_mph": given[4],
        "family_mph": family[4],
        "given_nysiis": given[5],
        "family_nysiis": family[5],
        "alias_names": names.alias_list(aliases),
        "dob_date": dob[0],
        "dob_year": dob[1],
        "dob_month": dob[2],
        "dob_day": dob[3],
        "sex_std": contact.standardise_sex(_text(get("sex"))),
        **dict(zip(addresses.ADDRESS_COLUMNS, street, strict=True)),
        "suburb_std": addresses.standardise_suburb(_text(get("suburb"))),
        "postcode_std": addresses.standardise_postcode(_text(get("postcode"))),
        "state_std": addresses.standardise_state(_text(get("state"))),
        "phone_std": contact.standardise_phone(_text(get("phone"))),
        "email_std": contact.standardise_email(_text(get("email"))),
    }
    for column in _identifier_columns(list(record)):
        out[f"{column}_std"] = contact.standardise_identifier(_text(record[column]))
    return out
