"""Clustering scored pairs into persons, with guards, review pairs and stable ids.

How :func:`cluster` decides (all steps vectorised; rounds are few):

1. **Strong edges** (probability >= ``strong_threshold``) always merge: sparse
   connected components over them (``scipy.sparse.csgraph``).
2. **Weak edges** (``match_threshold`` <= p < ``strong_threshold``) are grouped
   by the pair of components they join (polars ``group_by``). A component
   pair is *eligible* when one side is a single record (the edge is all the
   evidence a lone record can have), or when the share of its
   ``|A| x |B|`` cross pairs at or above the match threshold is at least
   ``min_cross_share``: one weak bridge between two multi-record identities
   (1 of 25 cross pairs for two 5-record identities) never merges them.
3. **Cannot-link**: with ``agency`` and ``agency_person``, an eligible pair is
   dropped when it would put two records of one agency with different agency
   person numbers in one cluster (strong edges overrule this).
4. Each round merges only non-overlapping structures, so chains cannot form
   within a round: multi-record pairs that are each other's best partner,
   single records onto their best multi-record partner (one per agency person
   number per target), and single records that are each other's best. Rounds
   repeat with the new sizes until nothing merges.

Edges at or above the match threshold whose records end in different
clusters are *refused* and go to review with the review band
(:func:`review_pairs`).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from linkage._dense_codes import distinct_sorted, same_label
from linkage._person_ids import assign_person_ids
from linkage.errors import InvalidInputError

__all__ = [
    "assign_person_ids",
    "cluster",
    "cluster_confidence",
    "refused_pairs",
    "review_pairs",
]

IntArray = npt.NDArray[np.int64]
AnyIntArray = npt.NDArray[np.integer[Any]]
People = tuple["IntArray", "IntArray", "IntArray"]
FloatArray = npt.NDArray[np.float64]
ArrayLike = npt.ArrayLike


def cluster(
    n_records: int,
    left: ArrayLike,
    right: ArrayLike,
    probability: ArrayLike,
    *,
    match_threshold: float,
    strong_threshold: float,
    agency: ArrayLike | None = None,
    agency_person: ArrayLike | None = None,
    min_cross_share: float = 0.5,
    max_rounds: int = 50,
) -> IntArray:
    """Cluster labels per record from scored pairs (see the module docstring).

    Args:
        n_records: number of records; labels are returned for each.
        left: row position of each pair's first record.
        right: row position of each pair's second record.
        probability: match probability of each pair.
        match_threshold: edges at or above it may link records.
        strong_threshold: edges at or above it always link, overruling guards.
        agency: integer agency code per record (for the cannot-link guard).
        agency_person: integer agency person number per record, negative when
            missing; two records of one agency with different numbers are kept
            apart unless a strong edge joins them.
        min_cross_share: share of cross pairs at or above the match threshold
            needed to merge two multi-record components by weak edges.
        max_rounds: bound on weak merge rounds.

    Returns:
        ``int64`` labels ``0..k-1``, numbered in order of each cluster's first record.
    """
    if not 0.0 < match_threshold <= strong_threshold <= 1.0:
        msg = "thresholds must satisfy 0 < match_threshold <= strong_threshold <= 1"
        raise InvalidInputError(msg)
    all_left, all_right, all_prob = _edges(n_records, left, right, probability)
    linked = np.flatnonzero(all_prob >= match_threshold)
    lft, rgt = all_left[linked].astype(np.int64), all_right[linked].astype(np.int64)
    prob = all_prob[linked]
    strong = prob >= strong_threshold
    labels = _components(n_records, lft[strong], rgt[strong])
    weak = ~strong
    wl, wr, wp = lft[weak], rgt[weak], prob[weak]
    people = _agency_people(agency, agency_person, n_records)
    for _ in range(max_rounds):
        ca, cb = labels[wl], labels[wr]
        cross = ca != cb
        wl, wr, wp = wl[cross], wr[cross], wp[cross]
        merges = _round_merges(labels, ca[cross], cb[cross], wp, min_cross_share, people)
        if merges.height == 0:
            break
        node = _components(int(labels.max()) + 1, merges["a"].to_numpy(), merges["b"].to_numpy())
        labels = node[labels]
    return _canonical(labels)


def _edges(
    n: int, left: ArrayLike, right: ArrayLike, probability: ArrayLike
) -> tuple[AnyIntArray, AnyIntArray, FloatArray]:
    """Validated integer endpoints (not copied when already integers) and float64 probabilities."""
    lft, rgt = _integers(left), _integers(right)
    prob = np.asarray(probability, dtype=np.float64)
    if not len(lft) == len(rgt) == len(prob):
        msg = "left, right and probability must have the same length"
        raise InvalidInputError(msg)
    if len(lft) and (min(lft.min(), rgt.min()) < 0 or max(lft.max(), rgt.max()) >= n):
        msg = f"pair row positions must lie in [0, {n})"
        raise InvalidInputError(msg)
    return lft, rgt, prob


def _integers(values: ArrayLike) -> AnyIntArray:
    """An integer array as it is, anything else as int64."""
    array = np.asarray(values)
    if array.dtype.kind in "iu" and array.dtype.itemsize <= 8 and array.dtype != np.uint64:
        return array
    return np.asarray(values, dtype=np.int64)


def _components(n: int, left: IntArray, right: IntArray) -> IntArray:
    """Connected component label per node."""
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph.tocsr(), directed=False)
    return np.asarray(labels, dtype=np.int64)


def _canonical(labels: IntArray) -> IntArray:
    """Relabel ``0..k-1`` in order of each cluster's first record (labels are ``>= 0``)."""
    n = len(labels)
    if n == 0:
        return labels.astype(np.int64)
    first = np.full(int(labels.max()) + 1, n, dtype=np.int64)
    np.minimum.at(first, labels, np.arange(n, dtype=np.int64))
    is_first = np.zeros(n + 1, dtype=np.int64)
    is_first[first] = 1
    rank = np.cumsum(is_first[:n]) - 1
    return rank[first[labels]]


