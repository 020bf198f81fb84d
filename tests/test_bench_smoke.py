"""Smoke run of the peer benchmark at its smallest size, so the harness cannot rot.

Runs `benchmarks/peers.py` on 1,000 synthetic records with every tool that is
installed (CI installs only `.[dev]`, so Splink is skipped there with a note)
and checks that it produced the tables. It asserts nothing about times.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_peer_suite_writes_the_tables(tmp_path: Path) -> None:
    out, results = tmp_path / "BENCHMARKS.md", tmp_path / "peers.json"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "peers.py"),
        "--datasets",
        "gen",
        "--sizes",
        "1000",
        "--timeout",
        "120",
        "--work",
        str(tmp_path / "work"),
        "--json",
        str(results),
        "--out",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr

    text = out.read_text()
    assert "## Machine and versions" in text
    assert "### Synthetic multi-agency 1,000" in text
    assert "| tool | total s | time / ours |" in text
    assert "| linkage (this project) |" in text

    dataset = json.loads(results.read_text())["datasets"]["gen-1000"]
    ours = dataset["rows"]["linkage"]
    assert ours["candidate_pairs"] > 0
    assert 0.0 < ours["accuracy"]["cluster_pairwise"]["f1"] <= 1.0
    for peer in ("splink", "recordlinkage"):
        # every peer either ran (a row) or is named with the reason it did not
        assert peer in dataset["rows"] or peer in dataset["skipped"]
        if peer in dataset["rows"]:
            assert dataset["rows"][peer]["candidate_pairs"] > 0
