"""v1 reference (slow, obviously correct), kept for property tests of the fast paths.

What blocking produced: pair counts per rule, capped blocks, completeness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import polars as pl


@dataclass(frozen=True)
class RuleReport:
    """Pairs one rule produced: all of them, and those no earlier rule had."""

    rule: str
    pairs: int
    new_pairs: int


@dataclass(frozen=True)
class CappedBlock:
    """A block skipped because it held more than ``max_block_size`` records."""

    rule: str
    key: str
    size: int


@dataclass(frozen=True)
class BlockingReport:
    """What blocking produced; completeness figures only when truth is known.

    Attributes:
        n_records: records in the frame.
        link_type: the link type used.
        rules: per-rule pair counts, in rule order.
        capped_blocks: blocks skipped for size.
        total_pairs: distinct candidate pairs.
        possible_pairs: all pairs allowed by the link type.
        reduction_ratio: ``1 - total_pairs / possible_pairs``.
        true_pairs: matching pairs allowed by the link type (from ``true_person_id``).
        true_pairs_found: matching pairs among the candidates.
        pairs_completeness: ``true_pairs_found / true_pairs``.
    """

    n_records: int
    link_type: str
    rules: tuple[RuleReport, ...]
    capped_blocks: tuple[CappedBlock, ...]
    total_pairs: int
    possible_pairs: int
    reduction_ratio: float
    true_pairs: int | None = None
    true_pairs_found: int | None = None
    pairs_completeness: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready dictionary for ``summary.json``."""
        return {
            "n_records": self.n_records,
            "link_type": self.link_type,
            "rules": [vars(r) for r in self.rules],
            "capped_blocks": [vars(b) for b in self.capped_blocks],
            "total_pairs": self.total_pairs,
            "possible_pairs": self.possible_pairs,
            "reduction_ratio": self.reduction_ratio,
            "true_pairs": self.true_pairs,
            "true_pairs_found": self.true_pairs_found,
            "pairs_completeness": self.pairs_completeness,
        }


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
