"""Restart from a snapshot: no re-standardisation, same answers; stale snapshots are rebuilt."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "server"))
from fake_scorer import FakeScorer

from linkage.resolver import MasterPersonIndex
from linkage.resolver_types import Thresholds
from linkage.store import Store

T = Thresholds(0.95, 0.5, 0.995)
ANN = {"given_name": "Ann", "family_name": "Lee", "dob": "1980-02-03", "phone": "0412345678"}


class CountingScorer(FakeScorer):
    bulk_calls = 0

    def standardise(self, frame: Any) -> Any:
        CountingScorer.bulk_calls += 1
        return super().standardise(frame)


def open_index(tmp_path: Path) -> MasterPersonIndex:
    return MasterPersonIndex(
        Store(tmp_path / "s.db"), CountingScorer(), T, snapshot_path=tmp_path / "snap"
    )


def state(mpi: MasterPersonIndex) -> Any:
    people = sorted({m.person_id for m in mpi.resolve(ANN, max_results=50)})
    return mpi.resolve(ANN, max_results=50), [mpi.get_person(p) for p in people]


@pytest.fixture
def filled(tmp_path: Path) -> Any:
    mpi = open_index(tmp_path)
    for i, agency in enumerate(("police", "courts", "dffh")):
        mpi.upsert({"agency": agency, "record_id": f"R{i}", **ANN})
    mpi.upsert({"agency": "police", "record_id": "B", "given_name": "Bob", "dob": "1980-02-03"})
    mpi.delete("courts", "R1")
    before = state(mpi)
    mpi.save_snapshot()
    mpi.store.close()
    return before


def test_restart_from_snapshot_restores_without_standardising(tmp_path: Path, filled: Any) -> None:
    CountingScorer.bulk_calls = 0
    mpi = open_index(tmp_path)
    assert CountingScorer.bulk_calls == 0
    assert state(mpi) == filled
    assert mpi.upsert({"agency": "courts", "record_id": "R9", **ANN}).outcome == "matched"


def test_stale_snapshot_is_rebuilt_from_the_store(tmp_path: Path, filled: Any) -> None:
    mpi = open_index(tmp_path)
    mpi.upsert({"agency": "courts", "record_id": "R1", **ANN})  # the store moves on
    after = state(mpi)
    mpi.store.close()  # no snapshot saved: the one on disk is stale
    CountingScorer.bulk_calls = 0
    reopened = open_index(tmp_path)
    assert CountingScorer.bulk_calls > 0
    assert state(reopened) == after
    assert ("courts", "R1") in after[0][0].records
