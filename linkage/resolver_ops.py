"""Write operations of the master person index: upsert, delete, merge and split.

Called by :class:`linkage.resolver.MasterPersonIndex`; each runs inside one
store transaction and changes memory only alongside the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from linkage import resolver_reads as reads
from linkage.errors import RecordNotFoundError
from linkage.resolver_types import OUTCOMES, Outcome, UpsertResult
from linkage.store import MergeEvent, ReviewFlag, StoredRecord, encode_json, now
from linkage.store_rows import new_record_row

if TYPE_CHECKING:
    from linkage.resolver import MasterPersonIndex


_KEY = frozenset(("agency", "record_id"))


def clean_attributes(record: Mapping[str, Any]) -> dict[str, Any]:
    """Canonical attributes without the key and without empty values (as stored)."""
    names = sorted(record)
    if all(type(record[name]) is str for name in names):  # the common case, in one pass
        return {name: text for name in names if name not in _KEY and (text := record[name].strip())}
    out: dict[str, Any] = {}
    for name in names:
        value = record[name]
        if name in _KEY or value is None:
            continue
        if type(value) is str:
            value = value.strip()
            if value:
                out[name] = value
        elif isinstance(value, list | tuple):
            items = [text for text in (str(v).strip() for v in value) if text]
            if items:
                out[name] = items
        elif text := str(value).strip():
            out[name] = text
    return out


def upsert(mpi: MasterPersonIndex, record: Mapping[str, Any]) -> UpsertResult:
    """Add or replace a record and link it (see :mod:`linkage.resolver`).

    Writers are serialised by the store transaction, so the candidates are
    scored without the index lock; the write side is held only while memory
    changes, so Resolve calls keep running during a bulk load.
    """
    from linkage.resolver import validate_key

    agency, record_id = validate_key(record)
    key = (agency, record_id)
    attributes = clean_attributes(record)
    scorer = mpi._need_scorer()
    query = scorer.standardise_record(attributes)
    hashes = mpi.columns.record_keys.hashes({**query, "agency": agency})
    with mpi.batch():
        if mpi.columns.row_of(key) is not None:
            if mpi.store.get_attributes(agency, record_id) == attributes:
                existing = mpi.store.get_record(agency, record_id)
                if existing is not None:
                    return replay(mpi, existing)
            with mpi.lock:
                remove_row(mpi, key)
        best = reads.best_per_person(mpi, query, reads.candidates(mpi.columns, hashes, key))
        ranked = sorted(
            ((p, c.probability, reads.band_of(mpi, c)) for p, c in best.items()),
            key=lambda pp: (-pp[1], mpi.created[pp[0]], mpi.person_ids[pp[0]]),
        )
        in_match = [(p, prob) for p, prob, band in ranked if band == "match"]
        in_review = [(p, prob) for p, prob, band in ranked if band == "review"]

        def place(person: int, probability: float, outcome: int) -> int:
            return mpi.columns.append_record(query, key, person, probability, outcome, hashes)

        with mpi.lock:
            result = decide(mpi, key, attributes, in_match, in_review, place)
        mpi.columns.fold_keys(mpi.lock)
    return result


#: ``place(person, probability, outcome)``: the record's row in memory (appended or reserved).
Place = Callable[[int, float, int], int]


def decide(
    mpi: MasterPersonIndex,
    key: tuple[str, str],
    attributes: dict[str, Any],
    in_match: list[tuple[int, float]],
    in_review: list[tuple[int, float]],
    place: Place,
) -> UpsertResult:
    """Join, create or merge identities for a scored record; write it (hold the write side).

    ``in_match`` and ``in_review``: (person, probability) of the identities in the match
    and review bands, best first.
    """
    t = mpi.thresholds
    merged: list[str] = []
    outcome: Outcome
    if not in_match:
        person = _new_person(mpi)
        outcome = "review" if in_review else "new"
        probability = in_review[0][1] if in_review else 0.0
        flagged = in_review
    else:
        person, probability = in_match[0]
        mergeable = [p for p, prob in in_match if prob >= t.auto_merge]
        if probability >= t.auto_merge and len(mergeable) > 1:
            person = min(mergeable, key=lambda p: (mpi.created[p], mpi.person_ids[p]))
            for other in mergeable:
                if other != person:
                    merged.append(mpi.person_ids[other])
                    _merge(mpi, person, other, dict(in_match)[other], key)
            outcome = "merged"
        else:
            outcome = "matched"
        flagged = [(p, prob) for p, prob in in_match if p != person and p not in mergeable]
        if flagged:
            outcome = "review"
    pid = mpi.person_ids[person]
    for other, prob in flagged:
        _flag(mpi, ReviewFlag(pid, mpi.person_ids[other], prob, *key))
    seq = mpi.store.next_seq()
    mpi.store.put_rows(
        [new_record_row(key, pid, outcome, probability, encode_json(attributes), seq)]
    )
    row = place(person, probability, OUTCOMES.index(outcome))
    mpi.members.setdefault(person, set()).add(row)
    return UpsertResult(
        *key,
        pid,
        outcome,
        probability,
        sorted(mpi.person_ids[p] for p, _ in flagged),
        sorted(merged),
    )


def replay(mpi: MasterPersonIndex, stored: StoredRecord) -> UpsertResult:
    """The result of an upsert that changes nothing (idempotent repeat)."""
    key = (stored.agency, stored.record_id)
    flags = sorted(
        other
        for other, flag in mpi.reviews.get(stored.person_id, {}).items()
        if (flag.agency, flag.record_id) == key
    )
    merged = sorted(
        m.merged_person_id for m in mpi.merges if (m.trigger_agency, m.trigger_record_id) == key
    )
    outcome: Outcome = stored.outcome  # type: ignore[assignment]
    return UpsertResult(*key, stored.person_id, outcome, stored.probability, flags, merged)


def delete(mpi: MasterPersonIndex, agency: str, record_id: str) -> tuple[str, bool, list[str]]:
    """Delete a record and re-evaluate its identity."""
    key = (agency, record_id)
    with mpi.batch(), mpi.lock:
        if mpi.columns.row_of(key) is None:
            msg = f"no record ({agency!r}, {record_id!r})"
            raise RecordNotFoundError(msg)
        pid, removed, split = remove_row(mpi, key)
        mpi.store.delete_record(agency, record_id)
        if removed:
            mpi.store.remove_person(pid)
    return pid, removed, split


def remove_row(mpi: MasterPersonIndex, key: tuple[str, str]) -> tuple[str, bool, list[str]]:
    """Take a record's row out of its identity; split what no longer links."""
    row = mpi.columns.kill(key)
    person = int(mpi.columns.person[row])
    pid = mpi.person_ids[person]
    members = mpi.members[person]
    members.discard(row)
    if not members:
        del mpi.members[person]
        for other in mpi.reviews.pop(pid, {}):
            mpi.reviews.get(other, {}).pop(pid, None)
        mpi.store.delete_record(*key)
        mpi.store.remove_person(pid)
        return pid, True, []
    return pid, False, _split(mpi, person)


