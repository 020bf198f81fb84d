"""The household guard: a link needs evidence about the person, not only the home.

Relatives share a family name, an address and a phone. Those fields agree
for a mother and her son as they do for two records of one person, and their
weights add up to more than a disagreeing given name and date of birth take
away. So a pair is linked automatically only when the fields that describe
the individual (given and middle name, date of birth, sex, e-mail,
identifiers) together weigh at least `MIN_PERSON_WEIGHT` bits (3: more than
sex alone, less than any given-name agreement); otherwise it
goes to review, whatever its probability. Twins (same date of birth) still
pass: no field here separates them without an identifier.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from linkage.model import FellegiSunterModel

#: Comparisons that describe the individual rather than the household.
PERSON_COMPARISONS = frozenset({"given_name", "middle_name", "dob", "sex", "email"})
IDENTIFIER_PREFIX = "id_"
#: Person-level evidence (bits) needed for an automatic link.
MIN_PERSON_WEIGHT = 3.0


def person_columns(names: Sequence[str]) -> list[int]:
    """Positions of the person-level comparisons among `names`."""
    return [
        j
        for j, name in enumerate(names)
        if name in PERSON_COMPARISONS or name.startswith(IDENTIFIER_PREFIX)
    ]


def person_weight(
    model: FellegiSunterModel,
    gamma: npt.NDArray[np.uint8],
    tf: Mapping[str, npt.NDArray[np.float32]] | None = None,
) -> npt.NDArray[np.float32]:
    """Sum of the person-level field weights of each pair (rows of `gamma`)."""
    columns = person_columns(model.comparison_names)
    weights = model.field_weights(gamma, tf)
    return np.asarray(weights[:, columns].sum(axis=1), dtype=np.float32)


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
    sub_tf = {k: v[linked] for k, v in (tf or {}).items()}
    out[linked] = person_weight(model, gamma[linked], sub_tf) < min_person_weight
    return out