def _agency_people(
    agency: ArrayLike | None, agency_person: ArrayLike | None, n: int
) -> People | None:
    """Records that carry an agency person number: ``record, agency, person`` arrays."""
    if agency is None or agency_person is None:
        return None
    codes = np.asarray(agency, dtype=np.int64)
    persons = np.asarray(agency_person, dtype=np.int64)
    if len(codes) != n or len(persons) != n:
        msg = "agency and agency_person need one value per record"
        raise InvalidInputError(msg)
    has = np.flatnonzero(persons >= 0)
    return has, codes[has], persons[has]


def _round_merges(
    labels: IntArray,
    ca: IntArray,
    cb: IntArray,
    prob: FloatArray,
    min_cross_share: float,
    people: People | None,
) -> pl.DataFrame:
    """Component pairs ``a, b`` to merge this round (non-overlapping structures)."""
    if len(ca) == 0:
        return pl.DataFrame(schema={"a": pl.Int64, "b": pl.Int64})
    sizes = np.bincount(labels)
    grouped = (
        pl.DataFrame({"a": np.minimum(ca, cb), "b": np.maximum(ca, cb), "p": prob})
        .group_by("a", "b")
        .agg(pl.len().alias("n"), pl.col("p").max().alias("best"))
    )
    pairs = grouped.with_columns(
        size_a=sizes[grouped["a"].to_numpy()], size_b=sizes[grouped["b"].to_numpy()]
    ).filter(
        (pl.min_horizontal("size_a", "size_b") == 1)
        | (pl.col("n") >= min_cross_share * pl.col("size_a") * pl.col("size_b"))
    )
    held = None if people is None else _component_people(labels, people, ca, cb)
    if held is not None:
        pairs = _drop_conflicts(pairs, held)
    both = pl.concat(
        [
            pairs.select("a", "b", "best", "n", "size_a", "size_b"),
            pairs.select(
                pl.col("b").alias("a"),
                pl.col("a").alias("b"),
                "best",
                "n",
                pl.col("size_b").alias("size_a"),
                pl.col("size_a").alias("size_b"),
            ),
        ]
    )
    large = both.filter((pl.col("size_a") > 1) & (pl.col("size_b") > 1))
    mutual_large = _mutual_best(large)
    busy = pl.concat([mutual_large["a"], mutual_large["b"]])
    single = both.filter(pl.col("size_a") == 1)
    best = _best_partner(single)
    onto_large = best.filter((pl.col("size_b") > 1) & ~pl.col("b").is_in(busy.implode()))
    if held is not None:
        onto_large = _one_per_agency_person(onto_large, held)
    mutual_single = _mutual_best(single.filter(pl.col("size_b") == 1))
    return pl.concat(
        [mutual_large.select("a", "b"), onto_large.select("a", "b"), mutual_single.select("a", "b")]
    )


def _best_partner(directed: pl.DataFrame) -> pl.DataFrame:
    """Each ``a``'s best ``b``: highest probability, most edges, smallest id."""
    return directed.sort(["best", "n", "b"], descending=[True, True, False]).unique(
        subset="a", keep="first"
    )


def _mutual_best(directed: pl.DataFrame) -> pl.DataFrame:
    """Pairs ``a < b`` that are each other's best partner."""
    best = _best_partner(directed).select("a", "b")
    back = best.select(pl.col("b").alias("a"), pl.col("a").alias("b"))
    return best.join(back, on=["a", "b"], how="semi").filter(pl.col("a") < pl.col("b"))


