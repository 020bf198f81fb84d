"""v1 reference (slow, obviously correct), kept for property tests of the fast paths.

Stable person ids for clusters, carried over from an earlier run."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.errors import InvalidInputError

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
_ID_SCHEMA = {"agency": pl.Utf8, "record_id": pl.Utf8, "person_id": pl.Utf8}


def assign_person_ids(
    keys: pl.DataFrame, labels: npt.ArrayLike, previous: pl.DataFrame | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Person ids for clusters, stable across runs.

    Without ``previous``, a cluster's id is ``"P-"`` and 12 hex digits of a
    64-bit FNV-1a hash of its smallest ``(agency, record_id)``, so the same
    clustering always gets the same ids. With ``previous`` (``agency,
    record_id, person_id`` of an earlier run):

    * each previous id goes to the one cluster holding most of its records
      (ties: the cluster with the smaller label), so a split keeps the id on
      the largest part and the other parts get new ids;
    * a cluster that owns several previous ids keeps the one held by most of
      its records (ties: the smaller id) and reports the others in ``merges``;
    * a cluster owning none gets a new hashed id, re-hashed with a salt if it
      collides with any previous or assigned id.

    Args:
        keys: ``agency, record_id`` per record, in label order.
        labels: cluster label per record.
        previous: earlier ``agency, record_id, person_id``, or ``None``.

    Returns:
        ``(ids, merges)``: ``agency, record_id, person_id`` per record, and
        ``old_person_id, person_id`` for every previous id merged into another.
    """
    lab = np.asarray(labels, dtype=np.int64)
    if len(lab) != keys.height:
        msg = f"{len(lab)} labels for {keys.height} records"
        raise InvalidInputError(msg)
    records = keys.select(
        pl.col("agency").cast(pl.Utf8), pl.col("record_id").cast(pl.Utf8)
    ).with_columns(label=lab)
    smallest = (
        records.group_by("label")
        .agg(pl.concat_str("agency", "record_id", separator="\x1f").min().alias("seed"))
        .sort("label")
    )
    merges = pl.DataFrame(schema={"old_person_id": pl.Utf8, "person_id": pl.Utf8})
    if previous is None or previous.height == 0:
        chosen = smallest.select("label", person_id=_hash_ids(smallest["seed"], set()))
    else:
        chosen, merges = _carry_over(records, smallest, previous)
    ids = records.join(chosen, on="label", how="left", maintain_order="left")
    return ids.select(_ID_SCHEMA.keys()), merges


def _carry_over(
    records: pl.DataFrame, smallest: pl.DataFrame, previous: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Per-label person id from the previous run, new ids and the merge redirects."""
    prev = previous.select(
        pl.col("agency").cast(pl.Utf8),
        pl.col("record_id").cast(pl.Utf8),
        pl.col("person_id").cast(pl.Utf8),
    )
    overlap = records.join(prev, on=["agency", "record_id"]).group_by("label", "person_id").len()
    owned = overlap.sort(["len", "label"], descending=[True, False]).unique(
        subset="person_id", keep="first"
    )
    kept = owned.sort(["len", "person_id"], descending=[True, False]).unique(
        subset="label", keep="first"
    )
    merges = (
        owned.join(kept.select("label", kept_id="person_id"), on="label")
        .filter(pl.col("person_id") != pl.col("kept_id"))
        .select(old_person_id="person_id", person_id="kept_id")
        .sort("old_person_id")
    )
    fresh = smallest.join(kept, on="label", how="anti")
    taken = set(prev["person_id"].unique().drop_nulls().to_list())
    new_ids = fresh.select("label", person_id=_hash_ids(fresh["seed"], taken))
    return pl.concat([kept.select("label", "person_id"), new_ids]), merges


def _hash_ids(seeds: pl.Series, taken: set[str]) -> pl.Series:
    """``P-`` ids hashed from seeds, re-salted until none collides with ``taken`` or another."""
    ids = _hex_ids(seeds)
    for salt in range(1, 100):
        clash = ids.is_in(pl.Series(sorted(taken), dtype=pl.Utf8).implode()) | ids.is_duplicated()
        if not clash.any():
            return ids
        salted = _hex_ids(seeds.filter(clash) + f"#{salt}")
        ids = ids.scatter(np.flatnonzero(clash.to_numpy()), salted)
    msg = "could not find collision-free person ids"
    raise InvalidInputError(msg)


def _hex_ids(seeds: pl.Series) -> pl.Series:
    """``"P-"`` and the top 48 bits of each seed's FNV-1a 64 hash (murmur-finalised), in hex."""
    if seeds.len() == 0:
        return pl.Series("person_id", [], dtype=pl.Utf8)
    raw = np.asarray(seeds.cast(pl.Binary).to_numpy(), dtype=np.bytes_)
    width = raw.dtype.itemsize
    matrix = raw.view(np.uint8).reshape(len(raw), width)
    lengths = seeds.str.len_bytes().to_numpy()
    digest = np.full(len(raw), _FNV_OFFSET, dtype=np.uint64)
    for col in range(width):
        live = lengths > col
        mixed = (digest ^ matrix[:, col].astype(np.uint64)) * _FNV_PRIME
        digest = np.where(live, mixed, digest)
    for multiplier in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53):  # murmur3 finaliser
        digest = (digest ^ (digest >> np.uint64(33))) * np.uint64(multiplier)
    digest ^= digest >> np.uint64(33)
    shifts = np.arange(60, 12, -4, dtype=np.uint64)
    nibbles = ((digest[:, None] >> shifts) & np.uint64(0xF)).astype(np.intp)
    text = np.ascontiguousarray(_HEX[nibbles]).view("S12").ravel().astype("U12")
    return pl.Series("person_id", text).str.replace(r"^", "P-")
