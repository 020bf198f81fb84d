"""The master person index: resolve, upsert, delete, merge and explain, durable via the store.

Decisions (thresholds are probabilities, from config):

- a record joins the best identity at or above ``match_threshold`` (MATCHED);
- when several identities are at or above the match threshold, those at or
  above ``auto_merge_threshold`` are merged into the oldest (MERGED); the rest
  are flagged for review against the record's identity;
- with no identity in the match band, a new identity is created: REVIEW (and
  flagged) when some identity is at or above ``review_threshold``, else NEW.

Every change is written to the :class:`~linkage.store.Store` in a transaction
before the in-memory index changes and before the caller hears of it.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from linkage import resolver_reads as reads
from linkage.errors import (
    InvalidRecordError,
    LinkageError,
    ModelNotFittedError,
    RecordNotFoundError,
)
from linkage.index import RecordColumns, Scorer, canonical_frame, scorer_rules
from linkage.members import Members
from linkage.resolver_types import (
    OUTCOMES,
    Explanation,
    IdentityMatch,
    Person,
    Thresholds,
    UpsertResult,
)
from linkage.rwlock import ReadWriteLock
from linkage.store import MergeEvent, ReviewFlag, Store, StoredRecord

__all__ = ["MasterPersonIndex"]

_SEARCHABLE = ("given_name", "family_name", "dob", "phone", "email", "aliases")


class MasterPersonIndex:
    """Person identities across agencies, in memory and durable in a store.

    Args:
        store: the durable store; its contents are loaded on construction.
        scorer: standardises and scores with the trained model; None until one is loaded
            (scoring calls then raise ModelNotFittedError).
        thresholds: match, review and auto-merge probabilities.
        max_block_size: blocking keys shared by more records than this are skipped.
    """

    def __init__(
        self,
        store: Store,
        scorer: Scorer | None,
        thresholds: Thresholds | None = None,
        *,
        max_block_size: int = 1000,
        snapshot_path: str | Path | None = None,
    ) -> None:
        self.store = store
        self.snapshot_path = Path(snapshot_path) if snapshot_path else None
        self.lock = ReadWriteLock()
        self.scorer = scorer
        self.thresholds = thresholds or Thresholds()
        self.columns = RecordColumns(
            scorer.columns if scorer is not None else (),
            scorer_rules(scorer.comparison_names) if scorer is not None else None,
            max_block_size=max_block_size,
            prepared=bool(getattr(scorer, "prepared_candidates", False)),
        )
        self.person_ids: list[str] = []
        self.number_of: dict[str, int] = {}
        self.created: list[int] = []
        self.members = Members()
        self.merges: list[MergeEvent] = []
        self.redirect: dict[str, str] = {}
        self.reviews: dict[str, dict[str, ReviewFlag]] = {}
        if scorer is not None:
            self._load()
            if store.get_meta("model_version") != scorer.version:
                with store.transaction():
                    store.set_meta("model_version", scorer.version)

    @property
    def model_version(self) -> str:
        """The loaded model's version ("" when none)."""
        return self.scorer.version if self.scorer else ""

    def _need_scorer(self) -> Scorer:
        if self.scorer is None:
            msg = "no trained model is loaded"
            raise ModelNotFittedError(msg)
        return self.scorer

    # loading ----------------------------------------------------------------
    def _load(self) -> None:
        from linkage.snapshot import load_snapshot

        if self.snapshot_path is not None and load_snapshot(self, self.snapshot_path):
            self.columns.prepare()
            self._load_people()
            return
        self._rebuild()
        if self.snapshot_path is not None and self.columns.n:
            self.save_snapshot()

    def save_snapshot(self) -> None:
        """Write a snapshot of the index (when a snapshot path is configured)."""
        from linkage.snapshot import save_snapshot

        if self.snapshot_path is not None:
            with self.lock.read():
                save_snapshot(self, self.snapshot_path)

    def _rebuild(self) -> None:
        """Re-standardise every stored record (no usable snapshot)."""
        scorer = self._need_scorer()
        created = self.store.persons()
        for pid, seq in sorted(created.items(), key=lambda kv: (kv[1], kv[0])):
            self._person_number(pid, seq)
        for batch in self.store.iter_records():
            frame = canonical_frame(
                [_canonical(r.agency, r.record_id, r.attributes) for r in batch]
            )
            persons = [self.number_of[r.person_id] for r in batch]
            probs = [r.probability for r in batch]
            outcomes = [OUTCOMES.index(r.outcome) for r in batch]
            self.columns.append_frame(scorer.standardise(frame), persons, probs, outcomes)
        self._load_people()

    def _load_people(self) -> None:
        """Members per identity, term frequencies, merges and review flags (after the rows)."""
        columns = self.columns
        live = np.flatnonzero(columns.alive[: columns.n])
        self.members = Members(columns.person[: columns.n], columns.alive[: columns.n])
        refresh = getattr(self.scorer, "refresh_frequencies", None)
        if refresh is not None:
            refresh(functools.partial(reads.frequencies, columns, live))
        self.merges = self.store.merges()
        self.redirect = {m.merged_person_id: m.survivor_person_id for m in self.merges}
        for flag in self.store.reviews():
            self.reviews.setdefault(flag.person_id, {})[flag.other_person_id] = flag

    def _person_number(self, person_id: str, seq: int) -> int:
        number = len(self.person_ids)
        self.person_ids.append(person_id)
        self.number_of[person_id] = number
        self.created.append(seq)
        return number

    # reads ------------------------------------------------------------------
    def resolve(
        self, attributes: Mapping[str, Any], *, max_results: int = 10, min_probability: float = 0.0
    ) -> list[IdentityMatch]:
        """The identities best matching a person described by any subset of attributes.

        Raises:
            InvalidRecordError: nothing searchable was given.
            ModelNotFittedError: no model is loaded.
        """
        if not any(attributes.get(k) for k in _SEARCHABLE) and not any(
            k.startswith("id_") and v for k, v in attributes.items()
        ):
            msg = "describe the person with at least a name, date of birth, phone or email"
            raise InvalidRecordError(msg, field="person")
        scorer = self._need_scorer()
        query = scorer.standardise_record(attributes)
        hashes = self.columns.record_keys.hashes(query)
        with self.lock.read():
            found = reads.candidates(self.columns, hashes, None)
        best = reads.best_per_person(self, query, found)  # scored outside the lock
        return reads.ranked(self, best, max_results, min_probability)

    def add_members(self) -> None:
        """Recompute the identities' rows from the row columns (after a bulk load)."""
        columns = self.columns
        self.members = Members(columns.person[: columns.n], columns.alive[: columns.n])

    def get_record(self, agency: str, record_id: str) -> StoredRecord:
        """A stored record.

        Raises:
            RecordNotFoundError: no such record.
        """
        record = self.store.get_committed_record(agency, record_id)
        if record is None:
            msg = f"no record ({agency!r}, {record_id!r})"
            raise RecordNotFoundError(msg)
        return record

    def get_person(self, person_id: str) -> Person:
        """An identity (following merge redirects) with its records, confidence and history.

        Raises:
            PersonNotFoundError: no such identity.
        """
        with self.lock.read():
            return reads.get_person(self, person_id)

    # writes -----------------------------------------------------------------
    @contextmanager
    def batch(self) -> Iterator[None]:
        """Group upserts and deletes into one durable commit (bulk streams).

        Library errors (bad input, not found) are raised before anything changes.
        Any other failure rolls the transaction back and reloads memory from the store.
        """
        outer = False
        try:
            with self.store.transaction() as outer:
                yield
        except LinkageError:
            raise
        except BaseException:
            if outer:
                self._reload()
            raise

    def _reload(self) -> None:
        fresh = MasterPersonIndex(
            self.store,
            self.scorer,
            self.thresholds,
            max_block_size=self.columns.max_block_size,
            snapshot_path=self.snapshot_path,
        )
        with self.lock:
            for name, value in vars(fresh).items():
                if name != "lock":
                    setattr(self, name, value)

    def upsert(self, record: Mapping[str, Any]) -> UpsertResult:
        """Add or replace one record and link it (see the module docstring).

        Args:
            record: canonical attributes including ``agency`` and ``record_id``.

        Raises:
            InvalidRecordError: agency or record_id missing.
            ModelNotFittedError: no model is loaded.
        """
        from linkage.resolver_ops import upsert

        return upsert(self, record)

    def upsert_many(
        self, records: Sequence[Mapping[str, Any]]
    ) -> list[UpsertResult | LinkageError]:
        """Upsert records in order in one durable commit, as many :meth:`upsert` calls would.

        The group is standardised, blocked, compared and scored at once
        (:mod:`linkage.resolver_group`); a record with a missing key gets its error in
        its place and the others are still upserted.

        Raises:
            ModelNotFittedError: no model is loaded.
        """
        from linkage.resolver_group import upsert_many

        return upsert_many(self, records)

    def delete(self, agency: str, record_id: str) -> tuple[str, bool, list[str]]:
        """Delete a record; returns (person_id, person removed, ids split off).

        Raises:
            RecordNotFoundError: no such record.
        """
        from linkage.resolver_ops import delete

        return delete(self, agency, record_id)

    def explain(
        self, left: Mapping[str, Any] | tuple[str, str], right: tuple[str, str] | str
    ) -> Explanation:
        """Per-field weights of a record or query against a record or identity.

        Raises:
            RecordNotFoundError: a named record does not exist.
            PersonNotFoundError: the named identity does not exist.
        """
        scorer = self._need_scorer()
        if isinstance(left, tuple):
            stored = self.get_record(*left)
            attributes = _canonical(stored.agency, stored.record_id, stored.attributes)
        else:
            attributes = dict(left)
        query = scorer.standardise_record(attributes)
        with self.lock.read():
            if isinstance(right, tuple):
                if self.columns.row_of(right) is None:
                    self.get_record(*right)  # RecordNotFoundError
                rows = np.asarray([self.columns.row_of(right)], dtype=np.int64)
            else:
                person = reads.get_person(self, right)
                rows = np.asarray(sorted(self.members[self.number_of[person.person_id]]))
            gathered = self.columns.scoring_candidates(rows)
        scores = scorer.score(query, gathered)
        top = np.flatnonzero(scores.probability == scores.probability.max())
        with self.lock.read():
            best = int(min(top.tolist(), key=lambda i: self.columns.ref(int(rows[i]))))
            return reads.explain_row(self, scores, best, int(rows[best]))


def _canonical(agency: str, record_id: str, attributes: Mapping[str, Any]) -> dict[str, Any]:
    return {**attributes, "agency": agency, "record_id": record_id}


def validate_key(record: Mapping[str, Any]) -> tuple[str, str]:
    """The record's (agency, record_id), both required."""
    for name in ("agency", "record_id"):
        value = record.get(name)
        if not isinstance(value, str) or not value.strip():
            msg = f"{name} is required"
            raise InvalidRecordError(msg, field=name)
    return str(record["agency"]).strip(), str(record["record_id"]).strip()
