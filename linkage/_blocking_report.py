"""What blocking produced: pair counts per rule, capped blocks, completeness."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage._dense_codes import column_codes, dense_codes


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


def _choose2_sum(counts: npt.NDArray[np.int64]) -> int:
    """``sum C(n, 2)`` over group sizes."""
    return int((counts * (counts - 1) // 2).sum())


def _groups(frame: pl.DataFrame, column: str) -> tuple[npt.NDArray[np.int64], int]:
    """Group codes of a column where null is a group of its own (as in ``group_by``)."""
    codes, k = dense_codes(frame.get_column(column), blank_is_missing=False)
    return np.where(codes < 0, k, codes), k + 1


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
    agency, n_agency = (None, 1) if link_type == "link_and_dedupe" else _groups(frame, "agency")
    if agency is None:
        possible = all_pairs
    else:
        within = _choose2_sum(np.bincount(agency))
        possible = within if link_type == "dedupe_only" else all_pairs - within
    total = pairs.height
    reduction = 1.0 - total / possible if possible else 0.0
    true_pairs = found = completeness = None
    if "true_person_id" in frame.columns:
        # int32 codes: the gathers over every pair below stay in the caches
        truth = column_codes(frame.get_column("true_person_id"), blank_is_missing=False).codes
        valid = truth >= 0
        same_person = _choose2_sum(np.bincount(truth[valid]))
        if agency is None:
            true_pairs = same_person
        else:
            cell = truth[valid].astype(np.int64) * n_agency + agency[valid]
            cells = np.unique(cell, return_counts=True)[1]
            within = _choose2_sum(cells.astype(np.int64))
            true_pairs = within if link_type == "dedupe_only" else same_person - within
        left, right = pairs["left"].to_numpy(), pairs["right"].to_numpy()
        truth_left = truth[left]
        found = int(np.count_nonzero((truth_left == truth[right]) & (truth_left >= 0)))
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
