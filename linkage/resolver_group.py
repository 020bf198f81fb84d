"""Group upsert: a bulk stream's group linked at once, exactly as upserting it record by record.

:func:`upsert_many` gives the results :func:`linkage.resolver_ops.upsert` would give
for the same records in the same order, but does the expensive work once per group
with the batch engine:

1. Plan (plain Python, cheap): which records are replays of what is stored (or of an
   earlier record of the group), which update a record and so kill its old row, and
   at which point of the group each kill happens. All of it follows from the keys
   and attributes alone, so every record's candidate set is known in advance.
2. Standardise the group's new records with the polars standardiser, derive their
   blocking keys with :func:`~linkage.record_keys.frame_key_hashes`, look them up in
   the index's sorted postings at once (searchsorted), and block the group against
   itself: record ``i`` sees earlier records ``j < i`` of the group, and a key is
   skipped for ``i`` when the index and the records before ``i`` post more rows
   under it than ``max_block_size``, as it would be one by one.
3. Compare every (record, candidate) pair with the batch engine and score them with
   the model (:meth:`linkage.model_scorer.ModelScorer.score_pairs`).
4. Reserve the group's rows in the index (not yet alive), then decide record by
   record in order: best candidate per identity with the identities as they are at
   that point (merges and splits of earlier records included: a record is re-banded
   when one of its candidate rows has changed identity since the group's start), and
   the shared :func:`~linkage.resolver_ops.decide` makes the row alive and buffers
   the writes.

The caller commits once (``MasterPersonIndex.batch``) and only then acknowledges.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pyarrow as pa  # type: ignore[import-untyped]

from linkage import resolver_bands as bands
from linkage import resolver_ops as ops
from linkage import resolver_reads as reads
from linkage.errors import LinkageError
from linkage.index import canonical_frame, ref_hashes
from linkage.record_keys import frame_key_hashes
from linkage.resolver_types import UpsertResult
from linkage.schema import IDENTIFIER_PREFIX, KEY_COLUMNS, LIST_COLUMNS, TEXT_COLUMNS

if TYPE_CHECKING:
    from linkage.resolver import MasterPersonIndex

_LISTS = frozenset(LIST_COLUMNS)

IntArray = npt.NDArray[np.int64]
Found = bands.Found
#: :func:`~linkage.record_keys.frame_key_hashes` of the group's new records
Keys = tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]


@dataclass
class _Item:
    """One valid record of the group and what the plan found out about it."""

    position: int
    key: tuple[str, str]
    attributes: dict[str, Any]
    replay: bool = False
    updates: bool = False
    active: int = -1  # its number among the group's new rows


@dataclass
class _Plan:
    items: list[_Item]
    active: list[_Item]
    kill_index: dict[int, int]  # index row -> the active number that kills it
    kill_group: IntArray  # active number -> the active number that kills its row


def upsert_many(
    mpi: MasterPersonIndex, records: Sequence[Mapping[str, Any]]
) -> list[UpsertResult | LinkageError]:
    """Upsert records in order in one store transaction; a result or error per record.

    Library errors of single records (a missing key) are returned in their place;
    the other records are still upserted.

    Raises:
        ModelNotFittedError: no model is loaded.
    """
    from linkage.resolver import validate_key

    scorer = mpi._need_scorer()
    out: list[UpsertResult | LinkageError | None] = [None] * len(records)
    items: list[_Item] = []
    for position, record in enumerate(records):
        try:
            key = validate_key(record)
        except LinkageError as exc:
            out[position] = exc
            continue
        items.append(_Item(position, key, ops.clean_attributes(record)))
    if getattr(scorer, "score_pairs", None) is None:  # a scorer without pair scoring
        with mpi.batch():
            for item in items:
                out[item.position] = ops.upsert(mpi, _record(item))
    else:
        with mpi.store.writing():  # the only writer from planning to commit
            for item, result in zip(items, _upsert_group(mpi, items), strict=True):
                out[item.position] = result
    return [r for r in out if r is not None]


def _record(item: _Item) -> dict[str, Any]:
    return {**item.attributes, "agency": item.key[0], "record_id": item.key[1]}


def _live_rows(mpi: MasterPersonIndex, items: list[_Item]) -> dict[tuple[str, str], int]:
    """The live index row of each key that has one (one vectorised postings lookup)."""
    columns = mpi.columns
    if not items:
        return {}
    agency = pl.Series([item.key[0] for item in items], dtype=pl.Utf8)
    record_id = pl.Series([item.key[1] for item in items], dtype=pl.Utf8)
    owner, rows = columns.refs_index.postings(ref_hashes(agency, record_id))
    live = columns.alive[rows]
    found: dict[tuple[str, str], int] = {}
    for i, row in zip(owner[live].tolist(), rows[live].tolist(), strict=True):
        if columns.ref(row) == items[i].key:
            found[items[i].key] = row
    return found


def _canonical(items: list[_Item]) -> pl.DataFrame:
    """:func:`~linkage.index.canonical_frame` of cleaned records, without re-cleaning them."""
    for item in items:
        for name, value in item.attributes.items():
            if (name in _LISTS) != isinstance(value, list):  # odd input: the general path
                return canonical_frame([_record(item) for item in items])
    ids = sorted({k for item in items for k in item.attributes if k.startswith(IDENTIFIER_PREFIX)})
    data: dict[str, list[Any]] = {
        KEY_COLUMNS[0]: [item.key[0] for item in items],
        KEY_COLUMNS[1]: [item.key[1] for item in items],
    }
    for column in (*TEXT_COLUMNS, *ids):
        data[column] = [item.attributes.get(column) for item in items]
    columns = [pl.Series(name, values, dtype=pl.Utf8) for name, values in data.items()]
    for column in LIST_COLUMNS:
        columns.append(_list_column(column, [item.attributes.get(column) or [] for item in items]))
    return pl.DataFrame(columns)


def _list_column(name: str, values: list[list[str]]) -> pl.Series:
    """A List(Utf8) column from its values and offsets: polars builds a series per
    row from a list of lists (17 ms for 2048 rows, this 0.5)."""
    offsets = np.zeros(len(values) + 1, dtype=np.int64)
    np.cumsum([len(v) for v in values], out=offsets[1:])
    flat = pl.Series(name, [text for v in values for text in v], dtype=pl.Utf8)
    # offsets via polars: pa.array of an ndarray imports pandas (~0.4 s on the first group)
    offsets_arrow = pl.Series(offsets).to_arrow()
    return pl.Series(name, pa.LargeListArray.from_arrays(offsets_arrow, flat.to_arrow()))


def _plan(mpi: MasterPersonIndex, items: list[_Item]) -> _Plan:
    """Replays, updates and kills of the group, in order (see the module docstring)."""
    live = _live_rows(mpi, items)
    state: dict[tuple[str, str], tuple[int | None, int | None, dict[str, Any] | None]] = {}
    active: list[_Item] = []
    kill_index: dict[int, int] = {}
    kill_group: list[int] = []
    for item in items:
        if item.key in state:
            row, group, stored = state[item.key]
        else:
            row, group = live.get(item.key), None
            stored = mpi.store.get_attributes(*item.key) if row is not None else None
        if (row is not None or group is not None) and stored == item.attributes:
            item.replay = True
            continue
        item.active = len(active)
        active.append(item)
        kill_group.append(1 << 62)
        if group is not None:
            kill_group[group] = item.active
            item.updates = True
        elif row is not None:
            kill_index[row] = item.active
            item.updates = True
        state[item.key] = (None, item.active, item.attributes)
    return _Plan(items, active, kill_index, np.asarray(kill_group, dtype=np.int64))


def _upsert_group(mpi: MasterPersonIndex, items: list[_Item]) -> list[UpsertResult]:
    """The group's results, committed in one transaction (the caller holds the store).

    Planning and scoring change nothing, so the transaction begins after them.
    """
    plan = _plan(mpi, items)
    columns = mpi.columns
    scorer = mpi._need_scorer()
    std: pl.DataFrame | None = None
    keys: Keys | None = None
    found: Found | None = None
    at_start: list[bands.Banded | None] = []
    if plan.active:
        std = scorer.standardise(_canonical(plan.active))
        keys = frame_key_hashes(std, columns.rules)
        query, target = _candidate_pairs(mpi, plan, keys[0].astype(np.int64), keys[1])
        probability, refused = _score(mpi, std, query, target)
        found = query, target, probability, refused
        at_start = bands.banded_at_start(mpi, found, len(plan.active))
    with mpi.batch():
        return _decide_group(mpi, plan, std, keys, found, at_start)


def _decide_group(
    mpi: MasterPersonIndex,
    plan: _Plan,
    std: pl.DataFrame | None,
    keys: Keys | None,
    found: Found | None,
    at_start: list[bands.Banded | None],
) -> list[UpsertResult]:
    """Reserve the group's rows and decide its records in order (inside the transaction)."""
    columns = mpi.columns
    start = columns.n
    # the group's rows, dead until their record is decided (readers need no lock)
    if std is not None and keys is not None and columns.reserve(std, keys) != start:
        msg = "index rows were appended while a group was planned"
        raise RuntimeError(msg)
    bounds = np.searchsorted(found[0], np.arange(len(plan.active) + 1)) if found else None
    moved = bands.Moved(mpi, found, len(plan.active))
    results: list[UpsertResult] = []
    # The write side is taken per record, for its decision only, so real-time calls get the
    # read side in between (no explicit GIL hand-over: the server's switch interval, 1 ms,
    # lets them in). Held over runs of records, it starved them; a sleep(0) hand-over after
    # each run cost ms of wall time on a loaded machine.
    for item in plan.items:
        results.append(_decide_one(mpi, item, start, found, bounds, moved, at_start))
    columns.fold_keys(mpi.lock)
    return results


