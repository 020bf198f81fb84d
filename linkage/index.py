"""The in-memory side of the master person index: records as columns, blocking keys, identities.

Standardised records live in one polars frame (append-only rows; an updated
or deleted record's old row is marked dead). Per-row person numbers, link
probabilities and liveness are numpy arrays. Blocking keys are 64-bit hashes
of each default blocking rule's key values (computed with the batch rules'
own ``key_frame``, so the real-time and batch paths block identically), held
as a sorted hash array with the row positions beside it, plus a small dict of
keys added since the last rebuild. No matching decisions are made here; see
:mod:`linkage.resolver`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.blocking import BlockingRule, KeyVariants, default_rules
from linkage.schema import IDENTIFIER_PREFIX, KEY_COLUMNS, LIST_COLUMNS, TEXT_COLUMNS

_SEP = "\x1f"
_REBUILD_AFTER = 200_000


@dataclass(frozen=True)
class Scores:
    """Scores of one query against candidate rows.

    Attributes:
        weight: match weight per candidate (log2 odds).
        probability: match probability per candidate.
        field_weights: candidates x comparisons, log2 Bayes factors.
        levels: candidates x comparisons, the observed level (0 = null).
    """

    weight: npt.NDArray[np.float64]
    probability: npt.NDArray[np.float64]
    field_weights: npt.NDArray[np.float64]
    levels: npt.NDArray[np.uint8]


class Scorer(Protocol):
    """What the index needs from the batch engine: standardise and score."""

    version: str
    prior_weight: float
    comparison_names: tuple[str, ...]
    level_labels: tuple[tuple[str, ...], ...]

    def standardise(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Standardise a canonical frame (CONTRACTS §2)."""
        ...

    def score(self, query: pl.DataFrame, candidates: pl.DataFrame) -> Scores:
        """Score one standardised query row against standardised candidate rows."""
        ...


def canonical_frame(records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
    """Build a canonical frame from attribute mappings (missing and empty values become null)."""
    ids = sorted({k for r in records for k in r if k.startswith(IDENTIFIER_PREFIX)})
    data: dict[str, list[Any]] = {}
    for column in (*KEY_COLUMNS, *TEXT_COLUMNS, *ids):
        data[column] = [_text(r.get(column)) for r in records]
    for column in LIST_COLUMNS:
        data[column] = [[str(a) for a in (r.get(column) or ()) if str(a).strip()] for r in records]
    schema: dict[str, pl.DataType] = {c: pl.Utf8() for c in data}
    for column in LIST_COLUMNS:
        schema[column] = pl.List(pl.Utf8())
    return pl.DataFrame(data, schema=schema)


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def rule_forms(rules: Sequence[BlockingRule]) -> list[tuple[str, list[pl.Expr]]]:
    """(label, key expressions) of every rule, one entry per ``KeyVariants`` form."""
    forms: list[tuple[str, list[pl.Expr]]] = []
    for number, rule in enumerate(rules):
        variants = next((k for k in rule.keys if isinstance(k, KeyVariants)), None)
        scalar = [k for k in rule.keys if not isinstance(k, KeyVariants)]
        if variants is None:
            forms.append((str(number), scalar))
        else:
            forms.extend(
                (f"{number}.{i}", [*scalar, form]) for i, form in enumerate(variants.variants)
            )
    return forms


def blocking_hashes(
    std: pl.DataFrame, rules: Sequence[BlockingRule]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]:
    """(row, key hash) for every blocking key of every row under every rule.

    Evaluates the batch rules' own key expressions (so both paths block alike)
    and hashes the key values themselves, which are stable across frames.
    """
    rows: list[npt.NDArray[np.uint32]] = []
    hashes: list[npt.NDArray[np.uint64]] = []
    for label, keys in rule_forms(rules):
        names = [f"k{i}" for i in range(len(keys))]
        keyed = std.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
            *(key.alias(name) for key, name in zip(keys, names, strict=True)),
        )
        for name in names:
            if isinstance(keyed.schema[name], pl.List):
                keyed = keyed.explode(name)
        text = [pl.col(n).cast(pl.Utf8) for n in names]
        present = [t.is_not_null() & (t.str.strip_chars() != "") for t in text]
        hashed = (
            keyed.filter(pl.all_horizontal(present))
            .select("row", pl.concat_str([pl.lit(label), *text], separator=_SEP).hash(seed=17))
            .unique()
        )
        if hashed.height:
            rows.append(hashed["row"].to_numpy().astype(np.uint32))
            hashes.append(hashed[hashed.columns[1]].to_numpy().astype(np.uint64))
    if not rows:
        return np.empty(0, np.uint32), np.empty(0, np.uint64)
    return np.concatenate(rows), np.concatenate(hashes)


