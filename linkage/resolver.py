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
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from linkage.errors import (
    InvalidRecordError,
    LinkageError,
    ModelNotFittedError,
    PersonNotFoundError,
    RecordNotFoundError,
)
from linkage.index import RecordColumns, Scorer, canonical_frame
from linkage.resolver_types import (
    OUTCOMES,
    Explanation,
    IdentityMatch,
    Person,
    Thresholds,
    UpsertResult,
)
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
        self.lock = threading.RLock()
        self.scorer = scorer
        self.thresholds = thresholds or Thresholds()
        self.columns = RecordColumns(
            scorer.columns if scorer is not None else (), max_block_size=max_block_size
        )
        self.person_ids: list[str] = []
        self.number_of: dict[str, int] = {}
        self.created: list[int] = []
        self.members: dict[int, set[int]] = {}
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
            self._load_people()
            return
        self._rebuild()
        if self.snapshot_path is not None and self.columns.n:
            self.save_snapshot()

    def save_snapshot(self) -> None:
        """Write a snapshot of the index (when a snapshot path is configured)."""
        from linkage.snapshot import save_snapshot

        if self.snapshot_path is not None:
            with self.lock:
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
        order = live[np.argsort(columns.person[live], kind="stable")]
        people, starts = np.unique(columns.person[order], return_index=True)
        self.members = {
            int(p): set(chunk.tolist())
            for p, chunk in zip(people.tolist(), np.split(order, starts[1:]), strict=True)
        } if len(order) else {}  # fmt: skip
        refresh = getattr(self.scorer, "refresh_frequencies", None)
        if refresh is not None:
            refresh(functools.partial(_frequencies, columns, live))
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
        with self.lock:
            return self._ranked(
                self._score_people(query, None, hashes), max_results, min_probability
            )

    def _ranked(
        self,
        best: dict[int, tuple[float, Callable[[], Explanation]]],
        max_results: int,
        min_probability: float,
    ) -> list[IdentityMatch]:
        ranked = sorted(best.items(), key=lambda kv: (-kv[1][0], self.person_ids[kv[0]]))
        out = []
        for person, (probability, explanation) in ranked[: max(max_results, 1)]:
            if probability < min_probability:
                break
            out.append(
                IdentityMatch(
                    self.person_ids[person],
                    probability,
                    self.thresholds.band(probability),
                    explanation(),
                    self._refs(person),
                )
            )
        return out

    def _score_people(
        self,
        query: Mapping[str, Any],
        exclude: tuple[str, str] | None,
        hashes: npt.NDArray[np.uint64],
    ) -> dict[int, tuple[float, Callable[[], Explanation]]]:
        """Best probability (and a thunk for its explanation) per identity among candidates."""
        scorer = self._need_scorer()
        rows = self.columns.candidates(hashes)
        if exclude is not None:
            rows = rows[rows != (self.columns.row_of(exclude) or -1)]
        if len(rows) == 0:
            return {}
        scores = scorer.score(query, self.columns.gather(rows))
        people = self.columns.person[rows]
        order = np.lexsort((rows, -scores.probability))
        best: dict[int, tuple[float, Callable[[], Explanation]]] = {}
        chosen: dict[int, int] = {}
        probability = scores.probability
        for i in order.tolist():
            person = int(people[i])
            if person not in chosen:
                chosen[person] = i
            elif probability[i] == probability[chosen[person]] and self.columns.ref(
                int(rows[i])
            ) < self.columns.ref(int(rows[chosen[person]])):
                chosen[person] = i  # ties go to the smallest (agency, record_id): stable
        for person, i in chosen.items():
            thunk = functools.partial(self._explain, scores, i, int(rows[i]))
            best[person] = (float(probability[i]), thunk)
        return best

    def _explain(self, scores: Any, i: int, row: int) -> Explanation:
        scorer = self._need_scorer()
        ref = self.columns.ref(row)
        fields = tuple(
            (
                name,
                scorer.level_labels[j][int(scores.levels[i, j])],
                float(scores.field_weights[i, j]),
            )
            for j, name in enumerate(scorer.comparison_names)
        )
        return Explanation(
            scorer.prior_weight, fields, float(scores.weight[i]), float(scores.probability[i]), ref
        )

    def _refs(self, person: int) -> list[tuple[str, str]]:
        return sorted(self.columns.refs(sorted(self.members.get(person, ()))))

    def get_record(self, agency: str, record_id: str) -> StoredRecord:
        """A stored record.

        Raises:
            RecordNotFoundError: no such record.
        """
        record = self.store.get_record(agency, record_id)
        if record is None:
            msg = f"no record ({agency!r}, {record_id!r})"
            raise RecordNotFoundError(msg)
        return record

    def get_person(self, person_id: str) -> Person:
        """An identity (following merge redirects) with its records, confidence and history.

        Raises:
            PersonNotFoundError: no such identity.
        """
        with self.lock:
            return self._get_person(person_id)

    def _get_person(self, person_id: str) -> Person:
        survivor = person_id
        while survivor in self.redirect:
            survivor = self.redirect[survivor]
        number = self.number_of.get(survivor)
        if number is None or not self.members.get(number):
            msg = f"no person {person_id!r}"
            raise PersonNotFoundError(msg)
        merged_from = sorted(self._merged_into(survivor))
        family = {survivor, *merged_from}
        history = [m for m in self.merges if m.survivor_person_id in family]
        rows = sorted(self.members[number])
        return Person(
            person_id=survivor,
            records=self._refs(number),
            confidence=float(self.columns.probability[rows].min()),
            merged_from=merged_from,
            merge_history=history,
            review_person_ids=sorted(self.reviews.get(survivor, {})),
        )

    def _merged_into(self, survivor: str) -> set[str]:
        found: set[str] = set()
        frontier = [survivor]
        while frontier:
            target = frontier.pop()
            for merged, into in self.redirect.items():
                if into == target and merged not in found:
                    found.add(merged)
                    frontier.append(merged)
        return found

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
        with self.lock:
            if isinstance(right, tuple):
                self.get_record(*right)
                rows = np.asarray([self.columns.row_of(right)], dtype=np.int64)
            else:
                person = self.get_person(right)
                rows = np.asarray(sorted(self.members[self.number_of[person.person_id]]))
            scores = scorer.score(query, self.columns.gather(rows))
        top = np.flatnonzero(scores.probability == scores.probability.max())
        best = int(min(top.tolist(), key=lambda i: self.columns.ref(int(rows[i]))))
        return self._explain(scores, best, int(rows[best]))


def _frequencies(
    columns: RecordColumns, live: npt.NDArray[np.int64], name: str
) -> dict[Any, float]:
    """Each non-missing value's share of the non-missing values of a kept text column."""
    column = columns.std.get(name)
    if column is None or column.kind != "text" or len(live) == 0:
        return {}
    counts = np.bincount(column.data[live], minlength=column.n_values)
    counts[0] = 0
    total = max(int(counts.sum()), 1)
    present = np.flatnonzero(counts)
    out: dict[Any, float] = {}
    for value, count in zip(column.values[present].tolist(), counts[present].tolist(), strict=True):
        out[value] = out.get(value, 0.0) + count / total  # a value appended twice has two codes
    return out


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