def _decide_one(
    mpi: MasterPersonIndex,
    item: _Item,
    start: int,
    found: Found | None,
    bounds: IntArray | None,
    moved: bands.Moved,
    at_start: list[bands.Banded | None],
) -> UpsertResult:
    """Decide one record of the group (the write side held while memory changes)."""
    if item.replay:
        stored = mpi.store.get_record(*item.key)
        if stored is None:  # pragma: no cover - the plan saw it stored
            msg = f"record {item.key} vanished during a group upsert"
            raise RuntimeError(msg)
        return ops.replay(mpi, stored)
    assert found is not None
    assert bounds is not None
    if item.updates:
        with mpi.lock:
            pid, _, split = ops.remove_row(mpi, item.key)
        if split:
            moved.identity(mpi.number_of[pid])
    banded = at_start[item.active]
    if banded is None or moved.stale[item.active]:
        a, b = int(bounds[item.active]), int(bounds[item.active + 1])
        banded = bands.banded(mpi, found[1][a:b], found[2][a:b], found[3][a:b])
    in_match, in_review = bands.bands(mpi, banded)
    columns, row = mpi.columns, start + item.active

    def place(person: int, probability: float, outcome: int) -> int:
        columns.person[row] = person
        columns.probability[row] = probability
        columns.outcome[row] = outcome
        columns.alive[row] = True
        return row

    with mpi.lock:
        result = ops.decide(mpi, item.key, item.attributes, in_match, in_review, place)
    for merged in result.merged_person_ids:
        moved.identity(mpi.number_of[merged])
    return result


