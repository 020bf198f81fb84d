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
    bulk = served_with("bulk", bulk_group_size=64)
    try:
        requests = [
            pb.UpsertRecordsRequest(request_id=str(i), record=r) for i, r in enumerate(records)
        ]
        replies = list(bulk.stub.UpsertRecords(iter(requests)))
    finally:
        stop(bulk)
    assert [r.request_id for r in replies] == [str(i) for i in range(len(records))]
    for reply, want in zip(replies, expected, strict=True):
        if isinstance(want, grpc.StatusCode):
            assert reply.error.code == want.name
        else:
            assert reply.result == want
    outcomes = {r.result.outcome for r in replies if r.HasField("result")}
    assert len(outcomes) >= 3  # new, matched and review at least