class RecordColumns:
    """Append-only standardised rows with per-row person, probability, outcome and liveness."""

    def __init__(self, rules: Sequence[BlockingRule] | None = None, max_block_size: int = 1000):
        self.rules = tuple(rules) if rules is not None else default_rules()
        self.max_block_size = max_block_size
        self.frame = pl.DataFrame()
        self.n = 0
        self.alive = np.zeros(0, dtype=bool)
        self.person = np.zeros(0, dtype=np.int32)
        self.probability = np.zeros(0, dtype=np.float32)
        self.outcome = np.zeros(0, dtype=np.uint8)
        self.row_of: dict[tuple[str, str], int] = {}
        self._base_hash = np.empty(0, np.uint64)
        self._base_rows = np.empty(0, np.uint32)
        self._delta: dict[int, list[int]] = {}
        self._delta_size = 0

    def append(
        self,
        std: pl.DataFrame,
        person: npt.ArrayLike,
        probability: npt.ArrayLike,
        outcome: npt.ArrayLike,
        keys: tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]] | None = None,
    ) -> npt.NDArray[np.int64]:
        """Append standardised rows; returns their row positions. Replaced keys' old rows die."""
        start, count = self.n, std.height
        if count == 0:
            return np.empty(0, np.int64)
        if self.frame.width == 0:
            self.frame = std
        else:
            self.frame.vstack(std.select(self.frame.columns).cast(self.frame.schema), in_place=True)
            if self.frame.n_chunks() > 64:
                self.frame = self.frame.rechunk()
        self._grow(start + count)
        self.n = start + count
        positions = np.arange(start, start + count)
        self.alive[positions] = True
        self.person[positions] = np.asarray(person, dtype=np.int32)
        self.probability[positions] = np.asarray(probability, dtype=np.float32)
        self.outcome[positions] = np.asarray(outcome, dtype=np.uint8)
        for offset, key in enumerate(zip(std["agency"], std["record_id"], strict=True)):
            old = self.row_of.get(key)
            if old is not None:
                self.alive[old] = False
            self.row_of[key] = start + offset
        rows, hashes = keys if keys is not None else blocking_hashes(std, self.rules)
        if count > _REBUILD_AFTER // 4 or self._delta_size + len(rows) > _REBUILD_AFTER:
            self._rebuild(rows.astype(np.uint32) + np.uint32(start), hashes)
        else:
            for row, h in zip((rows + start).tolist(), hashes.tolist(), strict=True):
                self._delta.setdefault(h, []).append(row)
            self._delta_size += len(rows)
        return positions

    def kill(self, key: tuple[str, str]) -> int:
        """Mark a record's row dead and forget its key; returns the row."""
        row = self.row_of.pop(key)
        self.alive[row] = False
        return row

    def _grow(self, size: int) -> None:
        if size <= len(self.alive):
            return
        capacity = max(size, 2 * len(self.alive), 1024)
        for name in ("alive", "person", "probability", "outcome"):
            old = getattr(self, name)
            new = np.zeros(capacity, dtype=old.dtype)
            new[: len(old)] = old
            setattr(self, name, new)

    def _rebuild(self, rows: npt.NDArray[np.uint32], hashes: npt.NDArray[np.uint64]) -> None:
        delta_h = np.fromiter(
            (h for h, rs in self._delta.items() for _ in rs), np.uint64, self._delta_size
        )
        delta_r = np.fromiter(
            (r for rs in self._delta.values() for r in rs), np.uint32, self._delta_size
        )
        all_h = np.concatenate([self._base_hash, delta_h, hashes])
        all_r = np.concatenate([self._base_rows, delta_r, rows])
        order = np.argsort(all_h, kind="stable")
        self._base_hash, self._base_rows = all_h[order], all_r[order]
        self._delta, self._delta_size = {}, 0

    def candidates(
        self, query_std: pl.DataFrame, hashes: npt.NDArray[np.uint64] | None = None
    ) -> npt.NDArray[np.int64]:
        """Live rows sharing a blocking key with the (one-row) query; oversized blocks skipped."""
        if hashes is None:
            hashes = blocking_hashes(query_std, self.rules)[1]
        if len(hashes) == 0:
            return np.empty(0, np.int64)
        hashes = np.unique(hashes)
        lo = np.searchsorted(self._base_hash, hashes, side="left")
        hi = np.searchsorted(self._base_hash, hashes, side="right")
        found: list[npt.NDArray[np.int64]] = []
        for h, a, b in zip(hashes.tolist(), lo.tolist(), hi.tolist(), strict=True):
            extra = self._delta.get(h, ())
            if (b - a) + len(extra) > self.max_block_size:
                continue
            if b > a:
                found.append(self._base_rows[a:b].astype(np.int64))
            if extra:
                found.append(np.asarray(extra, dtype=np.int64))
        if not found:
            return np.empty(0, np.int64)
        rows = np.unique(np.concatenate(found))
        return rows[self.alive[rows]]

    def rows_of_people(self, people: Iterable[int]) -> npt.NDArray[np.int64]:
        """Live rows belonging to the given person numbers (a scan; used on small sets only)."""
        wanted = np.fromiter(people, dtype=np.int32)
        live = np.flatnonzero(self.alive[: self.n])
        return live[np.isin(self.person[live], wanted)]

    def refs(self, rows: npt.ArrayLike) -> list[tuple[str, str]]:
        """(agency, record_id) of rows, in the rows' order."""
        picked = self.frame[np.asarray(rows, dtype=np.int64)].select(KEY_COLUMNS)
        return list(picked.iter_rows())
