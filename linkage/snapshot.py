"""Snapshots of the in-memory index, so a restart need not re-standardise every record.

The SQLite store stays the source of truth. A snapshot (a directory of numpy
arrays and Arrow IPC files) records the store's data version
(:meth:`linkage.store.Store.version`) when it was taken; at start-up it is
used only when the store is still at that version, with the same kept columns
and blocking rules, and is otherwise ignored (the index is rebuilt from the
store and a fresh snapshot written). Written to a temporary directory and
renamed, so a crash mid-write leaves the previous snapshot or none.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import polars as pl

from linkage.index_columns import ValueColumn, with_headroom

if TYPE_CHECKING:
    from linkage.resolver import MasterPersonIndex

FORMAT = 1
_LIST_SEP = "\x1e"


def _signature(mpi: MasterPersonIndex) -> dict[str, Any]:
    columns = mpi.columns
    return {
        "format": FORMAT,
        "columns": list(columns.names),
        "rules": [f"{r.name}:{len(r.keys)}" for r in columns.rules],
    }


def _text_columns(mpi: MasterPersonIndex) -> dict[str, ValueColumn]:
    named = {f"std.{k}": v for k, v in mpi.columns.std.items()}
    return {**named, "agency": mpi.columns.agency, "record_id": mpi.columns.record_id}


def save_snapshot(mpi: MasterPersonIndex, path: str | Path) -> None:
    """Write the index's rows, keys and identities (call with the index lock held)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    columns = mpi.columns
    n = columns.n
    columns.keys.merge(np.empty(0, np.uint32), np.empty(0, np.uint64))
    columns.refs_index.merge(np.empty(0, np.uint32), np.empty(0, np.uint64))
    arrays: dict[str, Any] = {
        "alive": columns.alive[:n], "person": columns.person[:n],
        "probability": columns.probability[:n], "outcome": columns.outcome[:n],
        "keys.hash": columns.keys.base_hash, "keys.rows": columns.keys.base_rows,
        "refs.hash": columns.refs_index.base_hash, "refs.rows": columns.refs_index.base_rows,
        "created": np.asarray(mpi.created, dtype=np.int64),
    }  # fmt: skip
    for name, column in _text_columns(mpi).items():
        arrays[f"data.{name}"] = column.data[:n]
        if column.kind in ("text", "list"):
            values = column.values[1 : column.n_values].tolist()
            if column.kind == "list":
                values = [_LIST_SEP.join(v) for v in values]
            pl.DataFrame({"v": values}, schema={"v": pl.Utf8}).write_ipc(tmp / f"{name}.arrow")
    np.savez(tmp / "arrays.npz", **arrays)
    pl.DataFrame({"person_id": mpi.person_ids}, schema={"person_id": pl.Utf8}).write_ipc(
        tmp / "persons.arrow"
    )
    meta = {**_signature(mpi), "store_version": mpi.store.version(), "rows": n}
    (tmp / "meta.json").write_text(json.dumps(meta))
    old = path.with_name(path.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if path.exists():
        path.rename(old)
    tmp.rename(path)
    shutil.rmtree(old, ignore_errors=True)


def load_snapshot(mpi: MasterPersonIndex, path: str | Path) -> bool:
    """Fill an empty index from a snapshot; False (nothing changed) when absent or stale."""
    path = Path(path)
    try:
        meta = json.loads((path / "meta.json").read_text())
    except (OSError, ValueError):
        return False
    expected = {**_signature(mpi), "store_version": mpi.store.version()}
    if any(meta.get(k) != v for k, v in expected.items()):
        return False
    n = int(meta["rows"])
    columns = mpi.columns
    with np.load(path / "arrays.npz") as arrays:
        columns._grow(with_headroom(n))
        columns.n = n
        for name in ("alive", "person", "probability", "outcome"):
            getattr(columns, name)[:n] = arrays[name]
        columns.keys.base_hash, columns.keys.base_rows = arrays["keys.hash"], arrays["keys.rows"]
        columns.refs_index.base_hash = arrays["refs.hash"]
        columns.refs_index.base_rows = arrays["refs.rows"]
        created = arrays["created"].tolist()
        for name, column in _text_columns(mpi).items():
            values = None
            if column.kind in ("text", "list"):
                values = pl.read_ipc(path / f"{name}.arrow")["v"]
                if column.kind == "list":
                    values = values.str.split(_LIST_SEP)
            # the scorer's columns keep their values as a polars column too (group upserts)
            column.restore(arrays[f"data.{name}"], values, table=name.startswith("std."))
    person_ids = pl.read_ipc(path / "persons.arrow")["person_id"].to_list()
    mpi.person_ids = person_ids
    mpi.number_of = {pid: i for i, pid in enumerate(person_ids)}
    mpi.created = created
    return True
