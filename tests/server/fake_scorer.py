"""A small deterministic scorer for tests: exact agreement on a few standardised fields.

It produces the standardised columns the default blocking rules read, so the
real blocking code runs, and scores with fixed log2 weights, so tests can
reason about probabilities exactly. Not a model of anything.
"""

from __future__ import annotations

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


def _upper(col: str) -> pl.Expr:
    return pl.col(col).str.to_uppercase().str.replace_all(r"[^A-Z ]", "").str.strip_chars()


def _sdx(expr: pl.Expr) -> pl.Expr:
    return expr.map_elements(jellyfish.soundex, return_dtype=pl.Utf8)


class FakeScorer:
    """Exact-agreement scorer with fixed weights (test double for the trained model)."""

    version = "fake-1"
    prior_weight = PRIOR_WEIGHT
    comparison_names = tuple(f[0] for f in _FIELDS)
    level_labels = tuple(("null", "exact", "else") for _ in _FIELDS)

    def standardise(self, frame: pl.DataFrame) -> pl.DataFrame:
        """Upper-case names, ISO dob parts, digits-only phone, soundex keys."""
        dob = pl.col("dob").str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        out = frame.with_columns(
            _upper("given_name").str.split(" ").list.first().alias("given_first"),
            _upper("family_name").alias("family_std"),
            dob.dt.year().cast(pl.Int16).alias("dob_year"),
            dob.dt.month().cast(pl.Int8).alias("dob_month"),
            dob.dt.day().cast(pl.Int8).alias("dob_day"),
            dob.cast(pl.Utf8).alias("dob_text"),
            pl.col("phone").str.replace_all(r"\D", "").replace("", None).alias("phone_std"),
            pl.col("email").str.to_lowercase().alias("email_std"),
            pl.col("postcode").alias("postcode_std"),
        )
        out = out.with_columns(
            pl.col("given_first").alias("given_root"),
            pl.col("family_std").alias("family_first"),
            _sdx(pl.col("given_first")).alias("given_sdx"),
            _sdx(pl.col("family_std")).alias("family_sdx"),
            _sdx(pl.col("given_first")).alias("given_mph"),
            _sdx(pl.col("family_std")).alias("family_mph"),
            pl.lit(None, dtype=pl.List(pl.Utf8)).alias("alias_names"),
        )
        return out

    def score(self, query: pl.DataFrame, candidates: pl.DataFrame) -> Scores:
        """Fixed weights for equal / different / missing per field."""
        n = candidates.height
        levels = np.zeros((n, len(_FIELDS)), dtype=np.uint8)
        weights = np.zeros((n, len(_FIELDS)), dtype=np.float64)
        for j, (_, column, agree, disagree) in enumerate(_FIELDS):
            value = query[column][0]
            other = candidates[column].to_numpy()
            if value is None:
                continue
            present = np.array([o is not None for o in other], dtype=bool)
            equal = present & (other == value)
            levels[:, j] = np.where(equal, 1, np.where(present, 2, 0))
            weights[:, j] = np.where(equal, agree, np.where(present, disagree, 0.0))
        weight = PRIOR_WEIGHT + weights.sum(axis=1)
        probability = 1.0 / (1.0 + np.power(2.0, -weight))
        return Scores(weight, probability, weights, levels)
