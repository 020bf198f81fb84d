"""v1 reference (slow, obviously correct), kept for property tests of the fast paths.

What blocking produced: pair counts per rule, capped blocks, completeness."""

from __future__ import annotations

import numpy as np
import polars as pl

from linkage._blocking_report import BlockingReport, CappedBlock, RuleReport

__all__ = ["BlockingReport", "CappedBlock", "RuleReport", "blocking_report"]


def _choose2(counts: pl.Expr) -> pl.Expr:
    """``C(n, 2)`` of a count expression, as Int64."""
    n = counts.cast(pl.Int64)
    return n * (n - 1) // 2


def _group_pairs(frame: pl.DataFrame, by: list[str]) -> int:
    """Pairs of records that share every column in ``by`` (counted, not enumerated)."""
    counts = frame.group_by(by).len()
    return int(counts.select(_choose2(pl.col("len")).sum()).item())


def blocking_report(
    frame: pl.DataFrame,
    pairs: pl.DataFrame,
    link_type: str,
    rules: tuple[RuleReport, ...],
    capped: tuple[CappedBlock, ...],
) -> BlockingReport:
    """Counts, reduction ratio and, with ``true_person_id``, pairs completeness."""
    n = frame.height
    all_pairs = n * (n - 1) // 2
    if link_type == "link_and_dedupe":
        possible = all_pairs
    else:
        within = _group_pairs(frame, ["agency"])
        possible = within if link_type == "dedupe_only" else all_pairs - within
    total = pairs.height
    reduction = 1.0 - total / possible if possible else 0.0
    true_pairs = found = completeness = None
    if "true_person_id" in frame.columns:
        truth = frame.select(pl.col("true_person_id").rank("dense")).to_series().to_numpy()
        person = frame.filter(pl.col("true_person_id").is_not_null())
        same_person = _group_pairs(person, ["true_person_id"])
        if link_type == "link_and_dedupe":
            true_pairs = same_person
        else:
            within = _group_pairs(person, ["true_person_id", "agency"])
            true_pairs = within if link_type == "dedupe_only" else same_person - within
        left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
        valid = frame["true_person_id"].is_not_null().to_numpy()
        found = int(np.count_nonzero((truth[left] == truth[right]) & valid[left]))
        completeness = found / true_pairs if true_pairs else 1.0
    return BlockingReport(
        n_records=n,
        link_type=link_type,
        rules=rules,
        capped_blocks=capped,
        total_pairs=total,
        possible_pairs=possible,
        reduction_ratio=reduction,
        true_pairs=true_pairs,
        true_pairs_found=found,
        pairs_completeness=completeness,
    )