def _split(mpi: MasterPersonIndex, person: int) -> list[str]:
    """Split an identity whose records no longer form one linked component."""
    rows = np.asarray(sorted(mpi.members[person]), dtype=np.int64)
    if len(rows) < 2:
        return []
    scorer = mpi._need_scorer()
    parent = list(range(len(rows)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    columns = mpi.columns
    for i in range(len(rows) - 1):
        query = {name: column.value(int(rows[i])) for name, column in columns.std.items()}
        scores = scorer.score(query, columns.gather(rows[i + 1 :]))
        for j in np.flatnonzero(scores.probability >= mpi.thresholds.match).tolist():
            parent[find(i + 1 + j)] = find(i)
    groups: dict[int, list[int]] = {}
    for i in range(len(rows)):
        groups.setdefault(find(i), []).append(int(rows[i]))
    if len(groups) == 1:
        return []
    new_ids = []
    for group in sorted(groups.values())[1:]:  # the group with the oldest row keeps the id
        new = _new_person(mpi)
        mpi.columns.person[group] = new
        mpi.members[person] -= set(group)
        mpi.members[new] = set(group)
        mpi.store.set_person(mpi.columns.refs(group), mpi.person_ids[new])
        new_ids.append(mpi.person_ids[new])
    return new_ids


def _new_person(mpi: MasterPersonIndex) -> int:
    seq = mpi.store.next_seq()
    pid = f"P{seq:09d}"
    while pid in mpi.number_of:
        seq = mpi.store.next_seq()
        pid = f"P{seq:09d}"
    mpi.store.add_person(pid, seq)
    return mpi._person_number(pid, seq)


def _merge(
    mpi: MasterPersonIndex, survivor: int, merged: int, probability: float, key: tuple[str, str]
) -> None:
    rows = sorted(mpi.members.pop(merged, set()))
    mpi.columns.person[rows] = survivor
    mpi.members.setdefault(survivor, set()).update(rows)
    spid, mpid = mpi.person_ids[survivor], mpi.person_ids[merged]
    # the trigger's stored row too: an update still points at its old identity until written
    mpi.store.set_person([*mpi.columns.refs(rows), key], spid)
    event = MergeEvent(spid, mpid, probability, key[0], key[1], now())
    mpi.store.add_merge(event)
    mpi.merges.append(event)
    mpi.redirect[mpid] = spid
    for other, flag in mpi.reviews.pop(mpid, {}).items():
        mpi.reviews.get(other, {}).pop(mpid, None)
        if other != spid:
            _flag(mpi, ReviewFlag(spid, other, flag.probability, flag.agency, flag.record_id))


def _flag(mpi: MasterPersonIndex, flag: ReviewFlag) -> None:
    mpi.store.add_review(flag)
    mpi.reviews.setdefault(flag.person_id, {})[flag.other_person_id] = flag
    mirror = ReviewFlag(
        flag.other_person_id, flag.person_id, flag.probability, flag.agency, flag.record_id
    )
    mpi.reviews.setdefault(flag.other_person_id, {})[flag.person_id] = mirror
