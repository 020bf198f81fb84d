"""A snapshot restores the index's columns exactly, with room to grow, and group upserts
after a restart give what they give on the index that wrote it."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from linkage.bootstrap import bootstrap
from linkage.generate import generate
from linkage.model_scorer import ModelScorer
from linkage.resolver import MasterPersonIndex
from linkage.store import Store

MODEL = Path(__file__).parent / "data" / "realtime_model.json"
N = 1200
HELD = 300


def _open(folder: Path) -> MasterPersonIndex:
    return MasterPersonIndex(
        Store(folder / "s.sqlite"), ModelScorer.from_json(MODEL), snapshot_path=folder / "snap"
    )


def _columns(mpi: MasterPersonIndex) -> dict[str, list[Any]]:
    columns = mpi.columns
    rows = np.arange(columns.n, dtype=np.int64)
    named = {**columns.std, "agency": columns.agency, "record_id": columns.record_id}
    out = {
        name: [None if v != v else v for v in column.take(rows).tolist()]  # NaN: missing
        for name, column in named.items()
    }
    for name, column in columns.std.items():  # what a group upsert gathers
        out[f"gathered {name}"] = column.gather_series(name, rows).to_list()
    return out


def test_restored_columns_and_group_upserts_equal_the_saved_index(tmp_path: Path) -> None:
    people = generate(N, seed=7)
    base = people.head(N - HELD)
    first = _open(tmp_path / "a")
    clusters = base.select("agency", "record_id", pl.col("true_person_id").alias("person_id"))
    bootstrap(first, base.drop("true_person_id"), clusters)
    first.save_snapshot()
    first.store.close()
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    saved = _open(tmp_path / "a")  # restored from the snapshot too: the one to compare with
    saved.columns = first.columns
    restored = _open(tmp_path / "b")
    assert restored.columns.n == saved.columns.n
    assert _columns(restored) == _columns(saved)
    assert any(v for v in _columns(restored)["alias_names"])  # lists are exercised
    for column in restored.columns.std.values():
        assert len(column.data) > restored.columns.n  # headroom: the next group does not copy
    held = [
        {k: v for k, v in r.items() if v not in (None, "", []) and k != "true_person_id"}
        for r in people.tail(HELD).iter_rows(named=True)
    ]
    for start in range(0, HELD, 128):
        group = held[start : start + 128]
        assert restored.upsert_many(group) == saved.upsert_many(group)
    assert _columns(restored) == _columns(saved)
