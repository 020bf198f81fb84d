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

from collections.abc import Mapping
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


class Candidate:
    """An identity's best-scoring record against a query: candidate ``index`` of ``scores``,
    at index row ``row``. :meth:`explanation` builds its explanation when asked."""

    __slots__ = ("_index", "_mpi", "_row", "_scores", "guarded", "probability")

    def __init__(
        self,
        probability: float,
        guarded: bool,
        mpi: MasterPersonIndex,
        scores: Scores,
        index: int,
        row: int,
    ) -> None:
        self.probability = probability
        self.guarded = guarded
        self._mpi, self._scores, self._index, self._row = mpi, scores, index, row

    def explanation(self) -> Explanation:
        """The explanation of this candidate's score."""
        return explain_row(self._mpi, self._scores, self._index, self._row)


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
        person: Candidate(chances[i], held[i], mpi, scores, i, rows[i])
        for person, i in chosen.items()
    }


def band_of(mpi: MasterPersonIndex, candidate: Candidate) -> Band:
    """The band of a candidate: a guarded match is a review."""
    return "review" if candidate.guarded else mpi.thresholds.band(candidate.probability)


def ranked(
    mpi: MasterPersonIndex, best: dict[int, Candidate], max_results: int, min_probability: float
) -> list[IdentityMatch]:
    """Identities in the match band first, then by probability and person id."""
    thresholds = mpi.thresholds
    with mpi.lock.read():
        person_ids = mpi.person_ids
        keyed = []
        for person, candidate in best.items():  # each band worked out once
            band = "review" if candidate.guarded else thresholds.band(candidate.probability)
            key = (band != "match", -candidate.probability, person_ids[person])
            keyed.append((key, person, candidate, band))
        keyed.sort(key=_first)
        chosen = [
            (person, candidate, band)
            for _, person, candidate, band in keyed[: max(max_results, 1)]
            if candidate.probability >= min_probability
        ]
        if not chosen:
            return []
        # every record key read at once: one gather per column, not two numpy reads a row
        members = [list(mpi.members.get(person, ())) for person, _, _ in chosen]
        best_rows = [candidate._row for _, candidate, _ in chosen]
        refs = refs_of_rows(mpi.columns, [*best_rows, *(r for rows in members for r in rows)])
        at = len(best_rows)
        explanations = _explanations(mpi, [candidate for _, candidate, _ in chosen], refs[:at])
        out = []
        for (person, candidate, band), explanation, rows in zip(
            chosen, explanations, members, strict=True
        ):
            records = sorted(refs[at : at + len(rows)])  # keys are distinct
            at += len(rows)
            out.append(
                IdentityMatch(person_ids[person], candidate.probability, band, explanation, records)
            )
    return out


def _explanations(
    mpi: MasterPersonIndex, chosen: list[Candidate], best_records: list[tuple[str, str]]
) -> list[Explanation]:
    """:func:`explain_row` of candidates, their scores read at once when they share them."""
    scores = chosen[0]._scores
    if any(candidate._scores is not scores for candidate in chosen):
        return [
            _explanation(mpi, c._scores, c._index, ref)
            for c, ref in zip(chosen, best_records, strict=True)
        ]
    scorer = mpi._need_scorer()
    labels, names, prior = scorer.level_labels, scorer.comparison_names, scorer.prior_weight
    at = [candidate._index for candidate in chosen]
    return [
        Explanation(
            prior,
            tuple(
                (name, labels[j][level], weight)
                for j, (name, level, weight) in enumerate(zip(names, levels, weights, strict=True))
            ),
            match_weight,
            probability,
            ref,
        )
        for levels, weights, match_weight, probability, ref in zip(
            scores.levels[at].tolist(),
            scores.field_weights[at].tolist(),
            scores.weight[at].tolist(),
            scores.probability[at].tolist(),
            best_records,
            strict=True,
        )
    ]


def _first(item: tuple[Any, ...]) -> Any:
    return item[0]


def refs_of_rows(columns: RecordColumns, rows: list[int]) -> list[tuple[str, str]]:
    """:meth:`RecordColumns.refs` of some rows (read side held), one gather per column."""
    agency, record_id = columns.agency, columns.record_id
    if agency.kind != "text" or record_id.kind != "text":
        return columns.refs(rows)
    at = np.asarray(rows, dtype=np.int64)
    agencies = agency.values[agency.data[at]].tolist()
    return list(zip(agencies, record_id.values[record_id.data[at]].tolist(), strict=True))


def explain_row(mpi: MasterPersonIndex, scores: Scores, i: int, row: int) -> Explanation:
    """The explanation of candidate ``i`` (index row ``row``) of some scores."""
    return _explanation(mpi, scores, i, mpi.columns.ref(row))


def _explanation(
    mpi: MasterPersonIndex, scores: Scores, i: int, best_record: tuple[str, str]
) -> Explanation:
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
        best_record,
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