def _candidate_pairs(
    mpi: MasterPersonIndex, plan: _Plan, key_row: IntArray, key_hash: npt.NDArray[np.uint64]
) -> tuple[IntArray, IntArray]:
    """(new record, candidate row) pairs sorted by record then row; group rows numbered
    from ``columns.n`` in active order, as they will be reserved."""
    columns = mpi.columns
    n0, count = columns.n, len(plan.active)
    order = np.lexsort((key_row, key_hash))
    hashes, owner = key_hash[order], key_row[order]
    if len(hashes) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    first = np.ones(len(hashes), dtype=bool)
    first[1:] = hashes[1:] != hashes[:-1]
    block = np.cumsum(first) - 1
    starts = np.flatnonzero(first)
    rank = np.arange(len(hashes)) - starts[block]  # earlier group records under the key
    distinct = hashes[starts]
    spans = columns.keys.spans(distinct)  # searched once for the counts and the postings
    posted = columns.keys.counts(distinct, spans)
    keep = posted[block] + rank <= columns.max_block_size
    # the index's rows under each kept key
    wanted = np.zeros(len(distinct), dtype=bool)
    wanted[block[keep]] = True
    post_block, post_rows = columns.keys.postings(distinct, wanted, spans)
    by_block = np.argsort(post_block, kind="stable")
    post_block, post_rows = post_block[by_block], post_rows[by_block]
    post_start = np.searchsorted(post_block, np.arange(len(distinct)))
    post_count = np.searchsorted(post_block, np.arange(len(distinct)), side="right") - post_start
    entries = np.flatnonzero(keep)
    n = post_count[block[entries]]
    query_a = np.repeat(owner[entries], n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    target_a = post_rows[np.repeat(post_start[block[entries]], n) + offsets]
    # earlier records of the group under each kept key
    later = entries[rank[entries] > 0]
    k = rank[later]
    query_b = np.repeat(owner[later], k)
    offsets = np.arange(int(k.sum())) - np.repeat(np.cumsum(k) - k, k)
    target_b = owner[np.repeat(starts[block[later]], k) + offsets] + n0
    query = np.concatenate([query_a, query_b])
    target = np.concatenate([target_a, target_b])
    code = _distinct(query * (n0 + count + 1) + target)
    query, target = code // (n0 + count + 1), code % (n0 + count + 1)
    # alive when the record is decided: the index's live rows and the group's rows,
    # minus those an update at or before the record killed
    killed_at = np.full(len(target), 1 << 62, dtype=np.int64)
    in_group = target >= n0
    killed_at[in_group] = plan.kill_group[target[in_group] - n0]
    alive = np.ones(len(target), dtype=bool)
    alive[~in_group] = columns.alive[target[~in_group]]
    if plan.kill_index:
        killed = np.fromiter(plan.kill_index, dtype=np.int64)
        when = np.fromiter(plan.kill_index.values(), dtype=np.int64)
        hit = np.isin(target, killed) & ~in_group
        lookup = dict(zip(killed.tolist(), when.tolist(), strict=True))
        killed_at[hit] = [lookup[t] for t in target[hit].tolist()]
    keep_pair = alive & (killed_at > query)
    return query[keep_pair], target[keep_pair]


def _distinct(values: IntArray) -> IntArray:
    """``np.unique`` of int64s by a sort (numpy's hash-based unique cost ~25x here)."""
    ordered = np.sort(values)
    first = np.ones(len(ordered), dtype=bool)
    first[1:] = ordered[1:] != ordered[:-1]
    return ordered[first]


def _score(
    mpi: MasterPersonIndex, std: pl.DataFrame, query: IntArray, target: IntArray
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_]]:
    """Probabilities and household-guard refusals of the pairs (no lock held)."""
    scorer: Any = mpi._need_scorer()
    columns = mpi.columns
    if len(query) == 0:
        return np.empty(0, np.float64), np.empty(0, dtype=bool)
    n0, count = columns.n, std.height
    from_index = _distinct(target[target < n0])
    names = list(columns.names)
    missing = [n for n in names if n not in std.columns]
    group = std.with_columns(pl.lit(None, pl.Utf8).alias(n) for n in missing).select(names)
    typed = {n: dtype for n, dtype in group.schema.items() if dtype != pl.Null}
    candidates = columns.frame_of(from_index, typed)  # the writer: nothing changes meanwhile
    group = group.cast({n: candidates.schema[n] for n in names if n not in typed})
    frame = pl.concat([group, candidates], how="vertical_relaxed")
    right = np.where(target < n0, count + np.searchsorted(from_index, target), target - n0).astype(
        np.int64
    )
    per_query = np.bincount(query, minlength=count)[query].astype(np.int64)
    scores = scorer.score_pairs(frame, query, right, per_query)
    refused = reads.guarded(scorer, scores, mpi.thresholds.match)
    return scores.probability, refused
