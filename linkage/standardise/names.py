"""Person names: cleaning, honorifics and suffixes, nickname roots, phonetic keys, aliases.

Every function here works on one value and never raises; the batch path runs
them once per distinct value (names repeat heavily) and joins the results back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import jellyfish
import polars as pl

from linkage.standardise._nicknames import nickname_root
from linkage.standardise._text import as_text, fold, map_distinct

_HONORIFICS = """MR MRS MS MISS MX MSTR MASTER DR PROF PROFESSOR REV REVD REVEREND SIR DAME
    LADY LORD HON FR FATHER PASTOR CAPT SGT MADAM MME MLLE"""
HONORIFICS = frozenset(_HONORIFICS.split())
_SUFFIXES = "JR JNR JUNIOR SR SNR SENIOR II III IV ESQ"
SUFFIXES = frozenset(_SUFFIXES.split())
# Family-name particles kept with the family name when an alias is split.
_PARTICLES = "VAN VON DER DEN DE DI DA DU DEL DELLA LA LE ST BIN BINTI AL EL"
PARTICLES = frozenset(_PARTICLES.split())

_APOSTROPHES = re.compile(r"['`]")
_NON_LETTERS = re.compile(r"[^A-Z]+")
_NON_WORD = re.compile(r"[^A-Z-]+")

GIVEN_SCHEMA: dict[str, pl.DataType] = {
    "given_std": pl.Utf8(),
    "given_first": pl.Utf8(),
    "given_root": pl.Utf8(),
    "given_sdx": pl.Utf8(),
    "given_mph": pl.Utf8(),
    "given_nysiis": pl.Utf8(),
}
FAMILY_SCHEMA: dict[str, pl.DataType] = {
    "family_std": pl.Utf8(),
    "family_first": pl.Utf8(),
    "family_last": pl.Utf8(),
    "family_sdx": pl.Utf8(),
    "family_mph": pl.Utf8(),
    "family_nysiis": pl.Utf8(),
}


def _strip_titles(tokens: list[str]) -> list[str]:
    """Drop leading honorifics and trailing suffixes, never emptying the name."""
    start = 0
    while start < len(tokens) - 1 and tokens[start] in HONORIFICS:
        start += 1
    tokens = tokens[start:]
    end = len(tokens)
    while end > 1 and tokens[end - 1] in SUFFIXES:
        end -= 1
    return tokens[:end]


def name_tokens(value: str | None) -> list[str]:
    """Upper-case ASCII name tokens with punctuation, honorifics and suffixes removed."""
    if not value:
        return []
    text = _APOSTROPHES.sub("", fold(value).upper())
    return _strip_titles(_NON_LETTERS.sub(" ", text).split())


def standardise_name(value: str | None) -> str | None:
    """Standardise one name: ``"Mr. John-Paul O'Brien Jr"`` -> ``"JOHN PAUL OBRIEN"``.

    Args:
        value: raw name text (any Unicode, may be empty or None).

    Returns:
        Upper-case ASCII tokens separated by single spaces, or None when nothing is left.
    """
    return " ".join(name_tokens(value)) or None


def phonetic_keys(text: str | None) -> tuple[str | None, str | None, str | None]:
    """Soundex, metaphone and NYSIIS of letters-only text (None for empty)."""
    if not text:
        return None, None, None
    return (
        jellyfish.soundex(text) or None,
        jellyfish.metaphone(text) or None,
        jellyfish.nysiis(text) or None,
    )


def given_parts(value: str | None) -> tuple[str | None, ...]:
    """``given_std, given_first, given_root`` and the phonetic keys of ``given_first``."""
    tokens = name_tokens(value)
    if not tokens:
        return (None,) * len(GIVEN_SCHEMA)
    first = tokens[0]
    return (" ".join(tokens), first, nickname_root(first), *phonetic_keys(first))


def family_parts(value: str | None) -> tuple[str | None, ...]:
    """``family_std, family_first, family_last`` and phonetic keys of the joined tokens."""
    tokens = name_tokens(value)
    if not tokens:
        return (None,) * len(FAMILY_SCHEMA)
    return (" ".join(tokens), tokens[0], tokens[-1], *phonetic_keys("".join(tokens)))


def standardise_alias(value: str | None) -> str | None:
    """Standardise a free-text alias full name to ``"GIVEN FAMILY"``.

    ``"SMITH, Robert"`` is family-first; otherwise the last word (with any
    particles before it, as in ``"van der Berg"``) is the family name and the
    first word the given name. Only the first given name is kept.

    Args:
        value: raw alias text.

    Returns:
        ``given_first`` and ``family_std`` of the alias joined by a space, or None.
    """
    if not value:
        return None
    text = _APOSTROPHES.sub("", fold(value).upper())
    if "," in text:
        family_text, _, given_text = text.partition(",")
        given = name_tokens(given_text)[:1]
        family = name_tokens(family_text)
    else:
        # Keep hyphens inside words so "SMITH-JONES" stays one family word.
        words = _strip_titles([w for w in _NON_WORD.sub(" ", text).split() if w.strip("-")])
        if not words:
            return None
        cut = len(words) - 1
        while cut > 1 and words[cut - 1] in PARTICLES:
            cut -= 1
        given = name_tokens(" ".join(words[:cut]))[:1] if cut else []
        family = name_tokens(" ".join(words[cut:]))
    return " ".join([*given, *family]) or None


def alias_list(aliases: list[str | None] | None) -> list[str] | None:
    """Standardise a list of aliases, dropping empty ones and repeats (order kept)."""
    if aliases is None:
        return None
    out: list[str] = []
    for alias in aliases:
        std = standardise_alias(alias)
        if std is not None and std not in out:
            out.append(std)
    return out


#: frames up to this many rows (group upserts) reuse names standardised by earlier frames
_MEMO_ROWS = 65_536
#: names kept per part; the memo starts afresh when full
_MEMO_SIZE = 100_000


def middle_parts(value: str | None) -> tuple[str | None]:
    return (standardise_name(value),)


def memoised(func: Callable[[str], Sequence[Any]]) -> Callable[[str], Sequence[Any]]:
    """``func`` remembering its results: the names of one group recur in the next (a
    group of 4096 spends ~15 ms in the name functions, mostly on names seen before),
    and real-time queries repeat names, streets and dates."""
    memo: dict[str, Sequence[Any]] = {}

    def remembered(value: str) -> Sequence[Any]:
        found = memo.get(value)
        if found is None:
            found = tuple(func(value))
            if len(memo) >= _MEMO_SIZE:
                memo.clear()
            memo[value] = found
        return found

    return remembered


GIVEN_MEMO = memoised(given_parts)
FAMILY_MEMO = memoised(family_parts)
MIDDLE_MEMO = memoised(middle_parts)


def name_columns(frame: pl.DataFrame) -> list[pl.Series]:
    """All name output columns for a canonical frame, computed on distinct values.

    Small frames (real-time groups) go through memos of the name functions; a batch
    frame computes each of its distinct names once anyway and keeps no memo.
    """
    small = frame.height <= _MEMO_ROWS
    given_of = GIVEN_MEMO if small else given_parts
    family_of = FAMILY_MEMO if small else family_parts
    given = map_distinct(as_text(frame["given_name"]), given_of, GIVEN_SCHEMA)
    family = map_distinct(as_text(frame["family_name"]), family_of, FAMILY_SCHEMA)
    middle = map_distinct(
        as_text(frame["middle_name"]),
        MIDDLE_MEMO if small else middle_parts,
        {"middle_std": pl.Utf8()},
    )
    return [*given.get_columns(), *middle.get_columns(), *family.get_columns(), _aliases(frame)]


def _aliases(frame: pl.DataFrame) -> pl.Series:
    """``alias_names``: each alias standardised via a distinct-value lookup."""
    raw = frame["aliases"]
    if raw.dtype != pl.List(pl.Utf8):
        raw = raw.cast(pl.List(pl.Utf8))
    # Work on the non-null lists only (most records have no aliases); the filter
    # also compacts them: null lists built by `pl.when` can still hold hidden
    # values, which `list.eval` then walks (1,000x slower at 100k rows).
    present = raw.is_not_null()
    lists = raw.filter(present)
    old, new = alias_table(lists.explode().drop_nulls().unique())
    std = lists.list.eval(pl.element().replace_strict(old, new, default=None, return_dtype=pl.Utf8))
    std = std.list.drop_nulls().list.unique(maintain_order=True)
    rows = pl.select(pl.when(present).then(present.cast(pl.Int64).cum_sum() - 1)).to_series()
    return std.gather(rows).alias("alias_names")


# "Given Family" in ASCII letters: the alias is the two words upper-cased, unless
# the first is an honorific or the second a suffix (standardise_alias drops those).
_TWO_WORDS = r"^([A-Za-z]+) ([A-Za-z]+)$"


def alias_table(values: pl.Series) -> tuple[pl.Series, pl.Series]:
    """Distinct aliases and their :func:`standardise_alias` values.

    Two plain words are done as polars expressions, the rest one by one.
    """
    words = pl.col("v").str.extract_groups(_TWO_WORDS)
    first = words.struct.field("1").str.to_uppercase()
    last = words.struct.field("2").str.to_uppercase()
    simple = pl.DataFrame({"v": values}).select(
        "v",
        (
            first.is_not_null() & ~first.is_in(sorted(HONORIFICS)) & ~last.is_in(sorted(SUFFIXES))
        ).alias("fast"),
    )
    fast = simple.filter("fast")["v"]
    rest = simple.filter(~pl.col("fast"))["v"]
    new = [standardise_alias(v) for v in rest.to_list()]
    return (
        pl.concat([fast, rest]),
        pl.concat([fast.str.to_uppercase(), pl.Series(new, dtype=pl.Utf8)]),
    )