def _component_people(labels: IntArray, people: People, ca: IntArray, cb: IntArray) -> pl.DataFrame:
    """Distinct ``comp, agency, person`` over numbered records of the components in ``ca, cb``."""
    record, agency, person = people
    touched = np.zeros(int(labels.max()) + 1, dtype=bool)
    touched[ca] = True
    touched[cb] = True
    comps = labels[record]
    sel = touched[comps]
    comps, agency, person = comps[sel], agency[sel], person[sel]
    n_agency = int(agency.max()) + 1 if len(agency) else 1
    n_person = int(person.max()) + 1 if len(person) else 1
    if len(touched) * n_agency * n_person >= 1 << 62:
        frame = pl.DataFrame({"agency": agency, "person": person, "comp": comps})
        return frame.unique()
    packed = distinct_sorted((comps * n_agency + agency) * n_person + person)
    return pl.DataFrame(
        {
            "agency": packed // n_person % n_agency,
            "person": packed % n_person,
            "comp": packed // (n_person * n_agency),
        }
    )


def _drop_conflicts(pairs: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """Drop component pairs holding one agency's records with different person numbers."""
    side_a = held.rename({"comp": "a", "person": "person_a"})
    side_b = held.rename({"comp": "b", "person": "person_b"})
    conflicts = (
        pairs.select("a", "b")
        .join(side_a, on="a")
        .join(side_b, on=["b", "agency"])
        .filter(pl.col("person_a") != pl.col("person_b"))
        .select("a", "b")
        .unique()
    )
    return pairs.join(conflicts, on=["a", "b"], how="anti")


def _one_per_agency_person(joins: pl.DataFrame, held: pl.DataFrame) -> pl.DataFrame:
    """Of single records joining one target, keep the best per agency with a person number."""
    tagged = joins.join(held.rename({"comp": "a"}), on="a", how="left")
    numbered = tagged.filter(pl.col("agency").is_not_null())
    keep = (
        numbered.sort(["best", "n", "a"], descending=[True, True, False])
        .unique(subset=["b", "agency"], keep="first")
        .select("a")
    )
    unnumbered = tagged.filter(pl.col("agency").is_null()).select("a")
    return joins.join(pl.concat([keep, unnumbered]), on="a", how="semi")


def refused_pairs(
    labels: ArrayLike,
    left: ArrayLike,
    right: ArrayLike,
    probability: ArrayLike,
    *,
    match_threshold: float,
) -> npt.NDArray[np.bool_]:
    """Mask of pairs at or above the match threshold whose records were kept apart."""
    lab = np.asarray(labels)
    lft, rgt, prob = _edges(len(lab), left, right, probability)
    refused = np.zeros(len(prob), dtype=bool)
    linked = np.flatnonzero(prob >= match_threshold)  # a few of the pairs: compare only those
    refused[linked] = ~same_label(lab, lft[linked], rgt[linked])
    return refused


def review_pairs(
    left: ArrayLike,
    right: ArrayLike,
    probability: ArrayLike,
    labels: ArrayLike,
    *,
    review_threshold: float,
    match_threshold: float,
) -> pl.DataFrame:
    """Pairs a practitioner should review.

    Args:
        left: row position of each pair's first record.
        right: row position of each pair's second record.
        probability: match probability of each pair.
        labels: cluster label per record from :func:`cluster`.
        review_threshold: lower edge of the review band.
        match_threshold: upper edge of the review band.

    Returns:
        ``pair`` (index into the input arrays), ``left``, ``right``,
        ``probability`` and ``reason``: ``"review_band"`` for
        ``review_threshold <= p < match_threshold``, ``"guard_refused"`` for
        pairs at or above the match threshold left in different clusters.
    """
    lab = np.asarray(labels)
    lft, rgt, prob = _edges(len(lab), left, right, probability)
    band = (prob >= review_threshold) & (prob < match_threshold)
    refused = refused_pairs(lab, lft, rgt, prob, match_threshold=match_threshold)
    index = np.flatnonzero(band | refused)
    return pl.DataFrame(
        {
            "pair": index,
            "left": lft[index].astype(np.int64),
            "right": rgt[index].astype(np.int64),
            "probability": prob[index],
            "reason": np.where(refused[index], "guard_refused", "review_band"),
        }
    )


def cluster_confidence(
    labels: ArrayLike, left: ArrayLike, right: ArrayLike, probability: ArrayLike
) -> FloatArray:
    """Confidence per record in its cluster assignment.

    A record in a multi-record cluster gets the highest probability among its
    scored pairs inside its cluster (how strongly it is tied in). A singleton
    gets ``1 - `` the highest probability of any of its scored pairs (how sure
    it is that it belongs to no one else); ``1.0`` when it has no pairs.
    """
    lab = np.asarray(labels)
    lft, rgt, prob = _edges(len(lab), left, right, probability)
    n = len(lab)
    multi = np.bincount(lab)[lab] > 1
    out = np.zeros(n)
    inside = np.flatnonzero(same_label(lab, lft, rgt))
    np.maximum.at(out, lft[inside], prob[inside])
    np.maximum.at(out, rgt[inside], prob[inside])
    # a singleton's pairs all leave its cluster: only its own ends need the maximum
    single = np.zeros(n)
    for ends in (lft, rgt):
        alone = np.flatnonzero(~multi[ends])
        np.maximum.at(single, ends[alone], prob[alone])
    return np.where(multi, out, 1.0 - single)
