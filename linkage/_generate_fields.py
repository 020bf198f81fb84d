"""Record-level fields and their corruption (private; see ``linkage.generate``).

Each builder takes the shuffled ``person`` index of every record (and its
agency) and returns columns. Corruption rates are the module constants;
``linkage.generate`` re-exports them. Python loops run only over the sampled
corrupted subsets.
"""

from __future__ import annotations

import random

import numpy as np
import polars as pl

from linkage._generate_agencies import PROFILES
from linkage._generate_corrupt import (
    IntArray,
    Vocab,
    phone_format,
    sample_rows,
    transpose_digits,
    typo,
    wrong_digit,
    wrong_subscriber_digit,
)
from linkage._generate_people import EMAIL_DOMAINS, People
from linkage.data import names as data

# Corruption rates, per record (of the records where the field is present).
TYPO_RATE = {
    "given_name": 0.03,
    "middle_name": 0.02,
    "family_name": 0.03,
    "street": 0.04,
    "suburb": 0.02,
}
NICKNAME_RATE = 0.12  # of records whose given name has a common nickname (Bob for Robert)
NAME_SWAP_RATE = 0.015  # given and family names swapped
HONORIFIC_RATE = 0.01  # "Mr John" in the given-name field
LOWER_CASE_RATE = 0.03  # names keyed in lower case (upper case: per agency, see profiles)
MAIDEN_AS_FAMILY_RATE = 0.25  # a married woman's record still under her maiden name
MAIDEN_ALIAS_RATE = 0.50  # ... or carrying "Given Maiden" as an alias
ALIAS_RATE = 0.06  # other aliases: a nickname, another family name, a swapped name
DOB_DAY_MONTH_SWAP_RATE = 0.015  # applied where day <= 12 and day != month
DOB_DIGIT_RATE = 0.015  # one wrong digit (may make an impossible date)
DOB_YEAR_ONLY_RATE = 0.01
DOB_SENTINEL_RATE = 0.005  # 1900-01-01
DOB_SENTINEL = "1900-01-01"
SEX_WRONG_RATE = 0.005
SEX_ALT_CODE_RATE = 0.10  # the agency's second sex coding ("Male" where it usually has "M")
OLD_ADDRESS_RATE = 0.40  # of the records of people who moved
UNIT_WORDS_RATE = 0.20  # "Unit 3, 12 Smith St" instead of "3/12 Smith St"
STREET_ABBREVIATION_RATE = 0.50  # "St" instead of "Street"
POSTCODE_DIGIT_RATE = 0.01
STATE_VARIANT_RATE = 0.10  # "Vic", "Victoria" instead of "VIC"
LANDLINE_USED_RATE = 0.30  # records giving the household landline when a mobile exists
PHONE_DIGIT_RATE = 0.01
EMAIL_TYPO_RATE = 0.01
LICENCE_TYPO_RATE = 0.01  # one wrong or transposed digit
DUPLICATE_PERSON_NO_RATE = 0.04  # an agency opens a new person number for a known person
MISSING_RATE = {
    "given_name": 0.05,
    "middle_name": 0.15,
    "family_name": 0.05,
    "dob": 0.08,
    "sex": 0.05,
    "street": 0.15,
    "suburb": 0.10,
    "postcode": 0.12,
    "state": 0.20,
    "phone": 0.30,
    "email": 0.30,
}
_STATE_VARIANTS = ("Vic", "Victoria", "vic", "VIC.")
_START = int(np.datetime64("2015-01-01T00:00:00", "s").astype(np.int64))
_END = int(np.datetime64("2025-06-30T00:00:00", "s").astype(np.int64))


def _null_where(series: pl.Series, mask: np.ndarray) -> pl.Series:
    """Set ``series`` to null where ``mask``."""
    return series.set(pl.Series(mask), None)


def _scatter_map(series: pl.Series, rows: IntArray, func: object, rnd: random.Random) -> pl.Series:
    """Apply ``func(value, rnd)`` to the non-null values at ``rows``."""
    if rows.shape[0] == 0:
        return series
    values = series.gather(rows).to_list()
    new = [None if v is None else func(v, rnd) for v in values]  # type: ignore[operator]
    return series.scatter(rows, new)


