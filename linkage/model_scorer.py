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

from linkage.comparisons import Comparison, compare_one, default_comparisons
from linkage.comparisons._kernels import PreparedCandidates
from linkage.comparisons.comparison import comparison_from_dict
from linkage.index import Scores
from linkage.model import FellegiSunterModel
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
        vectors = compare_one(
            query,
            candidates,
            self.comparisons,
            term_frequencies=self.frequencies or None,
        )
        tf = vectors.tf or None
        field_weights = self.model.field_weights(vectors.gamma, tf).astype(np.float64)
        weight = self.model.match_weight(vectors.gamma, tf)
        probability = np.asarray(self.model.match_probability(weight), dtype=np.float64)
        return Scores(weight, probability, field_weights, vectors.gamma)
