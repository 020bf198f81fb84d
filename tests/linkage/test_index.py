from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "server"))

from fake_scorer import FakeScorer

from linkage.errors import (
    InvalidRecordError,
    ModelNotFittedError,
    PersonNotFoundError,
    RecordNotFoundError,
)
from linkage.resolver import MasterPersonIndex
from linkage.resolver_types import Thresholds
from linkage.store import Store

# Fake weights: prior -6; given 3/-2, family 4/-3, dob 6/-5, phone 5/-1.
# given+family+dob agree: w = 7 -> p = 0.992 (match, not auto-merge at 0.995)
# + phone: w = 12 -> p = 0.99976 (auto-merge)
ANN = {"given_name": "Ann", "family_name": "Lee", "dob": "1980-02-03"}


def rec(agency: str, rid: str, **attrs: str) -> dict[str, str]:
    return {"agency": agency, "record_id": rid, **attrs}


@pytest.fixture
def mpi(tmp_path: Path) -> MasterPersonIndex:
    return MasterPersonIndex(Store(tmp_path / "s.db"), FakeScorer(), Thresholds(0.95, 0.5, 0.995))


def test_new_then_matched_then_idempotent(mpi: MasterPersonIndex) -> None:
    first = mpi.upsert(rec("police", "1", **ANN))
    assert first.outcome == "new"
    second = mpi.upsert(rec("courts", "9", **ANN))
    assert (second.outcome, second.person_id) == ("matched", first.person_id)
    assert second.probability == pytest.approx(1 / (1 + 2**-7))
    assert mpi.upsert(rec("courts", "9", **ANN)) == second
    assert mpi.store.count_records() == 2


def test_review_band_creates_flagged_identity(mpi: MasterPersonIndex) -> None:
    first = mpi.upsert(rec("police", "1", **ANN))
    # family + dob agree, given differs: w = -6 + 4 + 6 - 2 = 2 -> p = 0.8 (review)
    other = mpi.upsert(rec("dffh", "2", given_name="Bea", family_name="Lee", dob="1980-02-03"))
    assert other.outcome == "review"
    assert other.person_id != first.person_id
    assert other.review_person_ids == [first.person_id]
    assert mpi.get_person(first.person_id).review_person_ids == [other.person_id]


def test_merge_keeps_older_id_and_redirects(tmp_path: Path) -> None:
    mpi = MasterPersonIndex(Store(tmp_path / "s.db"), FakeScorer(), Thresholds(0.95, 0.5, 0.98))
    a = mpi.upsert(rec("police", "1", given_name="Ann", family_name="Lee", phone="0412345678"))
    b = mpi.upsert(rec("courts", "2", **ANN))  # vs a: w = 1 -> review
    assert (b.outcome, b.review_person_ids) == ("review", [a.person_id])
    c = mpi.upsert(rec("dffh", "3", phone="0412 345 678", **ANN))  # .985 and .992: both merge
    assert (c.outcome, c.person_id, c.merged_person_ids) == ("merged", a.person_id, [b.person_id])
    person = mpi.get_person(b.person_id)
    assert person.person_id == a.person_id
    assert person.merged_from == [b.person_id]
    assert person.records == [("courts", "2"), ("dffh", "3"), ("police", "1")]
    assert person.review_person_ids == []
    assert [m.merged_person_id for m in person.merge_history] == [b.person_id]
    assert mpi.upsert(rec("dffh", "3", phone="0412 345 678", **ANN)) == c
    assert mpi.store.check_consistency() == []


def test_delete_splits_identity_that_no_longer_links(mpi: MasterPersonIndex) -> None:
    a = mpi.upsert(rec("police", "1", given_name="Ann", family_name="Lee", phone="0412345678"))
    # bridge: matches a (given+family+phone) and c (given+family+dob)
    mpi.upsert(rec("courts", "2", phone="0412345678", **ANN))
    c = mpi.upsert(rec("dffh", "3", **ANN))
    assert c.person_id == a.person_id
    pid, removed, split = mpi.delete("courts", "2")
    assert (pid, removed) == (a.person_id, False)
    assert len(split) == 1
    assert mpi.get_person(split[0]).records == [("dffh", "3")]
    assert mpi.get_person(a.person_id).records == [("police", "1")]
    assert mpi.store.check_consistency() == []