def name_codes(
    rng: np.random.Generator, rnd: random.Random, people: People, person: IntArray
) -> dict[str, IntArray]:
    """Given, middle, family and two alias codes per record, corrupted."""
    n = len(person)
    names = people.names
    given, middle, family = people.given[person], people.middle[person], people.family[person]
    maiden = people.maiden[person]
    use_maiden = (maiden >= 0) & (rng.random(n) < MAIDEN_AS_FAMILY_RATE)
    family = np.where(use_maiden, maiden, family)

    alias1 = np.full(n, -1, dtype=np.int64)
    for r in sample_rows(rng, (maiden >= 0) & ~use_maiden, MAIDEN_ALIAS_RATE).tolist():
        alias1[r] = names.code(f"{names.values[given[r]]} {names.values[maiden[r]]}")
    alias2 = np.full(n, -1, dtype=np.int64)
    for r in sample_rows(rng, np.ones(n, dtype=np.bool_), ALIAS_RATE).tolist():
        g, f = names.values[given[r]], names.values[family[r]]
        kind = rnd.random()
        nicks = people.nicknames.get(int(given[r]))
        if nicks and kind < 0.4:
            alias = f"{names.values[rnd.choice(nicks)]} {f}"
        elif kind < 0.75:
            alias = f"{g} {names.values[people.family[rnd.randrange(people.size)]]}"
        else:
            alias = f"{f} {g}"
        alias2[r] = names.code(alias)

    has_nick = np.zeros(len(names.values), dtype=np.bool_)
    has_nick[list(people.nicknames)] = True
    for r in sample_rows(rng, has_nick[given], NICKNAME_RATE).tolist():
        given[r] = rnd.choice(people.nicknames[int(given[r])])
    for col, codes in (("given_name", given), ("middle_name", middle), ("family_name", family)):
        names.corrupt(codes, sample_rows(rng, codes >= 0, TYPO_RATE[col]), typo, rnd)
    swap = rng.random(n) < NAME_SWAP_RATE
    given, family = np.where(swap, family, given), np.where(swap, given, family)
    out = {"given_name": given, "middle_name": middle, "family_name": family}
    for col, codes in out.items():
        codes[rng.random(n) < MISSING_RATE[col]] = -1
    return {**out, "_alias1": alias1, "_alias2": alias2}


def dob(
    rng: np.random.Generator, rnd: random.Random, people: People, person: IntArray
) -> pl.Series:
    """ISO date of birth text per record: transposed, wrong digit, year only, sentinel, missing."""
    n = len(person)
    y, m, d = people.year[person], people.month[person], people.day[person].copy()
    swap = (d <= 12) & (d != m) & (rng.random(n) < DOB_DAY_MONTH_SWAP_RATE)
    m, d = np.where(swap, d, m), np.where(swap, m, d)
    parts = pl.DataFrame({"y": y, "m": m, "d": d}).select(
        pl.concat_str(
            [
                pl.col("y").cast(pl.String),
                pl.col("m").cast(pl.String).str.zfill(2),
                pl.col("d").cast(pl.String).str.zfill(2),
            ],
            separator="-",
        )
    )
    series = parts.to_series().alias("dob")
    series = _scatter_map(
        series, sample_rows(rng, np.ones(n, dtype=np.bool_), DOB_DIGIT_RATE), wrong_digit, rnd
    )
    u = rng.random(n)
    year_only = u < DOB_YEAR_ONLY_RATE
    sentinel = (u >= DOB_YEAR_ONLY_RATE) & (u < DOB_YEAR_ONLY_RATE + DOB_SENTINEL_RATE)
    series = series.scatter(np.flatnonzero(year_only), pl.Series(y[year_only]).cast(pl.String))
    series = series.scatter(np.flatnonzero(sentinel), DOB_SENTINEL)
    return _null_where(series, rng.random(n) < MISSING_RATE["dob"])


def sex(
    rng: np.random.Generator, sex_code: IntArray, agency: IntArray, agencies: tuple[str, ...]
) -> pl.Series:
    """Sex in each agency's own coding, sometimes its alternative coding, sometimes wrong."""
    n = len(sex_code)
    table = [c for a in agencies for c in (*PROFILES[a].sex_codes, *PROFILES[a].sex_alt_codes)]
    wrong = (sex_code < 2) & (rng.random(n) < SEX_WRONG_RATE)
    code = np.where(wrong, 1 - sex_code, sex_code)
    alt = (rng.random(n) < SEX_ALT_CODE_RATE).astype(np.int64)
    series = pl.Series("sex", table, dtype=pl.String).gather(agency * 6 + alt * 3 + code)
    return _null_where(series, rng.random(n) < MISSING_RATE["sex"])


