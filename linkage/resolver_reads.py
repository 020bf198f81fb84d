"""Read paths of the master person index: score candidates, rank identities, explain, people.

Called by :class:`linkage.resolver.MasterPersonIndex`. Scoring runs outside
the index lock: :func:`candidates` copies what it needs under the read side,
:func:`best_per_person` works on those copies, and :func:`ranked` takes the
read side again only to name identities and list their records.

The household guard (:mod:`linkage.decision`, the batch's rule) applies here
too: a candidate at or above the match threshold whose person-level evidence
(given and middle name, date of birth, sex, e-mail, identifiers) is too weak
(:func:`linkage.decision.person_refused`: against relatives when the model has
a household model, else under ``MIN_PERSON_WEIGHT`` bits) is not a match but a review.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from linkage.comparisons._kernels import PreparedCandidates
from linkage.decision import MIN_PERSON_WEIGHT, person_columns, person_refused
from linkage.errors import PersonNotFoundError
from linkage.index import RecordColumns, Scorer, Scores
from linkage.model import FellegiSunterModel
from linkage.resolver_types import Band, Explanation, IdentityMatch, Person

if TYPE_CHECKING:
    from linkage.resolver import MasterPersonIndex


@dataclass(frozen=True)
class Candidate:
    """An identity's best-scoring record against a query."""

    probability: float
    guarded: bool
    explanation: Callable[[], Explanation]


@dataclass(frozen=True)
class Gathered:
    """Candidate rows with copies of their columns, persons and keys (taken under the lock)."""

    rows: npt.NDArray[np.int64]
    columns: dict[str, npt.NDArray[Any]] | PreparedCandidates
    people: npt.NDArray[np.int32]


def candidates(
    columns: RecordColumns, hashes: npt.NDArray[np.uint64], exclude: tuple[str, str] | None
) -> Gathered:
    """Live rows sharing a blocking key, their columns and persons (hold the read side)."""
    rows = columns.candidates(hashes)
    if exclude is not None and len(rows):
        rows = rows[rows != (columns.row_of(exclude) or -1)]
    return Gathered(rows, columns.scoring_candidates(rows), columns.person[rows].copy())


def guarded(scorer: Scorer, scores: Scores, match: float) -> npt.NDArray[np.bool_]:
    """Candidates in the match band refused by the household guard."""
    out = scores.probability >= match
    if out.any():
        model = getattr(scorer, "model", None)
        if isinstance(model, FellegiSunterModel):  # the batch's decision, household model included
            band = np.flatnonzero(out)
            levels, weights = scores.levels[band], scores.field_weights[band]
            out[band] = person_refused(model, levels, weights, match_threshold=match)
            return out
        wanted = person_columns(scorer.comparison_names)
        evidence = scores.field_weights[:, wanted].sum(axis=1)
        out &= evidence < MIN_PERSON_WEIGHT
    return out


def best_per_person(
    mpi: MasterPersonIndex, query: Mapping[str, Any], found: Gathered
) -> dict[int, Candidate]:
    """Best candidate per identity: unguarded first, then probability, then record key."""
    if len(found.rows) == 0:
        return {}
    scorer = mpi._need_scorer()
    scores = scorer.score(query, found.columns)
    refused = guarded(scorer, scores, mpi.thresholds.match)
    probability = scores.probability
    order = np.lexsort((found.rows, -probability, refused)).tolist()
    # plain lists: a numpy scalar per read costs more than the loop's work
    people, chances, held = found.people.tolist(), probability.tolist(), refused.tolist()
    chosen: dict[int, int] = {}
    tied: list[int] = []
    for i in order:
        person = people[i]
        j = chosen.get(person)
        if j is None:
            chosen[person] = i
        elif chances[i] == chances[j] and held[i] == held[j]:
            tied.append(i)
    if tied:  # ties go to the smallest (agency, record_id): stable
        with mpi.lock.read():
            for i in tied:
                person = people[i]
                j = chosen[person]
                if mpi.columns.ref(int(found.rows[i])) < mpi.columns.ref(int(found.rows[j])):
                    chosen[person] = i
    rows = found.rows.tolist()
    return {
        person: Candidate(
            chances[i], held[i], functools.partial(explain_row, mpi, scores, i, rows[i])
        )
        for person, i in chosen.items()
    }


