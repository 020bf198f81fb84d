"""The durable store behind the real-time person index: SQLite in WAL mode.

It holds every agency record (canonical attributes and standardised values),
the identity each record belongs to, identities with their age, merge
redirects, review flags and the model version. The in-memory index is rebuilt
from it at start-up; every change is committed here before it is acknowledged.

Writes go through :meth:`Store.transaction`, which commits once for a whole
group of changes (group commit for bulk upserts). ``synchronous=FULL`` by
default, so a committed transaction survives a process kill and a power cut.

A file store checkpoints its WAL from a thread of its own (a second connection)
after each commit, so copying a group's pages into the database overlaps the next
group's work instead of lengthening its commit (about 60 -> 20 us per record at
1M in groups of 2048). The WAL restarts from its beginning when a transaction
begins after a complete checkpoint: :meth:`Store.writing` lets the bulk writer
hold the store while it plans and begin its transaction only to write. Callers'
reads of a record go to a read-only connection (:meth:`Store.get_committed_record`,
``linkage.store_side``), so they do not wait while a bulk group holds the writer.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal

from linkage.store_rows import (
    MergeEvent,
    ReviewFlag,
    StoredRecord,
    decode_attributes,
    decode_record,
    encode_json,
    now,
    record_row,
)
from linkage.store_side import CommittedReader, WalCheckpointer

__all__ = [
    "MergeEvent",
    "ReviewFlag",
    "Store",
    "StoredRecord",
    "encode_json",
    "now",
    "record_row",
]

SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS persons (
    person_id TEXT PRIMARY KEY,
    created_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS records (
    agency TEXT NOT NULL,
    record_id TEXT NOT NULL,
    person_id TEXT NOT NULL REFERENCES persons(person_id),
    outcome TEXT NOT NULL,
    probability REAL NOT NULL,
    attributes TEXT NOT NULL,
    standardised TEXT NOT NULL,
    seq INTEGER NOT NULL,
    PRIMARY KEY (agency, record_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS records_person ON records(person_id);
CREATE TABLE IF NOT EXISTS redirects (
    merged_person_id TEXT PRIMARY KEY,
    survivor_person_id TEXT NOT NULL,
    probability REAL NOT NULL,
    trigger_agency TEXT NOT NULL,
    trigger_record_id TEXT NOT NULL,
    merged_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS reviews (
    person_id TEXT NOT NULL,
    other_person_id TEXT NOT NULL,
    probability REAL NOT NULL,
    agency TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (person_id, other_person_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS reviews_other ON reviews(other_person_id);
"""

Synchronous = Literal["FULL", "NORMAL"]
_PUT = "INSERT OR REPLACE INTO records VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
_ADD_PERSON = "INSERT OR IGNORE INTO persons(person_id, created_seq) VALUES (?, ?)"
_ADD_REVIEW = "INSERT OR REPLACE INTO reviews VALUES (?, ?, ?, ?, ?)"
_GET_RECORD = "SELECT * FROM records WHERE agency = ? AND record_id = ?"
_BUFFERED = (_ADD_PERSON, _ADD_REVIEW, _PUT)
#: Page cache of the writer: a group's B-tree pages stay in memory (2 MiB by default).
_CACHE_KIB = 65536
#: The commit checkpoints itself only if the background checkpoints fall this far behind.
_AUTOCHECKPOINT_PAGES = 16384


