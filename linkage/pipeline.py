"""The batch linkage job: standardise, block, compare, train, score, cluster.

Each stage is a function over polars frames and numpy arrays with no hidden
state, so the same stages can later run elsewhere (Spark workers).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage import blocking, cluster, evaluate
from linkage._batch_training import TRAINING_SESSIONS as TRAINING_SESSIONS
from linkage._batch_training import fit, random_pair_levels
from linkage._batch_training import random_pairs as random_pairs
from linkage._batch_training import train as train
from linkage._late_phases import AGENCY_PERSON_NO, RecordCodes, record_codes, score_pairs
from linkage.comparisons import Comparison, ComparisonVectors, compare, default_comparisons
from linkage.comparisons._codes import forget_frame_codes
from linkage.errors import ConfigError, InvalidInputError
from linkage.model import FellegiSunterModel
from linkage.progress import PhaseTimer, Reporter
from linkage.schema import IDENTIFIER_PREFIX, KEY_COLUMNS, TRUTH_COLUMN
from linkage.standardise import standardise

LinkType = Literal["link_only", "dedupe_only", "link_and_dedupe"]
LINK_TYPES = ("link_only", "dedupe_only", "link_and_dedupe")
PHASES = ("standardise", "block", "compare", "train", "score", "cluster", "report")
#: input columns the phases after comparing read (keys, truth, agency person numbers)
_LATER_COLUMNS = (*KEY_COLUMNS, TRUTH_COLUMN, AGENCY_PERSON_NO)


@dataclass(frozen=True)
class LinkageSettings:
    """Settings of a batch linkage run.

    Attributes:
        link_type: which pairs are candidates: across agencies only, within
            agencies only, or both.
        match_threshold: probability at or above which a pair is a link.
        review_threshold: pairs between this and `match_threshold` go to review.
        strong_threshold: probability needed to overrule the clustering guards.
        max_block_size: blocks larger than this are skipped and reported.
        u_sample_pairs: random record pairs compared to estimate u.
        em_max_iter: EM iterations at most.
        training: ``em`` learns m without labels; ``labelled`` takes m from
            the candidate pairs labelled by the truth column (which must exist).
        pairs_min_probability: pairs below this are not written to pairs.parquet.
        seed: seed of the random pair sample.
    """

    link_type: LinkType = "link_and_dedupe"
    match_threshold: float = 0.9
    review_threshold: float = 0.5
    strong_threshold: float = 0.999
    max_block_size: int = 2_000
    u_sample_pairs: int = 400_000
    em_max_iter: int = 50
    training: Literal["em", "labelled"] = "em"
    pairs_min_probability: float = 0.01
    seed: int = 0

    def __post_init__(self) -> None:
        if self.link_type not in LINK_TYPES:
            msg = f"link_type must be one of {LINK_TYPES}, not {self.link_type!r}"
            raise ConfigError(msg)
        if not 0.0 < self.review_threshold <= self.match_threshold < 1.0:
            msg = "thresholds must satisfy 0 < review_threshold <= match_threshold < 1"
            raise ConfigError(msg)
        if self.training not in ("em", "labelled"):
            msg = f"training must be 'em' or 'labelled', not {self.training!r}"
            raise ConfigError(msg)
        if not self.match_threshold <= self.strong_threshold < 1.0:
            msg = "strong_threshold must be at least match_threshold and below 1"
            raise ConfigError(msg)


@dataclass
class LinkageResult:
    """What a run produced; `write_outputs` turns it into files."""

    pairs: pl.DataFrame
    clusters: pl.DataFrame
    review: pl.DataFrame
    merges: pl.DataFrame
    model: FellegiSunterModel
    comparisons: tuple[Comparison, ...]
    summary: dict[str, Any] = field(default_factory=dict)


def identifier_names(frame: pl.DataFrame) -> list[str]:
    """Identifier names compared across records (agency-own numbers excluded)."""
    return sorted(
        c.removeprefix(IDENTIFIER_PREFIX)
        for c in frame.columns
        if c.startswith(IDENTIFIER_PREFIX) and c != AGENCY_PERSON_NO and not c.endswith("_std")
    )


def _agency_identifiers(frame: pl.DataFrame) -> list[str]:
    """Agency-own identifiers present (their agency person number)."""
    return ["agency_person_no"] if f"{AGENCY_PERSON_NO}_std" in frame.columns else []


def link(
    frame: pl.DataFrame,
    settings: LinkageSettings | None = None,
    *,
    model: FellegiSunterModel | None = None,
    previous_ids: pl.DataFrame | None = None,
    report: Reporter | None = None,
    on_frame: Callable[[str, pl.DataFrame], None] | None = None,
) -> LinkageResult:
    """Link a canonical frame of several agencies' records into person identities.

    Args:
        frame: canonical records (see `linkage.schema`), all agencies stacked. No
            reference to it is kept after standardising, so a caller that passes its
            only reference frees the raw columns early (the CLI does).
        settings: run settings; defaults when omitted.
        model: a trained model to score with; trained by EM on this data when omitted.
        previous_ids: (agency, record_id, person_id) of an earlier run, to keep ids stable.
        report: receives one progress line per phase.
        on_frame: called with ``pairs``, ``clusters``, ``review`` and ``merges`` (name,
            frame) as each is ready, from any thread: the CLI writes them while the rest
            of the run goes on.

    Returns:
        Pairs, clusters, review pairs, id merges, the model and a summary.
    """
    settings = settings or LinkageSettings()
    if frame.height < 2:
        msg = f"linkage needs at least two records, got {frame.height}"
        raise InvalidInputError(msg)
    agencies = frame["agency"].n_unique()
    if settings.link_type == "link_only" and agencies < 2:
        msg = f"link_only needs records of at least two agencies, got {agencies}"
        raise InvalidInputError(msg, field="agency")
    timer = PhaseTimer(len(PHASES), report)

    with timer.phase("standardise"):
        std = standardise(frame)
        # no reference to the raw frame from here on: a caller that passed its only
        # one (the CLI) lets the raw text columns go, only the columns used below stay
        del frame
        rules = blocking.default_rules(identifier_names(std), _agency_identifiers(std))
        comparisons = default_comparisons(identifier_names(std))
        needed = {c for comparison in comparisons for c in comparison.columns()}
        std = _narrow(std, (*_LATER_COLUMNS, *sorted(needed | blocking.rule_columns(rules))))
    with timer.phase("block"):
        candidate_pairs, block_report = blocking.generate_pairs(
            std, rules, link_type=settings.link_type, max_block_size=settings.max_block_size
        )
        left = candidate_pairs["left"].to_numpy()
        right = candidate_pairs["right"].to_numpy()
        del candidate_pairs
        timer.note("block", f"{len(left):,} candidate pairs")
    if len(left) == 0 and model is None:
        msg = (
            "blocking found no candidate pairs, so there is nothing to train on: check the mappings"
        )
        raise InvalidInputError(msg)
    # standardised columns only blocking read (date parts, ...) go now
    std = _narrow(std, (*_LATER_COLUMNS, *sorted(needed)))
    with timer.phase("compare"):
        vectors = compare(std, left, right, comparisons)
    # one after the other on a second thread, beside the single-threaded numpy of EM,
    # scoring and clustering: record-level codes, the pairs frame (then its file), the
    # best threshold
    with ThreadPoolExecutor(max_workers=1) as background:
        with timer.phase("train"):
            if model is None:
                random_gamma = random_pair_levels(std, comparisons, settings)
            # the standardised columns go before EM (the run's peak memory at 1M)
            std = _later_columns(std)
            records = background.submit(record_codes, std)
            if model is None:
                model = fit(
                    std, vectors, random_gamma, comparisons, settings, block_report, left, right
                )
                timer.note("train", f"prior {model.prior:.4g}")
        with timer.phase("score"):
            weight, probability, household = score_pairs(model, vectors)
            links = int((probability >= settings.match_threshold).sum() - household.sum())
            timer.note(
                "score", f"{links:,} links, {int(household.sum()):,} held by the household guard"
            )
        pairs_job = background.submit(
            _pairs_frame, records, left, right, weight, probability, vectors, comparisons, settings
        )
        # the job holds the weights and levels only they need: freed once it is built
        del weight, vectors
        if on_frame is not None:
            pairs_job.add_done_callback(lambda job: _hand_over(on_frame, "pairs", job))
        truth = records.result().truth
        best = (
            None
            if truth is None
            else background.submit(evaluate.best_threshold_f1, left, right, probability, truth)
        )
        with timer.phase("cluster"):
            labels, clusters, review, merges = _cluster(
                records.result(), left, right, probability, household, settings, previous_ids
            )
            timer.note("cluster", f"{int(labels.max(initial=-1)) + 1:,} persons")
        if on_frame is not None:
            for name, frame in (("clusters", clusters), ("review", review), ("merges", merges)):
                on_frame(name, frame)
        with timer.phase("report"):
            summary = _summary(
                records.result(), probability, labels, review, block_report, model, settings, best
            )
            pairs = pairs_job.result()
    summary["timings_s"] = {**timer.timings, "total": round(sum(timer.timings.values()), 3)}
    summary["peak_rss_mib_after"] = timer.peak_rss_mib
    return LinkageResult(pairs, clusters, review, merges, model, comparisons, summary)


def _hand_over(
    on_frame: Callable[[str, pl.DataFrame], None], name: str, job: Future[pl.DataFrame]
) -> None:
    """Give a finished frame to ``on_frame`` (a failed job raises where it is awaited)."""
    if job.exception() is None:
        on_frame(name, job.result())


def _cluster(
    records: RecordCodes,
    left: npt.NDArray[np.uint32],
    right: npt.NDArray[np.uint32],
    probability: npt.NDArray[np.float64],
    household: npt.NDArray[np.bool_],
    settings: LinkageSettings,
    previous_ids: pl.DataFrame | None,
) -> tuple[npt.NDArray[np.int64], pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Cluster labels, clusters, review pairs and id merges.

    Household-only pairs are edges for review, never for merging. Each label is one
    person id (:func:`linkage.cluster.assign_person_ids` gives clusters distinct ids).
    """
    linkable = np.where(household, 0.0, probability)
    labels = cluster.cluster(
        records.keys.height,
        left,
        right,
        linkable,
        match_threshold=settings.match_threshold,
        strong_threshold=settings.strong_threshold,
        agency=records.agency,
        agency_person=records.agency_person,
    )
    # person ids (polars) while numpy scores the pairs on another thread: both let go
    # of the GIL, ~0.3 s of 1.3 s CPU at 1M
    with ThreadPoolExecutor(max_workers=1) as pool:
        confidence = pool.submit(cluster.cluster_confidence, labels, left, right, linkable)
        review_band = pool.submit(
            cluster.review_pairs,
            left,
            right,
            linkable,
            labels,
            review_threshold=settings.review_threshold,
            match_threshold=settings.match_threshold,
        )
        ids, merges = cluster.assign_person_ids(records.keys, labels, previous_ids)
        clusters = ids.with_columns(pl.Series("cluster_confidence", confidence.result()))
        flagged = review_band.result()
    held = np.flatnonzero(household)
    rows = np.concatenate([flagged["pair"].to_numpy(), held])
    reasons = pl.concat([flagged["reason"], pl.repeat("household_only", len(held), eager=True)])
    review = _pair_keys(records.keys, left[rows], right[rows]).with_columns(
        pl.Series("match_probability", probability[rows]), reasons.alias("reason")
    )
    return labels, clusters, review, merges


