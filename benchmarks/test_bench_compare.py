"""Benchmarks of the comparison engine: batch ``compare`` and real-time ``compare_one``.

    .venv/bin/pytest benchmarks/test_bench_compare.py -q                        # 100k records
    BENCH_COMPARE_SIZES="100000 1000000" .venv/bin/pytest benchmarks/test_bench_compare.py -q

Not part of the default test run. Records are the synthetic generator's (seed 1,
standardised once per size for the session), pairs the default blocking rules'
candidates (as ``linkage.pipeline.link`` builds them) and, for the u estimate,
random record pairs. ``compare`` is timed cold (a new frame object: encodings
included, as in the pipeline's first call) and warm (the second call on the same
frame reuses the per-frame codes).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from linkage import blocking
from linkage.comparisons import compare, compare_one, default_comparisons, term_frequencies
from linkage.generate import generate
from linkage.pipeline import _agency_identifiers, identifier_names
from linkage.standardise import standardise

SEED = 1
SIZES = [int(s) for s in os.environ.get("BENCH_COMPARE_SIZES", "100000").split()]
RANDOM_PAIRS = 400_000


@dataclass
class Data:
    """One size's standardised records, candidate pairs and random pairs."""

    std: pl.DataFrame
    left: npt.NDArray[np.uint32]
    right: npt.NDArray[np.uint32]
    random_left: npt.NDArray[np.uint32]
    random_right: npt.NDArray[np.uint32]


_cache: dict[int, Data] = {}


def _data(size: int) -> Data:
    if size not in _cache:
        std = standardise(generate(size, seed=SEED))
        rules = blocking.default_rules(identifier_names(std), _agency_identifiers(std))
        pairs, _ = blocking.generate_pairs(std, rules)
        rng = np.random.default_rng(SEED)
        random = rng.integers(0, size, (2, RANDOM_PAIRS)).astype(np.uint32)
        _cache[size] = Data(
            std, pairs["left"].to_numpy(), pairs["right"].to_numpy(), random[0], random[1]
        )
    return _cache[size]


COMPARISONS = default_comparisons(["licence_no"])


@pytest.mark.parametrize("size", SIZES)
def test_compare_candidates_cold(benchmark: Any, size: int) -> None:
    data = _data(size)

    def run() -> None:
        frame = data.std.clone()  # a new frame object: no cached codes
        compare(frame, data.left, data.right, COMPARISONS)

    benchmark.pedantic(run, rounds=3, iterations=1)


@pytest.mark.parametrize("size", SIZES)
def test_compare_candidates_warm(benchmark: Any, size: int) -> None:
    data = _data(size)
    compare(data.std, data.left[:10], data.right[:10], COMPARISONS)
    benchmark.pedantic(
        compare, args=(data.std, data.left, data.right, COMPARISONS), rounds=3, iterations=1
    )


@pytest.mark.parametrize("size", SIZES)
def test_compare_random_pairs_warm(benchmark: Any, size: int) -> None:
    data = _data(size)
    compare(data.std, data.left[:10], data.right[:10], COMPARISONS)
    args = (data.std, data.random_left, data.random_right, COMPARISONS)
    benchmark.pedantic(compare, args=args, rounds=3, iterations=1)


def test_compare_one_50_candidates(benchmark: Any) -> None:
    data = _data(SIZES[0])
    columns = sorted({c for cp in COMPARISONS for c in cp.columns() if c in data.std.columns})
    tfs = term_frequencies(data.std, COMPARISONS)
    query = data.std.row(0, named=True)
    candidates = data.std[1:51].select(columns)
    benchmark(compare_one, query, candidates, COMPARISONS, term_frequencies=tfs)
