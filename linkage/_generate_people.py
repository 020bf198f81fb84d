"""The true population behind the synthetic extracts (private; see ``linkage.generate``).

People live in households: a respondent, an affected family member (often the
respondent's partner, who may have taken the family name, hyphenated it, or
kept her own), and children who share the family name and address, sometimes
twins (same date of birth), sometimes a son named after his father. Single
people form one-person households. All arrays are indexed by person.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from nicknames import NickNamer

from linkage._generate_corrupt import BoolArray, IntArray, Vocab
from linkage.data import names as data

ROLE_NAMES = ("respondent", "affected_family_member", "child", "other")
RESPONDENT, AFM, CHILD, OTHER = 0, 1, 2, 3
MALE, FEMALE, X_SEX = 0, 1, 2

# Name frequencies: (rank + offset) ** -exponent within each list (SMITH ~1.4%, JAMES ~3.5%).
SURNAME_EXPONENT, GIVEN_EXPONENT, ZIPF_OFFSET = 0.7, 0.8, 3.0
HOUSEHOLD_SIZE_P = (0.30, 0.25, 0.18, 0.14, 0.08, 0.05)  # sizes 1..6
RESPONDENT_MALE_RATE = 0.78
SAME_SEX_COUPLE_RATE = 0.08
X_SEX_RATE = 0.003
TWIN_RATE = 0.04  # a later child shares the previous child's date of birth
JUNIOR_RATE = 0.05  # a son given his father's given name
MIDDLE_NAME_RATE = 0.65
PARTNER_TOOK_NAME_RATE = 0.55  # a female partner uses the household family name (maiden kept)
PARTNER_HYPHENATED_RATE = 0.10  # ... or "Maiden-Household"
MOVED_RATE = 0.30  # people with a previous address
UNIT_RATE = 0.15
LICENCE_RATE = 0.70  # adults holding a Victorian driver licence
MOBILE_RATE = 0.85  # people aged 14+ with a mobile
LANDLINE_RATE = 0.35  # households with a landline
EMAIL_RATE = 0.50  # adults with an email address
CURRENT_YEAR = 2025
EMAIL_DOMAINS = (
    "gmail.com",
    "hotmail.com",
    "outlook.com",
    "bigpond.com",
    "yahoo.com.au",
    "icloud.com",
)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def zipf_weights(n: int, exponent: float = 1.0, offset: float = 0.0) -> np.ndarray:
    """Zipf-like probabilities for ranks 1..n: proportional to (rank + offset) ** -exponent."""
    w = 1.0 / (np.arange(1, n + 1, dtype=np.float64) + offset) ** exponent
    return np.asarray(w / w.sum(), dtype=np.float64)


@dataclass
class Address:
    """Address parts per person: suburb index, street index, type index, number, unit (0 none)."""

    suburb: IntArray
    street: IntArray
    street_type: IntArray
    number: IntArray
    unit: IntArray


@dataclass
class People:
    """Person-level truth arrays; name codes index ``names`` (``-1`` = none)."""

    names: Vocab
    nicknames: dict[int, list[int]]
    household: IntArray
    role: IntArray
    sex: IntArray
    given: IntArray
    middle: IntArray
    family: IntArray
    maiden: IntArray
    year: IntArray
    month: IntArray
    day: IntArray
    address: Address
    previous: Address
    has_previous: BoolArray
    mobile: IntArray  # 9-digit national number, -1 none
    landline: IntArray
    licence: IntArray
    email_style: IntArray  # -1 none
    email_domain: IntArray
    email_digits: IntArray

    @property
    def size(self) -> int:
        """Number of people."""
        return int(self.role.shape[0])


def _draw(rng: np.random.Generator, size: int, p: np.ndarray) -> IntArray:
    """Indices drawn with probabilities ``p`` (fast inverse-CDF sampling)."""
    cdf = np.cumsum(p)
    cdf[-1] = 1.0
    return np.searchsorted(cdf, rng.random(size), side="right").astype(np.int64)


def _name_tables() -> tuple[
    Vocab, IntArray, np.ndarray, IntArray, np.ndarray, IntArray, np.ndarray
]:
    """Shared name vocabulary with male, female and surname codes and their weights."""
    surname_weight: dict[str, float] = {}
    for group, members in data.SURNAME_GROUPS.items():
        for name, w in zip(
            members, zipf_weights(len(members), SURNAME_EXPONENT, ZIPF_OFFSET), strict=True
        ):
            surname_weight[name] = (
                surname_weight.get(name, 0.0) + w * data.SURNAME_GROUP_WEIGHTS[group]
            )
    vocab = Vocab([*data.MALE_GIVEN, *data.FEMALE_GIVEN, *surname_weight])
    male = np.array([vocab.code(v) for v in data.MALE_GIVEN], dtype=np.int64)
    female = np.array([vocab.code(v) for v in data.FEMALE_GIVEN], dtype=np.int64)
    surnames = np.array([vocab.code(v) for v in surname_weight], dtype=np.int64)
    sw = np.array(list(surname_weight.values()))
    return (
        vocab,
        male,
        zipf_weights(len(male), GIVEN_EXPONENT, ZIPF_OFFSET),
        female,
        zipf_weights(len(female), GIVEN_EXPONENT, ZIPF_OFFSET),
        surnames,
        sw / sw.sum(),
    )


def _nickname_table(vocab: Vocab, given_codes: IntArray) -> dict[int, list[int]]:
    """Given-name code -> codes of its common nicknames (bundled ``nicknames`` package)."""
    namer = NickNamer()
    table: dict[int, list[int]] = {}
    for code in np.unique(given_codes).tolist():
        name = vocab.values[code]
        nicks = sorted(
            n
            for n in namer.nicknames_of(name.lower())
            if len(n) >= 2 and (n[0] == name[0].lower() or n in data.COMMON_NICKNAMES)
        )
        if nicks:
            table[code] = [vocab.code(n.capitalize()) for n in nicks]
    return table


def _address(rng: np.random.Generator, size: int) -> Address:
    """Random Victorian addresses."""
    n_sub = len(data.SUBURBS)
    return Address(
        suburb=_draw(rng, size, zipf_weights(n_sub, 0.3)[rng.permutation(n_sub)]),
        street=rng.integers(0, len(data.STREET_NAMES), size),
        street_type=_draw(rng, size, zipf_weights(len(data.STREET_TYPES), 1.2)),
        number=rng.integers(1, 300, size) // rng.integers(1, 4, size) + 1,
        unit=np.where(rng.random(size) < UNIT_RATE, rng.integers(1, 25, size), 0),
    )


def _pick(mask: BoolArray, a: IntArray, b: IntArray) -> IntArray:
    return np.where(mask, a, b)


def make_people(rng: np.random.Generator, n_people: int) -> People:
    """Draw ``n_people`` people grouped into households."""
    vocab, male, male_p, female, female_p, surnames, surname_p = _name_tables()
    sizes = _draw(rng, n_people, np.array(HOUSEHOLD_SIZE_P)) + 1
    n_households = int(np.searchsorted(np.cumsum(sizes), n_people) + 1)
    sizes = sizes[:n_households]
    household = np.repeat(np.arange(n_households, dtype=np.int64), sizes)[:n_people]
    start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    pos = np.arange(n_people, dtype=np.int64) - start[household]
    head = start[household]  # the respondent of each person's household
    hh_size = sizes[household]
    u = rng.random(n_people)
    single_role = np.where(u < 0.4, RESPONDENT, np.where(u < 0.7, AFM, OTHER))
    role = np.where(
        pos == 0, np.where(hh_size == 1, single_role, RESPONDENT), np.where(pos == 1, AFM, CHILD)
    )

    sex = (rng.random(n_people) < 0.5).astype(np.int64)
    resp_sex = np.where(rng.random(n_people) < RESPONDENT_MALE_RATE, MALE, FEMALE)
    sex = np.where(role == RESPONDENT, resp_sex, sex)
    partner_sex = np.where(rng.random(n_people) < SAME_SEX_COUPLE_RATE, sex[head], 1 - sex[head])
    sex = np.where((role == AFM) & (hh_size > 1), partner_sex, sex)
    sex = np.where(rng.random(n_people) < X_SEX_RATE, X_SEX, sex)

    female_like = (sex == FEMALE) | ((sex == X_SEX) & (rng.random(n_people) < 0.5))
    given = _pick(
        female_like, female[_draw(rng, n_people, female_p)], male[_draw(rng, n_people, male_p)]
    )
    middle = _pick(
        female_like, female[_draw(rng, n_people, female_p)], male[_draw(rng, n_people, male_p)]
    )
    middle = np.where((rng.random(n_people) < MIDDLE_NAME_RATE) & (middle != given), middle, -1)
    junior = (
        (role == CHILD) & (sex == MALE) & (sex[head] == MALE) & (rng.random(n_people) < JUNIOR_RATE)
    )
    given = np.where(junior, given[head], given)

    own_surname = surnames[_draw(rng, n_people, surname_p)]
    family = own_surname[head]
    maiden = np.full(n_people, -1, dtype=np.int64)
    partner = (role == AFM) & (hh_size > 1)
    u = rng.random(n_people)
    took = partner & (sex == FEMALE) & (u < PARTNER_TOOK_NAME_RATE + PARTNER_HYPHENATED_RATE)
    took &= own_surname != family
    maiden = np.where(took, own_surname, maiden)
    hyphen = took & (u >= PARTNER_TOOK_NAME_RATE)
    for r in np.flatnonzero(hyphen).tolist():
        family[r] = vocab.code(f"{vocab.values[own_surname[r]]}-{vocab.values[family[r]]}")
    family = np.where(partner & ~took, own_surname, family)

    year = np.clip(np.rint(rng.normal(1984, 11, n_people)), 1940, CURRENT_YEAR - 18).astype(
        np.int64
    )
    year = np.where(
        partner, np.clip(year[head] + np.rint(rng.normal(0, 4, n_people)), 1940, 2007), year
    )
    latest = CURRENT_YEAR - 1 - rng.integers(0, 18, n_people)  # children are 0-17, mostly
    child_year = np.minimum(year[head] + rng.integers(20, 39, n_people), latest)
    year = np.where(role == CHILD, child_year, year).astype(np.int64)
    month = rng.integers(1, 13, n_people)
    day = 1 + (rng.random(n_people) * _DAYS_IN_MONTH[month]).astype(np.int64)
    twin = (role == CHILD) & (pos >= 3) & (rng.random(n_people) < TWIN_RATE)
    for r in np.flatnonzero(twin).tolist():
        year[r], month[r], day[r] = year[r - 1], month[r - 1], day[r - 1]
        while given[r] == given[r - 1]:
            given[r] = (
                male[rng.integers(len(male))]
                if sex[r] == MALE
                else female[rng.integers(len(female))]
            )

    hh_address = _address(rng, n_households)
    address = Address(**{k: v[household] for k, v in vars(hh_address).items()})
    has_previous = rng.random(n_people) < MOVED_RATE

    age = CURRENT_YEAR - year
    adult = age >= 18
    gap = max(1, 99_000_000 // n_people)  # distinct numbers: one slot of width gap each
    numbers = 400_000_000 + rng.permutation(n_people) * gap + rng.integers(0, gap, n_people)
    mobile = np.where((age >= 14) & (rng.random(n_people) < MOBILE_RATE), numbers, -1)
    landline_hh = np.where(
        rng.random(n_households) < LANDLINE_RATE,
        np.where(rng.random(n_households) < 0.7, 390_000_000, 350_000_000)
        + rng.integers(0, 9_999_999, n_households),
        -1,
    )
    holders = adult & (rng.random(n_people) < LICENCE_RATE)
    licence = np.full(n_people, -1, dtype=np.int64)
    licence[holders] = 10_000_000 + rng.choice(989_999_999, size=int(holders.sum()), replace=False)
    email_style = np.where(
        adult & (rng.random(n_people) < EMAIL_RATE), rng.integers(0, 4, n_people), -1
    )
    return People(
        names=vocab,
        nicknames=_nickname_table(vocab, np.concatenate([male, female])),
        household=household,
        role=role.astype(np.int64),
        sex=sex,
        given=given,
        middle=middle,
        family=family,
        maiden=maiden,
        year=year,
        month=month,
        day=day,
        address=address,
        previous=_address(rng, n_people),
        has_previous=has_previous,
        mobile=mobile.astype(np.int64),
        landline=landline_hh[household].astype(np.int64),
        licence=licence,
        email_style=email_style.astype(np.int64),
        email_domain=_draw(rng, n_people, zipf_weights(len(EMAIL_DOMAINS), 1.0)),
        email_digits=rng.integers(1, 99, n_people),
    )
