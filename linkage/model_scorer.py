"""The real-time scorer: the batch engine's standardisation, comparisons and trained model.

Adapts :func:`linkage.standardise.standardise`, :func:`linkage.comparisons.compare_one`
and :class:`linkage.model.FellegiSunterModel` to the :class:`linkage.index.Scorer`
protocol the master person index uses, so real-time and batch scores agree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.comparisons import Comparison, compare, compare_one, default_comparisons
from linkage.comparisons._kernels import PreparedCandidates
from linkage.comparisons._plan import gamma_of, level_columns, plan_for, tf_hits
from linkage.comparisons._table import python_value
from linkage.comparisons.comparison import comparison_from_dict
from linkage.index import Scores
from linkage.model import FellegiSunterModel
from linkage.model._lookup import _SMALL as _PAIRED_SUM_FROM
from linkage.model._realtime import hit_scores, pair_scores
from linkage.standardise import standardise, standardise_record


class ModelScorer:
    """Scores one query against candidates with a trained Fellegi-Sunter model.

    Args:
        model: a fitted model.
        comparisons: the comparisons it was trained with (from the model file when stored).
        version: label reported with every answer.
    """

    #: :meth:`score` takes :class:`PreparedCandidates` (the index keeps its rows prepared).
    prepared_candidates = True

    def __init__(
        self, model: FellegiSunterModel, comparisons: tuple[Comparison, ...], version: str
    ) -> None:
        self.model = model
        self.comparisons = comparisons
        self.version = version
        self.prior_weight = float(model.prior_weight)
        self.comparison_names = tuple(model.comparison_names)
        self.level_labels = tuple(tuple(labels) for labels in model.level_labels)
        self.frequencies: dict[str, dict[Any, float]] = {}
        self.columns = tuple(dict.fromkeys(c for cmp in comparisons for c in cmp.columns()))
        self.tf_columns = {c.name: c.column for c in comparisons if c.tf_adjusted}

    @classmethod
    def from_json(cls, path: str | Path) -> ModelScorer:
        """Load a batch run's ``model.json``."""
        model = FellegiSunterModel.from_json(path)
        if model.comparisons:
            comparisons = tuple(comparison_from_dict(c) for c in model.comparisons)
        else:
            comparisons = tuple(default_comparisons())
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()[:12]
        return cls(model, comparisons, model.version or f"model-{digest}")

    def standardise(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The batch standardisation."""
        return standardise(frame)

    def standardise_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """The batch standardisation of one record, without polars."""
        return standardise_record(record)

    def refresh_frequencies(self, frequency_of: Callable[[str], dict[Any, float]]) -> None:
        """Term frequencies of the indexed records: ``frequency_of(column)`` per tf column.

        The tables are those :func:`~linkage.comparisons.engine.term_frequencies`
        builds: each non-missing value's share of the non-missing values.
        """
        self.frequencies = {name: frequency_of(col) for name, col in self.tf_columns.items()}

    def score(
        self, query: Mapping[str, Any], candidates: Mapping[str, npt.ArrayLike] | PreparedCandidates
    ) -> Scores:
        """Levels, field weights, match weights and probabilities of each candidate."""
        plan = plan_for(self.comparisons)
        if plan is not None and isinstance(candidates, PreparedCandidates):
            # compare_one's levels, with the tf adjustments as rows (no NaN-filled arrays)
            values, columns = level_columns(plan, query, candidates)
            gamma = gamma_of(columns, candidates.n)
            hits = tf_hits(plan, values, columns, self.frequencies or None)
            field_weights64, weight, probability = hit_scores(self.model, gamma, hits)
            return Scores(weight, probability, field_weights64, gamma)
        vectors = compare_one(
            query,
            candidates,
            self.comparisons,
            term_frequencies=self.frequencies or None,
        )
        # field_weights, match_weight and match_probability in one pass, bitwise equal
        field_weights, weight, probability = pair_scores(self.model, vectors.gamma, vectors.tf)
        return Scores(weight, probability, field_weights.astype(np.float64), vectors.gamma)

    def score_pairs(
        self,
        frame: pl.DataFrame,
        left: npt.NDArray[np.int64],
        right: npt.NDArray[np.int64],
        per_query: npt.NDArray[np.int64],
    ) -> Scores:
        """Scores of many queries' candidates at once, equal to :meth:`score` per query.

        Args:
            frame: standardised rows holding the queries and their candidates.
            left: the query row of each pair (the query side of :meth:`score`).
            right: the candidate row of each pair.
            per_query: per pair, how many candidates its query has: the model sums field
                weights in another order from ``_PAIRED_SUM_FROM`` rows on, so pairs are
                summed in calls of the size :meth:`score` would make.
        """
        vectors = compare(frame, left, right, self.comparisons)
        gamma = vectors.gamma
        tf: dict[str, npt.NDArray[np.float32]] = {}
        for j, comparison in enumerate(self.comparisons):
            if not comparison.tf_adjusted:
                continue
            table = self.frequencies.get(comparison.name, {})
            queries = np.unique(left)
            if comparison.column in frame.columns:
                values = frame[comparison.column].gather(queries).to_list()
            else:
                values = [None] * len(queries)
            known = [python_value(v) for v in values]
            by_query = np.asarray(
                [np.nan if v is None else table.get(v, np.nan) for v in known], dtype=np.float64
            )
            frequency = by_query[np.searchsorted(queries, left)].astype(np.float32)
            tf[comparison.name] = np.where(gamma[:, j] == 1, frequency, np.float32(np.nan))
        field_weights = self.model.field_weights(gamma, tf or None).astype(np.float64)
        weight = np.empty(len(gamma), dtype=np.float64)
        small = np.flatnonzero(per_query < _PAIRED_SUM_FROM)
        step = _PAIRED_SUM_FROM - 1
        parts = [small[i : i + step] for i in range(0, len(small), step)]
        parts.append(np.flatnonzero(per_query >= _PAIRED_SUM_FROM))
        for at in parts:
            if len(at):
                weight[at] = self.model.match_weight(
                    gamma[at], {k: v[at] for k, v in tf.items()} or None
                )
        probability = np.asarray(self.model.match_probability(weight), dtype=np.float64)
        return Scores(weight, probability, field_weights, gamma)