def role(
    rng: np.random.Generator, role_code: IntArray, agency: IntArray, agencies: tuple[str, ...]
) -> pl.Series:
    """Role: police record it; other agencies mostly say "other" or nothing."""
    n = len(role_code)
    recorded = np.array([PROFILES[a].role_recorded for a in agencies])[agency]
    u = rng.random(n)
    code = np.where(u < recorded, role_code, np.where(rng.random(n) < 0.5, 3, -1))
    if "police" in agencies:
        code = np.where((agency == agencies.index("police")) & (code < 0), 3, code)
    series = pl.Series(["respondent", "affected_family_member", "child", "other"]).gather(
        np.maximum(code, 0)
    )
    return _null_where(series, code < 0).alias("role")


def address(
    rng: np.random.Generator, rnd: random.Random, people: People, person: IntArray
) -> dict[str, pl.Series]:
    """Street, suburb, postcode, state per record; people who moved give old addresses sometimes."""
    n = len(person)
    old = people.has_previous[person] & (rng.random(n) < OLD_ADDRESS_RATE)
    cur, prev = people.address, people.previous
    parts = {k: np.where(old, getattr(prev, k)[person], getattr(cur, k)[person]) for k in vars(cur)}
    streets = Vocab(data.STREET_NAMES)
    street_code = parts["street"].astype(np.int64)
    streets.corrupt(
        street_code, sample_rows(rng, np.ones(n, dtype=np.bool_), TYPO_RATE["street"]), typo, rnd
    )
    suburbs = Vocab([s for s, _ in data.SUBURBS])
    suburb_code = parts["suburb"].astype(np.int64)
    suburbs.corrupt(
        suburb_code, sample_rows(rng, np.ones(n, dtype=np.bool_), TYPO_RATE["suburb"]), typo, rnd
    )
    abbrev = (rng.random(n) < STREET_ABBREVIATION_RATE).astype(np.int64)
    types = [t for pair in data.STREET_TYPES for t in pair]
    frame = pl.DataFrame(
        {
            "unit": parts["unit"],
            "number": parts["number"],
            "unit_words": rng.random(n) < UNIT_WORDS_RATE,
            "name": streets.series(street_code, "name"),
            "type": pl.Series(types).gather(parts["street_type"] * 2 + abbrev),
        }
    )
    unit, number = pl.col("unit").cast(pl.String), pl.col("number").cast(pl.String)
    tail = pl.concat_str([number, pl.lit(" "), pl.col("name"), pl.lit(" "), pl.col("type")])
    street = frame.select(
        pl.when(pl.col("unit") == 0)
        .then(tail)
        .when(pl.col("unit_words"))
        .then(pl.concat_str([pl.lit("Unit "), unit, pl.lit(", "), tail]))
        .otherwise(pl.concat_str([unit, pl.lit("/"), tail]))
    ).to_series()
    postcode = pl.Series([p for _, p in data.SUBURBS]).gather(parts["suburb"])
    postcode = _scatter_map(
        postcode,
        sample_rows(rng, np.ones(n, dtype=np.bool_), POSTCODE_DIGIT_RATE),
        wrong_digit,
        rnd,
    )
    state_code = np.where(rng.random(n) < STATE_VARIANT_RATE, rng.integers(1, 5, n), 0)
    state = pl.Series(["VIC", *_STATE_VARIANTS]).gather(state_code)
    return {
        "street": _null_where(street, rng.random(n) < MISSING_RATE["street"]).alias("street"),
        "suburb": _null_where(
            suburbs.series(suburb_code, "suburb"), rng.random(n) < MISSING_RATE["suburb"]
        ),
        "postcode": _null_where(postcode, rng.random(n) < MISSING_RATE["postcode"]).alias(
            "postcode"
        ),
        "state": _null_where(state, rng.random(n) < MISSING_RATE["state"]).alias("state"),
        "_old": pl.Series(old),
    }


