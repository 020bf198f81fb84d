"""Phones, emails, sex codes and identifiers.

Phones go to E.164 with the ``phonenumbers`` package (AU default region). That
package costs ~20 us a call, too slow for a million values, so the common
Australian shapes take a vectorised fast path built from the package's own AU
metadata (the national number patterns for fixed lines and mobiles); only
distinct values outside that domain are handed to ``phonenumbers``. A property
test checks the fast path against the package on the whole domain.
"""

from __future__ import annotations

import re

import phonenumbers
import polars as pl

from linkage.standardise._text import as_text, empty_to_null, fold, map_distinct, patch_rows

# Fast-path domain: separators removed, an AU prefix and a 9-digit national
# number that can only be a fixed line or a mobile (those start with 2-4, 7, 8).
PHONE_SEPARATORS = r"[ .()-]"
_SEPARATOR_CHARS = [" ", ".", "(", ")", "-"]  # the characters of PHONE_SEPARATORS
PHONE_FAST = r"^(?:\+61|61|0)([2-478][0-9]{8})$"
# Also in the domain: 8 digits without an area code, first digit 2-9 and not
# "61" (so ``phonenumbers`` neither strips a prefix nor reads a country code).
# Such a number is never valid: every +61 number type of 8 digits starts with
# 1 (checked against the metadata below), so the answer is None.
PHONE_LOCAL = r"^(?:[2-57-9][0-9]|6[02-9])[0-9]{6}$"


def _au_valid_pattern() -> str:
    """Fixed-line or mobile national number pattern of every region dialled as +61.

    AU shares +61 with Christmas Island and the Cocos Islands (08 9162 ...), whose
    numbers ``phonenumbers`` also accepts for the AU default region.
    """
    parts = []
    for region in sorted(phonenumbers.region_codes_for_country_code(61)):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None or meta.fixed_line is None or meta.mobile is None:  # pragma: no cover
            msg = f"phonenumbers has no {region} fixed-line or mobile metadata"
            raise RuntimeError(msg)
        parts += [meta.fixed_line.national_number_pattern, meta.mobile.national_number_pattern]
    return "^(?:" + "|".join(f"(?:{p})" for p in parts) + ")$"


def _check_local_invalid() -> None:
    """Fail at import if some 8-digit +61 number type could start with 2-9."""
    for region in phonenumbers.region_codes_for_country_code(61):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        if meta is None or meta.general_desc is None:  # pragma: no cover
            msg = f"phonenumbers has no {region} metadata"
            raise RuntimeError(msg)
        for desc in (
            meta.fixed_line, meta.mobile, meta.toll_free, meta.premium_rate, meta.shared_cost,
            meta.personal_number, meta.voip, meta.pager, meta.uan, meta.voicemail,
        ):  # fmt: skip
            if desc is None or desc.national_number_pattern is None:
                continue
            lengths = desc.possible_length or meta.general_desc.possible_length
            if 8 in lengths and any(not b.startswith("1") for b in _branches(desc)):
                msg = f"phonenumbers {region} has 8-digit numbers not starting with 1"
                raise RuntimeError(msg)


def _branches(desc: phonenumbers.PhoneNumberDesc) -> list[str]:
    """The top-level alternatives of a metadata pattern."""
    pattern, depth, start, out = desc.national_number_pattern or "", 0, 0, []
    for i, ch in enumerate(pattern):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "|" and depth == 0:
            out.append(pattern[start:i])
            start = i + 1
    return [*out, pattern[start:]]


PHONE_VALID_AU = _au_valid_pattern()
_check_local_invalid()
_LOCAL_RE = re.compile(PHONE_LOCAL)
_SEPARATORS_RE = re.compile(PHONE_SEPARATORS)
_FAST_RE = re.compile(PHONE_FAST)
_VALID_AU_RE = re.compile(PHONE_VALID_AU)

EMAIL_PATTERN = r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$"
_EMAIL_RE = re.compile(EMAIL_PATTERN)
# EMAIL_PATTERN in lower case: values standardise_email returns unchanged.
_TIDY_EMAIL = r"^[a-z0-9._%+'-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}$"
_EMAIL_SPACE = " \t\r\n"
_NON_ID = r"[^A-Za-z0-9]+"
_NON_ID_RE = re.compile(_NON_ID)
_ID_DIRTY = r"^$|[^A-Z0-9]"  # values identifier_expr changes
_NON_ALNUM = re.compile(r"[^A-Z0-9]+")

SEX_CODES: dict[str, str] = {
    **dict.fromkeys(("M", "MALE", "MAN", "1", "BOY"), "M"),
    **dict.fromkeys(("F", "FEMALE", "WOMAN", "2", "GIRL"), "F"),
    **dict.fromkeys(("X", "U", "INDETERMINATE", "INTERSEX", "NON BINARY", "NONBINARY"), "X"),
}


