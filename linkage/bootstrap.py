"""Fill an empty master person index from a batch run's outputs or from raw extracts."""

from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np
import polars as pl

from linkage.errors import InvalidInputError
from linkage.index import canonical_columns
from linkage.resolver import MasterPersonIndex
from linkage.schema import CANONICAL_COLUMNS, IDENTIFIER_PREFIX

RECORDS_FILE = "records.parquet"


def bootstrap_from_batch(
    index: MasterPersonIndex, out_dir: str | Path, mappings: str | Path | None = None
) -> int:
    """Load a batch run's ``clusters.parquet`` with the canonical records it clustered.

    The batch outputs hold no records, so they are read from the run's
    extracts (``mappings``: the agency mappings TOML, read with
    :func:`linkage.cli.load_inputs`) or, when no mappings are given, from a
    ``records.parquet`` canonical frame beside the outputs. Records keep the
    batch person ids (one identity per cluster); the link probability of each
    record is its ``cluster_confidence``.

    Returns:
        The number of records loaded.

    Raises:
        InvalidInputError: a file is missing or a record has no cluster.
    """
    out_dir = Path(out_dir)
    clusters_path = out_dir / "clusters.parquet"
    if not clusters_path.exists():
        msg = f"{clusters_path}: batch output not found"
        raise InvalidInputError(msg)
    if mappings is not None:
        from linkage.cli import load_inputs

        records = load_inputs(Path(mappings))
    elif (out_dir / RECORDS_FILE).exists():
        records = pl.read_parquet(out_dir / RECORDS_FILE)
    else:
        msg = f"{out_dir}: no {RECORDS_FILE}; name the extracts' mappings (bootstrap_mappings)"
        raise InvalidInputError(msg)
    return bootstrap(index, records, pl.read_parquet(clusters_path))


def bootstrap_from_extracts(
    index: MasterPersonIndex, mappings: str | Path, out_dir: str | Path
) -> int:
    """Run the batch linkage over raw extracts, write its outputs to ``out_dir``, then load them.

    Returns:
        The number of records loaded.
    """
    from linkage.cli import load_inputs
    from linkage.outputs import write_outputs
    from linkage.pipeline import link

    records = load_inputs(Path(mappings))
    result = link(records)
    write_outputs(result, out_dir)
    return bootstrap(index, records, result.clusters)


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
    canonical = canonical_columns(joined.select(keep))
    attributes = sorted(c for c in canonical.columns if c not in ("agency", "record_id"))
    if attributes:
        encoded = canonical.select(pl.struct(attributes).struct.json_encode()).to_series()
    else:
        encoded = pl.repeat("{}", canonical.height, eager=True)
    with index.batch(), index.lock:
        store = index.store
        people: dict[str, int] = {}
        new_people = []
        for pid in joined["person_id"].unique(maintain_order=True).to_list():
            seq = store.next_seq()
            new_people.append((pid, seq))
            people[pid] = index._person_number(pid, seq)
        store.add_persons(new_people)
        first_seq = store.reserve_seqs(joined.height)
        store.put_rows(
            zip(
                joined["agency"].to_list(),
                joined["record_id"].to_list(),
                joined["person_id"].to_list(),
                itertools.repeat("matched"),
                joined["cluster_confidence"].cast(pl.Float64).to_list(),
                encoded.to_list(),
                itertools.repeat("{}"),
                range(first_seq, first_seq + joined.height),
                strict=False,
            )
        )
        std = scorer.standardise(canonical)
        persons = np.asarray([people[p] for p in joined["person_id"].to_list()], np.int32)
        index.columns.append_frame(
            std, persons, joined["cluster_confidence"].to_numpy(), np.ones(joined.height, np.uint8)
        )
        index.add_members()
    return joined.height
