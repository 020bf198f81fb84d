"""Fill an empty master person index from a batch run's outputs or from raw extracts."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from linkage.errors import InvalidInputError
from linkage.index import canonical_frame
from linkage.resolver import MasterPersonIndex
from linkage.schema import CANONICAL_COLUMNS, IDENTIFIER_PREFIX
from linkage.store import StoredRecord

RECORDS_FILE = "records.parquet"


def bootstrap_from_batch(index: MasterPersonIndex, out_dir: str | Path) -> int:
    """Load ``clusters.parquet`` and the canonical ``records.parquet`` of a batch run.

    Records keep the batch person ids (one identity per cluster); the link
    probability of each record is its ``cluster_confidence``.

    Returns:
        The number of records loaded.

    Raises:
        InvalidInputError: a file is missing or a record has no cluster.
    """
    out_dir = Path(out_dir)
    for name in ("clusters.parquet", RECORDS_FILE):
        if not (out_dir / name).exists():
            msg = f"{out_dir / name}: batch output not found"
            raise InvalidInputError(msg)
    clusters = pl.read_parquet(out_dir / "clusters.parquet")
    records = pl.read_parquet(out_dir / RECORDS_FILE)
    return bootstrap(index, records, clusters)


def bootstrap(index: MasterPersonIndex, records: pl.DataFrame, clusters: pl.DataFrame) -> int:
    """Load canonical records with their batch clusters (agency, record_id, person_id)."""
    scorer = index._need_scorer()
    if "cluster_confidence" not in clusters.columns:
        clusters = clusters.with_columns(pl.lit(1.0).alias("cluster_confidence"))
    joined = records.join(
        clusters.select("agency", "record_id", "person_id", "cluster_confidence"),
        on=["agency", "record_id"],
        how="left",
    )
    if joined["person_id"].null_count():
        missing = joined.filter(pl.col("person_id").is_null()).row(0, named=True)
        msg = f"record ({missing['agency']}, {missing['record_id']}) has no cluster"
        raise InvalidInputError(msg, field="record_id")
    joined = joined.with_columns(pl.col("person_id").cast(pl.Utf8))
    keep = [c for c in joined.columns if c in CANONICAL_COLUMNS or c.startswith(IDENTIFIER_PREFIX)]
    with index.batch(), index.lock:
        store = index.store
        people: dict[str, int] = {}
        for pid in joined["person_id"].unique(maintain_order=True).to_list():
            seq = store.next_seq()
            store.add_person(pid, seq)
            people[pid] = index._person_number(pid, seq)
        for row in joined.iter_rows(named=True):
            attributes = {
                k: v for k, v in row.items() if k in keep and k not in ("agency", "record_id")
            }
            attributes = {k: v for k, v in attributes.items() if v not in (None, "", [])}
            store.put_record(
                StoredRecord(
                    row["agency"],
                    row["record_id"],
                    row["person_id"],
                    "matched",
                    float(row["cluster_confidence"]),
                    attributes,
                    {},
                    store.next_seq(),
                )
            )
        std = scorer.standardise(canonical_frame(joined.select(keep).to_dicts()))
        persons = [people[p] for p in joined["person_id"].to_list()]
        rows = index.columns.append_frame(
            std, persons, joined["cluster_confidence"].to_list(), [1] * joined.height
        )
        for row_number, person in zip(rows.tolist(), persons, strict=True):
            index.members.setdefault(person, set()).add(row_number)
    return joined.height
