"""The cost of governance on Resolve: mTLS + authorisation + audit vs none, same run.

    .venv/bin/python benchmarks/service/bench_governance.py --records 20000 --rounds 3

Builds one index (generated records, the demo's trained model), copies it for
two servers started from the same code (``python -m server.main``) on
127.0.0.1: ``security = "none"`` and ``security = "mtls"`` (client
certificate, policy checks, rate-limit bucket, purpose metadata, and a
durable audit entry per call, ``synchronous = FULL``). A separate load
process drives Resolve at concurrency 16 against each in turn, alternating
for ``--rounds`` rounds, and the medians are compared. Target: governed
throughput at most 20% below plain.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
METADATA = (("x-purpose", "fv_risk_assessment"), ("x-practitioner", "bench-practitioner"))
POLICY = """
[principals.cip]
permissions = ["resolve"]
agencies = ["*"]
purposes = ["fv_risk_assessment"]
rate = 1000000
burst = 1000000
"""


def build(records: int, model: Path, tmp: Path) -> list[dict[str, Any]]:
    """Bootstrap a store + snapshot in ``tmp``; returns held-back records to query."""
    from bench_service import build_index

    held = build_index(records, 7, model, tmp, min(2_000, records // 10))
    keys = ("given_name", "family_name", "dob", "suburb", "postcode", "phone")
    return [
        {k: str(r[k]) for k in keys if r.get(k) not in (None, "")}
        for r in held.iter_rows(named=True)
        if r.get("family_name")
    ]


def start(folder: Path, model: Path, extra: str) -> tuple[subprocess.Popen[str], int]:
    """Start ``python -m server.main`` on 127.0.0.1, port 0; returns it and its port."""
    config = folder / "server.toml"
    config.write_text(
        f'[server]\nport = 0\nstore_path = "{folder / "mpi.sqlite"}"\nmodel_path = "{model}"\n'
        f'log_level = "INFO"\n{extra}'
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "server.main", "--config", str(config)],
        cwd=ROOT, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    assert proc.stderr is not None
    for line in proc.stderr:
        entry = json.loads(line)
        if entry["msg"] == "serving":
            return proc, int(entry["address"].rsplit(":", 1)[1])
    raise RuntimeError("server did not start")


def load(
    port: int, certs: str | None, queries: list[dict[str, Any]], seconds: float, out: Any
) -> None:
    """Load process: Resolve at concurrency 16 for ``seconds``; puts calls per second."""
    import grpc

    from server.gen.linkage.v1 import linkage_pb2 as pb
    from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc

    target = f"127.0.0.1:{port}"
    if certs:
        folder = Path(certs)
        credentials = grpc.ssl_channel_credentials(
            root_certificates=(folder / "ca.pem").read_bytes(),
            private_key=(folder / "cip.key").read_bytes(),
            certificate_chain=(folder / "cip.pem").read_bytes(),
        )
        channel = grpc.secure_channel(target, credentials)
    else:
        channel = grpc.insecure_channel(target)
    stub = pb_grpc.LinkageServiceStub(channel)
    requests = [pb.ResolveRequest(person=pb.PersonAttributes(**q)) for q in queries]
    for r in requests[:50]:  # warm up (and the TLS handshake)
        stub.Resolve(r, metadata=METADATA, timeout=30)
    stop = time.perf_counter() + seconds

    def worker(i: int) -> int:
        done = 0
        while time.perf_counter() < stop:
            stub.Resolve(requests[(i * 997 + done) % len(requests)], metadata=METADATA, timeout=30)
            done += 1
        return done

    began = time.perf_counter()
    with ThreadPoolExecutor(16) as pool:
        total = sum(pool.map(worker, range(16)))
    out.put(total / (time.perf_counter() - began))
    channel.close()


def measure(port: int, certs: str | None, queries: list[dict[str, Any]], seconds: float) -> float:
    """Calls per second from a separate load process."""
    context = mp.get_context("spawn")
    out: Any = context.Queue()
    client = context.Process(target=load, args=(port, certs, queries, seconds, out))
    client.start()
    rate = float(out.get(timeout=seconds + 120))
    client.join()
    return rate


def main() -> None:
    """Run the comparison and print a markdown table."""
    import dev_certs

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=6.0)
    parser.add_argument("--model", type=Path, default=ROOT / "out/demo/run/model.json")
    parser.add_argument(
        "--synchronous", choices=("FULL", "NORMAL"), default="FULL",
        help="both servers' store and audit durability (NORMAL: no fsync per audit commit)",
    )  # fmt: skip
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as name:
        tmp = Path(name)
        base = tmp / "base"
        base.mkdir()
        queries = build(args.records, args.model, base)
        plain, governed = tmp / "plain", tmp / "governed"
        shutil.copytree(base, plain)
        shutil.copytree(base, governed)
        certs = dev_certs.generate(tmp / "certs", ["cip"])
        (tmp / "policy.toml").write_text(POLICY)
        tls = (
            f'security = "mtls"\ntls_cert = "{certs / "server.pem"}"\n'
            f'tls_key = "{certs / "server.key"}"\ntls_client_ca = "{certs / "ca.pem"}"\n'
            f'policy_path = "{tmp / "policy.toml"}"\n'
        )
        sync = f'synchronous = "{args.synchronous}"\n'
        servers = {
            "plain": (*start(plain, args.model, sync), None),
            "governed": (*start(governed, args.model, sync + tls), str(certs)),
        }
        rates: dict[str, list[float]] = {"plain": [], "governed": []}
        try:
            for _ in range(args.rounds):
                for label, (_, port, cert_dir) in servers.items():
                    rates[label].append(measure(port, cert_dir, queries, args.seconds))
        finally:
            for proc, _, _ in servers.values():
                proc.terminate()
                proc.wait(30)
        entries = _audit_entries(governed)
    plain_rps, governed_rps = (statistics.median(rates[k]) for k in ("plain", "governed"))
    cost = 1 - governed_rps / plain_rps
    print(f"Resolve, concurrency 16, {args.records} records, {args.rounds} alternating rounds "
          f"of {args.seconds:.0f} s (medians)\n")  # fmt: skip
    print("| server | Resolve rps (rounds) | median |\n| --- | --- | --- |")
    for label in ("plain", "governed"):
        each = ", ".join(f"{r:.0f}" for r in rates[label])
        print(f"| {label} | {each} | {statistics.median(rates[label]):.0f} |")
    print(f"\ngovernance cost: {cost:.1%} lower throughput (target <= 20%); "
          f"{entries} audit entries written")  # fmt: skip


def _audit_entries(folder: Path) -> int:
    from linkage.audit import AuditLog

    log = AuditLog(folder / "mpi.sqlite.audit.sqlite")
    try:
        return log.head()[0]
    finally:
        log.close()


if __name__ == "__main__":
    main()