def _narrow(frame: pl.DataFrame, columns: tuple[str, ...]) -> pl.DataFrame:
    """The given columns of ``frame`` that it has, as they are (``select`` would copy)."""
    return pl.DataFrame([frame.get_column(c) for c in dict.fromkeys(columns) if c in frame.columns])


def _later_columns(std: pl.DataFrame) -> pl.DataFrame:
    """The columns later phases read; the codes cached for the others are freed."""
    forget_frame_codes(std)
    return _narrow(std, _LATER_COLUMNS)


def _pair_keys(
    keys: pl.DataFrame, left: npt.NDArray[np.uint32], right: npt.NDArray[np.uint32]
) -> pl.DataFrame:
    a = keys[left].rename({"agency": "agency_l", "record_id": "record_id_l"})
    b = keys[right].rename({"agency": "agency_r", "record_id": "record_id_r"})
    return pl.concat([a, b], how="horizontal")


def _pairs_frame(
    records: Future[RecordCodes],
    left: npt.NDArray[np.uint32],
    right: npt.NDArray[np.uint32],
    weight: npt.NDArray[np.float64],
    probability: npt.NDArray[np.float64],
    vectors: ComparisonVectors,
    comparisons: tuple[Comparison, ...],
    settings: LinkageSettings,
) -> pl.DataFrame:
    keep = np.flatnonzero(probability >= settings.pairs_min_probability)
    levels = {f"gamma_{c.name}": vectors.gamma[keep, j] for j, c in enumerate(comparisons)}
    return _pair_keys(records.result().keys, left[keep], right[keep]).with_columns(
        pl.Series("match_weight", weight[keep]),
        pl.Series("match_probability", probability[keep]),
        *(pl.Series(name, values) for name, values in levels.items()),
    )


