"""Corruption helpers for the synthetic generator (private; see ``linkage.generate``).

Everything here works either on a small sampled subset of values in a Python
loop, or on whole columns with numpy / polars expressions.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]

_KEYBOARD_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")


def _keyboard_neighbours() -> dict[str, str]:
    """Letters adjacent on a QWERTY keyboard (same row and the rows above/below)."""
    pos = {ch: (r, c) for r, row in enumerate(_KEYBOARD_ROWS) for c, ch in enumerate(row)}
    out: dict[str, str] = {}
    for ch, (r, c) in pos.items():
        near = [
            other
            for other, (r2, c2) in pos.items()
            if other != ch and abs(r2 - r) <= 1 and abs(c2 - c) <= 1
        ]
        out[ch] = "".join(near)
    return out


KEYBOARD_NEIGHBOURS = _keyboard_neighbours()
_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _match_case(new: str, like: str) -> str:
    """Give a replacement letter the case of the letter it replaces."""
    return new.upper() if like.isupper() else new


def typo(value: str, rnd: random.Random) -> str:
    """One keying error: insert, delete, substitute (often a keyboard neighbour) or transpose."""
    if len(value) < 2:
        return value
    kind = rnd.random()
    i = rnd.randrange(1, len(value)) if len(value) > 2 else 1  # first letter is rarely wrong
    ch = value[i]
    if kind < 0.2:  # insert: doubled letter or a neighbour
        extra = (
            ch if rnd.random() < 0.5 else rnd.choice(KEYBOARD_NEIGHBOURS.get(ch.lower(), _LETTERS))
        )
        return value[:i] + _match_case(extra, ch) + value[i:]
    if kind < 0.4:  # delete
        return value[:i] + value[i + 1 :]
    if kind < 0.75:  # substitute
        pool = KEYBOARD_NEIGHBOURS.get(ch.lower()) if rnd.random() < 0.7 else None
        return value[:i] + _match_case(rnd.choice(pool or _LETTERS), ch) + value[i + 1 :]
    j = i - 1  # transpose with the previous character
    if value[i] == value[j]:
        return value[:i] + value[i + 1 :]
    return value[:j] + value[i] + value[j] + value[i + 1 :]


def wrong_digit(value: str, rnd: random.Random) -> str:
    """Replace one digit of a string of digits (and separators) with another digit."""
    positions = [i for i, ch in enumerate(value) if ch.isdigit()]
    if not positions:
        return value
    i = rnd.choice(positions)
    new = rnd.choice([d for d in "0123456789" if d != value[i]])
    return value[:i] + new + value[i + 1 :]


def wrong_subscriber_digit(value: str, rnd: random.Random) -> str:
    """Replace one of the last eight digits of a phone number (never the 0 / +61 prefix)."""
    positions = [i for i, ch in enumerate(value) if ch.isdigit()][-8:]
    if not positions:
        return value
    i = rnd.choice(positions)
    new = rnd.choice([d for d in "0123456789" if d != value[i]])
    return value[:i] + new + value[i + 1 :]


def transpose_digits(value: str, rnd: random.Random) -> str:
    """Swap two adjacent digits (falls back to a wrong digit when they are equal)."""
    pairs = [i for i in range(len(value) - 1) if value[i].isdigit() and value[i + 1].isdigit()]
    rnd.shuffle(pairs)
    for i in pairs:
        if value[i] != value[i + 1]:
            return value[:i] + value[i + 1] + value[i] + value[i + 2 :]
    return wrong_digit(value, rnd)


class Vocab:
    """Strings shared by several code columns; corrupted variants are appended."""

    def __init__(self, values: Sequence[str]) -> None:
        self.values: list[str] = list(values)
        self._index: dict[str, int] = {v: i for i, v in enumerate(self.values)}

    def code(self, value: str) -> int:
        """The code of ``value``, appending it when new."""
        found = self._index.get(value)
        if found is None:
            found = len(self.values)
            self.values.append(value)
            self._index[value] = found
        return found

    def corrupt(
        self,
        codes: IntArray,
        rows: IntArray,
        func: Callable[[str, random.Random], str],
        rnd: random.Random,
    ) -> None:
        """Replace ``codes[rows]`` (non-null ones) with codes of ``func(value)``, in place."""
        for r in rows.tolist():
            c = int(codes[r])
            if c >= 0:
                codes[r] = self.code(func(self.values[c], rnd))

    def series(self, codes: IntArray, name: str) -> pl.Series:
        """Strings for ``codes`` (``-1`` -> null) as a polars Series."""
        idx = pl.Series(codes).set(pl.Series(codes < 0), None)
        return pl.Series(name, self.values, dtype=pl.String).gather(idx).alias(name)


def sample_rows(rng: np.random.Generator, eligible: BoolArray, rate: float) -> IntArray:
    """Row positions drawn with probability ``rate`` among the eligible rows."""
    hit = eligible & (rng.random(len(eligible)) < rate)
    return np.flatnonzero(hit).astype(np.int64)


# Phone layouts, indexed by is_landline * 5 + style: prefix, middle and last separators.
# A mobile is written prefix + 3 digits + middle + 3 digits + separator + 3 digits; a landline
# prefix + area digit + middle + 4 digits + separator + 4 digits (style 3 drops the area code).
_PHONE_PREFIX = ("0", "+61 ", "0", "0", "+61", "(0", "0", "0", "", "+61 ")
_PHONE_MIDDLE = (" ", " ", "-", "", "", ") ", " ", "", "", " ")
_PHONE_SEPARATOR = (" ", " ", "-", "", "", " ", " ", "", " ", " ")


def phone_format(nsn: pl.Expr, landline: pl.Expr, style: pl.Expr) -> pl.Expr:
    """Write a 9-digit national number in one of five styles (0..4) per kind.

    Mobiles: "0412 345 678", "+61 412 345 678", "0412-345-678", "0412345678",
    "+61412345678". Landlines: "(03) 9123 4567", "03 9123 4567", "0391234567",
    "9123 4567", "+61 3 9123 4567".
    """
    layout = landline.cast(pl.Int64) * 5 + style

    def table(values: tuple[str, ...]) -> pl.Expr:
        return pl.lit(pl.Series(values, dtype=pl.String)).gather(layout)

    first = (
        pl.when(~landline)
        .then(nsn.str.slice(0, 3))
        .when(style == 3)
        .then(pl.lit(""))
        .otherwise(nsn.str.slice(0, 1))
    )
    second = pl.when(landline).then(nsn.str.slice(1, 4)).otherwise(nsn.str.slice(3, 3))
    third = pl.when(landline).then(nsn.str.slice(5, 4)).otherwise(nsn.str.slice(6, 3))
    return pl.concat_str(
        [table(_PHONE_PREFIX), first, table(_PHONE_MIDDLE), second, table(_PHONE_SEPARATOR), third]
    )


def dob_to_agency(dob: pl.Expr, style: str) -> pl.Expr:
    """Rewrite ISO ``YYYY-MM-DD`` text in an agency's style; other text passes through.

    Styles: ``iso``, ``dmy`` (dd/mm/yyyy), ``ymd_compact`` (yyyymmdd), ``dmy_short`` (d/m/yy).
    """
    is_iso = dob.str.contains(r"^\d{4}-\d{2}-\d{2}$")
    y, m, d = dob.str.slice(0, 4), dob.str.slice(5, 2), dob.str.slice(8, 2)
    if style == "iso":
        return dob
    if style == "dmy":
        out = pl.concat_str([d, pl.lit("/"), m, pl.lit("/"), y])
    elif style == "ymd_compact":
        out = pl.concat_str([y, m, d])
    elif style == "dmy_short":
        out = pl.concat_str(
            [
                d.str.replace(r"^0(\d)$", "$1"),
                pl.lit("/"),
                m.str.replace(r"^0(\d)$", "$1"),
                pl.lit("/"),
                y.str.slice(2, 2),
            ]
        )
    else:
        msg = f"unknown date style {style!r}"
        raise ValueError(msg)
    return pl.when(is_iso).then(out).otherwise(dob)
