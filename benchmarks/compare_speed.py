"""Time linkage.comparisons.compare on a synthetic standardised frame.

Usage: .venv/bin/python benchmarks/compare_speed.py [n_records] [n_pairs]

Zipf-distributed given and family names (10% with a one-letter typo), dates
with missing and partial values, addresses, phones, e-mails, aliases, one
identifier; candidate pairs are neighbours in family-name order (a block).
"""

from __future__ import annotations

import datetime as dt
import string
import sys
import time

import jellyfish
import numpy as np
import polars as pl

from linkage.comparisons import compare, compare_one, default_comparisons


def _words(rng: np.random.Generator, n: int, low: int, high: int) -> np.ndarray:
    letters = np.array(list(string.ascii_uppercase))
    return np.array(
        ["".join(rng.choice(letters, rng.integers(low, high))) for _ in range(n)], dtype=object
    )


def _typo(rng: np.random.Generator, words: np.ndarray) -> np.ndarray:
    out = words.copy()
    for i, w in enumerate(words):
        p = rng.integers(len(w))
        out[i] = w[:p] + string.ascii_uppercase[rng.integers(26)] + w[p + 1 :]
    return out


def _zipf_pick(rng: np.random.Generator, pool: np.ndarray, typos: np.ndarray, n: int) -> np.ndarray:
    index = (rng.zipf(1.2, n) - 1) % len(pool)
    typo = rng.random(n) < 0.1
    return np.where(typo, typos[index], pool[index])


def _nullify(rng: np.random.Generator, values: np.ndarray, rate: float) -> list[object]:
    out = values.astype(object)
    out[rng.random(len(values)) < rate] = None
    return out.tolist()


def synthetic_frame(n: int, seed: int = 0) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    given_pool, family_pool = _words(rng, 5_000, 3, 9), _words(rng, 30_000, 3, 11)
    given = _zipf_pick(rng, given_pool, _typo(rng, given_pool), n)
    family = _zipf_pick(rng, family_pool, _typo(rng, family_pool), n)
    compound = rng.random(n) < 0.03
    family[compound] = family[compound] + " " + family[rng.permutation(np.flatnonzero(compound))]
    frame = pl.DataFrame({"given_std": given, "family_std": family})
    distinct_given = frame["given_std"].unique()
    distinct_family = frame["family_std"].unique()
    gmap = pl.DataFrame(
        {
            "given_std": distinct_given,
            "given_root": [v[:3] + "ROOT" if hash(v) % 5 == 0 else v for v in distinct_given],
            "given_mph": [jellyfish.metaphone(v) for v in distinct_given],
            "given_sdx": [jellyfish.soundex(v) for v in distinct_given],
        }
    )
    fmap = pl.DataFrame(
        {
            "family_std": distinct_family,
            "family_mph": [jellyfish.metaphone(v.replace(" ", "")) for v in distinct_family],
            "family_sdx": [jellyfish.soundex(v.replace(" ", "")) for v in distinct_family],
        }
    )
    days = rng.integers(0, 20_000, n)
    dates = np.datetime64("1950-01-01") + days.astype("timedelta64[D]")
    street_names = _words(rng, 20_000, 4, 10)
    numbers = rng.integers(1, 200, n).astype(str).astype(object)
    streets = street_names[rng.integers(0, len(street_names), n)]
    aliases = np.empty(n, dtype=object)
    has_alias = rng.random(n) < 0.05
    alias_given = given[rng.permutation(np.flatnonzero(has_alias))]
    for i, g, f in zip(np.flatnonzero(has_alias), alias_given, family[has_alias], strict=True):
        aliases[i] = [f"{g} {f}"]
    phones = np.char.add("+614", rng.integers(10_000_000, 99_999_999, n).astype(str)).astype(object)
    emails = np.char.add(
        np.char.lower(given.astype(str)),
        np.char.add(rng.integers(0, 999, n).astype(str), "@mail.com"),
    )
    frame = frame.with_columns(
        given_first=pl.col("given_std"),
        middle_std=pl.Series(_nullify(rng, given[rng.permutation(n)], 0.5), dtype=pl.Utf8),
        alias_names=pl.Series(aliases.tolist(), dtype=pl.List(pl.Utf8)),
        dob_date=pl.Series(_nullify(rng, dates.astype(dt.date), 0.1), dtype=pl.Date),
        sex_std=pl.Series(_nullify(rng, rng.choice(np.array(["M", "F"]), n), 0.02), dtype=pl.Utf8),
        street_number=pl.Series(numbers.tolist(), dtype=pl.Utf8),
        street_name=pl.Series((streets + " ST").tolist(), dtype=pl.Utf8),
        suburb_std=pl.Series(
            _words(rng, 500, 5, 10)[rng.integers(0, 500, n)].tolist(), dtype=pl.Utf8
        ),
        phone_std=pl.Series(_nullify(rng, phones, 0.6), dtype=pl.Utf8),
        email_std=pl.Series(_nullify(rng, emails.astype(object), 0.7), dtype=pl.Utf8),
        id_licence_std=pl.Series(
            _nullify(rng, rng.integers(10**6, 10**7, n).astype(str).astype(object), 0.7),
            dtype=pl.Utf8,
        ),
    )
    frame = frame.with_columns(
        address_std=pl.col("street_number") + " " + pl.col("street_name"),
        postcode_std=(pl.col("suburb_std").hash() % 9000 + 1000).cast(pl.Utf8),
        dob_year=pl.col("dob_date").dt.year().cast(pl.Int16),
    )
    frame = frame.join(gmap, on="given_std", how="left", maintain_order="left")
    return frame.join(fmap, on="family_std", how="left", maintain_order="left")


