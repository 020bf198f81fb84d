"""v1 reference (slow, obviously correct), kept for property tests of the fast paths.

Blocking: candidate pairs from records that agree on cheap keys.

A :class:`BlockingRule` is a tuple of key expressions evaluated once per record
(standardised columns or derived keys such as :func:`dob_sorted_key`); two
records are a candidate pair under the rule when they agree exactly, with no
key missing, on every key. List keys (``alias_names``, :func:`dob_masked_keys`)
are exploded, so records agree when they share any element.

Each rule groups records by their keys (a hash group-by in polars), drops
blocks larger than ``max_block_size`` (reported, never silently) and emits the
``left < right`` pairs inside every block with numpy index arithmetic. The
rules' pairs are unioned and duplicates dropped. Pairs are ``uint32`` row
positions into the frame (``docs/CONTRACTS.md`` §3).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from reference_v1._blocking_report import BlockingReport, CappedBlock, RuleReport, blocking_report

from linkage.blocking import (
    DEFAULT_MAX_BLOCK_SIZE,
    BlockingRule,
    BlockingSettings,
    KeyVariants,
    LinkType,
    all_names_key,
    block_on,
    default_rules,
    dob_masked_keys,
    dob_sorted_key,
    sorted_pair_key,
)
from linkage.encoding import encode
from linkage.errors import ConfigError

# Only the v1 algorithm lives here; rules and settings are today's (unchanged) ones.
__all__ = [
    "BlockingReport",
    "BlockingRule",
    "BlockingSettings",
    "CappedBlock",
    "KeyVariants",
    "RuleReport",
    "all_names_key",
    "block_on",
    "default_rules",
    "dob_masked_keys",
    "dob_sorted_key",
    "generate_pairs",
    "pairs_within_blocks",
    "sorted_pair_key",
]

_U32 = np.uint32


def generate_pairs(
    frame: pl.DataFrame,
    rules: Sequence[BlockingRule] | None = None,
    *,
    link_type: LinkType = "link_and_dedupe",
    max_block_size: int = DEFAULT_MAX_BLOCK_SIZE,
) -> tuple[pl.DataFrame, BlockingReport]:
    """Candidate pairs from the union of the blocking rules.

    Args:
        frame: standardised records (``docs/CONTRACTS.md`` §2); ``agency`` is
            needed unless ``link_type`` is ``link_and_dedupe``.
        rules: blocking rules; :func:`default_rules` when ``None``.
        link_type: which pairs are allowed (see :class:`BlockingSettings`).
        max_block_size: blocks with more records are skipped and reported.

    Returns:
        ``(pairs, report)``: pairs has ``left < right`` ``uint32`` columns,
        distinct, sorted; the report counts pairs per rule and capped blocks.
    """
    settings = BlockingSettings(
        rules=tuple(default_rules() if rules is None else rules),
        link_type=link_type,
        max_block_size=max_block_size,
    )
    agency = _agency_codes(frame, settings.link_type)
    keys_per_rule: list[npt.NDArray[np.uint64]] = []
    capped: list[CappedBlock] = []
    for rule in settings.rules:
        keys, rule_capped = _rule_pairs(frame, rule, settings.max_block_size, agency, link_type)
        keys_per_rule.append(keys)
        capped.extend(rule_capped)
    all_keys, new_counts = _union(keys_per_rule)
    pairs = pl.DataFrame(
        {
            "left": (all_keys >> np.uint64(32)).astype(_U32),
            "right": (all_keys & np.uint64(0xFFFFFFFF)).astype(_U32),
        }
    )
    reports = tuple(
        RuleReport(rule=r.name, pairs=len(k), new_pairs=int(n))
        for r, k, n in zip(settings.rules, keys_per_rule, new_counts, strict=True)
    )
    report = blocking_report(frame, pairs, settings.link_type, reports, tuple(capped))
    return pairs, report


def _agency_codes(frame: pl.DataFrame, link_type: str) -> npt.NDArray[np.int32] | None:
    """Agency code per record, when the link type needs it."""
    if link_type == "link_and_dedupe":
        return None
    if "agency" not in frame.columns:
        msg = f"link_type {link_type!r} needs an 'agency' column"
        raise ConfigError(msg)
    return encode(frame["agency"]).codes


def _rule_pairs(
    frame: pl.DataFrame,
    rule: BlockingRule,
    max_block_size: int,
    agency: npt.NDArray[np.int32] | None,
    link_type: str,
) -> tuple[npt.NDArray[np.uint64], list[CappedBlock]]:
    """Sorted distinct pair keys (``left << 32 | right``) of one rule, and its capped blocks."""
    keyed = rule.key_frame(frame)
    names = [c for c in keyed.columns if c != "row"]
    blocks = keyed.group_by(names).agg(pl.col("row"), pl.len().alias("size"))
    too_big = blocks.filter(pl.col("size") > max_block_size).sort("size", descending=True)
    firsts = too_big.select(pl.col("row").list.first())["row"]
    capped = [
        CappedBlock(rule=rule.name, key=key, size=int(size))
        for key, size in zip(_describe_keys(frame, rule, firsts), too_big["size"], strict=True)
    ]
    kept = blocks.filter((pl.col("size") >= 2) & (pl.col("size") <= max_block_size))
    rows = kept["row"].explode().to_numpy().astype(_U32, copy=False)
    left, right = pairs_within_blocks(rows, kept["size"].to_numpy())
    if agency is not None:
        same = agency[left] == agency[right]
        keep = ~same if link_type == "link_only" else same
        left, right = left[keep], right[keep]
    low, high = np.minimum(left, right).astype(np.uint64), np.maximum(left, right)
    keys = np.sort((low << np.uint64(32)) | high.astype(np.uint64))
    return _distinct_sorted(keys), capped


def _describe_keys(frame: pl.DataFrame, rule: BlockingRule, rows: pl.Series) -> list[str]:
    """The rule's scalar key values of given records (one per capped block), for reports."""
    scalar = [k for k in rule.keys if isinstance(k, pl.Expr)]
    values = frame[rows.to_numpy()].select(k.alias(f"k{i}") for i, k in enumerate(scalar))
    as_text = [
        pl.col(c).list.join(",") if isinstance(t, pl.List) else pl.col(c).cast(pl.Utf8)
        for c, t in values.schema.items()
    ]
    text = values.select(pl.concat_str(as_text, separator="|", ignore_nulls=True))
    return text.to_series().fill_null("").to_list()


