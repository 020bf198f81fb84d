"""Timing of ``linkage.standardise.standardise`` on a synthetic canonical frame.

Run directly for the 1M-record figure::

    .venv/bin/python benchmarks/bench_standardise.py 1000000

The frame is built with numpy from small vocabularies with Zipf-like
frequencies and messy formatting, so its distinct-value counts resemble an
agency extract: a few thousand given names, ~60k family names, ~100k raw
date strings, near-unique streets, phones and emails.
"""

from __future__ import annotations

import sys
import time

import numpy as np
import polars as pl

GIVEN = [
    "James",
    "John",
    "Robert",
    "Michael",
    "William",
    "David",
    "Richard",
    "Joseph",
    "Thomas",
    "Charles",
    "Mary",
    "Patricia",
    "Jennifer",
    "Linda",
    "Elizabeth",
    "Barbara",
    "Susan",
    "Jessica",
    "Sarah",
    "Karen",
    "Bob",
    "Bill",
    "Liz",
    "Kate",
    "Beth",
    "Mr",
    "John",
    "Mrs",
    "Mary",
    "José",
    "Zoë",
    "Siobhán",
    "Ngọc",
    "Mohammed",
    "Aisha",
    "Wei",
    "Priya",
    "Jack",
    "Olivia",
    "Charlotte",
    "Mary-Anne",
    "Jean-Luc",
    "O'Neil",
]
FAMILY_BASE = (
    (
        "Smith Jones Williams Brown Wilson Taylor Johnson White Martin Anderson Thompson Nguyen "
        "Thomas Walker Harris Lee Ryan Robinson Kelly King O'Brien Smith-Jones van_der_Berg "
        "Müller Papadopoulos Singh Chen"
    )
    .replace("_", " ")
    .split(" ")
)
SYLLABLES = [
    "ka",
    "lo",
    "mi",
    "ne",
    "ro",
    "sa",
    "tu",
    "vi",
    "wen",
    "dra",
    "kin",
    "ley",
    "ton",
    "son",
    "ber",
    "gar",
    "mon",
    "fi",
]
STREET_NAMES = [
    "Smith",
    "High",
    "Main",
    "Church",
    "Station",
    "Victoria",
    "Albert",
    "George",
    "King",
    "Queen",
    "Park",
]
STREET_TYPES = [
    "Street",
    "St",
    "Road",
    "Rd",
    "Avenue",
    "Ave",
    "Court",
    "Crescent",
    "Drive",
    "Place",
    "Parade",
    "Way",
    "Close",
]


def _zipf_choice(rng: np.random.Generator, values: list[str], n: int) -> np.ndarray:
    """Sample values with Zipf-like weights."""
    weights = 1.0 / np.arange(1, len(values) + 1)
    return rng.choice(np.array(values, dtype=object), size=n, p=weights / weights.sum())


def make_frame(n: int, seed: int = 0) -> pl.DataFrame:
    """A canonical frame of ``n`` synthetic, messy records."""
    rng = np.random.default_rng(seed)
    rare = ["".join(rng.choice(SYLLABLES, size=rng.integers(2, 4))).title() for _ in range(60_000)]
    family = _zipf_choice(rng, FAMILY_BASE + rare, n)
    given = _zipf_choice(rng, GIVEN, n)
    days = rng.integers(-20_000, 18_000, size=n)
    iso = pl.Series(days, dtype=pl.Int32).cast(pl.Date)
    fmt = rng.integers(0, 10, size=n)
    dob = (
        pl.DataFrame({"d": iso, "f": fmt})
        .select(
            pl.when(pl.col("f") < 6)
            .then(pl.col("d").dt.to_string("%Y-%m-%d"))
            .when(pl.col("f") < 8)
            .then(pl.col("d").dt.to_string("%d/%m/%Y"))
            .when(pl.col("f") < 9)
            .then(pl.col("d").dt.to_string("%Y%m%d"))
            .otherwise(pl.lit("1900-01-01"))
        )
        .to_series()
    )
    number = rng.integers(1, 400, size=n).astype(str)
    unit = np.where(rng.random(n) < 0.2, np.char.add(rng.integers(1, 30, n).astype(str), "/"), "")
    street = np.char.add(
        np.char.add(np.char.add(unit, number), " "),
        np.char.add(
            np.char.add(rng.choice(STREET_NAMES, n).astype(str), " "),
            rng.choice(STREET_TYPES, n).astype(str),
        ),
    )
    mobile = rng.integers(400_000_000, 499_999_999, size=n).astype(str)
    sep = rng.integers(0, 3, size=n)
    phone = (
        pl.DataFrame({"m": mobile, "s": sep})
        .select(
            pl.when(pl.col("s") == 0)
            .then("0" + pl.col("m"))
            .when(pl.col("s") == 1)
            .then(
                "0"
                + pl.col("m").str.slice(0, 3)
                + " "
                + pl.col("m").str.slice(3, 3)
                + " "
                + pl.col("m").str.slice(6, 3)
            )
            .otherwise("+61 " + pl.col("m"))
        )
        .to_series()
    )
    return pl.DataFrame(
        {
            "agency": rng.choice(["police", "courts", "dffh"], n),
            "record_id": np.arange(n).astype(str),
            "given_name": given,
            "middle_name": np.where(rng.random(n) < 0.5, _zipf_choice(rng, GIVEN, n), None),
            "family_name": family,
            "aliases": [["Bobby Smith"] if i % 50 == 0 else None for i in range(n)],
            "dob": dob,
            "sex": rng.choice(["M", "F", "male", "Female", "U", ""], n),
            "street": street,
            "suburb": rng.choice(["Richmond", "St. Kilda", "Carlton", "Geelong"], n),
            "postcode": rng.integers(3000, 3999, n).astype(str),
            "state": rng.choice(["VIC", "Victoria", "vic", "NSW"], n),
            "phone": phone,
            "email": np.char.add(np.char.add("person", np.arange(n).astype(str)), "@example.com"),
            "role": rng.choice(["respondent", "child"], n),
            "updated_at": None,
            "id_licence": np.char.add("lic-", rng.integers(0, 10**8, n).astype(str)),
        },
        schema_overrides={"aliases": pl.List(pl.Utf8), "updated_at": pl.Utf8},
    )


def main(n: int) -> None:
    """Build the frame and time ``standardise`` (best of five, wall and CPU)."""
    from linkage.standardise import standardise

    frame = make_frame(n)
    print({c: frame[c].n_unique() for c in ("given_name", "family_name", "dob", "street", "phone")})
    standardise(frame.head(1000))  # warm caches (nickname table, regexes)
    times, cpu = [], []
    for _ in range(5):
        start, start_cpu = time.perf_counter(), time.process_time()
        standardise(frame)
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    print(
        f"standardise({n:,} records): best wall {min(times):.2f} s, "
        f"runs {[round(t, 2) for t in times]}, CPU s {[round(c, 2) for c in cpu]}"
    )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
