"""Banding a group upsert's scored pairs: each record's identities in the match and review bands.

:func:`banded_at_start` bands every record at once with the identities as at the group's
start; :class:`Moved` tells which records must be re-banded (:func:`banded`) because a
candidate row changed identity since; :func:`bands` ranks as the one-record path does.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from linkage.resolver import MasterPersonIndex

IntArray = npt.NDArray[np.int64]
#: (record, candidate row, probability, refused by the household guard) of a group's pairs
Found = tuple[IntArray, IntArray, npt.NDArray[np.float64], npt.NDArray[np.bool_]]

Banded = list[tuple[int, float, bool]]


def banded_at_start(
    mpi: MasterPersonIndex,
    found: Found,
    count: int,
) -> list[Banded | None]:
    """:func:`banded` of every record at once, with the identities as at the group's start.

    None for the records with a candidate of the group (its identity is decided later);
    the caller also recomputes once a merge or split has moved rows between identities.
    """
    query, target, probability, refused = found
    n0 = mpi.columns.n
    from_group = np.bincount(query[target >= n0], minlength=count) > 0
    out: list[Banded | None] = [None if g else [] for g in from_group.tolist()]
    keep = ~from_group[query]
    query, target = query[keep], target[keep]
    probability, refused = probability[keep], refused[keep]
    people = mpi.columns.person[target]
    order = np.lexsort((-probability, refused, people, query))
    q, p = query[order], people[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (q[1:] != q[:-1]) | (p[1:] != p[:-1])
    chosen = order[first]
    chosen = chosen[(probability[chosen] >= mpi.thresholds.review) | refused[chosen]]
    for i, person, prob, guard in zip(
        query[chosen].tolist(),
        people[chosen].tolist(),
        probability[chosen].tolist(),
        refused[chosen].tolist(),
        strict=True,
    ):
        banded = out[i]
        assert banded is not None
        banded.append((person, prob, guard))
    return out


def banded(
    mpi: MasterPersonIndex,
    rows: IntArray,
    probability: npt.NDArray[np.float64],
    refused: npt.NDArray[np.bool_],
) -> Banded:
    """(identity, probability, guarded) of the identities in the match or review band.

    Per identity its best candidate: unguarded before guarded, then the highest
    probability (:func:`linkage.resolver_reads.best_per_person`); a guarded one is a review.
    """
    if len(rows) == 0:
        return []
    people = mpi.columns.person[rows]
    order = np.lexsort((-probability, refused, people))
    sorted_people = people[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = sorted_people[1:] != sorted_people[:-1]
    chosen = order[first]
    chosen = chosen[(probability[chosen] >= mpi.thresholds.review) | refused[chosen]]
    return list(
        zip(
            people[chosen].tolist(),
            probability[chosen].tolist(),
            refused[chosen].tolist(),
            strict=True,
        )
    )


def bands(
    mpi: MasterPersonIndex, banded: Banded
) -> tuple[list[tuple[int, float]], list[tuple[int, float]]]:
    """Identities in the match and review bands, best first, as the one-record path ranks them."""
    if not banded:
        return [], []
    t = mpi.thresholds
    ranked = sorted(banded, key=lambda c: (-c[1], mpi.created[c[0]], mpi.person_ids[c[0]]))
    in_match = [(p, prob) for p, prob, guard in ranked if not guard and prob >= t.match]
    in_review = [(p, prob) for p, prob, guard in ranked if guard or prob < t.match]
    return in_match, in_review


class Moved:
    """Records whose candidate rows have changed identity since the group's start.

    Rows change identity only when the identity they were in at the start (or one they
    moved to later, itself so marked) is merged away or split: :meth:`identity` marks
    the records with a candidate in it then.
    """

    def __init__(
        self,
        mpi: MasterPersonIndex,
        found: Found | None,
        count: int,
    ) -> None:
        self.stale = np.zeros(count, dtype=bool)
        query, target = (found[0], found[1]) if found else (np.empty(0, np.int64),) * 2
        indexed = target < mpi.columns.n  # group rows: their records are re-banded anyway
        people = mpi.columns.person[target[indexed]]
        order = np.argsort(people, kind="stable")
        self.people, self.query = people[order], query[indexed][order]

    def identity(self, person: int) -> None:
        """The rows of ``person`` (as at the group's start) have moved."""
        a, b = np.searchsorted(self.people, [person, person + 1])
        self.stale[self.query[a:b]] = True
