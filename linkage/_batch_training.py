"""Training in the batch pipeline: u from random record pairs, m by EM (or labels).

Split from :mod:`linkage.pipeline` so that the pipeline can let the standardised
columns go between the random pairs' comparison and EM.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage import blocking, decision
from linkage.comparisons import Comparison, ComparisonVectors, compare
from linkage.errors import ConfigError
from linkage.model import FellegiSunterModel, TrainingSession, fit_em_sessions
from linkage.schema import TRUTH_COLUMN

if TYPE_CHECKING:
    from linkage.pipeline import LinkageSettings

#: EM sessions (see linkage.model._sessions): same date of birth trains the
#: other fields' m; same given and family name trains the date of birth's.
TRAINING_SESSIONS = (
    TrainingSession(("dob",)),
    TrainingSession(("given_name", "family_name")),
)


def train(
    std: pl.DataFrame,
    vectors: ComparisonVectors,
    comparisons: tuple[Comparison, ...],
    settings: LinkageSettings,
    block_report: blocking.BlockingReport,
    left: npt.NDArray[np.uint32],
    right: npt.NDArray[np.uint32],
) -> FellegiSunterModel:
    """u from random record pairs, m by EM in sessions (or from labels), then the prior.

    The prior is P(match) among all record pairs allowed by the link type, the
    pairs blocking left out counting as non-matches (see
    `linkage.model.fit_em_sessions`).
    """
    random_gamma = random_pair_levels(std, comparisons, settings)
    return fit(std, vectors, random_gamma, comparisons, settings, block_report, left, right)


def random_pair_levels(
    std: pl.DataFrame, comparisons: tuple[Comparison, ...], settings: LinkageSettings
) -> npt.NDArray[np.uint8]:
    """Comparison levels of a uniform sample of record pairs (they estimate u)."""
    rand_left, rand_right = random_pairs(std, settings.u_sample_pairs, settings)
    return compare(std, rand_left, rand_right, comparisons).gamma


def fit(
    std: pl.DataFrame,
    vectors: ComparisonVectors,
    random_gamma: npt.NDArray[np.uint8],
    comparisons: tuple[Comparison, ...],
    settings: LinkageSettings,
    block_report: blocking.BlockingReport,
    left: npt.NDArray[np.uint32],
    right: npt.NDArray[np.uint32],
) -> FellegiSunterModel:
    """:func:`train` given the random pairs' levels (``std`` needs only the truth column)."""
    model = FellegiSunterModel.for_comparisons(
        comparisons,
        match_threshold=settings.match_threshold,
        review_threshold=settings.review_threshold,
    )
    model.comparisons = [c.to_dict() for c in comparisons]
    if settings.training == "labelled":
        if TRUTH_COLUMN not in std.columns or block_report.true_pairs is None:
            msg = f"labelled training needs a truth column ({TRUTH_COLUMN!r}) in the inputs"
            raise ConfigError(msg)
        truth = std[TRUTH_COLUMN].cast(pl.Categorical).to_physical().to_numpy()
        model.fit_labelled(vectors.gamma, truth[left] == truth[right])
        model.estimate_u(random_gamma)
        model.prior = max(block_report.true_pairs, 1) / block_report.possible_pairs
        decision.fit_household(model, vectors.gamma)
        return model
    model.estimate_u(random_gamma)
    n_total_pairs = block_report.possible_pairs
    names = {c.name for c in comparisons}
    sessions = [s for s in TRAINING_SESSIONS if names.issuperset(s.fields)]
    fit_em_sessions(
        model,
        vectors.gamma,
        sessions,
        n_total_pairs=n_total_pairs,
        max_iter=settings.em_max_iter,
        tol=1e-6,
    )
    decision.fit_household(model, vectors.gamma)
    return model


def random_pairs(
    std: pl.DataFrame, n_pairs: int, settings: LinkageSettings
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint32]]:
    """A uniform sample of distinct record pairs allowed by the link type."""
    rng = np.random.default_rng(settings.seed)
    n = std.height
    draw = max(n_pairs * 2, 1_000)
    left = rng.integers(0, n, draw, dtype=np.int64)
    right = rng.integers(0, n, draw, dtype=np.int64)
    keep = left != right
    if settings.link_type != "link_and_dedupe":
        agency = std["agency"].cast(pl.Categorical).to_physical().to_numpy()
        same = agency[left] == agency[right]
        keep &= ~same if settings.link_type == "link_only" else same
    left, right = left[keep][:n_pairs], right[keep][:n_pairs]
    lo, hi = np.minimum(left, right), np.maximum(left, right)
    return lo.astype(np.uint32), hi.astype(np.uint32)
