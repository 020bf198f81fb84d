"""Peer comparison: this project vs Splink (DuckDB) vs the Python Record Linkage Toolkit.

    .venv/bin/python benchmarks/peers.py                       # FEBRL4, FEBRL3, synthetic 10k, 100k
    .venv/bin/python benchmarks/peers.py --datasets gen --sizes 1000000 --timeout 1800
    make bench                                                 # stages + peers -> BENCHMARKS.md

Every tool reads the same input file (a canonical parquet frame, written once
per data set under `data/bench/peers/`) in its own child process
(`benchmarks/peer_runner.py`), which reports wall seconds per phase; the
child also reports its own peak RSS (VmHWM); the parent scores every tool the
same way with `linkage.evaluate` from the pairs and clusters it wrote:
candidate pairs, pairs completeness, pairwise precision / recall / F1 at the
tool's default threshold and at its best threshold, and the pairwise and
B-cubed F1 of its clusters. Results accumulate in `--json` (re-running one
data set replaces only its rows) and are rendered to `--out` (BENCHMARKS.md)
with the machine, the versions and how to reproduce.

Tools that are not installed are skipped with a note (CI installs only
`.[dev]`, so Splink is absent there). A child that exceeds `--timeout` is
killed and reported as timed out.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from linkage import evaluate  # noqa: E402

RUNNER = Path(__file__).resolve().parent / "peer_runner.py"
TOOLS = ("linkage", "splink", "recordlinkage")
TOOL_NAMES = {
    "linkage": "linkage (this project)",
    "splink": "Splink (DuckDB)",
    "recordlinkage": "Python Record Linkage Toolkit (ECM)",
}
#: modules a tool needs; missing ones skip the tool
REQUIRES = {
    "linkage": ("polars",),
    "splink": ("splink", "duckdb"),
    "recordlinkage": ("recordlinkage",),
}
TRUTH = "true_person_id"


@dataclass(frozen=True)
class Dataset:
    """One benchmark input: a name, its canonical parquet file and its link type."""

    name: str
    title: str
    path: Path
    link_type: str  # "link_only" or "dedupe"


def available(tool: str) -> str | None:
    """None when the tool can run here, else why not."""
    missing = [m for m in REQUIRES[tool] if importlib.util.find_spec(m) is None]
    if missing:
        return f"not installed ({', '.join(missing)}); `pip install -e '.[dev,bench]'`"
    return None


def prepare_datasets(names: list[str], sizes: list[int], seed: int, work: Path) -> list[Dataset]:
    """Write each data set's canonical parquet once; later runs reuse it."""
    work.mkdir(parents=True, exist_ok=True)
    out: list[Dataset] = []
    for name in names:
        if name == "febrl4":
            out.append(_febrl(work, "febrl4", "FEBRL4 (5,000 + 5,000, link_only)", "link_only"))
        elif name == "febrl3":
            out.append(_febrl(work, "febrl3", "FEBRL3 (5,000, dedupe)", "dedupe"))
        elif name == "gen":
            for size in sizes:
                path = work / f"gen-{size}-seed{seed}.parquet"
                if not path.exists():
                    from linkage.generate import generate

                    _atomic_write(generate(size, seed=seed), path)
                title = f"Synthetic multi-agency {size:,} (seed {seed}, link_and_dedupe)"
                out.append(Dataset(f"gen-{size}", title, path, "dedupe"))
        else:
            msg = f"unknown data set {name!r}"
            raise SystemExit(msg)
    return out


def _febrl(work: Path, name: str, title: str, link_type: str) -> Dataset:
    path = work / f"{name}.parquet"
    if not path.exists():
        from linkage import febrl

        _atomic_write(febrl.load_febrl4() if name == "febrl4" else febrl.load_febrl3(), path)
    return Dataset(name, title, path, link_type)


def _atomic_write(frame: pl.DataFrame, path: Path) -> None:
    tmp = path.with_suffix(".tmp")
    frame.write_parquet(tmp)
    tmp.replace(path)