def _summary(
    records: RecordCodes,
    probability: npt.NDArray[np.float64],
    labels: npt.NDArray[np.int64],
    review: pl.DataFrame,
    block_report: blocking.BlockingReport,
    model: FellegiSunterModel,
    settings: LinkageSettings,
    best_threshold: Future[evaluate.ThresholdF1] | None,
) -> dict[str, Any]:
    per_agency = records.per_agency
    summary: dict[str, Any] = {
        "records": records.keys.height,
        "records_per_agency": dict(zip(per_agency["agency"], per_agency["len"], strict=True)),
        "link_type": settings.link_type,
        "candidate_pairs": len(probability),
        "links": int((probability >= settings.match_threshold).sum())
        - review.filter(pl.col("reason") == "household_only").height,
        "review_pairs": review.height,
        "persons": int(labels.max(initial=-1)) + 1,
        "thresholds": {
            "match": settings.match_threshold,
            "review": settings.review_threshold,
            "strong": settings.strong_threshold,
        },
        "blocking": block_report.to_dict(),
        "model": {"prior": model.prior, "training": model.training_stats},
    }
    if records.truth is not None and best_threshold is not None:
        # integer truth (missing labels already singletons) and cluster labels, coded once:
        # the same partitions as the truth strings and the person ids
        truth = records.truth
        summary["metrics"] = {
            "clusters": evaluate.cluster_metrics(labels, truth).to_dict(),
            "pairwise_at_threshold": evaluate.pairwise_cluster_metrics(labels, truth).to_dict(),
            "best_threshold": best_threshold.result().to_dict(),
        }
    return summary
