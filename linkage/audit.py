"""A tamper-evident audit log: every call, allowed or refused, as a hash chain.

Each entry records when, who (principal and practitioner), why (purpose),
what (method, the person ids and record references touched), the outcome and
the result count. Each entry's hash covers its contents and the previous
entry's hash, so editing, deleting, inserting or reordering entries breaks
the chain where it happened; :meth:`AuditLog.verify` says where and how.

Storage is its own SQLite file in WAL mode with ``synchronous=FULL``:
:meth:`AuditLog.append` returns only once the entry is on disk. Concurrent
appends are group-committed (one fsync for every entry waiting), so the cost
of durability is shared under load.

With a ``key``, hashes are HMAC-SHA256: without the key nobody can rebuild a
consistent chain after tampering. Without one (SHA-256) the chain still
catches edits, but someone who can write the file and knows the algorithm
could rewrite every later hash; copy :meth:`AuditLog.head` somewhere else
now and then (it is what ``linkage audit verify`` prints) to anchor it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sqlite3
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

GENESIS = "0" * 64

_SCHEMA = """
CREATE TABLE IF NOT EXISTS audit (
    seq INTEGER PRIMARY KEY,
    ts REAL NOT NULL,
    principal TEXT NOT NULL,
    practitioner TEXT NOT NULL,
    purpose TEXT NOT NULL,
    method TEXT NOT NULL,
    person_ids TEXT NOT NULL,
    record_refs TEXT NOT NULL,
    outcome TEXT NOT NULL,
    result_count INTEGER NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_ts ON audit(ts);
CREATE INDEX IF NOT EXISTS audit_principal ON audit(principal, ts);
CREATE TABLE IF NOT EXISTS audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    seq INTEGER NOT NULL,
    hash TEXT NOT NULL
);
"""
_COLUMNS = (
    "seq, ts, principal, practitioner, purpose, method, person_ids, record_refs, "
    "outcome, result_count, detail, prev_hash, hash"
)

Problem = Literal["edited", "deleted", "inserted", "reordered", "truncated"]


@dataclass(frozen=True)
class AuditEvent:
    """What happened in one call (the caller's side of an entry).

    Attributes:
        principal: the authenticated agency system ("" when authentication failed).
        practitioner: the requesting practitioner as the caller named them.
        purpose: the stated purpose of use.
        method: the rpc, e.g. "Resolve".
        outcome: "OK" or the status code name of the refusal or failure.
        person_ids: identities touched (asked about or returned).
        record_refs: agency records touched, as "agency/record_id".
        result_count: how many results the answer carried.
        detail: a short reason for a refusal (never personal data).
    """

    principal: str
    practitioner: str
    purpose: str
    method: str
    outcome: str
    person_ids: Sequence[str] = ()
    record_refs: Sequence[str] = ()
    result_count: int = 0
    detail: str = ""


@dataclass(frozen=True)
class AuditEntry:
    """One stored entry: the event, its time, position and hashes."""

    seq: int
    ts: float
    event: AuditEvent
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class Finding:
    """One break in the chain: where (entry seq) and what kind of tampering it shows."""

    seq: int
    kind: Problem
    message: str


@dataclass
class Verification:
    """The result of :meth:`AuditLog.verify`."""

    entries: int
    head: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the chain is intact."""
        return not self.findings


def _content(ts: float, event: AuditEvent) -> bytes:
    body = [
        repr(ts),
        event.principal,
        event.practitioner,
        event.purpose,
        event.method,
        list(event.person_ids),
        list(event.record_refs),
        event.outcome,
        event.result_count,
        event.detail,
    ]
    return json.dumps(body, separators=(",", ":"), ensure_ascii=True).encode()


def chain_hash(prev_hash: str, ts: float, event: AuditEvent, key: bytes | None = None) -> str:
    """The hash of an entry: SHA-256 (or HMAC-SHA256 with ``key``) of prev_hash + contents."""
    message = prev_hash.encode() + b"\n" + _content(ts, event)
    if key:
        return hmac.new(key, message, hashlib.sha256).hexdigest()
    return hashlib.sha256(message).hexdigest()


class AuditLog:
    """Append-only, hash-chained, durable audit log in its own SQLite file.

    Args:
        path: the database file (created when missing).
        key: optional HMAC key (see the module docstring).
        synchronous: ``"FULL"`` (durable against power loss, the default) or ``"NORMAL"``.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        key: bytes | None = None,
        synchronous: Literal["FULL", "NORMAL"] = "FULL",
    ) -> None:
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._key = key
        self._conn = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None, timeout=30
        )
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(f"PRAGMA synchronous={synchronous}")
        self._conn.executescript(_SCHEMA)
        last = self._conn.execute(
            "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1"
        ).fetchone()
        self._seq, self._hash = (int(last[0]), str(last[1])) if last else (0, GENESIS)
        self._lock = threading.Lock()  # assigns seq and chains hashes
        self._flush_lock = threading.Lock()  # one writer at a time
        self._durable = threading.Condition(threading.Lock())
        self._durable_seq = self._seq
        self._pending: list[tuple[Any, ...]] = []

    def close(self) -> None:
        """Close the database."""
        with self._flush_lock:
            self._conn.close()

    def append(self, event: AuditEvent) -> int:
        """Chain and store one entry; returns its seq once it is durable."""
        return self.append_many([event])[-1]

    def append_many(self, events: Sequence[AuditEvent]) -> list[int]:
        """Chain and store several entries in order; returns their seqs once durable."""
        seqs: list[int] = []
        with self._lock:
            for event in events:
                ts = time.time()
                digest = chain_hash(self._hash, ts, event, self._key)
                self._seq += 1
                seqs.append(self._seq)
                self._pending.append((self._seq, ts, event, self._hash, digest))
                self._hash = digest
        self._wait_durable(seqs[-1])
        return seqs

    def _wait_durable(self, seq: int) -> None:
        """Group commit: the first waiter writes everything pending, the others wait for it."""
        while True:
            with self._durable:
                if self._durable_seq >= seq:
                    return
            if self._flush_lock.acquire(blocking=False):
                try:
                    self._flush()
                finally:
                    self._flush_lock.release()
            else:
                with self._durable:
                    if self._durable_seq < seq:
                        self._durable.wait(0.05)

    def _flush(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        if not batch:
            return
        rows = [
            (
                seq,
                ts,
                e.principal,
                e.practitioner,
                e.purpose,
                e.method,
                json.dumps(list(e.person_ids)),
                json.dumps(list(e.record_refs)),
                e.outcome,
                e.result_count,
                e.detail,
                prev,
                digest,
            )
            for seq, ts, e, prev, digest in batch
        ]
        last_seq, last_hash = rows[-1][0], rows[-1][-1]
        self._conn.execute("BEGIN IMMEDIATE")
        try:
            self._conn.executemany(f"INSERT INTO audit ({_COLUMNS}) VALUES ({'?,' * 12}?)", rows)
            self._conn.execute(
                "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?, ?) "
                "ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
                (last_seq, last_hash),
            )
            self._conn.execute("COMMIT")
        except BaseException:
            self._conn.execute("ROLLBACK")
            with self._lock:  # put them back so a later flush retries them
                self._pending[:0] = batch
            raise
        with self._durable:
            self._durable_seq = last_seq
            self._durable.notify_all()

    # Reading -------------------------------------------------------------------
    def head(self) -> tuple[int, str]:
        """(seq, hash) of the last durable entry: an anchor to keep elsewhere."""
        row = self._conn.execute("SELECT seq, hash FROM audit_head WHERE id = 1").fetchone()
        return (int(row[0]), str(row[1])) if row else (0, GENESIS)

    def entries(self) -> Iterator[AuditEntry]:
        """Every entry in seq order."""
        cursor = self._conn.execute(f"SELECT {_COLUMNS} FROM audit ORDER BY seq")
        for row in cursor:
            yield _entry(row)

    def query(
        self,
        *,
        person_id: str | None = None,
        principal: str | None = None,
        since: float | None = None,
        until: float | None = None,
        limit: int | None = None,
    ) -> list[AuditEntry]:
        """Entries touching ``person_id``, by ``principal``, in [since, until), in seq order."""
        where: list[str] = []
        params: list[Any] = []
        if person_id is not None:
            where.append("EXISTS (SELECT 1 FROM json_each(audit.person_ids) WHERE value = ?)")
            params.append(person_id)
        if principal is not None:
            where.append("principal = ?")
            params.append(principal)
        if since is not None:
            where.append("ts >= ?")
            params.append(since)
        if until is not None:
            where.append("ts < ?")
            params.append(until)
        sql = f"SELECT {_COLUMNS} FROM audit"
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY seq"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        return [_entry(row) for row in self._conn.execute(sql, params)]

    def verify(self) -> Verification:
        """Check the whole chain; each finding names the entry where it breaks and why."""
        entries = list(self.entries())
        position = {entry.hash: i for i, entry in enumerate(entries)}
        findings: list[Finding] = []
        prev_hash, prev_seq = GENESIS, 0
        for i, entry in enumerate(entries):
            seq = entry.seq
            if chain_hash(entry.prev_hash, entry.ts, entry.event, self._key) != entry.hash:
                message = f"entry {seq}: contents do not match its hash"
                findings.append(Finding(seq, "edited", message))
            if entry.prev_hash != prev_hash or seq != prev_seq + 1:
                findings.append(_link_finding(entries, i, position, prev_hash, prev_seq))
            prev_hash, prev_seq = entry.hash, seq
        head_seq, head_hash = self.head()
        if entries and (head_seq, head_hash) != (entries[-1].seq, entries[-1].hash):
            if head_hash in position:
                message = f"the log continues past its recorded head (entry {head_seq})"
                findings.append(Finding(head_seq + 1, "inserted", message))
            else:
                message = f"entries after {prev_seq} are missing (the head was entry {head_seq})"
                findings.append(Finding(prev_seq + 1, "truncated", message))
        elif not entries and head_seq:
            message = f"every entry is missing (the head was entry {head_seq})"
            findings.append(Finding(1, "truncated", message))
        return Verification(len(entries), prev_hash, findings)


def _link_finding(
    entries: list[AuditEntry], i: int, position: dict[str, int], prev_hash: str, prev_seq: int
) -> Finding:
    """Explain why entry ``i`` does not follow the entry before it."""
    seq = entries[i].seq
    claimed = position.get(entries[i].prev_hash)
    if entries[i].prev_hash == prev_hash:  # chain intact but numbering is not
        if seq > prev_seq + 1:
            return Finding(seq, "deleted", f"entries {prev_seq + 1}..{seq - 1} are missing")
        return Finding(seq, "reordered", f"entry {seq} is numbered out of order")
    if claimed is not None and claimed > i:
        after = entries[claimed].seq
        return Finding(seq, "reordered", f"entry {seq} was moved: it belongs after entry {after}")
    if claimed is not None and claimed < i - 1:
        first, last = entries[claimed + 1].seq, entries[i - 1].seq
        span = f"entry {first}" if first == last else f"entries {first}..{last}"
        return Finding(first, "inserted", f"{span} inserted: entry {seq} follows entry "
                       f"{entries[claimed].seq}")  # fmt: skip
    if i > 0 and entries[i].prev_hash == GENESIS:
        return Finding(entries[0].seq, "inserted", f"entries before {seq} were inserted")
    return Finding(seq, "deleted", f"the entry that entry {seq} follows is missing (deleted)")


def _entry(row: tuple[Any, ...]) -> AuditEntry:
    event = AuditEvent(
        principal=row[2],
        practitioner=row[3],
        purpose=row[4],
        method=row[5],
        person_ids=tuple(json.loads(row[6])),
        record_refs=tuple(json.loads(row[7])),
        outcome=row[8],
        result_count=int(row[9]),
        detail=row[10],
    )
    return AuditEntry(int(row[0]), float(row[1]), event, str(row[11]), str(row[12]))