def band_of(mpi: MasterPersonIndex, candidate: Candidate) -> Band:
    """The band of a candidate: a guarded match is a review."""
    return "review" if candidate.guarded else mpi.thresholds.band(candidate.probability)


def ranked(
    mpi: MasterPersonIndex, best: dict[int, Candidate], max_results: int, min_probability: float
) -> list[IdentityMatch]:
    """Identities in the match band first, then by probability and person id."""
    out = []
    thresholds = mpi.thresholds
    with mpi.lock.read():
        person_ids = mpi.person_ids
        keyed = []
        for person, candidate in best.items():  # each band worked out once
            band = "review" if candidate.guarded else thresholds.band(candidate.probability)
            key = (band != "match", -candidate.probability, person_ids[person])
            keyed.append((key, person, candidate, band))
        keyed.sort(key=_first)
        for _, person, candidate, band in keyed[: max(max_results, 1)]:
            if candidate.probability < min_probability:
                continue
            out.append(
                IdentityMatch(
                    person_ids[person],
                    candidate.probability,
                    band,
                    candidate.explanation(),
                    refs_of(mpi, person),
                )
            )
    return out


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def explain_row(mpi: MasterPersonIndex, scores: Scores, i: int, row: int) -> Explanation:
    """The explanation of candidate ``i`` (index row ``row``) of some scores."""
    scorer = mpi._need_scorer()
    labels = scorer.level_labels
    # one tolist per row, not a numpy scalar per field
    levels, weights = scores.levels[i].tolist(), scores.field_weights[i].tolist()
    fields = tuple(
        (name, labels[j][level], float(weight))
        for j, (name, level, weight) in enumerate(
            zip(scorer.comparison_names, levels, weights, strict=True)
        )
    )
    return Explanation(
        scorer.prior_weight,
        fields,
        float(scores.weight[i]),
        float(scores.probability[i]),
        mpi.columns.ref(row),
    )


def refs_of(mpi: MasterPersonIndex, person: int) -> list[tuple[str, str]]:
    """The (agency, record_id) keys of an identity's records, sorted."""
    return sorted(mpi.columns.refs(mpi.members.get(person, ())))  # keys are distinct


def get_person(mpi: MasterPersonIndex, person_id: str) -> Person:
    """An identity following merge redirects (hold the read side)."""
    survivor = person_id
    while survivor in mpi.redirect:
        survivor = mpi.redirect[survivor]
    number = mpi.number_of.get(survivor)
    rows = sorted(mpi.members.get(number, ())) if number is not None else []
    if number is None or not rows:
        msg = f"no person {person_id!r}"
        raise PersonNotFoundError(msg)
    merged_from = sorted(_merged_into(mpi.redirect, survivor))
    family = {survivor, *merged_from}
    return Person(
        person_id=survivor,
        records=refs_of(mpi, number),
        confidence=float(mpi.columns.probability[rows].min()),
        merged_from=merged_from,
        merge_history=[m for m in mpi.merges if m.survivor_person_id in family],
        review_person_ids=sorted(mpi.reviews.get(survivor, {})),
    )


def _merged_into(redirect: Mapping[str, str], survivor: str) -> set[str]:
    found: set[str] = set()
    frontier = [survivor]
    while frontier:
        target = frontier.pop()
        for merged, into in redirect.items():
            if into == target and merged not in found:
                found.add(merged)
                frontier.append(merged)
    return found


def frequencies(columns: RecordColumns, live: npt.NDArray[np.int64], name: str) -> dict[Any, float]:
    """Each non-missing value's share of the non-missing values of a kept text column."""
    column = columns.std.get(name)
    if column is None or column.kind != "text" or len(live) == 0:
        return {}
    counts = np.bincount(column.data[live], minlength=column.n_values)
    counts[0] = 0
    total = max(int(counts.sum()), 1)
    present = np.flatnonzero(counts)
    out: dict[Any, float] = {}
    for value, count in zip(column.values[present].tolist(), counts[present].tolist(), strict=True):
        out[value] = out.get(value, 0.0) + count / total  # a value appended twice has two codes
    return out
