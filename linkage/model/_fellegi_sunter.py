"""The Fellegi-Sunter model: parameters, training entry points and scoring."""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from linkage.errors import ConfigError, InvalidInputError, ModelNotFittedError
from linkage.model import _estimation as est
from linkage.model import _scoring as sc
from linkage.model._explain import FieldWeight, explain_row, tf_deltas
from linkage.model._patterns import check_gamma, distinct_patterns, level_error
from linkage.model._serialise import (
    FORMAT_VERSION,
    model_from_dict,
    model_to_dict,
    read_model_file,
    write_model_file,
)

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


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


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
        self.m = self._checked_probs("m", self.m)
        self.u = self._checked_probs("u", self.u)
        if self.prior is not None and not 0.0 < self.prior < 1.0:
            raise ConfigError(f"prior must be in (0, 1), got {self.prior}")

    def _checked_probs(
        self, what: str, probs: Sequence[npt.ArrayLike] | None
    ) -> list[FloatArray] | None:
        if probs is None:
            return None
        if len(probs) != len(self.comparison_names):
            raise ConfigError(
                f"{what} has {len(probs)} arrays for {self.n_comparisons} comparisons"
            )
        out = []
        for name, n, p in zip(self.comparison_names, self.n_levels, probs, strict=True):
            array = np.array(p, dtype=np.float64)
            if array.shape != (n,):
                raise ConfigError(
                    f"{what} of {name!r} must have {n} entries, got shape {array.shape}"
                )
            if not (
                np.all(np.isfinite(array[1:])) and np.all(array[1:] > 0) and np.all(array[1:] <= 1)
            ):
                raise ConfigError(f"{what} of {name!r} must lie in (0, 1] at levels 1..k")
            array[0] = 0.0
            out.append(array)
        return out

    # -- description ------------------------------------------------------------

    @classmethod
    def for_comparisons(
        cls, comparisons: Sequence[ComparisonLike], **kwargs: Any
    ) -> FellegiSunterModel:
        """An unfitted model for comparison objects exposing ``name`` and ``level_labels``.

        Args:
            comparisons: The comparisons, in gamma column order.
            **kwargs: Other fields (``tf_comparisons``, thresholds, ``comparisons`` config...).
        """
        names = [c.name for c in comparisons]
        labels = [list(c.level_labels) for c in comparisons]
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
        gamma = check_gamma(gamma_random, self.n_levels)
        if gamma.shape[0] == 0:
            raise InvalidInputError("gamma_random has no rows", field="gamma_random")
        counts = est.level_counts(gamma, self.n_levels)
        self.u = [est.smoothed(c, smoothing) for c in counts]
        self.training_stats["u"] = {
            "n_random_pairs": int(gamma.shape[0]),
            "smoothing": float(smoothing),
            "non_null_pairs": {
                n: int(c[1:].sum()) for n, c in zip(self.comparison_names, counts, strict=True)
            },
        }
        self.trained_at = _now()
        return self

    def fit_em(
        self, gamma: npt.ArrayLike, *, max_iter: int = 100, tol: float = 1e-6, fix_u: bool = True
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

        Returns:
            The model (updated in place); ``training_stats["em"]`` records
            iterations, converged and the log-likelihood history.

        Raises:
            ModelNotFittedError: ``fix_u`` is set but u has not been estimated.
        """
        started = time.perf_counter()
        if fix_u and self.u is None:
            msg = "u has not been estimated: call estimate_u first, or fit_em(..., fix_u=False)"
            raise ModelNotFittedError(msg)
        checked = check_gamma(gamma, self.n_levels)
        if checked.shape[0] == 0:
            raise InvalidInputError("gamma has no rows", field="gamma")
        patterns, counts = distinct_patterns(checked, self.n_levels)
        if self.u is None:
            w = counts.astype(np.float64)
            u0 = [est.smoothed(c, 1.0) for c in est.level_counts(patterns, self.n_levels, w)]
        else:
            u0 = self.u
        m0 = est.initial_m(self.n_levels)
        for mj, uj in zip(m0, u0, strict=True):
            est.raise_exact_m(mj, uj)
        prior0 = est.initial_prior(patterns, counts, m0, u0)
        result = est.run_em(
            patterns, counts, m0, u0, prior0, max_iter=max_iter, tol=tol, fix_u=fix_u
        )
        self.m, self.u, self.prior = result.m, result.u, result.prior
        self.trained_at = _now()
        self.training_stats["em"] = {
            "n_pairs": int(checked.shape[0]),
            "n_patterns": int(patterns.shape[0]),
            "fix_u": fix_u,
            "max_iter": max_iter,
            "tol": tol,
            "initial_prior": prior0,
            "iterations": result.iterations,
            "converged": result.converged,
            "log_likelihood": result.log_likelihood,
            "constrained": [self.comparison_names[j] for j in result.constrained],
            "seconds": round(time.perf_counter() - started, 4),
        }
        return self

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
        checked = check_gamma(gamma, self.n_levels)
        labels = np.asarray(is_match, dtype=bool)
        if labels.shape != (checked.shape[0],):
            msg = f"is_match needs one label per pair ({checked.shape[0]}), got {labels.shape}"
            raise InvalidInputError(msg, field="is_match")
        n_match = int(labels.sum())
        if n_match == 0 or n_match == labels.size:
            raise InvalidInputError("is_match needs both matches and non-matches", field="is_match")
        match_w = labels.astype(np.float64)
        m_counts = est.level_counts(checked, self.n_levels, match_w)
        u_counts = est.level_counts(checked, self.n_levels, 1.0 - match_w)
        self.m = [est.smoothed(c, smoothing) for c in m_counts]
        self.u = [est.smoothed(c, smoothing) for c in u_counts]
        self.prior = float(np.clip(n_match / labels.size, est.PROB_FLOOR, est.PROB_CEIL))
        self.trained_at = _now()
        self.training_stats["labelled"] = {
            "n_pairs": int(labels.size),
            "n_matches": n_match,
            "smoothing": float(smoothing),
        }
        return self

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
        return sc.padded_tables(sc.weight_tables(m, u))

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
            bad = np.flatnonzero(gamma.max(axis=0) >= np.asarray(self.n_levels))
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
        """JSON-able description of the fitted model (``format_version`` 1)."""
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
