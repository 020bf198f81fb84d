"""Service benchmark: start-up, RSS, Resolve latency and throughput, bulk upserts.

    .venv/bin/python benchmarks/service/bench_service.py --records 1000000

Builds an index of ``--records`` generated records (identities from the
generator's truth column, so no batch run is needed; model from
``--model``, default the demo's), snapshots it, then starts the real server
(``python -m server.main``) in a subprocess on 127.0.0.1 and drives it from a
separate load process (multiprocessing). The no-op baseline is the standard
health ``Check`` rpc. Prints a markdown table. Not a test: figures are noisy
on shared machines, run it a few times and quote medians.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def build_index(records: int, seed: int, model: Path, tmp: Path, held_back: int) -> Any:
    """Bootstrap a store + snapshot in ``tmp`` from generated records (identities from
    the truth column), all but the last ``held_back``; returns those held back."""
    import polars as pl

    from linkage.bootstrap import bootstrap
    from linkage.generate import generate
    from linkage.model_scorer import ModelScorer
    from linkage.resolver import MasterPersonIndex
    from linkage.store import Store

    frame = generate(records, seed=seed)
    clusters = frame.select("agency", "record_id", pl.col("true_person_id").alias("person_id"))
    held = frame.tail(held_back)
    mpi = MasterPersonIndex(
        Store(tmp / "mpi.sqlite", synchronous="NORMAL"),
        ModelScorer.from_json(model),
        snapshot_path=tmp / "mpi.sqlite.snapshot",
    )
    bootstrap(mpi, frame.head(frame.height - held.height).drop("true_person_id"), clusters)
    mpi.save_snapshot()
    mpi.store.close()
    return held


def build(
    records: int, seed: int, model: Path, tmp: Path, cache: Path | None
) -> list[dict[str, Any]]:
    """Bootstrap a store + snapshot; returns some held-back records to query and upsert.

    With ``cache``, the store, snapshot and held-back records are built there once (per
    size, seed and model) and copied into ``tmp`` on later runs, which skips the build.
    """
    import polars as pl

    if cache is None:
        held = build_index(records, seed, model, tmp, min(20_000, records // 10))
    else:
        folder = cache / f"{records}-seed{seed}-{model.stat().st_mtime_ns}"
        if not (folder / "held.parquet").exists():
            folder.mkdir(parents=True, exist_ok=True)
            held = build_index(records, seed, model, folder, min(20_000, records // 10))
            held.write_parquet(folder / "held.parquet")  # last: marks the cache complete
        shutil.copyfile(folder / "mpi.sqlite", tmp / "mpi.sqlite")
        shutil.copytree(folder / "mpi.sqlite.snapshot", tmp / "mpi.sqlite.snapshot")
        held = pl.read_parquet(folder / "held.parquet")
    searchable = ("given_name", "family_name", "dob", "phone", "email")
    return [
        {k: v for k, v in r.items() if v not in (None, "", []) and k != "true_person_id"}
        for r in held.iter_rows(named=True)
        if any(r.get(k) for k in searchable)
    ]


def start(tmp: Path, model: Path) -> tuple[subprocess.Popen[str], int, float]:
    config = tmp / "server.toml"
    config.write_text(
        f'[server]\nport = 0\nstore_path = "{tmp / "mpi.sqlite"}"\nmodel_path = "{model}"\n'
        'log_level = "INFO"\n'
    )
    began = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.main", "--config", str(config)],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        entry = json.loads(line)
        if entry["msg"] == "serving":
            return proc, int(entry["address"].rsplit(":", 1)[1]), time.perf_counter() - began
    raise RuntimeError("server did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def load(port: int, queries: list[dict[str, Any]], out: Any, server_pid: int, batch: int) -> None:
    """The load client (its own process); UpsertRecords messages carry ``batch`` records."""
    import grpc
    import numpy as np
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    from server.gen.linkage.v1 import linkage_pb2 as pb
    from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc

    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub, health = pb_grpc.LinkageServiceStub(channel), health_pb2_grpc.HealthStub(channel)
    fields = ("given_name", "middle_name", "family_name", "dob", "sex", "street", "suburb",
              "postcode", "state", "phone", "email")  # fmt: skip

    def person(q: dict[str, Any]) -> Any:
        return pb.PersonAttributes(**{k: str(q[k]) for k in fields if k in q})

    requests = [pb.ResolveRequest(person=person(q), max_results=5) for q in queries]
    for r in requests[:200]:
        stub.Resolve(r)  # warm up
    latencies = []
    for r in requests[:3000]:
        t = time.perf_counter()
        stub.Resolve(r)
        latencies.append(time.perf_counter() - t)

    def rate(call: Any, seconds: float = 8.0) -> float:
        """Calls per second from 16 threads; thread i makes calls i * spread, i * spread + 1, ...
        (each its own stretch of the queries, so no query arrives 16 times at once)."""
        stop = time.perf_counter() + seconds
        spread = len(requests) // 16

        def worker(i: int) -> int:
            n = 0
            while time.perf_counter() < stop:
                call(i * spread + n)
                n += 1
            return n

        with ThreadPoolExecutor(16) as pool:
            return sum(pool.map(worker, range(16))) / seconds

    check = health_pb2.HealthCheckRequest()
    echo = rate(lambda i: health.Check(check))
    resolve = rate(lambda i: stub.Resolve(requests[i % len(requests)]))
    records = [
        pb.AgencyRecord(
            ref=pb.RecordRef(agency=q["agency"], record_id=f"B{q['record_id']}"),
            attributes=person(q),
        )
        for q in queries
    ]

    def items(prefix: str) -> list[Any]:
        """The stream's messages: batches of ``batch`` records (one record each when 1)."""
        renamed = [
            pb.AgencyRecord(
                ref=pb.RecordRef(agency=r.ref.agency, record_id=prefix + r.ref.record_id),
                attributes=r.attributes,
            )
            for r in records
        ]
        if batch <= 1:
            return [
                pb.UpsertRecordsRequest(request_id=str(i), record=r) for i, r in enumerate(renamed)
            ]
        return [
            pb.UpsertRecordsRequest(request_id=str(i), records=renamed[i : i + batch])
            for i in range(0, len(renamed), batch)
        ]

    def acked(reply: Any) -> int:
        return sum(1 for r in reply.results if r.HasField("result")) + int(reply.HasField("result"))

    upserts = items("")
    t, cpu = time.perf_counter(), cpu_seconds(server_pid)
    done = sum(acked(reply) for reply in stub.UpsertRecords(iter(upserts)))
    upsert_rate = done / (time.perf_counter() - t)
    upsert_cpu = (cpu_seconds(server_pid) - cpu) / max(done, 1)
    # Resolve latency while a bulk stream runs (a slow batch must not starve real-time calls)
    bulk = items("C")
    streaming = threading.Event()

    def stream() -> None:
        bulk_channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        bulk_stub = pb_grpc.LinkageServiceStub(bulk_channel)
        streaming.set()
        for _ in bulk_stub.UpsertRecords(iter(bulk)):
            pass
        streaming.clear()
        bulk_channel.close()

    streamer = threading.Thread(target=stream)
    streamer.start()
    streaming.wait()
    during: list[float] = []
    for r in requests[3000:]:
        if not streaming.is_set() or len(during) >= 3000:
            break
        t = time.perf_counter()
        stub.Resolve(r)
        during.append(time.perf_counter() - t)
    streamer.join()
    ms = np.asarray(latencies) * 1e3
    bulk_ms = np.asarray(during or [float("nan")]) * 1e3
    out.put({"p50": float(np.percentile(ms, 50)), "p99": float(np.percentile(ms, 99)),
             "bulk_p50": float(np.percentile(bulk_ms, 50)),
             "bulk_p99": float(np.percentile(bulk_ms, 99)), "bulk_n": len(during),
             "echo": echo, "resolve": resolve, "upserts": upsert_rate,
             "upsert_cpu": upsert_cpu})  # fmt: skip
    channel.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--model", type=Path, default=ROOT / "out/demo/run/model.json")
    parser.add_argument(
        "--cache", type=Path, help="build the index here once and copy it on later runs"
    )
    parser.add_argument(
        "--batch", type=int, default=500, help="records per UpsertRecords message (1: one each)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        t = time.perf_counter()
        queries = build(args.records, args.seed, args.model.resolve(), tmp, args.cache)
        built = time.perf_counter() - t
        proc, port, startup = start(tmp, args.model.resolve())
        rss_start = rss_mb(proc.pid)
        out: Any = mp.get_context("spawn").Queue()
        client = mp.get_context("spawn").Process(
            target=load, args=(port, queries, out, proc.pid, args.batch)
        )
        client.start()
        figures = out.get()
        client.join()
        rss_end = rss_mb(proc.pid)
        proc.terminate()
        proc.wait(60)
    rows = [
        ("index build (bootstrap + snapshot)", f"{built:.1f} s", "-"),
        ("start-up (process start to serving)", f"{startup:.2f} s", "<= 10 s"),
        ("RSS after start / after load", f"{rss_start:.0f} / {rss_end:.0f} MB", "<= 2048 MB"),
        ("Resolve p50, concurrency 1", f"{figures['p50']:.2f} ms", "<= 2 ms"),
        ("Resolve p99, concurrency 1", f"{figures['p99']:.2f} ms", "<= 10 ms"),
        (
            "Resolve p50 / p99 during an UpsertRecords stream",
            f"{figures['bulk_p50']:.2f} / {figures['bulk_p99']:.2f} ms (n={figures['bulk_n']})",
            "p99 <= 10 ms",
        ),
        ("no-op (health Check) rps, concurrency 16", f"{figures['echo']:.0f}", "-"),
        (
            "Resolve rps, concurrency 16",
            f"{figures['resolve']:.0f} "
            f"({100 * figures['resolve'] / figures['echo']:.0f}% of no-op)",
            ">= 50%",
        ),
        (
            f"UpsertRecords durable records/s ({args.batch} per message)",
            f"{figures['upserts']:.0f}",
            ">= 5000",
        ),
        (
            "server CPU per upserted record (all threads; steadier than rates under load)",
            f"{figures['upsert_cpu'] * 1e6:.0f} us",
            "-",
        ),
    ]
    loadavg = os.getloadavg()
    print(f"\n{args.records:,} records, pid {os.getpid()}, load average {loadavg[0]:.1f} "
          f"on {os.cpu_count()} cores\n")  # fmt: skip
    print("| measure | value | target |\n| --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
