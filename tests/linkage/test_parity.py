"""Held-back records resolve to the identity the batch clustering gave them.

The issue's target is >= 99%. Measured: 199/200 at 20k, seed 7, once the
index blocks with the batch's identifier rules (licence number, agency +
agency person number) and applies the batch's household guard. The one miss
is a record the batch left alone because of its cannot-link guard (the
identity already holds a record of the same agency with another agency
person number); a Resolve query names no agency, so the real-time path
cannot apply that guard to it.
"""

from __future__ import annotations

from linkage.parity import parity


def test_realtime_resolve_agrees_with_batch_clusters() -> None:
    result = parity(20_000, seed=7)
    assert result.held_back == 200
    assert result.rate >= 0.99, result
