"""Held-back records resolve to the identity the batch clustering gave them (>= 99%)."""

from __future__ import annotations

from linkage.parity import parity


def test_realtime_resolve_agrees_with_batch_clusters() -> None:
    result = parity(20_000, seed=7)
    assert result.held_back == 200
    assert result.rate >= 0.99, result
