"""Benchmarks of blocking, clustering, person ids and evaluation (the pipeline's former hot spots).

    .venv/bin/pytest benchmarks/test_bench_hotspots.py -q                       # 100k records
    BENCH_HOTSPOT_SIZES="100000 1000000" .venv/bin/pytest benchmarks/test_bench_hotspots.py -q

Not part of the default test run. Records are the synthetic generator's
(seed 1, standardised once per size for the session); candidate pairs are the
default rules' (as ``linkage.pipeline.link`` builds them); probabilities are
drawn from the truth (true pairs mostly high, others mostly low, with overlap)
so clustering meets guards, weak edges and a review band like real scores.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
import pytest

from linkage import blocking, cluster, evaluate
from linkage.generate import generate
from linkage.pipeline import _agency_identifiers, identifier_names
from linkage.schema import TRUTH_COLUMN
from linkage.standardise import standardise

SEED = 1
SIZES = [int(s) for s in os.environ.get("BENCH_HOTSPOT_SIZES", "100000").split()]
MATCH, STRONG, REVIEW = 0.9, 0.99, 0.5


@dataclass
class Scored:
    """One size's standardised records, candidate pairs, probabilities and labels."""

    std: pl.DataFrame
    rules: tuple[blocking.BlockingRule, ...]
    left: npt.NDArray[np.uint32]
    right: npt.NDArray[np.uint32]
    probability: npt.NDArray[np.float64]
    agency: npt.NDArray[np.int64]
    agency_person: npt.NDArray[np.int64]
    labels: npt.NDArray[np.int64]
    person_id: pl.Series


_cache: dict[int, Scored] = {}


def _scored(size: int) -> Scored:
    if size in _cache:
        return _cache[size]
    std = standardise(generate(size, seed=SEED))
    rules = blocking.default_rules(identifier_names(std), _agency_identifiers(std))
    pairs, _ = blocking.generate_pairs(std, rules)
    left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
    truth = std[TRUTH_COLUMN].cast(pl.Categorical).to_physical().to_numpy()
    same = truth[left] == truth[right]
    rng = np.random.default_rng(SEED)
    probability = np.where(same, rng.beta(20, 1, len(left)), rng.beta(1, 12, len(left)))
    agency = std["agency"].cast(pl.Categorical).to_physical().cast(pl.Int64).to_numpy()
    person = std["id_agency_person_no"].cast(pl.Categorical).to_physical().cast(pl.Int64)
    agency_person = person.fill_null(-1).to_numpy()
    labels = cluster.cluster(
        size,
        left,
        right,
        probability,
        match_threshold=MATCH,
        strong_threshold=STRONG,
        agency=agency,
        agency_person=agency_person,
    )
    ids, _ = cluster.assign_person_ids(std.select("agency", "record_id"), labels)
    _cache[size] = Scored(
        std, rules, left, right, probability, agency, agency_person, labels, ids["person_id"]
    )
    return _cache[size]


@pytest.fixture(scope="session", params=SIZES, ids=lambda n: f"{n // 1000}k")
def scored(request: pytest.FixtureRequest) -> Scored:
    return _scored(request.param)


def _rounds(data: Scored) -> int:
    return 3 if data.std.height <= 100_000 else 1


def test_generate_pairs(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    benchmark.pedantic(
        blocking.generate_pairs, args=(scored.std, scored.rules), rounds=_rounds(scored)
    )


def test_cluster(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    benchmark.pedantic(
        cluster.cluster,
        args=(scored.std.height, scored.left, scored.right, scored.probability),
        kwargs={
            "match_threshold": MATCH,
            "strong_threshold": STRONG,
            "agency": scored.agency,
            "agency_person": scored.agency_person,
        },
        rounds=_rounds(scored),
    )


def test_assign_person_ids(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    keys = scored.std.select("agency", "record_id")
    benchmark.pedantic(cluster.assign_person_ids, args=(keys, scored.labels), rounds=3)


def test_cluster_confidence(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    args = (scored.labels, scored.left, scored.right, scored.probability)
    benchmark.pedantic(cluster.cluster_confidence, args=args, rounds=3)


def test_review_pairs(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    benchmark.pedantic(
        cluster.review_pairs,
        args=(scored.left, scored.right, scored.probability, scored.labels),
        kwargs={"review_threshold": REVIEW, "match_threshold": MATCH},
        rounds=3,
    )


def test_cluster_metrics(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    truth = scored.std[TRUTH_COLUMN]
    benchmark.pedantic(evaluate.cluster_metrics, args=(scored.person_id, truth), rounds=3)


def test_pairwise_cluster_metrics(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    truth = scored.std[TRUTH_COLUMN]
    benchmark.pedantic(evaluate.pairwise_cluster_metrics, args=(scored.person_id, truth), rounds=3)


def test_best_threshold_f1(benchmark, scored: Scored) -> None:  # type: ignore[no-untyped-def]
    truth = scored.std[TRUTH_COLUMN]
    args = (scored.left, scored.right, scored.probability, truth)
    benchmark.pedantic(evaluate.best_threshold_f1, args=args, rounds=3)


def test_pairwise_cluster_metrics_integer_labels_1m(benchmark) -> None:  # type: ignore[no-untyped-def]
    """Formerly a timed unit test: 1M records, 600k people, 2% of records moved."""
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 600_000, 1_000_000)
    predicted = truth.copy()
    moved = rng.random(truth.size) < 0.02
    predicted[moved] = rng.integers(0, 1_000_000, int(moved.sum()))
    benchmark.pedantic(evaluate.pairwise_cluster_metrics, args=(predicted, truth), rounds=3)
