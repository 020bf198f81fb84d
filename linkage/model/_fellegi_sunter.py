"""The Fellegi-Sunter model: parameters, training entry points and scoring."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from linkage.errors import ConfigError, InvalidInputError, ModelNotFittedError
from linkage.model import _scoring as sc
from linkage.model import _training
from linkage.model._explain import FieldWeight, explain_row, tf_deltas
from linkage.model._lookup import column_max
from linkage.model._patterns import check_gamma, level_error
from linkage.model._serialise import (
    FORMAT_VERSION,
    model_from_dict,
    model_to_dict,
    read_model_file,
    write_model_file,
)
from linkage.model._training import check_probabilities

FloatArray = npt.NDArray[np.float64]

BAND_NO_MATCH = 0
BAND_REVIEW = 1
BAND_MATCH = 2


class ComparisonLike(Protocol):
    """What the model needs to know about a comparison."""

    @property
    def name(self) -> str: ...

    @property
    def level_labels(self) -> Sequence[str]: ...


@dataclass
class FellegiSunterModel:
    """Fellegi-Sunter match model over comparison vectors (``gamma``).

    Attributes:
        comparison_names: One name per gamma column.
        level_labels: Per comparison, the label of each level; index 0 is null.
        m: Per comparison, P(level | match) indexed by level (index 0 unused, 0.0).
        u: Per comparison, P(level | non-match), same layout.
        prior: λ = P(match) among candidate pairs.
        match_threshold: Probability at or above which a pair is a match.
        review_threshold: Probability at or above which a pair needs review.
        tf_comparisons: Names of the term-frequency adjusted comparisons.
        tf_min_frequency: Floor on a value's frequency in the adjustment, which
            bounds the weight of an exact agreement at ``log2(m / tf_min_frequency)``
            (about 16.6 bits at the default) however rare or mistyped the value.
        comparisons: Opaque comparison configuration stored with the model.
        version: Caller's label for this model.
        trained_at: UTC ISO time of the last fit.
        training_stats: JSON-able statistics of the fits (see the fit methods).
        household_u: Per comparison, P(level | two relatives sharing a home), or
            ``None`` (see `linkage.model.fit_household`).
        household_prior: Share of household pairs that are one person, or ``None``.
    """

    comparison_names: list[str]
    level_labels: list[list[str]]
    m: list[FloatArray] | None = None
    u: list[FloatArray] | None = None
    prior: float | None = None
    match_threshold: float = 0.9
    review_threshold: float = 0.5
    tf_comparisons: list[str] = field(default_factory=list)
    tf_min_frequency: float = 1e-5
    comparisons: list[dict[str, Any]] | None = None
    version: str | None = None
    trained_at: str | None = None
    training_stats: dict[str, Any] = field(default_factory=dict)
    household_u: list[FloatArray] | None = None
    household_prior: float | None = None

    def __post_init__(self) -> None:
        self.comparison_names = [str(n) for n in self.comparison_names]
        self.level_labels = [[str(x) for x in labels] for labels in self.level_labels]
        self.tf_comparisons = [str(n) for n in self.tf_comparisons]
        names = self.comparison_names
        if len(set(names)) != len(names):
            raise ConfigError(f"comparison_names are not unique: {names}")
        if len(self.level_labels) != len(names):
            msg = f"level_labels has {len(self.level_labels)} entries for {len(names)} comparisons"
            raise ConfigError(msg)
        for name, labels in zip(names, self.level_labels, strict=True):
            if not 2 <= len(labels) <= 256:
                msg = f"comparison {name!r} needs 2..256 levels (null included), has {len(labels)}"
                raise ConfigError(msg)
        unknown = sorted(set(self.tf_comparisons) - set(names))
        if unknown:
            raise ConfigError(f"tf_comparisons names unknown comparisons: {unknown}")
        if not 0.0 < self.tf_min_frequency <= 1.0:
            raise ConfigError(f"tf_min_frequency must be in (0, 1], got {self.tf_min_frequency}")
        self.set_thresholds(self.match_threshold, self.review_threshold)
        self.m = check_probabilities("m", self.m, self.comparison_names, self.n_levels)
        self.u = check_probabilities("u", self.u, self.comparison_names, self.n_levels)
        if self.prior is not None and not 0.0 < self.prior < 1.0:
            raise ConfigError(f"prior must be in (0, 1), got {self.prior}")
        self.household_u = check_probabilities(
            "household_u", self.household_u, self.comparison_names, self.n_levels
        )
        if (self.household_u is None) != (self.household_prior is None):
            raise ConfigError("household_u and household_prior are given together or not at all")
        if self.household_prior is not None and not 0.0 < self.household_prior < 1.0:
            raise ConfigError(f"household_prior must be in (0, 1), got {self.household_prior}")

    # -- description ------------------------------------------------------------

    @classmethod
    def for_comparisons(
        cls, comparisons: Sequence[ComparisonLike], **kwargs: Any
    ) -> FellegiSunterModel:
        """An unfitted model for comparison objects exposing ``name`` and ``level_labels``.

        Args:
            comparisons: The comparisons, in gamma column order.
            **kwargs: Other fields (thresholds, ``comparisons`` config...). ``tf_comparisons``
                defaults to the comparisons whose ``tf_adjusted`` attribute is true.
        """
        names = [c.name for c in comparisons]
        labels = [list(c.level_labels) for c in comparisons]
        # linkage.comparisons objects say whether they are tf-adjusted.
        kwargs.setdefault(
            "tf_comparisons", [c.name for c in comparisons if getattr(c, "tf_adjusted", False)]
        )
        return cls(comparison_names=names, level_labels=labels, **kwargs)

    @property
    def n_comparisons(self) -> int:
        """Number of comparisons (gamma columns)."""
        return len(self.comparison_names)

    @property
    def n_levels(self) -> list[int]:
        """Number of levels of each comparison, null included."""
        return [len(labels) for labels in self.level_labels]

    @property
    def is_fitted(self) -> bool:
        """Whether m, u and the prior are all known, so the model can score."""
        return self.m is not None and self.u is not None and self.prior is not None

    def set_thresholds(self, match_threshold: float, review_threshold: float) -> None:
        """Change the decision thresholds (probabilities, ``0 < review <= match < 1``).

        Raises:
            ConfigError: The thresholds are out of order or outside (0, 1).
        """
        if not 0.0 < review_threshold <= match_threshold < 1.0:
            msg = (
                "thresholds need 0 < review_threshold <= match_threshold < 1, got "
                f"review_threshold={review_threshold}, match_threshold={match_threshold}"
            )
            raise ConfigError(msg)
        self.match_threshold = float(match_threshold)
        self.review_threshold = float(review_threshold)

    # -- training ---------------------------------------------------------------

    def estimate_u(
        self, gamma_random: npt.ArrayLike, *, smoothing: float = 1.0
    ) -> FellegiSunterModel:
        """Estimate u from the comparison vectors of random record pairs.

        Random pairs are almost all non-matches, so the share of each level
        among them estimates P(level | non-match). Level 0 (null) is not
        counted; ``smoothing`` is added to every level's count so no u is 0.

        Args:
            gamma_random: uint8 matrix (random pairs x comparisons).
            smoothing: Additive pseudo-count per level.

        Returns:
            The model (updated in place).
        """
        return _training.estimate_u(self, gamma_random, smoothing=smoothing)

    def fit_em(
        self,
        gamma: npt.ArrayLike,
        *,
        max_iter: int = 100,
        tol: float = 1e-6,
        fix_u: bool = True,
        n_total_pairs: int | None = None,
        u_pseudo_pairs: float = 0.0,
    ) -> FellegiSunterModel:
        """Estimate m (and optionally u) and the prior by EM, without labels.

        EM runs over the distinct comparison patterns and their counts, so an
        iteration costs nothing per pair. It starts from m = 0.9 on the exact
        level (halving over the other levels), u from `estimate_u` (or, with
        ``fix_u=False`` and no u yet, the level shares among all pairs), and λ
        = the share of pairs whose start Bayes factor exceeds 1. Every
        probability is clipped to [1e-6, 1 - 1e-6]; after each M step an m
        exact level below the u exact level is raised to it (see
        ``training_stats["em"]["constrained"]``).

        Args:
            gamma: uint8 matrix (candidate pairs x comparisons).
            max_iter: Iteration limit.
            tol: Stop when no parameter moves by more than this.
            fix_u: Keep u as estimated from random pairs (recommended).
            u_pseudo_pairs: With ``fix_u`` off, pairs distributed as the starting u
                added to the non-match class at each M step, anchoring u.
            n_total_pairs: All record pairs the candidates were blocked from.
                Given, the pairs left out count as non-matches and the prior is
                P(match) for two records taken at random, which is consistent
                with u from random pairs; blocked non-matches that agree on the
                blocking keys then cannot pull the prior towards 1.

        Returns:
            The model (updated in place); ``training_stats["em"]`` records
            iterations, converged and the log-likelihood history.

        Raises:
            ModelNotFittedError: ``fix_u`` is set but u has not been estimated.
        """
        return _training.fit_em(
            self,
            gamma,
            max_iter=max_iter,
            tol=tol,
            fix_u=fix_u,
            n_total_pairs=n_total_pairs,
            u_pseudo_pairs=u_pseudo_pairs,
        )

    def fit_labelled(
        self, gamma: npt.ArrayLike, is_match: npt.ArrayLike, *, smoothing: float = 1.0
    ) -> FellegiSunterModel:
        """Estimate m, u and the prior from labelled pairs.

        Args:
            gamma: uint8 matrix (pairs x comparisons).
            is_match: Boolean label per pair.
            smoothing: Additive pseudo-count per level for m and u.

        Returns:
            The model (updated in place).

        Raises:
            InvalidInputError: Labels of the wrong length, or only one class present.
        """
        return _training.fit_labelled(self, gamma, is_match, smoothing=smoothing)

    # -- scoring ----------------------------------------------------------------

    def _fitted(self) -> tuple[list[FloatArray], list[FloatArray], float]:
        if self.m is None or self.u is None or self.prior is None:
            raise ModelNotFittedError("the model has no m, u and prior: fit it or load one")
        return self.m, self.u, self.prior

    @property
    def prior_weight(self) -> float:
        """log2(λ / (1 - λ)): the match weight of a pair with no evidence."""
        _, _, prior = self._fitted()
        return sc.probability_to_weight(prior)

    def _tf_deltas(
        self, gamma: npt.NDArray[np.uint8], tf: Mapping[str, npt.ArrayLike] | None
    ) -> list[tuple[int, npt.NDArray[np.intp], FloatArray]]:
        _, u, _ = self._fitted()
        return tf_deltas(
            gamma,
            tf,
            names=self.comparison_names,
            tf_comparisons=self.tf_comparisons,
            u=u,
            min_frequency=self.tf_min_frequency,
        )

    def _padded(self) -> FloatArray:
        m, u, _ = self._fitted()
        # Real-time scoring calls this per query: rebuild only when m or u changed.
        key = (tuple(a.tobytes() for a in m), tuple(a.tobytes() for a in u))
        cached = self.__dict__.get("_padded_cache")
        if cached is None or cached[0] != key:
            cached = (key, sc.padded_tables(sc.weight_tables(m, u)))
            self.__dict__["_padded_cache"] = cached
        table: FloatArray = cached[1]
        return table

    def field_weights(
        self, gamma: npt.ArrayLike, tf: Mapping[str, npt.ArrayLike] | None = None
    ) -> npt.NDArray[np.float32]:
        """Per-field weights log2(m/u) (0 for null): the explanation of each score.

        Args:
            gamma: uint8 matrix (pairs x comparisons).
            tf: For term-frequency adjusted comparisons, the relative frequency
                of the agreeing value per pair (read only where the level is exact).

        Returns:
            float32 matrix (pairs x comparisons).
        """
        padded = self._padded()
        checked = check_gamma(gamma, self.n_levels, check_levels=False)
        weights = sc.gather_weights(checked, padded)
        self._raise_on_nan(checked, weights)
        for j, rows, delta in self._tf_deltas(checked, tf):
            weights[rows, j] += delta.astype(np.float32)
        return weights

    def match_weight(
        self, gamma: npt.ArrayLike, tf: Mapping[str, npt.ArrayLike] | None = None
    ) -> FloatArray:
        """Match weight per pair: log2(λ/(1-λ)) plus the sum of the field weights.

        Args:
            gamma: uint8 matrix (pairs x comparisons).
            tf: As for `field_weights`.

        Returns:
            float64 array (pairs,).
        """
        padded = self._padded()
        checked = check_gamma(gamma, self.n_levels, check_levels=False)
        weights = sc.sum_weights(checked, padded)
        self._raise_on_nan(checked, weights)
        weights += self.prior_weight
        for _, rows, delta in self._tf_deltas(checked, tf):
            weights[rows] += delta
        return weights

    def _raise_on_nan(self, gamma: npt.NDArray[np.uint8], weights: npt.NDArray[Any]) -> None:
        # NaN only comes from a level the comparison does not have (see _scoring).
        if np.isnan(weights).any():
            bad = np.flatnonzero(column_max(gamma) >= np.asarray(self.n_levels))
            raise level_error(int(bad[0]), self.n_levels)

    @staticmethod
    def match_probability(weight: npt.NDArray[np.floating]) -> FloatArray:
        """Match probability of each weight (see `linkage.model.match_probability`)."""
        return sc.match_probability(np.asarray(weight, dtype=np.float64))

    def predict(
        self, gamma: npt.ArrayLike, tf: Mapping[str, npt.ArrayLike] | None = None
    ) -> FloatArray:
        """Match probability per pair: ``match_probability(match_weight(gamma, tf))``."""
        return sc.match_probability(self.match_weight(gamma, tf))

    def band(self, probability: npt.ArrayLike) -> npt.NDArray[np.int8]:
        """Decision band per probability: BAND_MATCH, BAND_REVIEW or BAND_NO_MATCH."""
        p = np.asarray(probability, dtype=np.float64)
        out = np.full(p.shape, BAND_NO_MATCH, dtype=np.int8)
        out[p >= self.review_threshold] = BAND_REVIEW
        out[p >= self.match_threshold] = BAND_MATCH
        return out

    def explain(
        self, gamma_row: npt.ArrayLike, tf_row: Mapping[str, float] | None = None
    ) -> list[FieldWeight]:
        """Each comparison's contribution to one pair, largest absolute weight first.

        Args:
            gamma_row: The pair's levels, one per comparison.
            tf_row: For term-frequency adjusted comparisons, the agreeing value's frequency.

        Returns:
            One `FieldWeight` per comparison.
        """
        m, u, _ = self._fitted()
        row = np.asarray(gamma_row).reshape(1, -1)
        if row.dtype != np.uint8 and row.size and np.issubdtype(row.dtype, np.integer):
            if row.min() < 0 or row.max() > 255:
                raise InvalidInputError("gamma_row levels must be in 0..255", field="gamma_row")
            row = row.astype(np.uint8)
        checked = check_gamma(row, self.n_levels)
        tf = {k: np.asarray([v], dtype=np.float64) for k, v in (tf_row or {}).items()}
        deltas = {j: float(d[0]) for j, rows, d in self._tf_deltas(checked, tf) if rows.size}
        return explain_row(
            checked[0],
            deltas,
            names=self.comparison_names,
            level_labels=self.level_labels,
            m=m,
            u=u,
        )

    # -- persistence ------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """JSON-able description of the fitted model (format 2 with a household model, else 1)."""
        self._fitted()
        return model_to_dict(self)

    @classmethod
    def from_dict(cls, data: Any) -> FellegiSunterModel:
        """Rebuild a model from `to_dict` output.

        Raises:
            ConfigError: Unknown ``format_version`` or a missing or malformed field (named).
        """
        return cls(**model_from_dict(data))

    def to_json(self, path: str | Path) -> None:
        """Write the fitted model to ``path`` as JSON."""
        write_model_file(self.to_dict(), path)

    @classmethod
    def from_json(cls, path: str | Path) -> FellegiSunterModel:
        """Load a model written by `to_json`.

        Raises:
            ConfigError: The file is unreadable, not JSON, of an unknown
                ``format_version`` or has a missing or malformed field.
        """
        return cls.from_dict(read_model_file(path))


__all__ = [
    "BAND_MATCH",
    "BAND_NO_MATCH",
    "BAND_REVIEW",
    "FORMAT_VERSION",
    "ComparisonLike",
    "FellegiSunterModel",
    "FieldWeight",
]
