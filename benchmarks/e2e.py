"""End-to-end batch linkage benchmark: wall time, peak RSS and accuracy by size.

Each run is `linkage link` in its own child process (read -> standardise ->
block -> compare -> train -> score -> cluster -> write), so peak memory is the
run's own. Data comes from the generator, written once per size and seed.

    .venv/bin/python benchmarks/e2e.py --sizes 10000 100000 1000000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "bench"


def ensure_data(records: int, seed: int) -> Path:
    """Generate the extracts for a size once; later runs reuse them."""
    folder = DATA / f"gen-{records}-seed{seed}"
    mappings = folder / "mappings.toml"
    if not mappings.exists():
        cmd = [sys.executable, "-m", "linkage.cli", "generate", "--records", str(records)]
        subprocess.run([*cmd, "--seed", str(seed), "--out", str(folder)], check=True)
    return mappings


def run_once(mappings: Path, out: Path) -> tuple[float, float, dict[str, object]]:
    """One `linkage link` in a child process: (wall seconds, peak RSS MiB, summary)."""
    cmd = [sys.executable, "-m", "linkage.cli", "link", "--quiet", "--mappings", str(mappings)]
    start = time.perf_counter()
    proc = subprocess.Popen([*cmd, "--out", str(out)], stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if status != 0:
        msg = f"linkage link failed with status {status}"
        raise RuntimeError(msg)
    summary = json.loads((out / "summary.json").read_text())
    return wall, usage.ru_maxrss / 1024, summary


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", type=Path, help="also write the rows as JSON here")
    args = parser.parse_args()

    rows = []
    header = (
        "| records | median wall s | peak RSS MiB | pairs | F1 | pairs completeness | phases (s) |"
    )
    print(header)
    print("|---:|---:|---:|---:|---:|---:|---|")
    for size in args.sizes:
        mappings = ensure_data(size, args.seed)
        runs = [run_once(mappings, DATA / "out" / str(size)) for _ in range(args.repeat)]
        walls = [r[0] for r in runs]
        summary = runs[-1][2]
        metrics = summary.get("metrics", {})
        f1 = metrics.get("pairwise_at_threshold", {}).get("f1", float("nan"))
        blocking = summary["blocking"]
        row = {
            "records": size,
            "wall_s": walls,
            "median_wall_s": statistics.median(walls),
            "peak_rss_mib": max(r[1] for r in runs),
            "candidate_pairs": summary["candidate_pairs"],
            "f1": f1,
            "pairs_completeness": blocking.get("pairs_completeness"),
            "timings_s": summary["timings_s"],
        }
        rows.append(row)
        phases = ", ".join(f"{k} {v:.2f}" for k, v in summary["timings_s"].items())
        print(
            f"| {size:,} | {row['median_wall_s']:.2f} | {row['peak_rss_mib']:.0f} "
            f"| {row['candidate_pairs']:,} | {f1:.4f} | {row['pairs_completeness']} | {phases} |",
            flush=True,
        )
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