def run_child(tool: str, data: Dataset, out: Path, timeout: float) -> dict[str, Any]:
    """One tool on one data set in a child process: its result plus peak RSS (MiB)."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    cmd = [sys.executable, str(RUNNER), tool, str(data.path), data.link_type, str(out)]
    start = time.perf_counter()
    with (out / "log.txt").open("w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - start > timeout:
                proc.kill()
                os.wait4(proc.pid, 0)
                return {"status": f"timed out after {timeout:.0f} s"}
            time.sleep(0.1)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = (out / "log.txt").read_text().strip().splitlines()[-1:]
        return {"status": f"failed (exit {proc.returncode}): {' '.join(tail)[:200]}"}
    result: dict[str, Any] = json.loads((out / "result.json").read_text())
    # peak_rss_mib is the child's own VmHWM; ru_maxrss includes the parent's (see peer_runner)
    result |= {"status": "ok", "process_wall_s": wall, "ru_maxrss_mib": usage.ru_maxrss / 1024}
    return result


def score(result: dict[str, Any], out: Path, truth: pl.Series) -> dict[str, Any]:
    """Accuracy of one tool's pairs and clusters, computed the same way for every tool."""
    pairs = pl.read_parquet(out / "pairs.parquet")
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    probability = pairs["probability"].fill_null(0.0).fill_nan(0.0).to_numpy()
    candidates = evaluate.pairwise_pair_metrics(left, right, truth)
    chosen = probability >= result["default_threshold"]
    at_default = evaluate.pairwise_pair_metrics(left[chosen], right[chosen], truth)
    best = evaluate.best_threshold_f1(left, right, probability, truth)
    labels = pl.read_parquet(out / "clusters.parquet").sort("row")["cluster"]
    clusters = evaluate.cluster_metrics(labels, truth)
    return {
        "pairs_completeness": candidates.recall,
        "true_pairs": candidates.true_pairs,
        "at_default": at_default.to_dict(),
        "best": best.to_dict(),
        "cluster_pairwise": evaluate.pairwise_cluster_metrics(labels, truth).to_dict(),
        "cluster_bcubed_f1": clusters.bcubed_f1,
        "cluster_exact_f1": clusters.exact_f1,
    }


def run_dataset(
    data: Dataset, tools: list[str], repeat: int, timeout: float, work: Path
) -> dict[str, Any]:
    """Every tool on one data set (`repeat` times each, interleaved); medians and max RSS."""
    truth = pl.read_parquet(data.path, columns=[TRUTH])[TRUTH]
    runs: dict[str, list[dict[str, Any]]] = {t: [] for t in tools}
    skipped: dict[str, str] = {}
    load_before = os.getloadavg()
    for rep in range(repeat):
        for tool in tools:
            if tool in skipped:
                continue
            reason = available(tool)
            if reason:
                skipped[tool] = reason
                continue
            out = work / "runs" / data.name / tool
            print(f"  {data.name}: {tool} (run {rep + 1}/{repeat}) ...", flush=True)
            result = run_child(tool, data, out, timeout)
            if result["status"] != "ok":
                skipped[tool] = result["status"]
                continue
            result["accuracy"] = score(result, out, truth)
            runs[tool].append(result)
            print(
                f"    total {result['total_s']:.2f} s, peak RSS {result['peak_rss_mib']:.0f} MiB, "
                f"cluster F1 {result['accuracy']['cluster_pairwise']['f1']:.4f}",
                flush=True,
            )
    rows = {tool: _summarise(results) for tool, results in runs.items() if results}
    ours = rows.get("linkage", {}).get("total_s")
    for row in rows.values():
        row["time_vs_ours"] = row["total_s"] / ours if ours else None
    return {
        "name": data.name,
        "title": data.title,
        "records": truth.len(),
        "link_type": data.link_type,
        "repeat": repeat,
        "rows": rows,
        "skipped": skipped,
        "load_average": [round(x, 2) for x in (*load_before, *os.getloadavg())],
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def _summarise(results: list[dict[str, Any]]) -> dict[str, Any]:
    """Median times over repeats, max peak RSS, accuracy of the last run (deterministic)."""
    last = results[-1]
    phases = {
        k: statistics.median(r["timings_s"].get(k, 0.0) for r in results) for k in last["timings_s"]
    }
    return {
        "tool": last["tool"],
        "version": last["version"],
        "settings": last["settings"],
        "runs": len(results),
        "total_s": statistics.median(r["total_s"] for r in results),
        "total_s_all": [round(r["total_s"], 3) for r in results],
        "timings_s": phases,
        "peak_rss_mib": max(r["peak_rss_mib"] for r in results),
        "candidate_pairs": last["candidate_pairs"],
        "default_threshold": last["default_threshold"],
        "accuracy": last["accuracy"],
    }


# --------------------------------------------------------------------------- environment


def machine() -> dict[str, Any]:
    """CPU model, cores, memory, OS."""
    cpu = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gib = float("nan")
    with contextlib.suppress(OSError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                mem_gib = int(line.split()[1]) / 1024**2
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_gib, 1),
        "os": f"{platform.system()} {platform.release()}",
    }