def _distinct_sorted(keys: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """Distinct values of a sorted array."""
    if len(keys) < 2:
        return keys
    return keys[np.concatenate(([True], keys[1:] != keys[:-1]))]


def pairs_within_blocks(
    rows: npt.NDArray[np.uint32], sizes: npt.NDArray[Any]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """All ``(rows[i], rows[j])``, ``i < j`` inside each block of consecutive ``sizes``.

    ``left`` comes before ``right`` in its block; it is smaller when the rows are sorted.
    """
    sizes = sizes.astype(np.int64)
    if len(rows) == 0:
        return np.empty(0, _U32), np.empty(0, _U32)
    starts = np.cumsum(sizes) - sizes
    position = np.arange(len(rows), dtype=np.int64) - np.repeat(starts, sizes)
    after = np.repeat(sizes, sizes) - 1 - position
    left_index = np.repeat(np.arange(len(rows), dtype=np.int64), after)
    first = np.cumsum(after) - after
    offset = np.arange(len(left_index), dtype=np.int64) - np.repeat(first, after)
    right_index = left_index + 1 + offset
    return rows[left_index], rows[right_index]


def _union(
    keys_per_rule: list[npt.NDArray[np.uint64]],
) -> tuple[npt.NDArray[np.uint64], npt.NDArray[np.int64]]:
    """Sorted distinct pair keys over all rules, and how many each rule added first."""
    union = np.empty(0, np.uint64)
    new_counts = np.zeros(len(keys_per_rule), np.int64)
    for i, keys in enumerate(keys_per_rule):
        if len(union):
            at = np.minimum(np.searchsorted(union, keys), len(union) - 1)
            keys = keys[union[at] != keys]
        new_counts[i] = len(keys)
        if len(keys):
            union = np.sort(np.concatenate((union, keys)))
    return union, new_counts
