"""Stage benchmarks of the batch pipeline: standardise, block, compare, train, score, cluster.

    .venv/bin/pytest benchmarks/test_bench_stages.py -q                 # 10k and 100k records
    BENCH_STAGE_SIZES="10000 100000 1000000" .venv/bin/pytest benchmarks/test_bench_stages.py -q
    .venv/bin/pytest benchmarks/test_bench_stages.py --benchmark-json out/bench/stages.json

Not part of the default test run (`testpaths = ["tests"]`). The data is the
synthetic generator's (`linkage.generate`, seed 1, link_and_dedupe), built once
per size for the session and read back from parquet; each stage's inputs are the previous stage's
outputs, computed once, so every benchmark times exactly one stage, with the
same calls and settings as `linkage.pipeline.link` (including its private
`_agency_identifiers`, so the blocking rules are the pipeline's own).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from linkage import blocking, cluster, decision, pipeline
from linkage.comparisons import Comparison, ComparisonVectors, compare, default_comparisons
from linkage.generate import generate
from linkage.model import FellegiSunterModel
from linkage.pipeline import LinkageSettings, identifier_names, train
from linkage.schema import TRUTH_COLUMN
from linkage.standardise import standardise

SEED = 1
SIZES = [int(s) for s in os.environ.get("BENCH_STAGE_SIZES", "10000 100000").split()]
SETTINGS = LinkageSettings(link_type="link_and_dedupe")


def _rounds(size: int) -> int:
    """Fewer rounds at larger sizes, so the suite stays minutes long."""
    return 5 if size <= 10_000 else 3 if size <= 100_000 else 1


@dataclass
class Stages:
    """One size's inputs and stage outputs, computed once per session."""

    size: int
    raw: pl.DataFrame
    std: pl.DataFrame
    rules: tuple[blocking.BlockingRule, ...]
    left: npt.NDArray[np.uint32]
    right: npt.NDArray[np.uint32]
    report: blocking.BlockingReport
    comparisons: tuple[Comparison, ...]
    vectors: ComparisonVectors
    model: FellegiSunterModel
    probability: npt.NDArray[np.float64]


@pytest.fixture(scope="session", params=SIZES, ids=lambda n: f"{n // 1000}k")
def stages(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Stages:
    size: int = request.param
    # Through a parquet file, as the pipeline reads extracts: standardise measured ~20x
    # slower on generate()'s in-memory frame (6.3 s vs 0.3 s at 100k, same values).
    path = tmp_path_factory.mktemp("stages") / f"gen-{size}.parquet"
    generate(size, seed=SEED).drop(TRUTH_COLUMN).write_parquet(path)
    raw = pl.read_parquet(path)
    std = standardise(raw)
    rules = blocking.default_rules(identifier_names(std), pipeline._agency_identifiers(std))
    pairs, report = _block(std, rules)
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    comparisons = default_comparisons(identifier_names(std))
    vectors = compare(std, left, right, comparisons)
    model = train(std, vectors, comparisons, SETTINGS, report, left, right)
    probability = model.match_probability(model.match_weight(vectors.gamma, vectors.tf))
    return Stages(
        size, raw, std, rules, left, right, report, comparisons, vectors,
        model, probability,
    )  # fmt: skip


def _block(
    std: pl.DataFrame, rules: tuple[blocking.BlockingRule, ...]
) -> tuple[pl.DataFrame, blocking.BlockingReport]:
    return blocking.generate_pairs(
        std, rules, link_type=SETTINGS.link_type, max_block_size=SETTINGS.max_block_size
    )


def _run(benchmark: Any, stages: Stages, fn: Callable[[], Any]) -> Any:
    benchmark.extra_info["records"] = stages.size
    benchmark.extra_info["candidate_pairs"] = len(stages.left)
    rounds = _rounds(stages.size)
    return benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=0)


def test_standardise(benchmark: Any, stages: Stages) -> None:
    std = _run(benchmark, stages, lambda: standardise(stages.raw))
    assert std.height == stages.size


def test_block(benchmark: Any, stages: Stages) -> None:
    pairs, _ = _run(benchmark, stages, lambda: _block(stages.std, stages.rules))
    assert pairs.height == len(stages.left)


def test_compare(benchmark: Any, stages: Stages) -> None:
    vectors = _run(
        benchmark,
        stages,
        lambda: compare(stages.std, stages.left, stages.right, stages.comparisons),
    )
    assert vectors.gamma.shape == (len(stages.left), len(stages.comparisons))


def test_train(benchmark: Any, stages: Stages) -> None:
    model = _run(
        benchmark,
        stages,
        lambda: train(
            stages.std,
            stages.vectors,
            stages.comparisons,
            SETTINGS,
            stages.report,
            stages.left,
            stages.right,
        ),
    )
    assert 0.0 < model.prior < 1.0


def test_score(benchmark: Any, stages: Stages) -> None:
    model, vectors = stages.model, stages.vectors
    probability = _run(
        benchmark,
        stages,
        lambda: model.match_probability(model.match_weight(vectors.gamma, vectors.tf)),
    )
    assert len(probability) == len(stages.left)


def test_cluster(benchmark: Any, stages: Stages) -> None:
    """`cluster.cluster` as the pipeline calls it: household-only links held, guards on."""
    std, vectors = stages.std, stages.vectors
    held = decision.household_only(stages.model, vectors.gamma, stages.probability, vectors.tf)
    linkable = np.where(held, 0.0, stages.probability)
    agency = std["agency"].cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy()
    person = std["id_agency_person_no"].cast(pl.Categorical).to_physical().cast(pl.Int64)
    labels = _run(
        benchmark,
        stages,
        lambda: cluster.cluster(
            std.height,
            stages.left,
            stages.right,
            linkable,
            match_threshold=SETTINGS.match_threshold,
            strong_threshold=SETTINGS.strong_threshold,
            agency=agency,
            agency_person=person.fill_null(-1).to_numpy(),
        ),
    )
    assert len(labels) == stages.size
