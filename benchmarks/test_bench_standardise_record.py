"""The real-time standardiser: one record, as Resolve and Upsert call it (target ~200 us).

.venv/bin/pytest benchmarks/test_bench_standardise_record.py -q
"""

from __future__ import annotations

from typing import Any

import pytest

from linkage.standardise import standardise_record

FULL = {
    "agency": "police",
    "record_id": "L17-1",
    "given_name": "Mr Bob",
    "middle_name": "J.",
    "family_name": "O'Brien-Smith Jr",
    "aliases": ["Bobby Smith", "SMITH, Robert"],
    "dob": "12/03/85",
    "sex": "male",
    "street": "Unit 3, 12 Smith Street",
    "suburb": "St. Kilda",
    "postcode": "3182",
    "state": "Victoria",
    "phone": "0412 345 678",
    "email": " Bob@Example.COM ",
    "id_licence": "ab-123",
}


@pytest.mark.parametrize("record", [FULL, {"agency": "x", "record_id": "1"}], ids=["full", "empty"])
def test_standardise_record(benchmark: Any, record: dict[str, Any]) -> None:
    out = benchmark(standardise_record, record)
    assert (out["given_std"] is None) == ("given_name" not in record)
