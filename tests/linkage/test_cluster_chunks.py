"""Late-phase shortcuts (chunked label comparisons, smallest keys by one sort) = plain ones."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from linkage import _dense_codes, _person_ids, cluster


@pytest.fixture
def pairs() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(5)
    labels = rng.integers(0, 40, 300)
    left = rng.integers(0, 300, 5_000).astype(np.uint32)
    right = rng.integers(0, 300, 5_000).astype(np.uint32)
    return labels, left, right, rng.random(5_000)


def test_chunked_label_comparisons_equal_the_plain_ones(
    pairs: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray], monkeypatch: pytest.MonkeyPatch
) -> None:
    labels, left, right, probability = pairs
    same = labels[left] == labels[right]
    monkeypatch.setattr(_dense_codes, "_LABEL_CHUNK", 7)
    refused = cluster.refused_pairs(labels, left, right, probability, match_threshold=0.6)
    assert np.array_equal(refused, (probability >= 0.6) & ~same)
    assert np.array_equal(_dense_codes.same_label(labels, left, right), same)
    wide = labels.astype(np.int64) * (1 << 40)  # labels beyond int32 are compared as they are
    assert np.array_equal(_dense_codes.same_label(wide, left, right), same)


def test_smallest_keys_by_one_sort_equal_the_grouped_minimum() -> None:
    rng = np.random.default_rng(11)
    seed = pl.concat_str("agency", "record_id", separator="\x1f").alias("seed")
    for n in (1, 2, 17, 250):
        labels = rng.integers(0, max(1, n // 3), n).astype(np.int64)
        agency = pl.Series(rng.choice(["a", "b", "c"], n)).scatter(rng.integers(0, n, 2), None)
        record_id = pl.Series([f"r{x}" for x in rng.integers(0, 40, n)])
        records = pl.DataFrame({"agency": agency, "record_id": record_id, "label": labels})
        fast = _person_ids._smallest_keys(records, labels)
        assert fast.equals(_person_ids._smallest_keys_grouped(records, labels, seed))
