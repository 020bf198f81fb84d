"""Group upsert (``MasterPersonIndex.upsert_many``) gives what upserting one by one gives."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from linkage.bootstrap import bootstrap
from linkage.errors import InvalidRecordError
from linkage.generate import generate
from linkage.model_scorer import ModelScorer
from linkage.resolver import MasterPersonIndex
from linkage.store import Store

MODEL = Path(__file__).parent / "data" / "realtime_model.json"
N = 2400
HELD = 500


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    return generate(N, seed=5)


def _index(tmp: Path, name: str, people: pl.DataFrame) -> MasterPersonIndex:
    mpi = MasterPersonIndex(Store(tmp / f"{name}.sqlite"), ModelScorer.from_json(MODEL))
    base = people.head(N - HELD)
    # split some true people into two identities, so later records can merge them
    person = pl.col("true_person_id")
    split = pl.when(pl.int_range(pl.len()).over(person) % 2 == 1).then(person + "-b")
    clusters = base.select("agency", "record_id", split.otherwise(person).alias("person_id"))
    bootstrap(mpi, base.drop("true_person_id"), clusters)
    return mpi


def _stream(people: pl.DataFrame) -> list[dict[str, Any]]:
    """New records (matching the index and each other), replays, updates and bad keys."""
    rng = random.Random(3)
    held = [
        {k: v for k, v in r.items() if v not in (None, "", []) and k != "true_person_id"}
        for r in people.tail(HELD).iter_rows(named=True)
    ]
    stored = [
        {k: v for k, v in r.items() if v not in (None, "", []) and k != "true_person_id"}
        for r in people.head(N - HELD).sample(60, seed=1).iter_rows(named=True)
    ]
    out: list[dict[str, Any]] = []
    for i, record in enumerate(held):
        out.append(record)
        if i % 9 == 0:
            out.append(dict(rng.choice(out)))  # replay (of this group or an earlier one)
        if i % 13 == 0:
            changed = dict(rng.choice(out))
            changed["phone"] = f"04{rng.randrange(10**8):08d}"
            out.append(changed)  # update of a record of the stream
        if i % 17 == 0 and stored:
            existing = stored.pop()
            out.append(existing)  # replay of an indexed record
            out.append({**existing, "given_name": "Zed"})  # update of an indexed record
        if i % 50 == 0:
            out.append({"agency": "police", "given_name": "No Key"})
    return out


def _state(mpi: MasterPersonIndex) -> dict[str, Any]:
    records = sorted(
        (r.agency, r.record_id, r.person_id, r.outcome, r.probability, dict(r.attributes), r.seq)
        for batch in mpi.store.iter_records()
        for r in batch
    )
    merges = sorted(
        (
            m.survivor_person_id,
            m.merged_person_id,
            m.probability,
            m.trigger_agency,
            m.trigger_record_id,
        )
        for m in mpi.store.merges()
    )
    return {
        "records": records,
        "persons": mpi.store.persons(),
        "reviews": mpi.store.reviews(),
        "merges": merges,
        "people": mpi.person_ids,
        "members": {
            p: sorted(mpi.columns.refs(sorted(mpi.members.get(n, ()))))
            for n, p in enumerate(mpi.person_ids)
        },
    }


@pytest.fixture(scope="module")
def one_by_one(
    tmp_path_factory: pytest.TempPathFactory, people: pl.DataFrame
) -> tuple[list[dict[str, Any]], list[Any], dict[str, Any]]:
    """The stream, its results upserted one by one, and the index's state after it."""
    stream = _stream(people)
    one = _index(tmp_path_factory.mktemp("one"), "one", people)
    expected: list[Any] = []
    for record in stream:
        try:
            expected.append(one.upsert(record))
        except InvalidRecordError as exc:
            expected.append(("error", exc.field))
    return stream, expected, _state(one)


@pytest.mark.parametrize(
    "sizes",
    [[1, 7, 64, 256, 3, 200], [2048]],  # the second: the whole stream in one group
    ids=["mixed", "one-group"],
)
def test_group_upsert_equals_one_by_one(
    tmp_path: Path,
    people: pl.DataFrame,
    one_by_one: tuple[list[dict[str, Any]], list[Any], dict[str, Any]],
    sizes: list[int],
) -> None:
    stream, expected, state = one_by_one
    group = _index(tmp_path, "group", people)
    got: list[Any] = []
    position = 0
    while position < len(stream):
        size = sizes[len(got) % len(sizes)]
        for result in group.upsert_many(stream[position : position + size]):
            got.append(
                ("error", result.field) if isinstance(result, InvalidRecordError) else result
            )
        position += size
    outcomes = {r.outcome for r in expected if not isinstance(r, tuple)}
    assert {"matched", "new", "review", "merged"} <= outcomes  # the data exercises every path
    assert got == expected
    assert _state(group) == state
    # and a restart of the group-upserted store sees the same identities
    group.store.close()
    again = MasterPersonIndex(Store(tmp_path / "group.sqlite"), ModelScorer.from_json(MODEL))
    live = {p: refs for p, refs in state["members"].items() if refs}
    assert {p: refs for p, refs in _state(again)["members"].items() if refs} == live


def test_group_frame_equals_canonical_frame(people: pl.DataFrame) -> None:
    """The group's canonical frame (list columns from flat values) is canonical_frame's."""
    from linkage import resolver_group as rg
    from linkage.index import canonical_frame
    from linkage.resolver_ops import clean_attributes

    records = _stream(people)[:300]
    records[1] = {**records[1], "aliases": ["Jess Hughes", " ", "J Hughes"], "id_licence": "0123"}
    records[2] = {**records[2], "aliases": []}
    items = [
        rg._Item(n, (r["agency"], r["record_id"]), clean_attributes(r))
        for n, r in enumerate(records)
        if r.get("record_id")
    ]
    assert any(item.attributes.get("aliases") for item in items)
    for count in (1, 3, len(items)):
        fast = rg._canonical(items[:count])
        reference = canonical_frame([rg._record(item) for item in items[:count]])
        assert fast.select(sorted(fast.columns)).equals(reference.select(sorted(reference.columns)))
        assert dict(fast.schema) == {c: reference.schema[c] for c in fast.columns}