def block_pairs(frame: pl.DataFrame, n_pairs: int) -> tuple[np.ndarray, np.ndarray]:
    order = frame.with_row_index("row").sort("family_sdx", "dob_year")["row"].to_numpy()
    per = max(1, n_pairs // len(order) + 1)
    left = np.concatenate([order[:-k] for k in range(1, per + 1)])
    right = np.concatenate([order[k:] for k in range(1, per + 1)])
    left, right = np.minimum(left, right), np.maximum(left, right)
    return left[:n_pairs].astype(np.uint32), right[:n_pairs].astype(np.uint32)


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_pairs = int(sys.argv[2]) if len(sys.argv) > 2 else 5_000_000
    t = time.perf_counter()
    frame = synthetic_frame(n)
    left, right = block_pairs(frame, n_pairs)
    print(f"built {n:,} records, {len(left):,} pairs in {time.perf_counter() - t:.1f}s")
    comparisons = default_comparisons(["licence"])
    for run in range(2):
        t = time.perf_counter()
        vectors = compare(frame, left, right, comparisons)
        print(f"compare run {run}: {time.perf_counter() - t:.2f}s, gamma {vectors.gamma.shape}")
    for j, name in enumerate(vectors.names):
        counts = np.bincount(vectors.gamma[:, j], minlength=comparisons[j].n_levels)
        print(f"  {name:12s} {counts.tolist()}")
    candidates = frame.slice(0, 50)
    columns = {c: candidates[c].to_numpy() for c in candidates.columns if c != "alias_names"}
    columns["alias_names"] = np.array([*candidates["alias_names"].to_list(), None], dtype=object)[
        :-1
    ]
    query = frame.row(60, named=True)
    for label, source in (("frame", candidates), ("arrays", columns)):
        compare_one(query, source, comparisons)
        t = time.perf_counter()
        for _ in range(200):
            compare_one(query, source, comparisons)
        print(
            f"compare_one 50 candidates ({label}): {(time.perf_counter() - t) / 200 * 1e6:.0f} us"
        )


if __name__ == "__main__":
    main()
