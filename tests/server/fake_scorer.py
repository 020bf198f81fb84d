"""A small deterministic scorer for tests: exact agreement on a few standardised fields.

It produces the standardised columns the default blocking rules read, so the
real blocking code runs, and scores with fixed log2 weights, so tests can
reason about probabilities exactly. Not a model of anything.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import jellyfish
import numpy as np
import polars as pl

from linkage.index import Scores

# (comparison, standardised column, weight when equal, weight when different)
_FIELDS = (
    ("given_name", "given_first", 3.0, -2.0),
    ("family_name", "family_std", 4.0, -3.0),
    ("dob", "dob_text", 6.0, -5.0),
    ("phone", "phone_std", 5.0, -1.0),
)
PRIOR_WEIGHT = -6.0
_SCHEMA: dict[str, Any] = {
    "given_first": pl.Utf8, "family_std": pl.Utf8, "dob_year": pl.Int16, "dob_month": pl.Int8,
    "dob_day": pl.Int8, "dob_text": pl.Utf8, "phone_std": pl.Utf8, "email_std": pl.Utf8,
    "postcode_std": pl.Utf8, "given_root": pl.Utf8, "family_first": pl.Utf8,
    "given_sdx": pl.Utf8, "family_sdx": pl.Utf8, "given_mph": pl.Utf8, "family_mph": pl.Utf8,
    "alias_names": pl.List(pl.Utf8),
}  # fmt: skip


def _upper(value: Any) -> str | None:
    text = re.sub(r"[^A-Z ]", "", str(value or "").upper()).strip()
    return text or None


class FakeScorer:
    """Exact-agreement scorer with fixed weights (test double for the trained model)."""

    version = "fake-1"
    prior_weight = PRIOR_WEIGHT
    comparison_names = tuple(f[0] for f in _FIELDS)
    level_labels = tuple(("null", "exact", "else") for _ in _FIELDS)
    columns = tuple(f[1] for f in _FIELDS)

    def standardise_record(self, record: Mapping[str, Any]) -> dict[str, Any]:
        """Upper-case names, ISO dob parts, digits-only phone, soundex keys."""
        given = _upper(record.get("given_name"))
        given_first = given.split(" ")[0] if given else None
        family = _upper(record.get("family_name"))
        try:
            dob: dt.date | None = dt.date.fromisoformat(str(record.get("dob") or ""))
        except ValueError:
            dob = None
        phone = re.sub(r"\D", "", str(record.get("phone") or "")) or None
        email = str(record["email"]).lower() if record.get("email") else None
        sdx = lambda v: jellyfish.soundex(v) if v else None  # noqa: E731
        return {
            "given_first": given_first, "family_std": family,
            "dob_year": dob.year if dob else None, "dob_month": dob.month if dob else None,
            "dob_day": dob.day if dob else None, "dob_text": dob.isoformat() if dob else None,
            "phone_std": phone, "email_std": email, "postcode_std": record.get("postcode"),
            "given_root": given_first, "family_first": family,
            "given_sdx": sdx(given_first), "family_sdx": sdx(family),
            "given_mph": sdx(given_first), "family_mph": sdx(family), "alias_names": None,
        }  # fmt: skip

    def standardise(self, frame: pl.DataFrame) -> pl.DataFrame:
        """The per-record standardisation of every row, as columns beside the originals."""
        rows = [self.standardise_record(r) for r in frame.iter_rows(named=True)]
        added = pl.DataFrame(rows, schema=_SCHEMA) if rows else pl.DataFrame(schema=_SCHEMA)
        return pl.concat([frame, added], how="horizontal")

    def score(self, query: Mapping[str, Any], candidates: Mapping[str, Any]) -> Scores:
        """Fixed weights for equal / different / missing per field."""
        n = len(np.asarray(candidates[_FIELDS[0][1]]))
        levels = np.zeros((n, len(_FIELDS)), dtype=np.uint8)
        weights = np.zeros((n, len(_FIELDS)), dtype=np.float64)
        for j, (_, column, agree, disagree) in enumerate(_FIELDS):
            value = query.get(column)
            other = np.asarray(candidates[column], dtype=object)
            if value is None:
                continue
            present = np.array([o is not None for o in other], dtype=bool)
            equal = present & (other == value)
            levels[:, j] = np.where(equal, 1, np.where(present, 2, 0))
            weights[:, j] = np.where(equal, agree, np.where(present, disagree, 0.0))
        weight = PRIOR_WEIGHT + weights.sum(axis=1)
        probability = 1.0 / (1.0 + np.power(2.0, -weight))
        return Scores(weight, probability, weights, levels)
