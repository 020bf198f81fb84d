"""The real-time standardiser: one record at a time, as Resolve and Upsert call it.

    .venv/bin/pytest benchmarks/test_bench_standardise_record.py -q

Each round standardises 200 generated records (all agencies' spellings and
formats); the target is ~200 us a record.
"""

from __future__ import annotations

from typing import Any

import pytest

from linkage.generate import generate
from linkage.standardise import standardise_record


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return generate(200, seed=3).drop("true_person_id").to_dicts()


def test_standardise_record(benchmark: Any, records: list[dict[str, Any]]) -> None:
    out = benchmark(lambda: [standardise_record(r) for r in records])
    named = sum(r["given_name"] is not None for r in records)
    assert sum(o["given_std"] is not None for o in out) == named
