"""The household model: the other fields among pairs that share a home.

Relatives share a family name, an address and a phone, so among candidate
pairs that agree on those (the *household pairs*) the household fields say
nothing about whether two records are one person. What separates one person
from two relatives there is the other fields (given name, date of birth,
identifiers, a phone...), but measured against relatives, not against random
people: a junior has his father's given name far more often than a stranger
does, twins share a date of birth. So the model learns, by EM over the
household pairs' patterns of those fields with m held at the main model's,

* ``household_u``: P(level | two different people of one household), and
* ``household_prior``: the share of household pairs that are one person.

Data without relatives (every household pair one person) gives a prior near
1, and the evidence of the other fields then rarely overrules the main model; data
with many relatives gives a low prior and asks for real person-level
agreement. ``household_u`` is pulled towards u by `PSEUDO_PAIRS` pseudo-pairs,
so a handful of non-matches cannot make a level look impossible.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from linkage.errors import InvalidInputError, ModelNotFittedError
from linkage.model import _estimation as est
from linkage.model._patterns import check_gamma, distinct_patterns
from linkage.model._scoring import probability_to_weight

if TYPE_CHECKING:
    from linkage.model._fellegi_sunter import FellegiSunterModel

FloatArray = npt.NDArray[np.float64]

#: Weight of u in the household u estimate, in pairs.
PSEUDO_PAIRS = 20.0
#: With fewer household pairs than this the model is not fitted.
MIN_HOUSEHOLD_PAIRS = 50


def fit_household(
    model: FellegiSunterModel,
    gamma: npt.ArrayLike,
    person: Sequence[int],
    household: npt.ArrayLike,
    *,
    max_iter: int = 200,
    tol: float = 1e-7,
) -> bool:
    """Fit the model's ``household_u`` and ``household_prior`` (see the module).

    Args:
        model: A fitted model (m, u and prior known); updated in place.
        gamma: uint8 matrix (candidate pairs x comparisons).
        person: Positions of the comparisons weighed against relatives.
        household: Boolean per pair: the pair agrees on the household fields.
        max_iter: EM iteration limit.
        tol: Stop when no parameter moves by more than this.

    Returns:
        Whether there were enough household pairs to fit (else the model is unchanged).

    Raises:
        ModelNotFittedError: The model has no m, u or prior.
        InvalidInputError: ``household`` does not have one flag per pair.
    """
    if model.m is None or model.u is None or model.prior is None:
        raise ModelNotFittedError("fit the model before its household model")
    checked = check_gamma(gamma, model.n_levels)
    mask = np.asarray(household, dtype=bool)
    if mask.shape != (checked.shape[0],):
        raise InvalidInputError("household needs one flag per pair", field="household")
    rows = checked[mask]
    if rows.shape[0] < MIN_HOUSEHOLD_PAIRS or not person:
        model.training_stats["household"] = {"pairs": int(rows.shape[0]), "fitted": False}
        return False
    columns = list(person)
    levels = [model.n_levels[j] for j in columns]
    patterns, counts = distinct_patterns(np.ascontiguousarray(rows[:, columns]), levels)
    weights = counts.astype(np.float64)
    m = [model.m[j] for j in columns]
    base = [model.u[j] for j in columns]
    u = [p.copy() for p in base]
    log_m = _log_table(patterns, m)
    prior, iterations = 0.5, 0
    for iterations in range(1, max_iter + 1):  # noqa: B007 - reported
        log_a = np.log(prior) + log_m
        log_b = np.log1p(-prior) + _log_table(patterns, u)
        posterior = np.exp(log_a - np.logaddexp(log_a, log_b))
        non_match = weights * (1.0 - posterior)
        new_prior = float(
            np.clip((weights * posterior).sum() / weights.sum(), est.PROB_FLOOR, est.PROB_CEIL)
        )
        new_u = [
            _shrunk(np.bincount(patterns[:, k], weights=non_match, minlength=n), base[k])
            for k, n in enumerate(levels)
        ]
        delta = max(
            abs(new_prior - prior),
            *(float(np.abs(a - b).max()) for a, b in zip(new_u, u, strict=True)),
        )
        prior, u = new_prior, new_u
        if delta < tol:
            break
    household_u = [p.copy() for p in model.u]
    for k, j in enumerate(columns):
        household_u[j] = u[k]
    model.household_u = household_u
    model.household_prior = prior
    model.training_stats["household"] = {
        "pairs": int(rows.shape[0]),
        "fitted": True,
        "prior": prior,
        "iterations": iterations,
    }
    return True


def _shrunk(counts: npt.ArrayLike, base: FloatArray) -> FloatArray:
    """Level shares of ``counts`` (null not counted) plus `PSEUDO_PAIRS` pairs distributed as u."""
    p = np.asarray(counts, dtype=np.float64).copy()
    p[0] = 0.0
    p[1:] += PSEUDO_PAIRS * base[1:]
    p[1:] /= p[1:].sum()
    return est.clip_distribution(p)


def _log_table(patterns: npt.NDArray[np.uint8], probs: Sequence[FloatArray]) -> FloatArray:
    """Sum over columns of log p[level] (0 for null) per pattern."""
    out = np.zeros(patterns.shape[0], dtype=np.float64)
    for k, p in enumerate(probs):
        logs = np.zeros(len(p), dtype=np.float64)
        logs[1:] = np.log(p[1:])
        out += logs[patterns[:, k]]
    return out


def household_evidence(
    model: FellegiSunterModel, gamma: npt.ArrayLike, person: Sequence[int]
) -> FloatArray:
    """log2 odds that each pair is one person rather than two relatives.

    ``log2(household_prior / (1 - household_prior))`` plus the ``person``
    fields' ``log2(m / household_u)`` (0 for null).

    Raises:
        ModelNotFittedError: The model has no household model.
    """
    if model.m is None or model.household_u is None or model.household_prior is None:
        raise ModelNotFittedError("the model has no household model: see fit_household")
    checked = check_gamma(gamma, model.n_levels, check_levels=False)
    out = np.full(checked.shape[0], probability_to_weight(model.household_prior))
    for j in person:
        table = np.zeros(256, dtype=np.float64)
        m, u = model.m[j], model.household_u[j]
        table[1 : len(m)] = np.log2(m[1:] / u[1:])
        out += table[checked[:, j]]
    return out
