"""Fellegi-Sunter match model over comparison vectors.

``gamma`` is a uint8 matrix (pairs x comparisons): level 0 is null (no
evidence), 1 the most similar level. The model estimates u from random pairs
(`FellegiSunterModel.estimate_u`), m and the prior by EM over distinct
comparison patterns (`FellegiSunterModel.fit_em`) or from labels
(`FellegiSunterModel.fit_labelled`), and scores pairs by table lookups:
``match_weight = log2(prior / (1 - prior)) + sum_j log2(m_j / u_j)``, with an
optional term-frequency adjustment of exact agreements on names.
"""

from __future__ import annotations

from linkage.model._fellegi_sunter import (
    BAND_MATCH,
    BAND_NO_MATCH,
    BAND_REVIEW,
    ComparisonLike,
    FellegiSunterModel,
    FieldWeight,
)
from linkage.model._household import fit_household, household_evidence
from linkage.model._patterns import distinct_patterns
from linkage.model._scoring import match_probability, probability_to_weight
from linkage.model._serialise import FORMAT_VERSION
from linkage.model._sessions import TrainingSession, fit_em_sessions

__all__ = [
    "BAND_MATCH",
    "BAND_NO_MATCH",
    "BAND_REVIEW",
    "FORMAT_VERSION",
    "ComparisonLike",
    "FellegiSunterModel",
    "FieldWeight",
    "TrainingSession",
    "distinct_patterns",
    "fit_em_sessions",
    "fit_household",
    "household_evidence",
    "match_probability",
    "probability_to_weight",
]
