"""The audit log: durable hash chain, queries, and every kind of tampering caught."""

from __future__ import annotations

import itertools
import sqlite3
import threading
from pathlib import Path

import pytest

from linkage.audit import AuditEvent, AuditLog, chain_hash


def event(i: int, principal: str = "cip", persons: tuple[str, ...] = ()) -> AuditEvent:
    return AuditEvent(
        principal=principal,
        practitioner=f"p{i}",
        purpose="fv_risk_assessment",
        method="Resolve",
        outcome="OK",
        person_ids=persons or (f"P{i}",),
        record_refs=(f"police/R{i}",),
        result_count=i,
    )


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path)
    log.append_many([event(i) for i in range(1, 11)])
    log.close()
    return path


def tamper(path: Path, *statements: str) -> list[tuple[int, str]]:
    with sqlite3.connect(path) as conn:
        for sql in statements:
            conn.execute(sql)
    log = AuditLog(path)
    result = log.verify()
    log.close()
    return [(f.seq, f.kind) for f in result.findings]


def test_intact_chain_verifies_and_survives_reopening(log_path: Path) -> None:
    log = AuditLog(log_path)
    assert log.verify().ok
    assert log.append(event(11)) == 11
    result = log.verify()
    assert (result.ok, result.entries, result.head) == (True, 11, log.head()[1])
    entries = list(log.entries())
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(entries))


def test_edited_entry_is_found(log_path: Path) -> None:
    found = tamper(log_path, "UPDATE audit SET principal = 'police' WHERE seq = 4")
    assert found == [(4, "edited")]


def test_edited_outcome_and_counts_are_found(log_path: Path) -> None:
    assert tamper(log_path, "UPDATE audit SET result_count = 0 WHERE seq = 7") == [(7, "edited")]


def test_deleted_entry_is_found(log_path: Path) -> None:
    assert tamper(log_path, "DELETE FROM audit WHERE seq = 5")[0] == (6, "deleted")


def test_deleted_and_renumbered_entry_is_found(log_path: Path) -> None:
    found = tamper(
        log_path,
        "DELETE FROM audit WHERE seq = 5",
        "UPDATE audit SET seq = seq - 1 WHERE seq > 5",
        "UPDATE audit_head SET seq = seq - 1",
    )
    assert found[0] == (5, "deleted")


def test_deleted_tail_is_found(log_path: Path) -> None:
    assert tamper(log_path, "DELETE FROM audit WHERE seq >= 9") == [(9, "truncated")]


def test_inserted_entry_is_found_even_with_a_valid_hash(log_path: Path) -> None:
    with sqlite3.connect(log_path) as conn:
        prev = conn.execute("SELECT hash FROM audit WHERE seq = 4").fetchone()[0]
        conn.execute("UPDATE audit SET seq = seq + 100 WHERE seq >= 5")
        conn.execute("UPDATE audit SET seq = seq - 99 WHERE seq >= 105")
    fake = event(99, principal="intruder")
    digest = chain_hash(prev, 1.0, fake)
    found = tamper(
        log_path,
        "INSERT INTO audit VALUES (5, 1.0, 'intruder', 'p99', 'fv_risk_assessment', 'Resolve',"
        f" '[\"P99\"]', '[\"police/R99\"]', 'OK', 99, '', '{prev}', '{digest}')",
    )
    assert found[0] == (5, "inserted")


def test_appended_forgery_past_the_head_is_found(log_path: Path) -> None:
    with sqlite3.connect(log_path) as conn:
        prev = conn.execute("SELECT hash FROM audit WHERE seq = 10").fetchone()[0]
    fake = event(99, principal="intruder")
    digest = chain_hash(prev, 1.0, fake)
    found = tamper(
        log_path,
        "INSERT INTO audit VALUES (11, 1.0, 'intruder', 'p99', 'fv_risk_assessment', 'Resolve',"
        f" '[\"P99\"]', '[\"police/R99\"]', 'OK', 99, '', '{prev}', '{digest}')",
    )
    assert found == [(11, "inserted")]


def test_reordered_entries_are_found(log_path: Path) -> None:
    found = tamper(
        log_path,
        "UPDATE audit SET seq = 100 WHERE seq = 5",
        "UPDATE audit SET seq = 5 WHERE seq = 6",
        "UPDATE audit SET seq = 6 WHERE seq = 100",
    )
    assert found[0] == (5, "reordered")


def test_hmac_key_is_needed_to_verify(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.sqlite", key=b"secret")
    log.append(event(1))
    log.close()
    assert AuditLog(tmp_path / "a.sqlite", key=b"secret").verify().ok
    assert not AuditLog(tmp_path / "a.sqlite").verify().ok


def test_query_filters_by_person_principal_and_time(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.sqlite")
    log.append(event(1, "cip", ("P1", "P2")))
    log.append(event(2, "police", ("P2",)))
    log.append(event(3, "cip", ("P3",)))
    assert [e.seq for e in log.query(person_id="P2")] == [1, 2]
    assert [e.seq for e in log.query(principal="cip")] == [1, 3]
    assert [e.seq for e in log.query(person_id="P2", principal="police")] == [2]
    middle = next(e.ts for e in log.entries() if e.seq == 2)
    assert [e.seq for e in log.query(since=middle)] == [2, 3]
    assert [e.seq for e in log.query(until=middle)] == [1]
    assert log.query(person_id="nobody") == []


def test_concurrent_appends_form_one_chain(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "a.sqlite", synchronous="NORMAL")

    def work(start: int) -> None:
        for i in range(start, start + 25):
            log.append(event(i))

    threads = [threading.Thread(target=work, args=(k * 100,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result = log.verify()
    assert (result.ok, result.entries) == (True, 200)
