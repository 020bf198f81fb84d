"""Rows of the durable store: records, merges and review flags, and their encodings.

Plain data and pure functions, used by :mod:`linkage.store` and the index's writers.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from json.encoder import (  # type: ignore[attr-defined]
    c_make_encoder,
    encode_basestring_ascii,
)
from typing import Any


@dataclass(frozen=True)
class StoredRecord:
    """One agency record as stored.

    Attributes:
        agency: agency code.
        record_id: the agency's key.
        person_id: the identity the record belongs to.
        outcome: the outcome of its last upsert ("matched", "new", "review", "merged").
        probability: probability of the link that placed it (1.0 for a first record).
        attributes: canonical attributes as received.
        standardised: standardised values (see CONTRACTS §2), JSON-serialisable.
        seq: change sequence number (increases with every write).
    """

    agency: str
    record_id: str
    person_id: str
    outcome: str
    probability: float
    attributes: Mapping[str, Any] = field(default_factory=dict)
    standardised: Mapping[str, Any] = field(default_factory=dict)
    seq: int = 0


@dataclass(frozen=True)
class MergeEvent:
    """A merge of ``merged_person_id`` into the older ``survivor_person_id``."""

    survivor_person_id: str
    merged_person_id: str
    probability: float
    trigger_agency: str
    trigger_record_id: str
    merged_at: float


@dataclass(frozen=True)
class ReviewFlag:
    """Two identities a practitioner should compare, and the record that raised it."""

    person_id: str
    other_person_id: str
    probability: float
    agency: str
    record_id: str


def now() -> float:
    """Wall-clock time in seconds, the one clock the store records."""
    return time.time()


#: json.dumps builds an encoder per call (about 3/4 of its cost on a record's attributes).
_ENCODER = json.JSONEncoder(sort_keys=True, default=str)
#: ``_ENCODER``'s C encoder, made once (``encode`` makes one per call: 6.7 -> 4.9 us for a
#: record's attributes). No circular check: attributes and standardised values are plain.
_C_ENCODE = (
    None
    if c_make_encoder is None
    else c_make_encoder(None, str, encode_basestring_ascii, None, ": ", ", ", True, False, True)
)


def encode_json(value: Mapping[str, Any]) -> str:
    """The stored JSON form of attributes or standardised values (sorted keys)."""
    if _C_ENCODE is None or not isinstance(value, dict):
        return _ENCODER.encode(value)
    return "".join(_C_ENCODE(value, 0))


def record_row(record: StoredRecord, attributes_json: str | None = None) -> tuple[Any, ...]:
    """The ``records`` table row of a record (``attributes_json`` when already encoded)."""
    return (
        record.agency,
        record.record_id,
        record.person_id,
        record.outcome,
        record.probability,
        attributes_json if attributes_json is not None else encode_json(record.attributes),
        encode_json(record.standardised) if record.standardised else "{}",
        record.seq,
    )


def new_record_row(
    key: tuple[str, str], person_id: str, outcome: str, probability: float, attributes_json: str,
    seq: int,
) -> tuple[Any, ...]:  # fmt: skip
    """:func:`record_row` of a record without standardised values, built directly (an
    upsert's row: a StoredRecord per record cost ~1.5 us)."""
    return (*key, person_id, outcome, probability, attributes_json, "{}", seq)


def decode_attributes(text: str) -> dict[str, Any]:
    """Decoded attributes; nulls and empty values (bulk-loaded JSON keeps them) are dropped."""
    decoded: dict[str, Any] = json.loads(text)
    return {k: v for k, v in decoded.items() if v is not None and v != "" and v != []}


def decode_record(row: tuple[Any, ...]) -> StoredRecord:
    return StoredRecord(
        agency=row[0],
        record_id=row[1],
        person_id=row[2],
        outcome=row[3],
        probability=float(row[4]),
        attributes=decode_attributes(row[5]),
        standardised=json.loads(row[6]),
        seq=int(row[7]),
    )
