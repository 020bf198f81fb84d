"""Pure functions between protobuf messages and the library's plain types."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from google.protobuf import timestamp_pb2

from linkage.errors import InvalidRecordError
from linkage.resolver_types import (
    Band,
    Explanation,
    IdentityMatch,
    Outcome,
    Person,
    UpsertResult,
)
from linkage.store import MergeEvent, StoredRecord
from server.gen.linkage.v1 import linkage_pb2 as pb

_TEXT = ("given_name", "middle_name", "family_name", "dob", "sex", "street", "suburb",
         "postcode", "state", "phone", "email")  # fmt: skip
_ROLE_TO_TEXT = {
    pb.ROLE_RESPONDENT: "respondent",
    pb.ROLE_AFFECTED_FAMILY_MEMBER: "affected_family_member",
    pb.ROLE_CHILD: "child",
    pb.ROLE_OTHER: "other",
}
_TEXT_TO_ROLE = {v: k for k, v in _ROLE_TO_TEXT.items()}
PROTECTED = "protected_fields"  # stored attribute: the names of the record's protected fields
_BANDS: dict[Band, pb.Band.ValueType] = {
    "match": pb.BAND_MATCH,
    "review": pb.BAND_REVIEW,
    "no_match": pb.BAND_NO_MATCH,
}
_OUTCOMES: dict[Outcome, pb.UpsertOutcome.ValueType] = {
    "unspecified": pb.UPSERT_OUTCOME_UNSPECIFIED,
    "matched": pb.UPSERT_OUTCOME_MATCHED,
    "new": pb.UPSERT_OUTCOME_NEW,
    "review": pb.UPSERT_OUTCOME_REVIEW,
    "merged": pb.UPSERT_OUTCOME_MERGED,
}


def attributes_from_proto(message: pb.PersonAttributes) -> dict[str, Any]:
    """Canonical attributes (non-empty only) from PersonAttributes."""
    out: dict[str, Any] = {name: getattr(message, name) for name in _TEXT if getattr(message, name)}
    if message.aliases:
        out["aliases"] = list(message.aliases)
    if message.role in _ROLE_TO_TEXT:
        out["role"] = _ROLE_TO_TEXT[message.role]
    for name, value in sorted(message.identifiers.items()):
        if value:
            out[f"id_{name}"] = value
    return out


def attributes_to_proto(attributes: dict[str, Any]) -> pb.PersonAttributes:
    """PersonAttributes from stored canonical attributes."""
    message = pb.PersonAttributes()
    for name in _TEXT:
        if attributes.get(name):
            setattr(message, name, str(attributes[name]))
    message.aliases.extend(attributes.get("aliases") or [])
    message.role = _TEXT_TO_ROLE.get(str(attributes.get("role", "")), pb.ROLE_UNSPECIFIED)
    for key, value in attributes.items():
        if key.startswith("id_"):
            message.identifiers[key.removeprefix("id_")] = str(value)
    return message


def record_from_proto(message: pb.AgencyRecord) -> dict[str, Any]:
    """A canonical record mapping (with agency and record_id) from AgencyRecord."""
    record = attributes_from_proto(message.attributes)
    record["agency"] = message.ref.agency
    record["record_id"] = message.ref.record_id
    if message.updated_at:
        record["updated_at"] = message.updated_at
    if message.protected_fields:
        unknown = sorted(
            set(message.protected_fields) - set(pb.PersonAttributes.DESCRIPTOR.fields_by_name)
        )
        if unknown:
            msg = f"protected_fields names unknown attribute fields {unknown[:5]}"
            raise InvalidRecordError(msg, field="protected_fields")
        record[PROTECTED] = sorted(set(message.protected_fields))
    return record


def protected_fields(attributes: Mapping[str, Any]) -> list[str]:
    """The attribute fields a stored record protects."""
    return list(attributes.get(PROTECTED) or ())


def minimise(message: pb.PersonAttributes, allowed: Collection[str]) -> None:
    """Clear every attribute field of ``message`` not in ``allowed`` (in place)."""
    for name in pb.PersonAttributes.DESCRIPTOR.fields_by_name:
        if name not in allowed:
            message.ClearField(name)  # type: ignore[arg-type]


def ref(pair: tuple[str, str]) -> pb.RecordRef:
    """RecordRef from (agency, record_id)."""
    return pb.RecordRef(agency=pair[0], record_id=pair[1])


def explanation_to_proto(explanation: Explanation) -> pb.Explanation:
    """Explanation message."""
    message = pb.Explanation()
    _fill_explanation(message, explanation)
    return message


#: (comparison, level, weight) -> an Explanation holding only that field, serialized: few
#: distinct fields recur, and one merge of their bytes costs less than a submessage each.
_FIELD_BYTES: dict[tuple[Any, ...], bytes] = {}
_FIELD_BYTES_MAX = 8192


def _fields_bytes(fields: tuple[tuple[str, str, float], ...]) -> bytes:
    parts = []
    for comparison, level, weight in fields:
        # 0.0 and -0.0 are equal keys but serialize differently
        key = (comparison, level, weight) if weight else (comparison, level, str(weight))
        found = _FIELD_BYTES.get(key)
        if found is None:
            if len(_FIELD_BYTES) >= _FIELD_BYTES_MAX:
                _FIELD_BYTES.clear()
            field = pb.FieldWeight(comparison=comparison, level=level, weight=weight)
            found = _FIELD_BYTES[key] = pb.Explanation(fields=[field]).SerializeToString()
        parts.append(found)
    return b"".join(parts)


def _fill_explanation(message: pb.Explanation, explanation: Explanation) -> None:
    # Submessages filled in place: about half the cost of building and copying them in.
    message.prior_weight = explanation.prior_weight
    message.MergeFromString(_fields_bytes(explanation.fields))  # appends, in order
    message.match_weight = explanation.match_weight
    message.probability = explanation.probability
    if explanation.best_record:
        best = message.best_record
        best.agency, best.record_id = explanation.best_record


def band_to_proto(band: Band) -> pb.Band.ValueType:
    """Band enum value."""
    return _BANDS[band]


def match_to_proto(match: IdentityMatch) -> pb.IdentityMatch:
    """IdentityMatch message."""
    message = pb.IdentityMatch(
        person_id=match.person_id, probability=match.probability, band=_BANDS[match.band]
    )
    _fill_explanation(message.explanation, match.explanation)
    add = message.records.add
    for agency, record_id in match.records:
        add(agency=agency, record_id=record_id)
    return message


def upsert_to_proto(result: UpsertResult) -> pb.UpsertRecordResponse:
    """UpsertRecordResponse message."""
    return pb.UpsertRecordResponse(
        ref=ref((result.agency, result.record_id)),
        person_id=result.person_id,
        outcome=_OUTCOMES[result.outcome],
        probability=result.probability,
        review_person_ids=result.review_person_ids,
        merged_person_ids=result.merged_person_ids,
    )


def stored_record_to_proto(record: StoredRecord) -> pb.GetRecordResponse:
    """GetRecordResponse message (never with the record's protected fields)."""
    attributes = dict(record.attributes)
    for name in protected_fields(attributes):
        attributes.pop(name, None)
        if name == "identifiers":
            attributes = {k: v for k, v in attributes.items() if not k.startswith("id_")}
    return pb.GetRecordResponse(
        record=pb.AgencyRecord(
            ref=ref((record.agency, record.record_id)),
            attributes=attributes_to_proto(attributes),
            updated_at=str(attributes.get("updated_at", "")),
        ),
        person_id=record.person_id,
        outcome=_OUTCOMES.get(record.outcome, pb.UPSERT_OUTCOME_UNSPECIFIED),  # type: ignore[call-overload]
        probability=record.probability,
    )


def merge_to_proto(event: MergeEvent) -> pb.MergeEvent:
    """MergeEvent message."""
    stamp = timestamp_pb2.Timestamp()
    stamp.FromNanoseconds(int(event.merged_at * 1e9))
    return pb.MergeEvent(
        survivor_person_id=event.survivor_person_id,
        merged_person_id=event.merged_person_id,
        probability=event.probability,
        trigger=ref((event.trigger_agency, event.trigger_record_id)),
        merged_at=stamp,
    )


def person_to_proto(person: Person) -> pb.Person:
    """Person message."""
    return pb.Person(
        person_id=person.person_id,
        records=[ref(r) for r in person.records],
        confidence=person.confidence,
        merged_from=person.merged_from,
        merge_history=[merge_to_proto(m) for m in person.merge_history],
        review_person_ids=person.review_person_ids,
    )
