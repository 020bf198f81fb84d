"""EM in sessions, each over the pairs that agree exactly on some fields.

Blocked candidate pairs hold many close non-matches: relatives share a family
name, an address and a phone. Run over all candidates at once, EM's "match"
class absorbs whole households, and m learns that matches often disagree on
given name and date of birth. Training in sessions (as Splink does per
blocking rule) avoids that: among pairs with the same date of birth, the
match class is one person, not one household, so that session's m of the
name, address and phone fields is sound; the date of birth's own m comes
from another session (pairs with the same names). The fields a session
selects on carry no information inside it, so they are set to null there.

A session's non-matches are not random pairs: they share the selecting
fields and the blocking keys (strangers born the same day in one suburb).
Scored with the random-pair u, their neutral-looking patterns are taken for
matches whenever the session's prior is high, and m learns that matches often
disagree on names (more so the more records share a suburb: the 1M synthetic
run learnt m(given name else) = 0.12 against a true 0.03). So each session
learns its own u, anchored at the random-pair u by `SESSION_U_PSEUDO_PAIRS`
pseudo-pairs (a session with few non-matches, as in FEBRL, keeps about the
random-pair u); only its m is kept, and the model's u stays the random-pair u,
less the matches the random pairs hold (`u_without_matches`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from linkage.errors import InvalidInputError
from linkage.model import _estimation as est
from linkage.model._patterns import check_gamma, distinct_patterns, merge_patterns
from linkage.model._scoring import match_probability, probability_to_weight
from linkage.model._training import fit_em_patterns

if TYPE_CHECKING:
    from linkage.model._fellegi_sunter import FellegiSunterModel

#: Sessions with fewer pairs than this are skipped: too little to learn from.
MIN_SESSION_PAIRS = 200
#: Weight, in pairs, of the random-pair u in a session's own u.
SESSION_U_PSEUDO_PAIRS = 1000.0


@dataclass(frozen=True)
class TrainingSession:
    """Pairs agreeing exactly (level 1) on every one of `fields` train m of the others."""

    fields: tuple[str, ...]

    def mask(self, gamma: npt.NDArray[np.uint8], names: Sequence[str]) -> npt.NDArray[np.bool_]:
        """Rows of gamma that belong to the session."""
        selected = np.ones(gamma.shape[0], dtype=bool)
        for name in self.fields:
            selected &= gamma[:, names.index(name)] == 1
        return selected


def fit_em_sessions(
    model: FellegiSunterModel,
    gamma: npt.ArrayLike,
    sessions: Sequence[TrainingSession],
    *,
    n_total_pairs: int,
    max_iter: int,
    tol: float,
) -> FellegiSunterModel:
    """See `FellegiSunterModel.fit_em_sessions`."""
    checked = check_gamma(gamma, model.n_levels)
    names = list(model.comparison_names)
    unknown = sorted({f for s in sessions for f in s.fields} - set(names))
    if unknown:
        msg = f"training sessions name unknown comparisons {unknown}"
        raise InvalidInputError(msg, field="sessions")
    # EM and the prior need only the distinct patterns: a session's pairs are those of
    # some patterns (the mask reads levels), so its patterns are merged, not recounted
    patterns, counts = distinct_patterns(checked, model.n_levels)
    sums = [np.zeros(n) for n in model.n_levels]
    seen = np.zeros(len(names))
    stats = []
    for session in sessions:
        selected = session.mask(patterns, names)
        n_selected = int(counts[selected].sum())
        if n_selected < MIN_SESSION_PAIRS:
            stats.append({"fields": list(session.fields), "pairs": n_selected})
            continue
        sub = patterns[selected]
        fixed = [names.index(f) for f in session.fields]
        sub[:, fixed] = 0
        sub_patterns, sub_counts = merge_patterns(sub, counts[selected], model.n_levels)
        random_u = model.u
        fit_em_patterns(
            model,
            sub_patterns,
            sub_counts,
            max_iter=max_iter,
            tol=tol,
            fix_u=False,
            u_pseudo_pairs=SESSION_U_PSEUDO_PAIRS,
        )
        model.u = random_u
        assert model.m is not None
        for j in range(len(names)):
            if j not in fixed:
                sums[j] += model.m[j]
                seen[j] += 1
        stats.append(
            {
                "fields": list(session.fields),
                "pairs": n_selected,
                **{k: model.training_stats["em"][k] for k in ("iterations", "converged")},
            }
        )
    if not seen.any():
        msg = "no training session had enough pairs; train with fit_em instead"
        raise InvalidInputError(msg, field="sessions")
    start_m = est.initial_m(model.n_levels)
    model.m = [
        est.clip_distribution(s / k) if k else m0
        for s, k, m0 in zip(sums, seen, start_m, strict=True)
    ]
    model.prior = fit_prior(
        model, patterns, counts, n_total_pairs=n_total_pairs, max_iter=max_iter, tol=tol
    )
    corrected = u_without_matches(model)
    if corrected is not None:
        model.u = corrected
        model.prior = fit_prior(
            model, patterns, counts, n_total_pairs=n_total_pairs, max_iter=max_iter, tol=tol
        )
    model.training_stats["em_sessions"] = {
        "sessions": stats,
        "n_total_pairs": n_total_pairs,
        "u_without_matches": corrected is not None,
    }
    return model


def u_without_matches(model: FellegiSunterModel) -> list[npt.NDArray[np.float64]] | None:
    """u with the matches among the random pairs taken out.

    Random record pairs are matches at the rate of the prior (over all pairs), so
    their level shares are ``prior * m + (1 - prior) * u``. With few records per
    person that is not negligible: FEBRL4's random pairs agree on the identifier
    1.9e-4 of the time, of which 1.8e-4 are matches. A level whose share is
    mostly matches keeps the share of a level never seen in the sample.
    ``None`` when u did not come from random pairs (`estimate_u`).
    """
    seen = model.training_stats.get("u", {}).get("non_null_pairs")
    if model.m is None or model.u is None or model.prior is None or not isinstance(seen, dict):
        return None
    prior = model.prior
    out = []
    for name, m, u in zip(model.comparison_names, model.m, model.u, strict=True):
        never_seen = 1.0 / (int(seen.get(name, 0)) + len(u) - 1)
        p = u.copy()
        p[1:] = np.maximum((u[1:] - prior * m[1:]) / (1.0 - prior), np.minimum(u[1:], never_seen))
        out.append(est.clip_distribution(p / p[1:].sum()))
    return out


def fit_prior(
    model: FellegiSunterModel,
    patterns: npt.NDArray[np.uint8],
    counts: npt.NDArray[np.int64],
    *,
    n_total_pairs: int,
    max_iter: int,
    tol: float,
) -> float:
    """λ by EM with m and u held: expected matches among the candidates over all pairs.

    ``patterns`` and ``counts``: the candidates' distinct patterns (`distinct_patterns`).
    """
    evidence = model.match_weight(patterns) - model.prior_weight
    n_pairs = int(counts.sum())
    prior: float = max(float(model.prior or 0.5) * n_pairs / n_total_pairs, est.PROB_FLOOR)
    for _ in range(max_iter):
        posterior = match_probability(evidence + probability_to_weight(prior))
        new = float(
            np.clip((posterior * counts).sum() / n_total_pairs, est.PROB_FLOOR, est.PROB_CEIL)
        )
        if abs(new - prior) < tol * prior:
            return new
        prior = new
    return prior
