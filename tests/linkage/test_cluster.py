from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from linkage.cluster import (
    assign_person_ids,
    cluster,
    cluster_confidence,
    refused_pairs,
    review_pairs,
)
from linkage.errors import InvalidInputError

MATCH, STRONG = 0.8, 0.99


def edges(*pairs: tuple[int, int, float]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    left, right, prob = zip(*pairs, strict=True) if pairs else ((), (), ())
    return np.array(left, dtype=np.uint32), np.array(right, dtype=np.uint32), np.array(prob)


def identity(records: range, probability: float) -> list[tuple[int, int, float]]:
    return [(a, b, probability) for a, b in itertools.combinations(records, 2)]


def two_identities_and_bridge(bridge: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return edges(*identity(range(5), 0.995), *identity(range(5, 10), 0.97), (4, 5, bridge))


def run(n: int, e: tuple[np.ndarray, np.ndarray, np.ndarray], **kwargs: object) -> list[int]:
    labels = cluster(n, *e, match_threshold=MATCH, strong_threshold=STRONG, **kwargs)  # type: ignore[arg-type]
    return labels.tolist()


@pytest.mark.parametrize(
    ("bridge", "expected"),
    [
        pytest.param(0.9, [0] * 5 + [1] * 5, id="weak-bridge-refused"),
        pytest.param(0.995, [0] * 10, id="strong-bridge-merges"),
    ],
)
def test_one_weak_bridge_does_not_merge_two_identities(bridge: float, expected: list[int]) -> None:
    assert run(10, two_identities_and_bridge(bridge)) == expected


def test_many_cross_pairs_above_threshold_merge_two_identities() -> None:
    cross = [(a, b, 0.9) for a in range(5) for b in range(5, 10) if (a + b) % 3]
    assert (
        run(10, edges(*identity(range(5), 0.995), *identity(range(5, 10), 0.97), *cross))
        == [0] * 10
    )


def test_single_record_joins_its_best_identity_only() -> None:
    # record 10 has weak edges into both identities: it joins the better one, no chain
    e = edges(
        *identity(range(5), 0.995), *identity(range(5, 10), 0.97), (3, 10, 0.95), (7, 10, 0.85)
    )
    labels = run(11, e)
    assert labels == [0] * 5 + [1] * 5 + [0]


def test_weak_chain_of_single_records_does_not_merge_everything() -> None:
    # a path 0-1-2-3 of weak edges: pairs that are each other's best merge first
    labels = run(4, edges((0, 1, 0.95), (1, 2, 0.85), (2, 3, 0.95)))
    assert labels == [0, 0, 1, 1]


def test_pairs_below_threshold_never_link() -> None:
    assert run(3, edges((0, 1, 0.5), (1, 2, 0.79))) == [0, 1, 2]


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        pytest.param(0.9, [0, 1], id="weak-evidence-kept-apart"),
        pytest.param(0.995, [0, 0], id="strong-evidence-overrules"),
    ],
)
def test_cannot_link_same_agency_different_person_numbers(
    probability: float, expected: list[int]
) -> None:
    labels = run(
        2,
        edges((0, 1, probability)),
        agency=np.array([0, 0]),
        agency_person=np.array([11, 12]),
    )
    assert labels == expected


def test_cannot_link_ignores_other_agencies_and_missing_numbers() -> None:
    e = edges((0, 1, 0.9), (1, 2, 0.9), (0, 2, 0.9))
    labels = run(3, e, agency=np.array([0, 1, 0]), agency_person=np.array([5, 6, -1]))
    assert labels == [0, 0, 0]


def test_cannot_link_keeps_two_numbered_records_out_of_one_identity() -> None:
    # records 2 and 3: same agency, different numbers, both weakly attached to 0-1
    e = edges((0, 1, 0.995), (0, 2, 0.9), (1, 3, 0.85))
    labels = run(4, e, agency=np.array([0, 0, 1, 1]), agency_person=np.array([-1, -1, 7, 8]))
    assert labels[2] == labels[0]
    assert labels[3] != labels[0]


def test_review_pairs_holds_the_band_and_refused_pairs() -> None:
    left, right, prob = two_identities_and_bridge(0.9)
    left = np.append(left, 0)
    right = np.append(right, 9)
    prob = np.append(prob, 0.6)
    labels = cluster(10, left, right, prob, match_threshold=MATCH, strong_threshold=STRONG)
    review = review_pairs(left, right, prob, labels, review_threshold=0.5, match_threshold=MATCH)
    assert review.select("left", "right", "reason").rows() == [
        (4, 5, "guard_refused"),
        (0, 9, "review_band"),
    ]
    assert refused_pairs(labels, left, right, prob, match_threshold=MATCH).sum() == 1


def test_confidence_for_members_and_singletons() -> None:
    left, right, prob = edges((0, 1, 0.95), (1, 2, 0.99), (2, 3, 0.3))
    labels = cluster(5, left, right, prob, match_threshold=MATCH, strong_threshold=STRONG)
    confidence = cluster_confidence(labels, left, right, prob)
    assert confidence.tolist() == pytest.approx([0.95, 0.99, 0.99, 0.7, 1.0])


def test_bad_input_is_refused() -> None:
    with pytest.raises(InvalidInputError):
        cluster(2, [0], [2], [0.9], match_threshold=MATCH, strong_threshold=STRONG)
    with pytest.raises(InvalidInputError):
        cluster(2, [0], [1], [0.9], match_threshold=0.9, strong_threshold=0.8)


def keys(n: int) -> pl.DataFrame:
    return pl.DataFrame({"agency": ["police"] * n, "record_id": [f"r{i:05d}" for i in range(n)]})


