"""Bodies of the model's fit methods (the methods document the behaviour)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from linkage.errors import ConfigError, InvalidInputError, ModelNotFittedError
from linkage.model import _estimation as est
from linkage.model._patterns import check_gamma, distinct_patterns

if TYPE_CHECKING:
    from linkage.model._fellegi_sunter import FellegiSunterModel

FloatArray = npt.NDArray[np.float64]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def check_probabilities(
    what: str, probs: Sequence[npt.ArrayLike] | None, names: Sequence[str], n_levels: Sequence[int]
) -> list[FloatArray] | None:
    """Per-comparison probability arrays as float64, shape and range checked."""
    if probs is None:
        return None
    if len(probs) != len(names):
        raise ConfigError(f"{what} has {len(probs)} arrays for {len(names)} comparisons")
    out = []
    for name, n, p in zip(names, n_levels, probs, strict=True):
        array = np.array(p, dtype=np.float64)
        if array.shape != (n,):
            raise ConfigError(f"{what} of {name!r} must have {n} entries, got shape {array.shape}")
        levels = array[1:]
        if not (np.all(np.isfinite(levels)) and np.all(levels > 0) and np.all(levels <= 1)):
            raise ConfigError(f"{what} of {name!r} must lie in (0, 1] at levels 1..k")
        array[0] = 0.0
        out.append(array)
    return out


def estimate_u(
    model: FellegiSunterModel, gamma_random: npt.ArrayLike, *, smoothing: float
) -> FellegiSunterModel:
    """See `FellegiSunterModel.estimate_u`."""
    gamma = check_gamma(gamma_random, model.n_levels)
    if gamma.shape[0] == 0:
        raise InvalidInputError("gamma_random has no rows", field="gamma_random")
    counts = est.level_counts(gamma, model.n_levels)
    model.u = [est.smoothed(c, smoothing) for c in counts]
    model.training_stats["u"] = {
        "n_random_pairs": int(gamma.shape[0]),
        "smoothing": float(smoothing),
        "non_null_pairs": {
            n: int(c[1:].sum()) for n, c in zip(model.comparison_names, counts, strict=True)
        },
    }
    model.trained_at = _now()
    return model


def fit_em(
    model: FellegiSunterModel,
    gamma: npt.ArrayLike,
    *,
    max_iter: int,
    tol: float,
    fix_u: bool,
    n_total_pairs: int | None = None,
    u_pseudo_pairs: float = 0.0,
) -> FellegiSunterModel:
    """See `FellegiSunterModel.fit_em`."""
    started = time.perf_counter()
    if fix_u and model.u is None:
        msg = "u has not been estimated: call estimate_u first, or fit_em(..., fix_u=False)"
        raise ModelNotFittedError(msg)
    checked = check_gamma(gamma, model.n_levels)
    if checked.shape[0] == 0:
        raise InvalidInputError("gamma has no rows", field="gamma")
    patterns, counts = distinct_patterns(checked, model.n_levels)
    return fit_em_patterns(
        model,
        patterns,
        counts,
        max_iter=max_iter,
        tol=tol,
        fix_u=fix_u,
        n_total_pairs=n_total_pairs,
        u_pseudo_pairs=u_pseudo_pairs,
        started=started,
    )


def fit_em_patterns(
    model: FellegiSunterModel,
    patterns: npt.NDArray[np.uint8],
    counts: npt.NDArray[np.int64],
    *,
    max_iter: int,
    tol: float,
    fix_u: bool,
    n_total_pairs: int | None = None,
    u_pseudo_pairs: float = 0.0,
    started: float | None = None,
) -> FellegiSunterModel:
    """`fit_em` on the distinct patterns of a gamma (`distinct_patterns`) and their counts."""
    started = time.perf_counter() if started is None else started
    if fix_u and model.u is None:
        msg = "u has not been estimated: call estimate_u first, or fit_em(..., fix_u=False)"
        raise ModelNotFittedError(msg)
    n_pairs = int(counts.sum())
    if n_pairs == 0:
        raise InvalidInputError("gamma has no rows", field="gamma")
    if model.u is None:
        # Candidate pairs are mostly non-matches: their level shares start u.
        shares = est.level_counts(patterns, model.n_levels, counts.astype(np.float64))
        u0 = [est.smoothed(c, 1.0) for c in shares]
    else:
        u0 = model.u
    m0 = est.initial_m(model.n_levels)
    for mj, uj in zip(m0, u0, strict=True):
        est.raise_exact_m(mj, uj)
    prior0 = est.initial_prior(patterns, counts, m0, u0)
    if n_total_pairs is not None:
        if n_total_pairs < n_pairs:
            msg = f"n_total_pairs ({n_total_pairs}) is below the number of pairs given"
            raise InvalidInputError(msg, field="n_total_pairs")
        prior0 = max(prior0 * n_pairs / n_total_pairs, est.PROB_FLOOR)
    result = est.run_em(
        patterns,
        counts,
        m0,
        u0,
        prior0,
        max_iter=max_iter,
        tol=tol,
        fix_u=fix_u,
        n_universe=float(n_total_pairs) if n_total_pairs is not None else None,
        u_pseudo_pairs=u_pseudo_pairs,
    )
    model.m, model.u, model.prior = result.m, result.u, result.prior
    model.trained_at = _now()
    model.training_stats["em"] = {
        "n_pairs": n_pairs,
        "n_total_pairs": n_total_pairs,
        "n_patterns": int(patterns.shape[0]),
        "fix_u": fix_u,
        "u_pseudo_pairs": u_pseudo_pairs,
        "max_iter": max_iter,
        "tol": tol,
        "initial_prior": prior0,
        "iterations": result.iterations,
        "converged": result.converged,
        "log_likelihood": result.log_likelihood,
        "constrained": [model.comparison_names[j] for j in result.constrained],
        "seconds": round(time.perf_counter() - started, 4),
    }
    return model


def fit_labelled(
    model: FellegiSunterModel, gamma: npt.ArrayLike, is_match: npt.ArrayLike, *, smoothing: float
) -> FellegiSunterModel:
    """See `FellegiSunterModel.fit_labelled`."""
    checked = check_gamma(gamma, model.n_levels)
    labels = np.asarray(is_match, dtype=bool)
    if labels.shape != (checked.shape[0],):
        msg = f"is_match needs one label per pair ({checked.shape[0]}), got {labels.shape}"
        raise InvalidInputError(msg, field="is_match")
    n_match = int(labels.sum())
    if n_match == 0 or n_match == labels.size:
        raise InvalidInputError("is_match needs both matches and non-matches", field="is_match")
    # Weighted bincounts avoid copying gamma[labels] and gamma[~labels].
    match_w = labels.astype(np.float64)
    m_counts = est.level_counts(checked, model.n_levels, match_w)
    u_counts = est.level_counts(checked, model.n_levels, 1.0 - match_w)
    model.m = [est.smoothed(c, smoothing) for c in m_counts]
    model.u = [est.smoothed(c, smoothing) for c in u_counts]
    model.prior = float(np.clip(n_match / labels.size, est.PROB_FLOOR, est.PROB_CEIL))
    model.trained_at = _now()
    model.training_stats["labelled"] = {
        "n_pairs": int(labels.size),
        "n_matches": n_match,
        "smoothing": float(smoothing),
    }
    return model