def contact(
    rng: np.random.Generator, rnd: random.Random, people: People, person: IntArray
) -> dict[str, pl.Series]:
    """Phone (mobile or household landline, in varied formats) and email per record."""
    n = len(person)
    mobile, landline = people.mobile[person], people.landline[person]
    use_landline = (landline >= 0) & ((mobile < 0) | (rng.random(n) < LANDLINE_USED_RATE))
    number = np.where(use_landline, landline, mobile)
    frame = pl.DataFrame({"nsn": number, "fmt": rng.integers(0, 5, n), "land": use_landline})
    nsn = pl.col("nsn").cast(pl.String).str.zfill(9)
    phone = frame.select(
        pl.when(pl.col("nsn") >= 0).then(phone_format(nsn, pl.col("land"), pl.col("fmt")))
    ).to_series()
    phone = _scatter_map(
        phone, sample_rows(rng, number >= 0, PHONE_DIGIT_RATE), wrong_subscriber_digit, rnd
    )

    names = pl.Series(people.names.values)
    clean = (
        pl.DataFrame({"g": names.gather(people.given), "f": names.gather(people.family)})
        .with_columns(pl.all().str.to_lowercase().str.replace_all(r"[^a-z\-]", ""))
        .with_columns(
            style=people.email_style,
            digits=pl.Series(people.email_digits).cast(pl.String),
            domain=pl.Series(EMAIL_DOMAINS).gather(people.email_domain),
        )
    )
    g, f, digits = pl.col("g"), pl.col("f"), pl.col("digits")
    local = (
        pl.when(pl.col("style") == 0)
        .then(pl.concat_str([g, pl.lit("."), f]))
        .when(pl.col("style") == 1)
        .then(pl.concat_str([g, f]))
        .when(pl.col("style") == 2)
        .then(pl.concat_str([g.str.slice(0, 1), f, digits]))
        .otherwise(pl.concat_str([g, pl.lit("_"), f, digits]))
    )
    email_of_person = clean.select(
        pl.when(pl.col("style") >= 0).then(pl.concat_str([local, pl.lit("@"), pl.col("domain")]))
    ).to_series()
    email = email_of_person.gather(person)
    email = _scatter_map(
        email, sample_rows(rng, np.ones(n, dtype=np.bool_), EMAIL_TYPO_RATE), typo, rnd
    )
    return {
        "phone": _null_where(phone, rng.random(n) < MISSING_RATE["phone"]).alias("phone"),
        "email": _null_where(email, rng.random(n) < MISSING_RATE["email"]).alias("email"),
    }


def identifiers(
    rng: np.random.Generator,
    rnd: random.Random,
    people: People,
    person: IntArray,
    agency: IntArray,
    agencies: tuple[str, ...],
) -> dict[str, pl.Series]:
    """Licence numbers (with typos) and each agency's own person number (some duplicates)."""
    n = len(person)
    recorded = np.array([PROFILES[a].licence_recorded for a in agencies])[agency]
    licence_no = people.licence[person]
    has = (licence_no >= 0) & (rng.random(n) < recorded)
    licence = _null_where(pl.Series(licence_no).cast(pl.String), ~has)

    def licence_typo(value: str, r: random.Random) -> str:
        return transpose_digits(value, r) if r.random() < 0.4 else wrong_digit(value, r)

    licence = _scatter_map(licence, sample_rows(rng, has, LICENCE_TYPO_RATE), licence_typo, rnd)

    key = person * len(agencies) + agency
    duplicate = rng.random(n) < DUPLICATE_PERSON_NO_RATE
    key = np.where(duplicate, people.size * len(agencies) + np.arange(n), key)
    _, inverse = np.unique(key, return_inverse=True)
    number = rng.permutation(int(inverse.max(initial=-1)) + 1)[inverse] + 1_000_000
    prefix = pl.Series([PROFILES[a].person_no_prefix for a in agencies]).gather(agency)
    digits = pl.Series([PROFILES[a].person_no_digits for a in agencies]).gather(agency)
    person_no = pl.DataFrame({"p": prefix, "n": number, "w": digits}).select(
        pl.concat_str([pl.col("p"), pl.col("n").cast(pl.String).str.zfill(pl.col("w"))])
    )
    return {
        "id_licence_no": licence.alias("id_licence_no"),
        "id_agency_person_no": person_no.to_series().alias("id_agency_person_no"),
    }


def updated_at(rng: np.random.Generator, old_address: np.ndarray) -> pl.Series:
    """ISO timestamps; records with an old address are older."""
    n = len(old_address)
    u = rng.random(n)
    frac = np.where(old_address, u * 0.6, 0.3 + 0.7 * u)
    seconds = (_START + frac * (_END - _START)).astype(np.int64)
    return (
        pl.Series(seconds * 1000)
        .cast(pl.Datetime("ms"))
        .dt.strftime("%Y-%m-%dT%H:%M:%S")
        .alias("updated_at")
    )


def honorific_titles(sex_code: IntArray, honorific: IntArray) -> pl.Series:
    """A title ("Mr", "Mrs", "Ms", "Mx", ...) per record where ``honorific >= 0``, else null."""
    table = [*data.HONORIFICS_MALE[:3], *data.HONORIFICS_FEMALE[:3], "Mx", "Mx", "Mx"]
    index = np.clip(sex_code, 0, 2) * 3 + np.clip(honorific, 0, 2)
    return _null_where(pl.Series(table).gather(index), honorific < 0).alias("_title")
