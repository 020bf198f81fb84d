from __future__ import annotations

from pathlib import Path

import pytest

from linkage.store import MergeEvent, ReviewFlag, Store, StoredRecord, record_row


def _rec(rid: str, person: str, seq: int = 1, **attrs: str) -> StoredRecord:
    return StoredRecord("police", rid, person, "new", 1.0, attrs, {"family_std": "X"}, seq)


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "mpi.sqlite")


def test_wal_mode_and_schema(store: Store) -> None:
    mode = store._conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert store.get_meta("schema_version") == "1"


def test_round_trip_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "mpi.sqlite"
    store = Store(path)
    with store.transaction():
        store.add_person("P1", store.next_seq())
        store.put_record(_rec("r1", "P1", store.next_seq(), given_name="Ann"))
        store.set_meta("model_version", "m1")
    store.close()
    again = Store(path)
    record = again.get_record("police", "r1")
    assert record is not None
    assert record.attributes == {"given_name": "Ann"}
    assert record.standardised == {"family_std": "X"}
    assert again.get_meta("model_version") == "m1"
    assert again.next_seq() == 3
    assert again.check_consistency() == []


def test_failed_transaction_writes_nothing(store: Store) -> None:
    def write_then_fail() -> None:
        with store.transaction():
            store.add_person("P1", store.next_seq())
            store.put_record(_rec("r1", "P1"))
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        write_then_fail()
    assert store.count_records() == 0
    assert store.persons() == {}


def test_writes_outside_a_transaction_are_refused(store: Store) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        store.add_person("P1", 1)


def test_record_must_point_at_a_person(store: Store) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), store.transaction():
        store.put_record(_rec("r1", "nobody"))


def test_merge_redirect_and_reviews_follow_survivor(store: Store) -> None:
    with store.transaction():
        for pid, rid in (("P1", "a"), ("P2", "b"), ("P3", "c")):
            store.add_person(pid, store.next_seq())
            store.put_record(_rec(rid, pid))
        store.add_review(ReviewFlag("P2", "P3", 0.7, "police", "c"))
        store.set_person([("police", "b")], "P1")
        store.add_merge(MergeEvent("P1", "P2", 0.99, "police", "b", 1.0))
    assert store.merges()[0].survivor_person_id == "P1"
    assert {(f.person_id, f.other_person_id) for f in store.reviews()} == {
        ("P1", "P3"),
        ("P3", "P1"),
    }
    assert "P2" not in store.persons()
    assert store.check_consistency() == []


def test_iter_records_batches_in_key_order(store: Store) -> None:
    with store.transaction():
        store.add_person("P", 1)
        for i in range(25):
            store.put_record(_rec(f"r{i:02d}", "P"))
    batches = list(store.iter_records(batch=10))
    assert [len(b) for b in batches] == [10, 10, 5]
    assert [r.record_id for b in batches for r in b] == [f"r{i:02d}" for i in range(25)]


def test_consistency_reports_empty_person(store: Store) -> None:
    with store.transaction():
        store.add_person("P9", 1)
    assert store.check_consistency() == ["person P9 has no records"]


def test_buffered_rows_are_written_before_reads_and_dropped_on_rollback(tmp_path: Path) -> None:
    store = Store(tmp_path / "b.db")
    with store.transaction():
        store.add_persons([("P1", store.reserve_seqs(1))])
        row = record_row(StoredRecord("police", "1", "P1", "new", 1.0, {"given_name": "Ann"}))
        store.put_rows([row])
        assert store.get_attributes("police", "1") == {"given_name": "Ann"}

    def fail_mid_transaction() -> None:
        with store.transaction():
            store.put_rows([record_row(StoredRecord("police", "2", "P1", "new", 1.0))])
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_mid_transaction()
    assert store.get_record("police", "2") is None
    assert store.count_records() == 1


def test_bulk_loaded_nulls_are_not_attributes(tmp_path: Path) -> None:
    store = Store(tmp_path / "n.db")
    with store.transaction():
        store.add_person("P1", 1)
        stored = StoredRecord("police", "1", "P1", "matched", 1.0)
        store.put_rows([record_row(stored, '{"aliases": [], "dob": null, "given_name": "Ann"}')])
    record = store.get_record("police", "1")
    assert record is not None
    assert dict(record.attributes) == {"given_name": "Ann"}


def test_committed_reads_do_not_wait_for_the_writer(store: Store) -> None:
    import threading

    with store.transaction():
        store.add_person("P1", store.next_seq())
        store.put_record(_rec("r1", "P1", store.next_seq(), given_name="Ann"))
    holding, release = threading.Event(), threading.Event()

    def bulk_group() -> None:  # holds the writer with an uncommitted record, as a group does
        with store.writing(), store.transaction():
            store.put_record(_rec("r2", "P1", store.next_seq(), given_name="Bo"))
            assert store.get_record("police", "r2") is not None  # the writer sees its own
            holding.set()
            release.wait(10)

    writer = threading.Thread(target=bulk_group)
    writer.start()
    try:
        assert holding.wait(10)
        read: list[StoredRecord | None] = []
        reader = threading.Thread(
            target=lambda: read.append(store.get_committed_record("police", "r1"))
        )
        reader.start()
        reader.join(5)
        assert not reader.is_alive(), "a committed read waited for the writer"
        assert read[0] is not None
        assert read[0].attributes == {"given_name": "Ann"}
        assert store.get_committed_record("police", "r2") is None  # not committed yet
    finally:
        release.set()
        writer.join(10)
    committed = store.get_committed_record("police", "r2")
    assert committed is not None
    assert committed.attributes == {"given_name": "Bo"}


def test_merge_of_flagged_pair_drops_the_self_flag_only(store: Store) -> None:
    with store.transaction():
        for pid, rid in (("P1", "a"), ("P2", "b"), ("P3", "c"), ("P4", "d")):
            store.add_person(pid, store.next_seq())
            store.put_record(_rec(rid, pid))
        store.add_review(ReviewFlag("P1", "P2", 0.7, "police", "b"))  # becomes P1-P1
        store.add_review(ReviewFlag("P2", "P3", 0.6, "police", "c"))
        store.add_review(ReviewFlag("P3", "P4", 0.6, "police", "d"))  # untouched
        store.set_person([("police", "b")], "P1")
        store.add_merge(MergeEvent("P1", "P2", 0.99, "police", "b", 1.0))
    assert {(f.person_id, f.other_person_id) for f in store.reviews()} == {
        ("P1", "P3"),
        ("P3", "P1"),
        ("P3", "P4"),
        ("P4", "P3"),
    }
    assert store.check_consistency() == []
