"""The in-memory side of the master person index: records as columns, blocking keys, identities.

Standardised records are numpy columns (:class:`~linkage.index_columns.ValueColumn`,
append-only rows; an updated or deleted record's old row is marked dead), only
the columns the scorer reads. Per-row person numbers, link probabilities and
liveness are numpy arrays. Blocking keys are stable 64-bit hashes of the batch
rules' key values (:mod:`linkage.record_keys`, so both paths block
identically) in a :class:`~linkage.index_columns.HashIndex`; record keys
(agency, record_id) are found the same way. No matching decisions are made
here; see :mod:`linkage.resolver`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.blocking import BlockingRule, default_rules
from linkage.comparisons._kernels import PreparedCandidates, PreparedRows
from linkage.comparisons.realtime import python_values
from linkage.index_columns import HashIndex, ValueColumn, kind_of
from linkage.keyhash import fnv1a, fnv1a_series
from linkage.record_keys import RecordKeys, frame_key_hashes
from linkage.schema import IDENTIFIER_PREFIX, KEY_COLUMNS, LIST_COLUMNS, TEXT_COLUMNS

AGENCY_PERSON_NO = "agency_person_no"


@dataclass(frozen=True)
class Scores:
    """Scores of one query against candidate rows.

    Attributes:
        weight: match weight per candidate (log2 odds).
        probability: match probability per candidate.
        field_weights: candidates x comparisons, log2 Bayes factors.
        levels: candidates x comparisons, the observed level (0 = null).
    """

    weight: npt.NDArray[np.float64]
    probability: npt.NDArray[np.float64]
    field_weights: npt.NDArray[np.float64]
    levels: npt.NDArray[np.uint8]


class Scorer(Protocol):
    """What the index needs from the batch engine: standardise and score.

    ``columns`` names the standardised columns :meth:`score` reads; the index
    keeps only those (and the blocking keys' hashes) in memory.
    """

    version: str
    prior_weight: float
    comparison_names: tuple[str, ...]
    level_labels: tuple[tuple[str, ...], ...]
    columns: tuple[str, ...]

    def standardise(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Standardise a canonical frame (CONTRACTS §2; bulk loads)."""
        ...

    def standardise_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Standardise one canonical record (the real-time path; same values as the frame)."""
        ...

    def score(
        self, query: Mapping[str, Any], candidates: Mapping[str, npt.ArrayLike] | PreparedCandidates
    ) -> Scores:
        """Score one standardised query against candidate columns (aligned arrays).

        A scorer with a true ``prepared_candidates`` attribute is given the index's
        :class:`~linkage.comparisons._kernels.PreparedCandidates` instead.
        """
        ...


def scorer_rules(comparison_names: Sequence[str]) -> tuple[BlockingRule, ...]:
    """The batch's blocking rules for a model: the defaults plus its identifiers' rules.

    The batch adds an exact rule per compared identifier and an agency +
    agency person number rule (:func:`linkage.pipeline.link`); so does the index.
    """
    identifiers = sorted(
        n.removeprefix(IDENTIFIER_PREFIX)
        for n in comparison_names
        if n.startswith(IDENTIFIER_PREFIX) and n != f"{IDENTIFIER_PREFIX}{AGENCY_PERSON_NO}"
    )
    return default_rules(identifiers, [AGENCY_PERSON_NO])


def canonical_frame(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Build a canonical frame from attribute mappings (missing and empty values become null)."""
    ids = sorted({k for r in records for k in r if k.startswith(IDENTIFIER_PREFIX)})
    data: dict[str, list[Any]] = {}
    for column in (*KEY_COLUMNS, *TEXT_COLUMNS, *ids):
        data[column] = [_text(r.get(column)) for r in records]
    for column in LIST_COLUMNS:
        data[column] = [[str(a) for a in (r.get(column) or ()) if str(a).strip()] for r in records]
    schema: dict[str, pl.DataType] = {c: pl.Utf8() for c in data}
    for column in LIST_COLUMNS:
        schema[column] = pl.List(pl.Utf8())
    return pl.DataFrame(data, schema=schema)


def canonical_columns(frame: pl.DataFrame) -> pl.DataFrame:
    """:func:`canonical_frame` of a frame's rows, in polars (bulk loads of a million rows)."""
    ids = sorted(c for c in frame.columns if c.startswith(IDENTIFIER_PREFIX))
    exprs: list[pl.Expr] = []
    for column in (*KEY_COLUMNS, *TEXT_COLUMNS, *ids):
        if column in frame.columns:
            text = pl.col(column).cast(pl.Utf8).str.strip_chars()
            exprs.append(pl.when(text == "").then(None).otherwise(text).alias(column))
        else:
            exprs.append(pl.lit(None, dtype=pl.Utf8).alias(column))
    for column in LIST_COLUMNS:
        if column in frame.columns:
            items = pl.col(column).cast(pl.List(pl.Utf8))
            exprs.append(
                items.list.eval(pl.element().filter(pl.element().str.strip_chars() != ""))
                .fill_null(pl.lit([], dtype=pl.List(pl.Utf8)))
                .alias(column)
            )
        else:
            exprs.append(pl.lit([], dtype=pl.List(pl.Utf8)).alias(column))
    return frame.select(exprs)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def ref_hashes(agency: pl.Series, record_id: pl.Series) -> npt.NDArray[np.uint64]:
    """Hashes of (agency, record_id) keys, as :func:`ref_hash` computes one."""
    frame = pl.DataFrame([agency.alias("a"), record_id.alias("r")])
    return fnv1a_series(frame.select(pl.concat_str("a", "r", separator="\x1f")).to_series())


def ref_hash(key: tuple[str, str]) -> int:
    """Hash of one (agency, record_id) key."""
    return fnv1a(f"{key[0]}\x1f{key[1]}")


class RecordColumns:
    """Append-only standardised rows with per-row person, probability, outcome and liveness.

    Args:
        columns: the standardised columns to keep (the scorer's).
        rules: blocking rules (the batch defaults when omitted).
        max_block_size: keys shared by more live-or-dead rows than this are skipped.
        prepared: also keep every row's values prepared for ``compare_one``
            (:class:`~linkage.comparisons._kernels.PreparedRows`; :meth:`gather_prepared`).
    """

    def __init__(
        self,
        columns: Sequence[str] = (),
        rules: Sequence[BlockingRule] | None = None,
        max_block_size: int = 1000,
        *,
        prepared: bool = False,
    ) -> None:
        self.rules = tuple(rules) if rules is not None else default_rules()
        self.record_keys = RecordKeys(self.rules)
        self.max_block_size = max_block_size
        self.names = tuple(dict.fromkeys(columns))
        self.std = {name: ValueColumn(kind_of(name)) for name in self.names}
        self.agency = ValueColumn("text")
        self.record_id = ValueColumn("text")
        self.n = 0
        self.alive = np.zeros(0, dtype=bool)
        self.person = np.zeros(0, dtype=np.int32)
        self.probability = np.zeros(0, dtype=np.float32)
        self.outcome = np.zeros(0, dtype=np.uint8)
        self.keys = HashIndex()
        self.refs_index = HashIndex()
        self.prepared = PreparedRows(self.names) if prepared else None

    def prepare(self) -> None:
        """Prepare the rows added since the last call (appends call it; so does a load)."""
        prepared = self.prepared
        if prepared is None or prepared.size >= self.n:
            return
        start, end = prepared.size, self.n
        rows = np.arange(start, end, dtype=np.int64)
        prepared.extend(
            start, {name: python_values(column.take(rows)) for name, column in self.std.items()}
        )

    def _grow(self, size: int) -> None:
        if size <= len(self.alive):
            return
        capacity = max(size, 2 * len(self.alive), 1024)
        for name in ("alive", "person", "probability", "outcome"):
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _place(self, count: int, person: Any, probability: Any, outcome: Any) -> int:
        start = self.n
        self._grow(start + count)
        self.n = start + count
        self.alive[start : self.n] = True
        self.person[start : self.n] = np.asarray(person, dtype=np.int32)
        self.probability[start : self.n] = np.asarray(probability, dtype=np.float32)
        self.outcome[start : self.n] = np.asarray(outcome, dtype=np.uint8)
        return start

    def _extend_values(self, std: pl.DataFrame) -> None:
        """Append the value columns of ``std`` (columns it lacks become nulls)."""
        for name, column in self.std.items():
            if name in std.columns:
                column.extend_series(std[name])
            else:
                column.extend_series(pl.Series(name, [None] * std.height, dtype=pl.Utf8))
        self.agency.extend_series(std["agency"])
        self.record_id.extend_series(std["record_id"])

    def append_frame(
        self, std: pl.DataFrame, person: npt.ArrayLike, probability: npt.ArrayLike,
        outcome: npt.ArrayLike,
        keys: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]] | None = None,
    ) -> npt.NDArray[np.int64]:  # fmt: skip
        """Append standardised rows of new keys (bulk load); returns their positions.

        ``keys`` is :func:`~linkage.record_keys.frame_key_hashes` of ``std`` when known.
        """
        count = std.height
        if count == 0:
            return np.empty(0, np.int64)
        start = self._place(count, person, probability, outcome)
        self._extend_values(std)
        rows, hashes = keys if keys is not None else frame_key_hashes(std, self.rules)
        self.keys.add(rows.astype(np.int64) + start, hashes)
        positions = np.arange(start, start + count, dtype=np.int64)
        self.refs_index.add(positions, ref_hashes(std["agency"], std["record_id"]))
        self.prepare()
        return positions

    def reserve(
        self, std: pl.DataFrame, keys: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]
    ) -> int:
        """Append rows that are not alive yet (a group upsert's); returns the first row.

        Needs no lock beside readers: the rows' values and postings are written while
        the rows are dead and before they are counted; the caller makes each alive
        (``person``, ``probability``, ``outcome``, ``alive``) under the write side.
        ``keys`` is :func:`~linkage.record_keys.frame_key_hashes` of ``std``.
        """
        start, count = self.n, std.height
        self._grow(start + count)  # rows past ``n`` are zero: dead
        self._extend_values(std)
        rows = np.arange(start, start + count, dtype=np.int64)
        if self.prepared is not None and self.prepared.size == start:
            values = {name: python_values(column.take(rows)) for name, column in self.std.items()}
            self.prepared.extend(start, values)
        self.keys.add(keys[0].astype(np.int64) + start, keys[1], merge=False)
        self.refs_index.add(rows, ref_hashes(std["agency"], std["record_id"]), merge=False)
        self.n = start + count
        return start

    def append_record(
        self, std: Mapping[str, Any], key: tuple[str, str], person: int, probability: float,
        outcome: int, hashes: npt.NDArray[np.uint64],
    ) -> int:  # fmt: skip
        """Append one standardised record (its old row, if any, must be killed first)."""
        row = self._place(1, [person], [probability], [outcome])
        for name, column in self.std.items():
            column.append(std.get(name))
        self.agency.append(key[0])
        self.record_id.append(key[1])
        self.keys.add_one(row, hashes.tolist())
        self.refs_index.add_one(row, [ref_hash(key)])
        self.prepare()
        return row

    def row_of(self, key: tuple[str, str]) -> int | None:
        """The live row of a record key, or None."""
        for row in self.refs_index.lookup(np.asarray([ref_hash(key)], np.uint64), 1 << 30).tolist():
            if self.alive[row] and self.ref(row) == key:
                return int(row)
        return None

    def kill(self, key: tuple[str, str]) -> int:
        """Mark a record's row dead; returns the row."""
        row = self.row_of(key)
        if row is None:
            raise KeyError(key)
        self.alive[row] = False
        return row

    def candidates(self, hashes: npt.NDArray[np.uint64]) -> npt.NDArray[np.int64]:
        """Live rows sharing a blocking key hash; oversized blocks skipped."""
        rows = self.keys.lookup(hashes, self.max_block_size)
        return rows[self.alive[rows]]

    def gather(self, rows: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[Any]]:
        """The kept standardised columns of some rows (the scorer's candidates)."""
        return {name: column.take(rows) for name, column in self.std.items()}

    def gather_prepared(self, rows: npt.NDArray[np.int64]) -> PreparedCandidates:
        """Some rows' prepared values (per-row keys cached across queries); needs ``prepared``."""
        if self.prepared is None:
            msg = "this index keeps no prepared rows"
            raise ValueError(msg)
        self.prepare()  # rows restored from a snapshot
        return self.prepared.gather(rows.tolist())

    def scoring_candidates(
        self, rows: npt.NDArray[np.int64]
    ) -> dict[str, npt.NDArray[Any]] | PreparedCandidates:
        """What the scorer is given for some rows: prepared rows when kept, else columns."""
        return self.gather(rows) if self.prepared is None else self.gather_prepared(rows)

    def frame_of(self, rows: npt.NDArray[np.int64], schema: Mapping[str, Any]) -> pl.DataFrame:
        """The kept standardised columns of some rows as a frame of the given dtypes."""
        frame = pl.DataFrame(
            [column.gather_series(name, rows) for name, column in self.std.items()]
        )
        return frame.cast({n: schema[n] for n in frame.columns if n in schema})

    def fold_keys(self, lock: Any) -> None:
        """Fold recent key postings into the sorted bases; sorts outside ``lock``, swaps inside.

        Call from the (single) writer: nothing else changes the postings meanwhile.
        """
        for index in (self.keys, self.refs_index):
            if index.wants_merge:
                merged = index.merged()
                with lock:
                    index.install(merged)

    def rows_of_people(self, people: Iterable[int]) -> npt.NDArray[np.int64]:
        """Live rows belonging to the given person numbers (a scan; used on small sets only)."""
        wanted = np.fromiter(people, dtype=np.int32)
        live = np.flatnonzero(self.alive[: self.n])
        return live[np.isin(self.person[live], wanted)]

    def ref(self, row: int) -> tuple[str, str]:
        """(agency, record_id) of one row."""
        return self.agency.value(row), self.record_id.value(row)

    def refs(self, rows: Iterable[int]) -> list[tuple[str, str]]:
        """(agency, record_id) of rows, in the rows' order."""
        return [self.ref(int(r)) for r in rows]