class Store:
    """SQLite (WAL) persistence for records, identities, merges and reviews.

    Thread-safe: one connection guarded by a lock; writers group their
    changes in :meth:`transaction`.

    Args:
        path: database file (created when missing); ``":memory:"`` for tests.
        synchronous: ``"FULL"`` (durable against power loss) or ``"NORMAL"``
            (durable against process crashes only).
    """

    def __init__(self, path: str | Path, *, synchronous: Synchronous = "FULL") -> None:
        if str(path) != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        self.path = str(path)
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._lock = threading.RLock()
        self._depth = 0
        self._seq = 0
        self._dirty = False
        # buffered rows per statement (see _flush for why the order between them is free)
        self._pending: dict[str, list[tuple[Any, ...]]] = {}
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={synchronous}")
        self._conn.execute("PRAGMA foreign_keys=ON")
        self._conn.execute(f"PRAGMA cache_size=-{_CACHE_KIB}")
        self._conn.executescript(_SCHEMA)
        self._checkpointer: WalCheckpointer | None = None
        self._reader: CommittedReader | None = None
        if self.path != ":memory:":
            self._conn.execute(f"PRAGMA wal_autocheckpoint={_AUTOCHECKPOINT_PAGES}")
            self._checkpointer = WalCheckpointer(self.path)
            self._reader = CommittedReader(self.path)
        with self.transaction():
            if self.get_meta("schema_version") is None:
                self.set_meta("schema_version", SCHEMA_VERSION)
        self._seq = int(self.get_meta("seq") or 0)

    def close(self) -> None:
        """Close the connection (checkpointing the WAL)."""
        with self._lock:
            if self._checkpointer is not None:
                self._checkpointer.stop()
                self._checkpointer = None
            if self._reader is not None:
                self._reader.close()
                self._reader = None
            self._conn.close()

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the store for one writer (other writers and reads wait) without a transaction.

        A writer that reads, then computes, then writes begins its :meth:`transaction`
        only to write, so the background checkpoint of the previous one can finish first.
        """
        with self._lock:
            yield

    @contextmanager
    def transaction(self) -> Iterator[bool]:
        """Group writes into one atomic, durable commit; nested calls join the outer one.

        Yields:
            True for the outermost transaction (the one that commits).
        """
        with self._lock:
            if self._depth:
                self._depth += 1
                try:
                    yield False
                finally:
                    self._depth -= 1
                return
            self._conn.execute("BEGIN IMMEDIATE")
            self._depth = 1
            seq_before = self._seq
            self._dirty = False
            try:
                yield True
                self._flush()
                if self._seq != seq_before:
                    self.set_meta("seq", str(self._seq))
                if self._dirty:
                    self.set_meta("version", str(self.version() + 1))
                self._conn.execute("COMMIT")
                if self._dirty and self._checkpointer is not None:
                    self._checkpointer.wake()
            except BaseException:
                self._pending.clear()
                self._conn.execute("ROLLBACK")
                self._seq = seq_before
                raise
            finally:
                self._depth = 0

    def _write(self, sql: str, params: tuple[Any, ...] = ()) -> sqlite3.Cursor:
        if not self._depth:
            msg = "store writes must run inside Store.transaction()"
            raise RuntimeError(msg)
        self._dirty = True
        self._flush()
        return self._conn.execute(sql, params)

    def _write_many(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        with self._lock:
            if not self._depth:
                msg = "store writes must run inside Store.transaction()"
                raise RuntimeError(msg)
            self._dirty = True
            self._flush()
            self._conn.executemany(sql, rows)

    def version(self) -> int:
        """Data version: grows with every committed transaction that wrote anything.

        A snapshot of the in-memory index records the version it was taken at
        and is used only while the store is still at that version.
        """
        return int(self.get_meta("version") or 0)

    def _buffer(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> None:
        """Queue rows of a buffered statement (one ``executemany`` each at the next flush)."""
        with self._lock:
            if not self._depth:
                msg = "store writes must run inside Store.transaction()"
                raise RuntimeError(msg)
            self._dirty = True
            self._pending.setdefault(sql, []).extend(rows)

    def _flush(self) -> None:
        """Write the buffered rows (before any other statement and at commit).

        New identities, review flags and record rows do not depend on each other except
        records on their identity, so identities go first and each statement's rows keep
        their order; every other statement flushes first, so it sees them all.
        """
        if self._pending:
            pending, self._pending = self._pending, {}
            for sql in _BUFFERED:
                if sql in pending:
                    self._conn.executemany(sql, pending[sql])

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            self._flush()
            return self._conn.execute(sql, params).fetchall()

    def reserve_seqs(self, count: int) -> int:
        """Allocate ``count`` consecutive sequence numbers; returns the first."""
        first = self._seq + 1
        self._seq += count
        return first

    def next_seq(self) -> int:
        """Allocate the next change sequence number (inside a transaction)."""
        self._seq += 1
        return self._seq

    # meta -----------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        """A metadata value (e.g. ``model_version``), or None."""
        rows = self._read("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def set_meta(self, key: str, value: str) -> None:
        """Set a metadata value."""
        self._write("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (key, value))

    # persons --------------------------------------------------------------
    def add_person(self, person_id: str, created_seq: int) -> None:
        """Record a new identity; ``created_seq`` orders identities by age (buffered as records)."""
        self._buffer(_ADD_PERSON, [(person_id, created_seq)])

    def remove_person(self, person_id: str) -> None:
        """Forget an identity that has no records left (redirects to it are kept)."""
        self._write("DELETE FROM reviews WHERE person_id = ? OR other_person_id = ?",
                    (person_id, person_id))  # fmt: skip
        self._write("DELETE FROM persons WHERE person_id = ?", (person_id,))

    def add_persons(self, people: Iterable[tuple[str, int]]) -> None:
        """Record many new identities (person_id, created_seq) in one statement."""
        self._write_many(_ADD_PERSON, people)

    def persons(self) -> dict[str, int]:
        """Every identity with its creation sequence number."""
        return {str(p): int(s) for p, s in self._read("SELECT person_id, created_seq FROM persons")}

    # records --------------------------------------------------------------
    def put_record(self, record: StoredRecord) -> None:
        """Insert or replace a record (its person must exist)."""
        self.put_rows([record_row(record)])

    def put_rows(self, rows: Iterable[tuple[Any, ...]]) -> None:
        """Insert or replace records given as :func:`record_row` tuples.

        The rows are buffered and written with one ``executemany`` before the
        next other statement or at commit (a bulk group costs one statement).
        """
        self._buffer(_PUT, rows)

    def set_person(self, keys: list[tuple[str, str]], person_id: str) -> None:
        """Move records to another identity (merge or split)."""
        self._write_many(
            "UPDATE records SET person_id = ? WHERE agency = ? AND record_id = ?",
            [(person_id, a, r) for a, r in keys],
        )

    def delete_record(self, agency: str, record_id: str) -> bool:
        """Delete a record; True when it existed."""
        cursor = self._write(
            "DELETE FROM records WHERE agency = ? AND record_id = ?", (agency, record_id)
        )
        return cursor.rowcount > 0

    def get_attributes(self, agency: str, record_id: str) -> dict[str, Any] | None:
        """A record's stored attributes only (cheaper than :meth:`get_record`), or None."""
        rows = self._read(
            "SELECT attributes FROM records WHERE agency = ? AND record_id = ?", (agency, record_id)
        )
        return decode_attributes(rows[0][0]) if rows else None

    def get_record(self, agency: str, record_id: str) -> StoredRecord | None:
        """One record, or None (a writer's read: it sees the open transaction's writes)."""
        rows = self._read(_GET_RECORD, (agency, record_id))
        return decode_record(rows[0]) if rows else None

    def get_committed_record(self, agency: str, record_id: str) -> StoredRecord | None:
        """One record as last committed, or None, read on a connection of its own: a
        caller's read does not wait while a bulk group holds the writer."""
        if self._reader is None:  # in memory: one connection
            return self.get_record(agency, record_id)
        rows = self._reader.fetch(_GET_RECORD, (agency, record_id))
        return decode_record(rows[0]) if rows else None

    def iter_records(self, batch: int = 50_000) -> Iterator[list[StoredRecord]]:
        """Every record in key order, in batches."""
        last: tuple[str, str] = ("", "")
        while True:
            rows = self._read(
                "SELECT * FROM records WHERE (agency, record_id) > (?, ?) "
                "ORDER BY agency, record_id LIMIT ?",
                (*last, batch),
            )
            if not rows:
                return
            yield [decode_record(r) for r in rows]
            last = (rows[-1][0], rows[-1][1])

    def count_records(self) -> int:
        """Number of records."""
        return int(self._read("SELECT count(*) FROM records")[0][0])

    # merges and reviews ---------------------------------------------------
    def add_merge(self, event: MergeEvent) -> None:
        """Record that one identity was merged into another."""
        self._write(
            "INSERT OR REPLACE INTO redirects VALUES (?, ?, ?, ?, ?, ?)",
            (
                event.merged_person_id,
                event.survivor_person_id,
                event.probability,
                event.trigger_agency,
                event.trigger_record_id,
                event.merged_at,
            ),
        )
        self._write(
            "UPDATE OR REPLACE reviews SET person_id = ? WHERE person_id = ?",
            (event.survivor_person_id, event.merged_person_id),
        )
        self._write(
            "UPDATE OR REPLACE reviews SET other_person_id = ? WHERE other_person_id = ?",
            (event.survivor_person_id, event.merged_person_id),
        )
        # the updates can only pair the survivor with itself (no other flag is ever a self-pair);
        # ``WHERE person_id = other_person_id`` scanned every flag on every merge
        self._write(
            "DELETE FROM reviews WHERE person_id = ? AND other_person_id = ?",
            (event.survivor_person_id, event.survivor_person_id),
        )
        self._write("DELETE FROM persons WHERE person_id = ?", (event.merged_person_id,))

    def merges(self) -> list[MergeEvent]:
        """Every merge, oldest first."""
        rows = self._read("SELECT * FROM redirects ORDER BY merged_at, merged_person_id")
        return [MergeEvent(r[1], r[0], float(r[2]), r[3], r[4], float(r[5])) for r in rows]

    def add_review(self, flag: ReviewFlag) -> None:
        """Flag two identities for review (stored in both directions)."""
        self._buffer(
            _ADD_REVIEW,
            [
                (a, b, flag.probability, flag.agency, flag.record_id)
                for a, b in (
                    (flag.person_id, flag.other_person_id),
                    (flag.other_person_id, flag.person_id),
                )
            ],
        )

    def reviews(self) -> list[ReviewFlag]:
        """Every review flag (both directions)."""
        rows = self._read("SELECT * FROM reviews ORDER BY person_id, other_person_id")
        return [ReviewFlag(r[0], r[1], float(r[2]), r[3], r[4]) for r in rows]

    # checks ---------------------------------------------------------------
    def check_consistency(self) -> list[str]:
        """Integrity problems, empty when the store is consistent."""
        problems = [str(r[0]) for r in self._read("PRAGMA integrity_check") if r[0] != "ok"]
        problems += [
            f"record ({a}, {r}) points at missing person {p}"
            for a, r, p in self._read(
                "SELECT agency, record_id, person_id FROM records "
                "WHERE person_id NOT IN (SELECT person_id FROM persons)"
            )
        ]
        problems += [
            f"person {p} has no records"
            for (p,) in self._read(
                "SELECT person_id FROM persons "
                "WHERE person_id NOT IN (SELECT DISTINCT person_id FROM records)"
            )
        ]
        problems += [
            f"merged id {m} is still a live person"
            for (m,) in self._read(
                "SELECT merged_person_id FROM redirects "
                "WHERE merged_person_id IN (SELECT person_id FROM persons)"
            )
        ]
        return problems
