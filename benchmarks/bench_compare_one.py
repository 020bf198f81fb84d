"""Real-time scoring: ``compare_one`` and ``ModelScorer.score`` of one query vs 50 candidates.

    .venv/bin/python benchmarks/bench_compare_one.py [n_candidates] [repeats]

Candidates are held as the index holds them (:class:`linkage.index_columns.ValueColumn`,
gathered per query: object arrays of text, float64 years, datetime64 dates); queries are
raw generated records standardised by ``standardise_record``, as the service does. Prints
medians (and quartiles) of many repeats, each over several queries, in microseconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from linkage.comparisons import (  # noqa: E402
    compare_one,
    prepare_candidates,
    term_frequencies,
)
from linkage.comparisons._kernels import PreparedRows  # noqa: E402
from linkage.comparisons.realtime import python_values  # noqa: E402
from linkage.generate import generate  # noqa: E402
from linkage.index_columns import ValueColumn, kind_of  # noqa: E402
from linkage.model_scorer import ModelScorer  # noqa: E402
from linkage.standardise import standardise, standardise_record  # noqa: E402


def _median_us(run: Callable[[], Any], repeats: int) -> tuple[float, float, float]:
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        run()
        times.append((time.perf_counter() - t) * 1e6)
    q = statistics.quantiles(times, n=4)
    return q[0], statistics.median(times), q[2]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    scorer = ModelScorer.from_json(ROOT / "out/demo/run/model.json")
    comparisons = scorer.comparisons
    raw = generate(5_000, seed=1)
    std = standardise(raw.drop("true_person_id"))
    columns: dict[str, ValueColumn] = {}
    for name in scorer.columns:
        if name in std.columns:
            columns[name] = ValueColumn(kind_of(name))
            columns[name].extend_series(std[name])
    tfs = term_frequencies(std, comparisons)
    scorer.frequencies = {k: dict(v) for k, v in tfs.items()}
    rng = np.random.default_rng(1)
    queries = [standardise_record(r) for r in raw.drop("true_person_id").head(20).to_dicts()]
    gathered = [
        {k: c.take(np.sort(rng.choice(std.height, n, replace=False))) for k, c in columns.items()}
        for _ in queries
    ]
    pairs = list(zip(queries, gathered, strict=True))

    def one() -> None:
        for q, c in pairs:
            compare_one(q, c, comparisons, term_frequencies=tfs)

    prepared = [(q, prepare_candidates(c, comparisons)) for q, c in pairs]

    def reused() -> None:
        for q, p in prepared:
            compare_one(q, p, comparisons, term_frequencies=tfs)

    def scored() -> None:
        for q, c in pairs:
            scorer.score(q, c)

    # as the index now scores: every row prepared once, each query gathers its rows
    store = PreparedRows(scorer.columns)
    every = np.arange(std.height, dtype=np.int64)
    store.extend(0, {k: python_values(c.take(every)) for k, c in columns.items()})
    picked = [(q, np.sort(rng.choice(std.height, n, replace=False)).tolist()) for q in queries]

    def gathered_rows() -> None:
        for q, rows in picked:
            compare_one(q, store.gather(rows), comparisons, term_frequencies=tfs)

    def scored_rows() -> None:
        for q, rows in picked:
            scorer.score(q, store.gather(rows))

    runs = (
        ("compare_one", one),
        ("  prepared, reused", reused),
        ("  gathered rows", gathered_rows),
        ("ModelScorer.score", scored),
        ("  gathered rows", scored_rows),
    )
    for label, run in runs:
        run()
        lo, mid, hi = (t / len(pairs) for t in _median_us(run, max(1, repeats // len(pairs))))
        print(f"{label:18s} {n} candidates: median {mid:7.1f} us  (IQR {lo:.1f}-{hi:.1f})")


if __name__ == "__main__":
    main()
