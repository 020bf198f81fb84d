"""Label comparisons done in chunks (clustering, the best threshold) equal the plain ones."""

from __future__ import annotations

import numpy as np
import pytest

from linkage import cluster, evaluate


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
    monkeypatch.setattr(cluster, "_CHUNK", 7)
    monkeypatch.setattr(evaluate, "_CHUNK", 7)
    refused = cluster.refused_pairs(labels, left, right, probability, match_threshold=0.6)
    assert np.array_equal(refused, (probability >= 0.6) & ~same)
    assert np.array_equal(evaluate._same_label(labels, left, right), same)
    wide = labels.astype(np.int64) * (1 << 40)  # labels beyond int32 are compared as they are
    assert np.array_equal(cluster._same_cluster(wide, left, right), same)
