"""kill -9 in the middle of a bulk upsert loses no acknowledged record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
from conftest import FAKE, agency_record

from linkage.store import Store
from server.gen.linkage.v1 import linkage_pb2 as pb
from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc

ROOT = Path(__file__).resolve().parents[2]
DRAINS: dict[int, threading.Thread] = {}


def reap(proc: subprocess.Popen[str]) -> int:
    code = proc.wait(timeout=20)
    DRAINS.pop(proc.pid).join(10)
    assert proc.stderr is not None
    proc.stderr.close()
    return code


def start(tmp_path: Path) -> tuple[subprocess.Popen[str], int]:
    config = tmp_path / "server.toml"
    config.write_text(
        f'[server]\nport = 0\nstore_path = "{tmp_path / "mpi.sqlite"}"\nscorer = "{FAKE}"\n'
        "bulk_group_size = 16\n"
    )
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(Path(__file__).parent)]),
    }
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.main", "--config", str(config)],
        cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        if not line:
            break
        entry = json.loads(line)
        if entry["msg"] == "serving":
            drain = threading.Thread(target=proc.stderr.read, daemon=True)
            drain.start()
            DRAINS[proc.pid] = drain
            return proc, int(entry["address"].rsplit(":", 1)[1])
    proc.kill()
    raise AssertionError("server did not start")


def records(stop: threading.Event) -> Iterator[pb.UpsertRecordsRequest]:
    i = 0
    while not stop.is_set() and i < 200_000:
        yield pb.UpsertRecordsRequest(
            request_id=str(i),
            record=agency_record(
                "police", f"R{i}", given_name=f"Given{i % 997}", family_name=f"Fam{i % 613}",
                dob=f"19{50 + i % 50}-0{1 + i % 9}-1{i % 10}",
            ),
        )  # fmt: skip
        i += 1


def test_kill_9_mid_bulk_upsert_keeps_every_acknowledged_record(tmp_path: Path) -> None:
    proc, port = start(tmp_path)
    acked: list[str] = []
    stop = threading.Event()
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = pb_grpc.LinkageServiceStub(channel)

    def consume() -> None:
        try:
            for reply in stub.UpsertRecords(records(stop)):
                assert reply.HasField("result")
                acked.append(reply.request_id)
        except grpc.RpcError:
            pass  # the server died under us

    reader = threading.Thread(target=consume)
    reader.start()
    deadline = time.monotonic() + 30
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    reap(proc)
    stop.set()
    reader.join(10)
    channel.close()
    assert len(acked) >= 150

    store = Store(tmp_path / "mpi.sqlite")
    assert store.check_consistency() == []
    missing = [i for i in acked if store.get_record("police", f"R{i}") is None]
    assert missing == []
    store.close()

    proc, port = start(tmp_path)  # the index restores from the store
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.LinkageServiceStub(channel)
            last = acked[-1]
            got = stub.GetRecord(
                pb.GetRecordRequest(ref=pb.RecordRef(agency="police", record_id=f"R{last}"))
            )
            person = stub.GetPerson(pb.GetPersonRequest(person_id=got.person_id)).person
            assert ("police", f"R{last}") in {(r.agency, r.record_id) for r in person.records}
    finally:
        proc.send_signal(signal.SIGTERM)
        assert reap(proc) == 0
