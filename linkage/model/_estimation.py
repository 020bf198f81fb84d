"""Parameter estimation: u from random pairs, m and u from labels, and EM.

All functions work on per-comparison probability arrays indexed by level;
index 0 (null) is held at 0.0 and never read, levels 1..k sum to 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from linkage.model._lookup import lookup_sum

FloatArray = npt.NDArray[np.float64]

# Probabilities are kept inside [PROB_FLOOR, PROB_CEIL] so no weight is infinite
# and EM cannot lock a level at exactly 0 or 1 (a fixed point it never leaves).
PROB_FLOOR = 1e-6
PROB_CEIL = 1.0 - 1e-6


def clip_distribution(p: FloatArray) -> FloatArray:
    """Clip a distribution's levels 1..k into [PROB_FLOOR, PROB_CEIL], renormalise, zero level 0.

    ``p`` must already sum to about 1 over levels 1..k.
    """
    out = np.clip(np.asarray(p, dtype=np.float64), PROB_FLOOR, PROB_CEIL)
    out[0] = 0.0
    total = out[1:].sum()
    out[1:] /= total
    return out


def level_counts(
    gamma: npt.NDArray[np.uint8],
    n_levels: Sequence[int],
    weights: npt.NDArray[np.float64] | None = None,
) -> list[FloatArray]:
    """(Weighted) number of rows at each level, per comparison."""
    return [
        np.bincount(gamma[:, j], weights=weights, minlength=n).astype(np.float64)
        for j, n in enumerate(n_levels)
    ]


def smoothed(counts: FloatArray, smoothing: float) -> FloatArray:
    """Additive (Laplace) smoothing of level counts; level 0 (null) is not counted."""
    p = np.asarray(counts, dtype=np.float64).copy()
    p[0] = 0.0
    p[1:] += smoothing
    total = p[1:].sum()
    if total <= 0.0:  # no evidence at all and no smoothing: nothing is known
        p[1:] = 1.0
        total = float(len(p) - 1)
    p[1:] /= total
    return clip_distribution(p)


def initial_m(n_levels: Sequence[int]) -> list[FloatArray]:
    """Starting m: 0.9 on the exact level, the rest halving level by level.

    Matches agree exactly most of the time whatever the field, so this start
    puts EM in the basin of the "matches agree" solution without labels.
    """
    out = []
    for n in n_levels:
        p = np.zeros(n, dtype=np.float64)
        if n == 2:
            p[1] = 1.0
        elif n > 2:
            rest = 0.5 ** np.arange(n - 2)
            p[1] = 0.9
            p[2:] = 0.1 * rest / rest.sum()
        out.append(clip_distribution(p) if n > 1 else p)
    return out


def raise_exact_m(m: FloatArray, u: FloatArray) -> bool:
    """Keep ``m[1] >= u[1]`` (exact agreement is never evidence against a match).

    When EM drifts below, ``m[1]`` is set to ``u[1]`` and the other levels are
    rescaled to share what is left, in their current proportions. Returns
    whether the constraint was applied.
    """
    if len(m) < 3 or m[1] >= u[1]:
        return False
    others = m[2:].sum()
    m[1] = u[1]
    m[2:] = (1.0 - u[1]) * (m[2:] / others if others > 0 else 1.0 / (len(m) - 2))
    m[:] = clip_distribution(m)
    return True


def _log_tables(probs: Sequence[FloatArray]) -> FloatArray:
    """(k x 256) table of log p, with level 0 mapped to 0 (a null contributes no evidence)."""
    tables = np.zeros((len(probs), 256), dtype=np.float64)
    for j, p in enumerate(probs):
        tables[j, 1 : len(p)] = np.log(p[1:])
    return tables


def _log_likelihood_terms(patterns: npt.NDArray[np.uint8], tables: FloatArray) -> FloatArray:
    return lookup_sum(patterns, tables)


def initial_prior(
    patterns: npt.NDArray[np.uint8],
    counts: npt.NDArray[np.int64],
    m: Sequence[FloatArray],
    u: Sequence[FloatArray],
) -> float:
    """Rough λ: the share of pairs whose Bayes factor under the start values exceeds 1."""
    log_bf = _log_likelihood_terms(patterns, _log_tables(m)) - _log_likelihood_terms(
        patterns, _log_tables(u)
    )
    share = float(counts[log_bf > 0].sum()) / max(float(counts.sum()), 1.0)
    return float(np.clip(share, 1e-3, 0.5))


@dataclass
class EMResult:
    """Outcome of `run_em`."""

    m: list[FloatArray]
    u: list[FloatArray]
    prior: float
    iterations: int
    converged: bool
    log_likelihood: list[float] = field(default_factory=list)
    constrained: list[int] = field(default_factory=list)


def run_em(
    patterns: npt.NDArray[np.uint8],
    counts: npt.NDArray[np.int64],
    m: Sequence[FloatArray],
    u: Sequence[FloatArray],
    prior: float,
    *,
    max_iter: int,
    tol: float,
    fix_u: bool,
    n_universe: float | None = None,
    u_pseudo_pairs: float = 0.0,
) -> EMResult:
    """Expectation-maximisation over distinct patterns weighted by their counts.

    Each iteration costs O(n_patterns x n_comparisons), whatever the number of
    pairs. Stops when no parameter (λ, any m, any u) moves by more than ``tol``.
    With ``n_universe`` (all record pairs the candidates were blocked from),
    the pairs blocking left out count as non-matches, so λ is the share of
    matches among all pairs rather than among candidates. With ``fix_u`` off,
    ``u_pseudo_pairs`` pairs distributed as the starting u are added to the
    non-match class at each M step (a Dirichlet prior anchoring u).
    """
    m = [p.copy() for p in m]
    u = [p.copy() for p in u]
    anchor = [u_pseudo_pairs * p for p in u]
    weights = counts.astype(np.float64)
    n_total = max(float(weights.sum()), n_universe or 0.0)
    levels = [np.ascontiguousarray(patterns[:, j]) for j in range(patterns.shape[1])]
    history: list[float] = []
    constrained: set[int] = set()
    converged = False
    iteration = 0
    for iteration in range(1, max_iter + 1):  # noqa: B007 - iteration is reported
        # E step: posterior P(match | pattern).
        log_a = np.log(prior) + _log_likelihood_terms(patterns, _log_tables(m))
        log_b = np.log1p(-prior) + _log_likelihood_terms(patterns, _log_tables(u))
        log_total = np.logaddexp(log_a, log_b)
        history.append(float(np.dot(weights, log_total)))
        posterior = np.exp(log_a - log_total)
        w_match = weights * posterior
        w_non = weights - w_match
        # M step.
        new_prior = float(np.clip(w_match.sum() / n_total, PROB_FLOOR, PROB_CEIL))
        new_m = [_reestimate(lv, w_match, p) for lv, p in zip(levels, m, strict=True)]
        new_u = (
            u
            if fix_u
            else [
                _reestimate(lv, w_non, p, extra)
                for lv, p, extra in zip(levels, u, anchor, strict=True)
            ]
        )
        constrained = {j for j in range(len(new_m)) if raise_exact_m(new_m[j], new_u[j])}
        delta = max(
            abs(new_prior - prior),
            max((float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)), default=0.0),
            max((float(np.abs(a - b).max()) for a, b in zip(new_u, u, strict=True)), default=0.0),
        )
        m, u, prior = new_m, [p.copy() for p in new_u], new_prior
        if delta < tol:
            converged = True
            break
    return EMResult(
        m=m,
        u=u,
        prior=prior,
        iterations=iteration,
        converged=converged,
        log_likelihood=history,
        constrained=sorted(constrained),
    )


def _reestimate(
    levels: npt.NDArray[np.uint8],
    weights: FloatArray,
    previous: FloatArray,
    extra: FloatArray | None = None,
) -> FloatArray:
    """Weighted level shares among non-null rows (plus ``extra`` counts per level).

    Keeps ``previous`` when there is nothing to count.
    """
    sums = np.bincount(levels, weights=weights, minlength=len(previous)).astype(np.float64)
    if extra is not None:
        sums += extra
    sums[0] = 0.0
    total = float(sums.sum())
    if total <= 0.0:
        return previous.copy()
    return clip_distribution(sums.astype(np.float64) / total)
