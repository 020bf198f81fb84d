"""Calls are served by one thread per bulk stream and a few for unary calls."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from conftest import ANN, agency_record, make_config, person, serve, stop

from server.app import UNARY_THREADS, worker_threads
from server.gen.linkage.v1 import linkage_pb2 as pb


def test_threads_are_bulk_streams_and_unary_threads_capped_by_max_workers(
    tmp_path: Path,
) -> None:
    assert worker_threads(make_config(tmp_path)) == 2 + UNARY_THREADS
    assert worker_threads(make_config(tmp_path, max_workers=3, max_bulk_streams=2)) == 3


def test_concurrent_resolves_are_served_while_every_bulk_stream_is_open(tmp_path: Path) -> None:
    served = serve(make_config(tmp_path, max_bulk_streams=2))
    acked = [threading.Event(), threading.Event()]
    finish = threading.Event()

    def held_open(i: int) -> Iterator[pb.UpsertRecordsRequest]:
        yield pb.UpsertRecordsRequest(
            request_id=str(i), record=agency_record("police", str(i), **ANN)
        )
        finish.wait(30)

    def consume(i: int) -> None:
        for _ in served.stub.UpsertRecords(held_open(i)):
            acked[i].set()

    readers = [threading.Thread(target=consume, args=(i,)) for i in range(2)]
    for reader in readers:
        reader.start()
    try:
        assert all(event.wait(30) for event in acked)
        request = pb.ResolveRequest(person=person(**ANN))
        with ThreadPoolExecutor(8) as pool:
            found = list(pool.map(lambda _: served.stub.Resolve(request, timeout=30), range(16)))
        assert all(len(f.matches) >= 1 for f in found)
    finally:
        finish.set()
        for reader in readers:
            reader.join(30)
        stop(served)
