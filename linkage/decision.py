"""The household guard: a link needs evidence about the person, not only the home.

Relatives share a family name, an address and a phone. Those fields agree
for a mother and her son as they do for two records of one person, and their
weights add up to more than a disagreeing given name and date of birth take
away. So a pair at or above the match threshold is linked automatically only
when the fields that describe the individual (given and middle name, date of
birth, sex, e-mail, identifiers) also say it is one person; otherwise it goes
to review, whatever its probability.

How much they must say is learnt from the data when the model has a household
model (`fit_household`, `linkage.model.fit_household`): among the pairs that
share a family name and an address, every other field is weighed against
relatives (a junior has his father's given name, twins share a date of birth,
a landline is shared and a mobile is not) and the odds of one person must
reach the match threshold. In data without relatives nearly every
household pair is one person, so the guard seldom holds a pair; with many
relatives it asks for real person-level agreement. A model without a household
model keeps the fixed rule: person-level weights of at least
`MIN_PERSON_WEIGHT` bits (3: more than sex alone, less than any given-name
agreement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from linkage.model import FellegiSunterModel, household_evidence, probability_to_weight
from linkage.model import fit_household as _fit_household

#: Comparisons that describe the individual rather than the household.
PERSON_COMPARISONS = frozenset({"given_name", "middle_name", "dob", "sex", "email"})
IDENTIFIER_PREFIX = "id_"
#: Person-level evidence (bits) needed for an automatic link by a model without a household model.
MIN_PERSON_WEIGHT = 3.0
#: A household pair agrees exactly on these comparisons (same family name, same address).
HOUSEHOLD_COMPARISONS = ("family_name", "address")


def person_columns(names: Sequence[str]) -> list[int]:
    """Positions of the person-level comparisons among `names`."""
    return [
        j
        for j, name in enumerate(names)
        if name in PERSON_COMPARISONS or name.startswith(IDENTIFIER_PREFIX)
    ]


def household_pairs(names: Sequence[str], gamma: npt.NDArray[np.uint8]) -> npt.NDArray[np.bool_]:
    """Pairs agreeing exactly on every household comparison (none when one is absent)."""
    out = np.full(gamma.shape[0], all(c in names for c in HOUSEHOLD_COMPARISONS), dtype=bool)
    for name in HOUSEHOLD_COMPARISONS:
        if name in names:
            out &= gamma[:, names.index(name)] == 1
    return out


def household_columns(names: Sequence[str]) -> list[int]:
    """Comparisons weighed against relatives: all but the household comparisons.

    A phone is a home's landline or a person's mobile: how often relatives share one
    is learnt like the other fields'.
    """
    return [j for j, name in enumerate(names) if name not in HOUSEHOLD_COMPARISONS]


def fit_household(model: FellegiSunterModel, gamma: npt.NDArray[np.uint8]) -> bool:
    """Fit the model's household model on the household pairs among candidate pairs `gamma`.

    Returns:
        Whether it was fitted (enough household pairs); otherwise the fixed rule applies.
    """
    names = list(model.comparison_names)
    return _fit_household(model, gamma, household_columns(names), household_pairs(names, gamma))


def person_weight(
    model: FellegiSunterModel,
    gamma: npt.NDArray[np.uint8],
    tf: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> npt.NDArray[np.float32]:
    """Sum of the person-level field weights of each pair (rows of `gamma`)."""
    columns = person_columns(model.comparison_names)
    weights = model.field_weights(gamma, tf)
    return np.asarray(weights[:, columns].sum(axis=1), dtype=np.float32)


def person_refused(
    model: FellegiSunterModel,
    gamma: npt.NDArray[np.uint8],
    field_weights: npt.NDArray[np.floating] | None = None,
    *,
    match_threshold: float | None = None,
    min_person_weight: float = MIN_PERSON_WEIGHT,
) -> npt.NDArray[np.bool_]:
    """Pairs whose person-level evidence is too weak for an automatic link (see the module).

    The batch (`household_only`) and the real-time index (`linkage.resolver_reads`)
    both decide here.

    Args:
        model: the fitted model.
        gamma: the pairs' levels.
        field_weights: the pairs' field weights (term frequencies applied) when known;
            the fixed rule reads them.
        match_threshold: the odds of one person rather than two relatives must reach
            this probability (default: the model's match threshold).
        min_person_weight: the fixed rule's bits.
    """
    if model.household_u is not None:
        if gamma.ndim == 2 and 0 < gamma.shape[0] <= _FEW and gamma.dtype == np.uint8:
            odds = _few_household_odds(model, gamma)
        else:
            odds = household_evidence(model, gamma, household_columns(model.comparison_names))
        threshold = model.match_threshold if match_threshold is None else match_threshold
        refused: npt.NDArray[np.bool_] = odds < probability_to_weight(threshold)
        return refused
    columns = person_columns(model.comparison_names)
    weights = model.field_weights(gamma) if field_weights is None else field_weights
    return np.asarray(weights[:, columns].sum(axis=1) < min_person_weight, dtype=bool)


_FEW = 256  # up to this many pairs, the household odds are read from cached tables


class _HouseholdTables:
    """:func:`~linkage.model.household_evidence`'s per-field tables of one model, stacked."""

    def __init__(self, model: FellegiSunterModel, key: tuple[object, ...]) -> None:
        assert model.m is not None
        assert model.household_u is not None
        assert model.household_prior is not None
        self.key = key
        self.columns = np.asarray(household_columns(model.comparison_names), dtype=np.intp)
        self.tables = np.zeros((len(self.columns), 256), dtype=np.float64)
        for row, j in enumerate(self.columns.tolist()):
            m, u = model.m[j], model.household_u[j]
            self.tables[row, 1 : len(m)] = np.log2(m[1:] / u[1:])
        self.prior = probability_to_weight(model.household_prior)
        self.rows = np.arange(len(self.columns))


def _few_household_odds(
    model: FellegiSunterModel, gamma: npt.NDArray[np.uint8]
) -> npt.NDArray[np.float64]:
    """``household_evidence(model, gamma, household_columns(...))`` of a few pairs, bitwise.

    The real-time index asks per query; building the tables each time cost more than
    using them. Fields are added left to right (cumsum), as household_evidence adds them.
    """
    assert model.m is not None
    assert model.household_u is not None
    key = (
        model.household_prior,
        tuple(model.comparison_names),
        *(a.tobytes() for a in model.m),
        *(a.tobytes() for a in model.household_u),
    )
    cached: _HouseholdTables | None = model.__dict__.get("_household_tables")
    if cached is None or cached.key != key:
        cached = model.__dict__["_household_tables"] = _HouseholdTables(model, key)
    per_field = np.empty((gamma.shape[0], len(cached.columns) + 1), dtype=np.float64)
    per_field[:, 0] = cached.prior
    per_field[:, 1:] = cached.tables[cached.rows, gamma[:, cached.columns]]
    odds: npt.NDArray[np.float64] = per_field.cumsum(axis=1)[:, -1]
    return odds


def household_only(
    model: FellegiSunterModel,
    gamma: npt.NDArray[np.uint8],
    probability: npt.NDArray[np.float64],
    tf: Mapping[str, npt.NDArray[np.float32]] | None = None,
    *,
    min_person_weight: float = MIN_PERSON_WEIGHT,
) -> npt.NDArray[np.bool_]:
    """Pairs at or above the match threshold whose person-level evidence is too weak."""
    out = np.zeros(len(probability), dtype=bool)
    linked = np.flatnonzero(probability >= model.match_threshold)
    if len(linked) == 0:
        return out
    if model.household_u is not None:
        out[linked] = person_refused(model, gamma[linked])
        return out
    sub_tf = {k: v[linked] for k, v in (tf or {}).items()}
    out[linked] = person_weight(model, gamma[linked], sub_tf) < min_person_weight
    return out