def phone_fast(value: str) -> tuple[bool, str | None]:
    """The fast path for one value: ``(in_domain, e164_or_None)``."""
    digits = _SEPARATORS_RE.sub("", value)
    match = _FAST_RE.fullmatch(digits)
    if match is None:
        return _LOCAL_RE.fullmatch(digits) is not None, None
    national = match.group(1)
    return True, ("+61" + national if _VALID_AU_RE.fullmatch(national) else None)


def phone_slow(value: str) -> str | None:
    """E.164 via ``phonenumbers`` (AU default region); None when not a valid number."""
    try:
        number = phonenumbers.parse(value, "AU")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def standardise_phone(value: str | None) -> str | None:
    """Standardise one phone number to E.164 (``"0412 345 678"`` -> ``"+61412345678"``).

    Args:
        value: raw phone text.

    Returns:
        The E.164 text, or None when the value is not a valid phone number.
    """
    if not value:
        return None
    handled, result = phone_fast(value)
    return result if handled else phone_slow(value)


def phone_column(series: pl.Series) -> pl.Series:
    """``phone_std`` for a phone series: fast path in polars, ``phonenumbers`` on the rest."""
    phones = as_text(series)
    # The separators are single characters: removed with one literal multi-replace.
    digits = pl.col("p").str.replace_many(_SEPARATOR_CHARS, [""] * len(_SEPARATOR_CHARS))
    fast = (
        pl.DataFrame({"p": phones})
        .select(digits.str.extract(PHONE_FAST, 1).alias("n"), digits.alias("d"))
        .select(
            (pl.col("n").is_null() & ~pl.col("d").str.contains(PHONE_LOCAL))
            .fill_null(value=False)
            .alias("slow"),
            pl.when(pl.col("n").str.contains(PHONE_VALID_AU))
            .then(pl.lit("+61") + pl.col("n"))
            .alias("phone_std"),
        )
    )
    rows = phones.filter(fast["slow"])
    values = rows.unique().to_list()
    fixed = rows.replace_strict(values, [phone_slow(v) for v in values], return_dtype=pl.Utf8)
    return patch_rows(fast["phone_std"], fast["slow"], fixed)


def standardise_email(value: str | None) -> str | None:
    """Lower-case, trimmed email address; None when it does not look like one."""
    if value is None:
        return None
    text = value.strip(_EMAIL_SPACE)
    return text.lower() if _EMAIL_RE.fullmatch(text) else None


def email_expr(column: str) -> pl.Expr:
    """``email_std`` as a polars expression over a text column."""
    text = pl.col(column).str.strip_chars(_EMAIL_SPACE)
    return (
        pl.when(text.str.contains(EMAIL_PATTERN)).then(text.str.to_lowercase()).alias("email_std")
    )


def email_column(series: pl.Series) -> pl.Series:
    """``email_std`` for an email series (vectorised).

    Addresses already in lower case without spaces are kept as they are; the
    others go through :func:`email_expr`.
    """
    text = as_text(series).rename("e")
    dirty = ~text.str.contains(_TIDY_EMAIL).fill_null(value=True)
    fixed = pl.DataFrame({"e": text.filter(dirty)}).select(email_expr("e")).to_series()
    return patch_rows(text, dirty, fixed).alias("email_std")


def standardise_identifier(value: str | None) -> str | None:
    """Identifier in upper case, letters and digits only (``"ab-12 3"`` -> ``"AB123"``)."""
    if value is None:
        return None
    return _NON_ID_RE.sub("", value).upper() or None


def identifier_expr(column: str) -> pl.Expr:
    """``<column>_std`` as a polars expression over a text column."""
    cleaned = pl.col(column).cast(pl.Utf8).str.replace_all(_NON_ID, "").str.to_uppercase()
    return empty_to_null(cleaned).alias(f"{column}_std")


def identifier_column(series: pl.Series, name: str) -> pl.Series:
    """``<name>_std`` for an identifier series (vectorised).

    Identifiers are mostly clean already (upper-case letters and digits), so
    only the other values go through :func:`identifier_expr`.
    """
    text = as_text(series).rename(name)
    dirty = text.str.contains(_ID_DIRTY).fill_null(value=False)
    fixed = pl.DataFrame({name: text.filter(dirty)}).select(identifier_expr(name)).to_series()
    return patch_rows(text, dirty, fixed).alias(f"{name}_std")


def standardise_sex(value: str | None) -> str | None:
    """Sex code: ``"M"``, ``"F"``, ``"X"`` (indeterminate, intersex, non-binary) or None."""
    if not value:
        return None
    return SEX_CODES.get(" ".join(_NON_ALNUM.sub(" ", fold(value).upper()).split()))


def sex_column(series: pl.Series) -> pl.Series:
    """``sex_std`` for a sex series (distinct values)."""
    out = map_distinct(as_text(series), lambda v: (standardise_sex(v),), {"sex_std": pl.Utf8()})
    return out.to_series()