def versions() -> dict[str, str]:
    """Python, the libraries that matter and this project's commit."""
    out = {"python": platform.python_version()}
    for name in ("polars", "numpy", "pandas", "splink", "duckdb", "recordlinkage"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = "not installed"
    try:
        out["linkage (git)"] = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        out["linkage (git)"] = "unknown"
    return out


# --------------------------------------------------------------------------- markdown


def _f(value: float | None, digits: int = 4) -> str:
    return "-" if value is None or not np.isfinite(value) else f"{value:.{digits}f}"


def dataset_table(result: dict[str, Any]) -> list[str]:
    """One markdown table (plus notes) for one data set."""
    lines = [
        f"### {result['title']}",
        "",
        f"{result['records']:,} records; {result['repeat']} run(s) per tool, median time; "
        f"load average before/after (1, 5, 15 min): {result['load_average']}; "
        f"measured {result['measured_at']}. Versions: "
        + "; ".join(
            f"{tool} {row['version']}" if tool == "linkage" else row["version"]
            for tool, row in result["rows"].items()
        )
        + ".",
        "",
        "| tool | total s | time / ours | phases (s) | peak RSS MiB | candidate pairs "
        "| pairs completeness | P / R / F1 at default (thr) | best-threshold F1 (thr) "
        "| cluster pairwise F1 | cluster B³ F1 |",
        "|---|---:|---:|---|---:|---:|---:|---|---|---:|---:|",
    ]
    for tool in TOOLS:
        row = result["rows"].get(tool)
        if row is None:
            continue
        acc = row["accuracy"]
        d, b = acc["at_default"], acc["best"]
        phases = ", ".join(f"{k} {v:.2f}" for k, v in row["timings_s"].items())
        ratio = row["time_vs_ours"]
        lines.append(
            f"| {TOOL_NAMES[tool]} | {row['total_s']:.2f} | "
            f"{'-' if ratio is None else f'{ratio:.2f}x'} | {phases} | "
            f"{row['peak_rss_mib']:.0f} | {row['candidate_pairs']:,} | "
            f"{_f(acc['pairs_completeness'])} | "
            f"{_f(d['precision'], 3)} / {_f(d['recall'], 3)} / {_f(d['f1'])} "
            f"({row['default_threshold']}) | {_f(b['f1'])} ({_f(b['threshold'], 3)}) | "
            f"{_f(acc['cluster_pairwise']['f1'])} | {_f(acc['cluster_bcubed_f1'])} |"
        )
    for tool, why in result["skipped"].items():
        lines.append("")
        lines.append(f"*{TOOL_NAMES[tool]}: {why}.*")
    lines.append("")
    return lines


def targets(results: list[dict[str, Any]]) -> list[str]:
    """The issue's targets against Splink, checked from the figures."""
    lines = ["## Targets against Splink", ""]
    with_splink = [r for r in results if "splink" in r["rows"] and "linkage" in r["rows"]]
    if not with_splink:
        return [*lines, "Splink did not run, so the targets were not checked.", ""]
    gens = [r for r in with_splink if r["name"].startswith("gen-")]
    largest = max(gens, key=lambda r: r["records"]) if gens else None
    if largest is not None:
        ours, theirs = largest["rows"]["linkage"], largest["rows"]["splink"]
        speed = theirs["total_s"] / ours["total_s"]
        mem = ours["peak_rss_mib"] / theirs["peak_rss_mib"]
        size = f"{largest['records']:,} records"
        per_run = [
            t / o for t, o in zip(theirs["total_s_all"], ours["total_s_all"], strict=False)
        ] or [speed]
        lines.append(
            f"- **≥ 3x faster than Splink at 1M** (largest measured: {size}): "
            f"Splink / ours = {speed:.2f}x (medians; run by run "
            + ", ".join(f"{r:.2f}x" for r in per_run)
            + ") — "
            + (
                ("met." if min(per_run) >= 3 else "met on the median, not in every run.")
                if speed >= 3 and largest["records"] >= 1_000_000
                else "**not met**"
            )
            + ("" if largest["records"] >= 1_000_000 else " (1M not measured in this file)")
        )
        lines.append(
            f"- **Peak memory ≤ Splink's** at {size} (highest of the runs): "
            f"ours {ours['peak_rss_mib']:.0f} MiB, "
            f"Splink {theirs['peak_rss_mib']:.0f} MiB (ours / Splink = {mem:.2f}) — "
            + ("met." if mem <= 1 else "**not met**.")
        )
    for r in with_splink:
        ours_f1 = r["rows"]["linkage"]["accuracy"]["cluster_pairwise"]["f1"]
        their_f1 = r["rows"]["splink"]["accuracy"]["cluster_pairwise"]["f1"]
        ours_best = r["rows"]["linkage"]["accuracy"]["best"]["f1"]
        their_best = r["rows"]["splink"]["accuracy"]["best"]["f1"]
        verdict = "met" if ours_f1 >= their_f1 else f"**not met** (by {their_f1 - ours_f1:.4f})"
        lines.append(
            f"- **F1 ≥ Splink's** on {r['name']}: cluster pairwise F1 ours {ours_f1:.4f}, "
            f"Splink {their_f1:.4f} — {verdict}; best-threshold pairwise F1 ours "
            f"{ours_best:.4f}, Splink {their_best:.4f}."
        )
    lines.append("")
    return lines


def stage_table(path: Path) -> list[str]:
    """The pytest-benchmark stage timings (medians), if that JSON exists."""
    if not path.exists():
        return []
    data = json.loads(path.read_text())
    path = path.resolve()
    lines = [
        "## Stage benchmarks (pytest-benchmark)",
        "",
        f"`{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}`, "
        f"measured {data.get('datetime', '?')}. Seconds per call.",
        "",
        "| benchmark | median s | min s | max s | rounds |",
        "|---|---:|---:|---:|---:|",
    ]
    for bench in data.get("benchmarks", []):
        s = bench["stats"]
        lines.append(
            f"| {bench['name']} | {s['median']:.4f} | {s['min']:.4f} | {s['max']:.4f} "
            f"| {s['rounds']} |"
        )
    lines.append("")
    return lines


def render(store: dict[str, Any], stages_json: Path | None, notes: Path | None = None) -> str:
    """BENCHMARKS.md from the accumulated results."""
    order = ["febrl4", "febrl3"]
    results = sorted(
        store["datasets"].values(),
        key=lambda r: (order.index(r["name"]) if r["name"] in order else 2, r["records"]),
    )
    m, v = store["machine"], store["versions"]
    lines = [
        "# Benchmarks",
        "",
        "Generated by `benchmarks/peers.py` (`make bench`); do not edit by hand.",
        "",
        "## Reproduce",
        "",
        "```sh",
        "make bench                     # installs .[dev,bench]; stages + peers at FEBRL4, "
        "FEBRL3, 10k, 100k",
        "make bench BENCH_SIZES='10000 100000 1000000'   # adds the 1M run (minutes per tool)",
        ".venv/bin/python benchmarks/peers.py --datasets gen --sizes 1000000 --timeout 1800",
        ".venv/bin/pytest benchmarks/test_bench_stages.py   # stage benchmarks only "
        "(BENCH_STAGE_SIZES=1000000 for 1M)",
        "```",
        "",
        "## Machine and versions",
        "",
        f"- CPU: {m['cpu']}, {m['cores']} cores; memory {m['memory_gib']} GiB; {m['os']}.",
        "- **Shared machine**: other engineers' jobs ran at the same time (see each table's "
        "load average), so times are noisy; repeated runs are quoted as medians.",
        "- Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        "## How the comparison is run",
        "",
        "- Each tool runs in its own child process (`benchmarks/peer_runner.py`) on the same "
        "canonical parquet file; peak RSS is that child's own high-water mark (`VmHWM`, "
        "including the interpreter and its imports; `ru_maxrss` from `wait4` would include the "
        "parent's, which Linux carries across fork + exec). Times are the tool's own phases, "
        "reading the file included; building the benchmark's evaluation files is not timed.",
        "- Every tool is scored by the parent with `linkage.evaluate` from its scored candidate "
        "pairs and its clusters. *Pairs completeness*: the share of true pairs among the "
        "candidate pairs. *At default*: pairs at or above the tool's default threshold (0.9 "
        "for this project and Splink, 0.5 = the ECM's own `predict` for the toolkit). "
        "*Best threshold*: the best pairwise F1 over all thresholds. *Cluster* F1: pairwise "
        "and B-cubed F1 of the final clusters (Splink: connected components at 0.9; the "
        "toolkit: connected components of its ECM matches; this project: its guarded "
        "clustering at 0.9).",
        "- This project: `link(frame, LinkageSettings(link_type=...))` with default settings.",
        "- Splink 5 on DuckDB: light SQL preparation (trim, lower-case, drop honorifics, "
        "parse dates with 1900-01-01 as missing, one code per sex, +61 phones as 0; the "
        "toolkit gets the same); "
        "blocking as in Splink's FEBRL examples on FEBRL (given+family, swapped names, dob, "
        "postcode, street, soc_sec_id) and name+dob / name+postcode / dob+postcode / "
        "identifier rules on the synthetic data (single-column postcode or name blocks "
        "explode at 1M); `NameComparison` (Jaro-Winkler, term-frequency adjusted) on names, "
        "`DateOfBirthComparison`, Levenshtein street, exact postcode / sex / phone / e-mail, "
        "Damerau-Levenshtein identifiers; prior from deterministic rules (recall 0.7), u from "
        "1e6 random pairs (its default), EM on `block_on('dob')` and "
        "`block_on('given_name', 'family_name')`, predict, cluster at 0.9.",
        "- Python Record Linkage Toolkit: the same kind of blocks (`Index` + `Block` per rule, "
        "unioned), `Compare` with Jaro-Winkler ≥ 0.85 on names, Levenshtein ≥ 0.85 on street, "
        "exact on the rest (binary features), `ECMClassifier`.",
        "",
        *targets(results),
        *([notes.read_text().strip(), ""] if notes is not None and notes.exists() else []),
        "## Results by data set",
        "",
    ]
    for result in results:
        lines += dataset_table(result)
    if stages_json is not None:
        lines += stage_table(stages_json)
    lines += [
        "## Service",
        "",
        "The real-time service has its own benchmark, `benchmarks/service/bench_service.py` "
        "(not run by `make bench`).",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--datasets", nargs="+", default=["febrl4", "febrl3", "gen"], help="febrl4 febrl3 gen"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--tools", nargs="+", default=list(TOOLS), choices=TOOLS)
    parser.add_argument("--repeat", type=int, default=1, help="runs per tool; medians quoted")
    parser.add_argument("--timeout", type=float, default=1200.0, help="seconds per child run")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=ROOT / "data" / "bench" / "peers")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "data" / "bench" / "peers" / "results.json"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "BENCHMARKS.md")
    parser.add_argument("--stages-json", type=Path, help="pytest-benchmark JSON to include")
    parser.add_argument(
        "--notes",
        type=Path,
        default=Path(__file__).resolve().parent / "peers_notes.md",
        help="hand-written analysis included after the targets (if the file exists)",
    )
    parser.add_argument("--fresh", action="store_true", help="forget earlier results in --json")
    parser.add_argument("--render-only", action="store_true", help="re-render --out from --json")
    args = parser.parse_args(argv)

    store: dict[str, Any] = {"datasets": {}}
    if args.json.exists() and not args.fresh:
        store = json.loads(args.json.read_text())
    if not args.render_only:
        datasets = prepare_datasets(args.datasets, args.sizes, args.seed, args.work)
        for data in datasets:
            print(f"{data.title}", flush=True)
            store["datasets"][data.name] = run_dataset(
                data, args.tools, args.repeat, args.timeout, args.work
            )
            store["machine"], store["versions"] = machine(), versions()
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(store, indent=2))
    if "machine" not in store:
        store["machine"], store["versions"] = machine(), versions()
    args.out.write_text(render(store, args.stages_json, args.notes))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