def test_update_relinks_and_delete_splits(mpi: MasterPersonIndex) -> None:
    a = mpi.upsert(rec("police", "1", **ANN))
    mpi.upsert(rec("courts", "2", **ANN))
    moved = mpi.upsert(rec("courts", "2", given_name="Zed", family_name="Xu", dob="1999-09-09"))
    assert moved.outcome == "new"
    assert mpi.get_person(a.person_id).records == [("police", "1")]
    pid, removed, split = mpi.delete("courts", "2")
    assert (pid, removed, split) == (moved.person_id, True, [])
    with pytest.raises(PersonNotFoundError):
        mpi.get_person(moved.person_id)
    with pytest.raises(RecordNotFoundError):
        mpi.delete("courts", "2")
    assert mpi.store.check_consistency() == []


def test_resolve_orders_and_bands(mpi: MasterPersonIndex) -> None:
    a = mpi.upsert(rec("police", "1", **ANN))
    matches = mpi.resolve({"family_name": "LEE", "dob": "1980-02-03", "given_name": "ann"})
    assert [m.person_id for m in matches] == [a.person_id]
    assert matches[0].band == "match"
    assert matches[0].records == [("police", "1")]
    assert [f[0] for f in matches[0].explanation.fields] == list(FakeScorer.comparison_names)
    with pytest.raises(InvalidRecordError) as info:
        mpi.resolve({"sex": "F"})
    assert info.value.field == "person"


def test_restart_restores_everything(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    first = MasterPersonIndex(Store(path), FakeScorer())
    a = first.upsert(rec("police", "1", **ANN))
    first.store.close()
    again = MasterPersonIndex(Store(path), FakeScorer())
    assert again.upsert(rec("courts", "2", **ANN)).person_id == a.person_id
    assert again.store.get_meta("model_version") == "fake-1"


def test_no_model_is_a_precondition_failure(tmp_path: Path) -> None:
    mpi = MasterPersonIndex(Store(tmp_path / "s.db"), None)
    with pytest.raises(ModelNotFittedError):
        mpi.resolve(ANN)


def test_household_guard_makes_a_weak_person_match_a_review(tmp_path: Path) -> None:
    # family + phone agree, nothing about the individual: w = 4 + 5 - 6 = 3 -> p = 0.889,
    # in the match band at 0.85, but 0 bits of person-level evidence (< 3).
    index = MasterPersonIndex(Store(tmp_path / "g.db"), FakeScorer(), Thresholds(0.85, 0.5, 0.995))
    first = index.upsert(rec("police", "1", **ANN, phone="0400000001"))
    relative = index.upsert(rec("courts", "2", family_name="Lee", phone="0400000001"))
    assert relative.outcome == "review"
    assert relative.person_id != first.person_id
    assert relative.review_person_ids == [first.person_id]
    found = index.resolve({"family_name": "Lee", "phone": "0400000001"})
    assert [m.band for m in found] == ["review", "review"]
    same = index.upsert(rec("dffh", "3", given_name="Ann", family_name="Lee", phone="0400000001"))
    assert same.outcome == "matched"  # given name agrees: 3 bits about the person
    assert same.person_id == first.person_id


def test_hash_index_parts_agree_with_a_dict() -> None:
    """Base, sorted runs (group adds) and single adds answer like one dict of postings."""
    import numpy as np

    from linkage.index_columns import HashIndex

    rng = np.random.default_rng(7)
    index, reference = HashIndex(), {}
    row = 0

    def posted(count: int) -> tuple[np.ndarray, np.ndarray]:
        nonlocal row
        hashes = rng.integers(0, 40, count).astype(np.uint64)
        rows = np.arange(row, row + count)
        row += count
        for h, r in zip(hashes.tolist(), rows.tolist(), strict=True):
            reference.setdefault(h, []).append(r)
        return rows, hashes

    index.merge(*[a.astype(np.uint32) if i == 0 else a for i, a in enumerate(posted(300))])
    for step in range(15):  # more runs than are kept apart
        rows, hashes = posted(25)
        if step % 3 == 0:
            for r, h in zip(rows.tolist(), hashes.tolist(), strict=True):
                index.add_one(r, [h])
        else:
            index.add(rows, hashes, merge=False)
        probe = np.arange(45, dtype=np.uint64)
        expected_counts = [len(reference.get(h, [])) for h in range(45)]
        assert index.counts(probe).tolist() == expected_counts
        owner, found = index.postings(probe)
        got = sorted(zip(owner.tolist(), found.tolist(), strict=True))
        assert got == sorted((h, r) for h in range(45) for r in reference.get(h, []))
        small = [h for h in range(45) if 0 < expected_counts[h] <= 12]
        expected = sorted({r for h in small for r in reference[h]})
        assert index.lookup(probe, 12).tolist() == expected
    merged = HashIndex()
    merged.install(index.merged())
    assert merged.counts(np.arange(45, dtype=np.uint64)).tolist() == expected_counts
