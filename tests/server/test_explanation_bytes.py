"""Explanations built from cached field bytes equal those built field by field."""

from __future__ import annotations

import random

import pytest

from linkage.resolver_types import Explanation
from server import converters as conv
from server.gen.linkage.v1 import linkage_pb2 as pb

WEIGHTS = [0.0, -0.0, 1.5, -2.25, float("nan"), float("inf"), 3.0]


def _field_by_field(explanation: Explanation) -> pb.Explanation:
    message = pb.Explanation(prior_weight=explanation.prior_weight)
    for comparison, level, weight in explanation.fields:
        message.fields.add(comparison=comparison, level=level, weight=weight)
    message.match_weight = explanation.match_weight
    message.probability = explanation.probability
    if explanation.best_record:
        message.best_record.agency, message.best_record.record_id = explanation.best_record
    return message


@pytest.mark.parametrize("seed", range(5))
def test_explanation_bytes_equal_field_by_field(seed: int) -> None:
    rng = random.Random(seed)
    for trial in range(500):
        fields = tuple(
            (rng.choice("abc"), rng.choice(["exact", "null"]), rng.choice(WEIGHTS))
            for _ in range(rng.randint(0, 6))
        )
        explanation = Explanation(
            rng.choice(WEIGHTS), fields, rng.choice(WEIGHTS), 0.5, ("a", "r") if trial % 2 else None
        )
        built = conv.explanation_to_proto(explanation)
        assert built.SerializeToString() == _field_by_field(explanation).SerializeToString()


def test_field_cache_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(conv, "_FIELD_BYTES_MAX", 4)
    conv._FIELD_BYTES.clear()
    for weight in range(10):
        explanation = Explanation(0.0, (("a", "exact", float(weight + 1)),), 1.0, 0.5, None)
        assert conv.explanation_to_proto(explanation) == _field_by_field(explanation)
    assert len(conv._FIELD_BYTES) <= 4