def test_person_ids_are_deterministic_and_shared_within_a_cluster() -> None:
    ids, merges = assign_person_ids(keys(4), np.array([0, 0, 1, 2]))
    again, _ = assign_person_ids(keys(4), np.array([0, 0, 1, 2]))
    assert ids.equals(again)
    person = ids["person_id"].to_list()
    assert person[0] == person[1]
    assert len(set(person)) == 3
    assert all(p.startswith("P-") and len(p) == 14 for p in person)
    assert merges.height == 0


@pytest.mark.parametrize(
    ("old", "new_labels", "expected", "merged"),
    [
        pytest.param(
            "AAABBB", [0, 0, 0, 0, 0, 0], "AAAAAA", [("B", "A")], id="merge-tie-smaller-id"
        ),
        pytest.param("AABBBB", [0, 0, 0, 0, 0, 0], "BBBBBB", [("A", "B")], id="merge-majority-id"),
        pytest.param("AAABBB", [0, 0, 0, 0, 0, 1], "AAAAA*", [("B", "A")], id="merge-and-split"),
        pytest.param("AAABBB", [0, 1, 1, 2, 2, 2], "*AABBB", [], id="split-larger-part-keeps"),
        pytest.param("AAABBB", [0, 0, 0, 1, 1, 1], "AAABBB", [], id="unchanged"),
    ],
)
def test_person_ids_carry_over(
    old: str, new_labels: list[int], expected: str, merged: list[tuple[str, str]]
) -> None:
    previous = keys(6).with_columns(person_id=pl.Series(list(old)))
    ids, merges = assign_person_ids(keys(6), np.array(new_labels), previous)
    person = ids["person_id"].to_list()
    for got, want in zip(person, expected, strict=True):
        if want == "*":
            assert got.startswith("P-")
        else:
            assert got == want
    assert merges.rows() == merged


def test_re_clustering_with_one_percent_more_records_keeps_ids() -> None:
    rng = np.random.default_rng(3)
    n = 5_000
    truth = rng.integers(0, 3_000, n + n // 100)
    first, _ = assign_person_ids(keys(n), truth[:n])
    labels = truth.copy()
    noise = rng.random(labels.size) < 0.002  # a few records re-assigned by the new run
    labels[noise] = rng.integers(10_000, 20_000, int(noise.sum()))
    second, _ = assign_person_ids(keys(labels.size), labels, first)
    kept = (second["person_id"][:n] == first["person_id"]).mean()
    assert kept >= 0.99
    new_ids = set(second["person_id"][n:]) - set(first["person_id"])
    assert all(p.startswith("P-") for p in new_ids)


def test_new_ids_never_reuse_a_previous_id() -> None:
    # the split-off record 0 was the seed of A's hashed id; it must not get A's id again
    first, _ = assign_person_ids(keys(3), np.array([0, 0, 0]))
    second, _ = assign_person_ids(keys(3), np.array([0, 1, 1]), first)
    person = second["person_id"].to_list()
    assert person[1] == person[2] == first["person_id"][0]
    assert person[0] != person[1]


# --- the fast paths against the v1 implementation ---

_graphs = st.integers(2, 24).flatmap(
    lambda n: st.tuples(
        st.just(n),
        st.lists(
            st.tuples(
                st.integers(0, n - 1),
                st.integers(0, n - 1),
                st.sampled_from([0.1, 0.5, 0.8, 0.85, 0.9, 0.97, 0.995, 1.0]),
            ),
            max_size=60,
        ),
        st.lists(st.integers(0, 2), min_size=n, max_size=n),
        st.lists(st.integers(-1, 3), min_size=n, max_size=n),
    )
)


@settings(max_examples=120, deadline=None)
@given(_graphs, st.booleans())
def test_cluster_confidence_and_review_match_the_v1_implementation(
    graph: tuple[int, list[tuple[int, int, float]], list[int], list[int]], guard: bool
) -> None:
    from reference_v1 import cluster as v1

    n, pairs, agency, person = graph
    pairs = [(a, b, p) for a, b, p in pairs if a != b]
    left, right, prob = edges(*pairs)
    people = {"agency": np.array(agency), "agency_person": np.array(person)} if guard else {}
    kwargs = {"match_threshold": MATCH, "strong_threshold": STRONG, **people}
    labels = cluster(n, left, right, prob, **kwargs)  # type: ignore[arg-type]
    assert labels.tolist() == v1.cluster(n, left, right, prob, **kwargs).tolist()  # type: ignore[arg-type]
    assert cluster_confidence(labels, left, right, prob).tolist() == (
        v1.cluster_confidence(labels, left, right, prob).tolist()
    )
    bands = {"review_threshold": 0.5, "match_threshold": MATCH}
    assert review_pairs(left, right, prob, labels, **bands).equals(
        v1.review_pairs(left, right, prob, labels, **bands)
    )


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, 6), min_size=1, max_size=20),
    st.lists(st.integers(0, 6), min_size=20, max_size=20),
    st.booleans(),
)
def test_person_ids_match_the_v1_implementation(
    labels: list[int], earlier: list[int], carry: bool
) -> None:
    from reference_v1 import _person_ids as v1

    frame = keys(len(labels)).with_columns(
        record_id=pl.Series(["R" * (i % 4) + str(i) for i in range(len(labels))])
    )
    previous = None
    if carry:
        previous, _ = v1.assign_person_ids(frame, np.array(earlier[: len(labels)]))
    got = assign_person_ids(frame, np.array(labels), previous)
    want = v1.assign_person_ids(frame, np.array(labels), previous)
    assert got[0].equals(want[0])
    assert got[1].equals(want[1])
