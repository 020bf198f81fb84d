"""The pipeline's per-record codes and its scoring of the candidate pairs.

Split from :mod:`linkage.pipeline`: the record codes are made on a second
thread while the pairs are scored, and scoring runs in two halves side by side.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage import decision, evaluate
from linkage._dense_codes import dense_codes
from linkage.comparisons import ComparisonVectors
from linkage.model import FellegiSunterModel
from linkage.schema import KEY_COLUMNS, TRUTH_COLUMN

AGENCY_PERSON_NO = "id_agency_person_no"
#: pairs from which scoring runs in two halves side by side (each half far above the
#: rows from which `lookup_sum` adds the fields in the same order whatever the rows)
SPLIT_PAIRS = 100_000

_Scored = tuple[npt.NDArray[np.float64], npt.NDArray[np.float64], npt.NDArray[np.bool_]]


@dataclass(frozen=True)
class RecordCodes:
    """Per-record values scoring does not need: coded once, while the pairs are scored."""

    keys: pl.DataFrame  # agency, record_id, one chunk each (fast gathers)
    agency: npt.NDArray[np.int64]
    agency_person: npt.NDArray[np.int64] | None  # -1 when absent
    truth: npt.NDArray[np.int64] | None  # each missing label its own code
    per_agency: pl.DataFrame


def record_codes(std: pl.DataFrame) -> RecordCodes:
    """Codes of the agencies, agency person numbers and truth, the keys and agency counts."""
    person = std.get_column(AGENCY_PERSON_NO) if AGENCY_PERSON_NO in std.columns else None
    truth = std.get_column(TRUTH_COLUMN) if TRUTH_COLUMN in std.columns else None
    return RecordCodes(
        keys=key_frame(std),
        agency=dense_codes(std["agency"], blank_is_missing=False)[0],
        agency_person=None if person is None else dense_codes(person, blank_is_missing=False)[0],
        truth=None if truth is None else evaluate.truth_codes(truth),
        per_agency=std.group_by("agency").len().sort("agency"),
    )


def score_pairs(model: FellegiSunterModel, vectors: ComparisonVectors) -> _Scored:
    """Weight, probability and the household guard of each pair, in two halves side by
    side (each pair on its own, so the same values; numpy lets go of the GIL). Each half
    writes into the whole arrays, so only its own temporaries come on top."""
    n = len(vectors.gamma)
    weight, probability = np.empty(n), np.empty(n)
    household = np.empty(n, dtype=bool)

    def part(rows: slice) -> None:
        gamma = vectors.gamma[rows]
        tf = {name: values[rows] for name, values in vectors.tf.items()}
        weight[rows] = model.match_weight(gamma, tf)
        probability[rows] = model.match_probability(weight[rows])
        household[rows] = decision.household_only(model, gamma, probability[rows], tf)

    half = n // 2 if n >= SPLIT_PAIRS else 0
    with ThreadPoolExecutor(max_workers=1) as pool:
        second = pool.submit(part, slice(half, None))
        part(slice(0, half))
        second.result()
    return weight, probability, household


def key_frame(std: pl.DataFrame) -> pl.DataFrame:
    """``agency, record_id`` in one chunk each: ``std.select`` copies more, and gathers
    from the many chunks of the stacked extracts are several times slower."""
    return pl.DataFrame([std.get_column(c) for c in KEY_COLUMNS]).rechunk()
