"""Bulk streams are bounded and do not stop real-time calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import ANN, agency_record, make_config, person, serve, stop

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
