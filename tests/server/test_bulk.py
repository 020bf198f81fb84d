"""Bulk streams are bounded and do not stop real-time calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import ANN, Served, agency_record, make_config, person, serve, stop

from server.gen.linkage.v1 import linkage_pb2 as pb


def test_bulk_streams_are_bounded_and_resolve_runs_beside_one(tmp_path: Path) -> None:
    served = serve(make_config(tmp_path, max_bulk_streams=1))
    first_acked = threading.Event()
    finish = threading.Event()

    def held_open() -> Iterator[pb.UpsertRecordsRequest]:
        yield pb.UpsertRecordsRequest(request_id="1", record=agency_record("police", "1", **ANN))
        first_acked.wait(30)
        finish.wait(30)

    replies: list[pb.UpsertRecordsResponse] = []

    def consume() -> None:
        for reply in served.stub.UpsertRecords(held_open()):
            replies.append(reply)
            first_acked.set()

    reader = threading.Thread(target=consume)
    reader.start()
    try:
        assert first_acked.wait(30)
        second = served.stub.UpsertRecords(
            iter([pb.UpsertRecordsRequest(request_id="2", record=agency_record("courts", "2"))])
        )
        with pytest.raises(grpc.RpcError) as refused:
            list(second)
        assert refused.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        found = served.stub.Resolve(pb.ResolveRequest(person=person(**ANN)))
        assert [m.person_id for m in found.matches] == [replies[0].result.person_id]
    finally:
        finish.set()
        reader.join(30)
        stop(served)
    assert [r.request_id for r in replies] == ["1"]


def test_bulk_stream_links_as_single_upserts_with_the_trained_model(tmp_path: Path) -> None:
    """UpsertRecords (group upsert) answers as UpsertRecord one by one, bad items included."""
    from linkage.generate import generate

    model = Path(__file__).resolve().parents[1] / "linkage" / "data" / "realtime_model.json"
    fields = ("given_name", "middle_name", "family_name", "dob", "sex", "street", "suburb",
              "postcode", "state", "phone", "email")  # fmt: skip
    people = generate(300, seed=9)
    records = [
        agency_record(r["agency"], r["record_id"], **{k: str(r[k]) for k in fields if r.get(k)})
        for r in people.iter_rows(named=True)
    ]
    records[7] = agency_record("police", "", given_name="No Key")  # an item error
    records.append(records[3])  # a replay
    changed = pb.AgencyRecord()
    changed.CopyFrom(records[5])
    changed.attributes.phone = "0499999999"
    records.append(changed)  # an update

    def served_with(name: str, **overrides: object) -> Served:
        config = make_config(tmp_path / name, scorer="", model_path=str(model), **overrides)
        return serve(config)

    one = served_with("one")
    try:
        expected = []
        for record in records:
            try:
                expected.append(one.stub.UpsertRecord(pb.UpsertRecordRequest(record=record)))
            except grpc.RpcError as exc:
                expected.append(exc.code())
    finally:
        stop(one)
    # one record per message, then batches (one over the group size, so several commits
    # answer it) mixed with single records
    single = [pb.UpsertRecordsRequest(request_id=str(i), record=r) for i, r in enumerate(records)]
    batched: list[pb.UpsertRecordsRequest] = []
    position, sizes = 0, [5, 1, 70, 3, 100]
    while position < len(records):
        size = sizes[len(batched) % len(sizes)]
        part = records[position : position + size]
        if size == 1:
            batched.append(pb.UpsertRecordsRequest(request_id=str(position), record=part[0]))
        else:
            batched.append(pb.UpsertRecordsRequest(request_id=str(position), records=part))
        position += size
    for name, requests in [("single", single), ("batched", batched)]:
        bulk = served_with(name, bulk_group_size=4)  # 64 records per commit alone
        try:
            replies = list(bulk.stub.UpsertRecords(iter(requests)))
        finally:
            stop(bulk)
        assert [r.request_id for r in replies] == [r.request_id for r in requests]
        answers = [part for reply in replies for part in (reply.results or [reply])]
        assert len(answers) == len(expected)
        for reply, want in zip(answers, expected, strict=True):
            if isinstance(want, grpc.StatusCode):
                assert reply.error.code == want.name
            else:
                assert reply.result == want
        outcomes = {r.result.outcome for r in answers if r.HasField("result")}
        assert len(outcomes) >= 3  # new, matched and review at least
    assert replies[2].results[1].error.field == "records.ref.record_id"  # records[7]: no key


def test_an_item_with_both_record_and_records_is_refused_alone(served: Served) -> None:
    requests = [
        pb.UpsertRecordsRequest(
            request_id="both",
            record=agency_record("police", "1", **ANN),
            records=[agency_record("police", "2", **ANN)],
        ),
        pb.UpsertRecordsRequest(request_id="ok", records=[agency_record("police", "3", **ANN)]),
    ]
    both, ok = served.stub.UpsertRecords(iter(requests))
    assert (both.error.code, both.error.field, list(both.results)) == (
        "INVALID_ARGUMENT",
        "records",
        [],
    )
    assert ok.results[0].result.ref.record_id == "3"
    store = served.parts.index.store
    assert [store.get_record("police", r) is None for r in "123"] == [True, True, False]


@pytest.mark.parametrize("outcome", ["unspecified", "matched", "new", "review", "merged"])
def test_batch_entries_are_filled_as_the_converter_builds_them(outcome: str) -> None:
    from linkage.resolver_types import UpsertResult
    from server.bulk import fill_upsert_result
    from server.converters import upsert_to_proto

    result = UpsertResult("police", "R1", "P1", outcome, 0.96, ["P7", "P8"], ["P9"])  # type: ignore[arg-type]
    filled = pb.UpsertRecordResponse()
    fill_upsert_result(filled, result)
    assert filled == upsert_to_proto(result)


def test_group_size_is_small_while_real_time_calls_come_in() -> None:
    from server.bulk import BulkPacer

    pacer = BulkPacer(busy_size=8, quiet_size=64, quiet_seconds=60)
    assert pacer.size() == 64
    pacer.realtime()
    assert pacer.size() == 8
    pacer.quiet_seconds = 0
    assert pacer.size() == 64


def test_groups_take_what_has_arrived_up_to_the_size_in_records() -> None:
    from server.bulk import _groups

    def item(records: int) -> pb.UpsertRecordsRequest:
        if records == 1:
            return pb.UpsertRecordsRequest(record=agency_record("police", "1"))
        return pb.UpsertRecordsRequest(records=[agency_record("police", "1")] * records)

    arrived = threading.Event()
    items = [item(n) for n in (1, 3, 2, 9, 1)]

    def stream() -> Iterator[pb.UpsertRecordsRequest]:
        yield from items
        arrived.set()

    def size() -> int:  # every item has arrived before the first group is taken
        assert arrived.wait(10)
        return 6

    sizes = [[len(r.records) or 1 for r in group] for group in _groups(stream(), size, 100)]
    assert sizes == [[1, 3, 2], [9], [1]]  # an item over the size goes alone


def test_quiet_group_size_is_configurable_and_checked() -> None:
    from linkage.errors import ConfigError
    from server.config import load_config

    assert load_config(None, env={}).bulk_group_size_quiet == 0  # 16 x bulk_group_size
    configured = load_config(None, env={"LINKAGE_BULK_GROUP_SIZE_QUIET": "4096"})
    assert configured.bulk_group_size_quiet == 4096
    with pytest.raises(ConfigError, match="bulk_group_size_quiet"):
        load_config(None, env={}, bulk_group_size=512, bulk_group_size_quiet=256)
