"""The comparisons the project uses, and :func:`default_comparisons`.

Level numbering (0 is always "null": a side is missing):

======================  ===========================================================
given_name (tf)         1 exact given_std, 2 nickname root, 3 given and family swapped,
                        4 swapped with one typo (JW>=0.88), 5 phonetic (metaphone or
                        soundex), 6 JW>=0.92, 7 JW>=0.80, 8 else
family_name (tf)        1 exact family_std, 2 compound part, 3 alias, 4 phonetic,
                        5 JW>=0.92, 6 JW>=0.80, 7 a name in the other name field, 8 else
middle_name             1 exact, 2 initial agrees, 3 JW>=0.88, 4 else
dob                     1 exact, 2 day/month transposed, 3 one digit or two adjacent
                        digits swapped, 4 same year, 5 within 3 years, 6 else
sex                     1 exact, 2 else
address                 1 exact address_std, 2 same street number + name,
                        3 JW>=0.85, 4 same suburb or postcode, 5 else
phone                   1 exact, 2 same last 8 digits, 3 Damerau-Levenshtein<=1, 4 else
email                   1 exact, 2 same local part, 3 Damerau-Levenshtein<=1, 4 else
id_<name>               1 exact, 2 Damerau-Levenshtein<=1, 3 else
======================  ===========================================================

Damerau-Levenshtein counts a swap of adjacent characters as one edit: the most
common keying error in numbers.

A cross-field agreement is one piece of evidence, so it is a level of one
comparison only: counted in both, its weight (against the rare joint u of
random pairs) came twice, and a shared common alias or two people named LEE
JAMES and JAMES LEE outweighed an exact name agreement (1M synthetic: 2,673
pairs at "alias" in both names, 12 of them one person). A swap is a given_name
level (the family name of a full swap is then "a name in the other name
field"); an alias is a family_name level, where names change (marriage).

Given and family names are term-frequency adjusted on level 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

from linkage.comparisons.comparison import Comparison
from linkage.comparisons.cross import AliasLevel, NameInOtherFieldLevel, SwappedNamesLevel
from linkage.comparisons.date_levels import (
    DateOneDigitLevel,
    DateTransposedLevel,
    SameYearLevel,
    YearsWithinLevel,
)
from linkage.comparisons.derived_levels import (
    EmailLocalPartLevel,
    InitialLevel,
    SuffixLevel,
    TokenOverlapLevel,
)
from linkage.comparisons.levels import (
    AnyExactLevel,
    ElseLevel,
    ExactLevel,
    Level,
    NicknameLevel,
    PhoneticLevel,
)
from linkage.comparisons.string_levels import DamerauLevenshteinLevel, JaroWinklerLevel
from linkage.errors import ConfigError

#: Jaro-Winkler similarity of the name that carries a typo in a swap.
SWAP_TYPO_THRESHOLD = 0.88


class NameComparison(Comparison):
    """Given or family name, with nickname/compound, alias, swap and phonetic levels."""

    kind = "name"

    def __init__(self, part: Literal["given", "family"] = "given") -> None:
        special: Level
        if part == "given":
            column, special = "given_std", NicknameLevel("given_root")
            fuzzy_column: str | None = "given_first"
        elif part == "family":
            column, special, fuzzy_column = "family_std", TokenOverlapLevel(), None
        else:
            msg = f"part must be 'given' or 'family', got {part!r}"
            raise ConfigError(msg)
        # cross-field levels in one comparison only (see the module docstring)
        cross: list[Level] = (
            [SwappedNamesLevel(), SwappedNamesLevel(threshold=SWAP_TYPO_THRESHOLD)]
            if part == "given"
            else [AliasLevel()]
        )
        partial: list[Level] = [NameInOtherFieldLevel()] if part == "family" else []
        super().__init__(
            f"{part}_name",
            column,
            [
                ExactLevel(),
                special,
                *cross,
                PhoneticLevel([f"{part}_mph", f"{part}_sdx"]),
                JaroWinklerLevel(0.92, fuzzy_column),
                JaroWinklerLevel(0.80, fuzzy_column),
                *partial,
                ElseLevel(),
            ],
            tf_adjusted=True,
            key_columns=[column],
        )


class MiddleNameComparison(Comparison):
    """Middle name or initial."""

    kind = "middle_name"

    def __init__(self, column: str = "middle_std") -> None:
        levels = [ExactLevel(), InitialLevel(), JaroWinklerLevel(0.88), ElseLevel()]
        super().__init__("middle_name", column, levels)


class DateComparison(Comparison):
    """Date of birth, partial dates (year only) included."""

    kind = "date"

    def __init__(
        self,
        column: str = "dob_date",
        year_column: str = "dob_year",
        *,
        name: str = "dob",
        within_years: int = 3,
    ) -> None:
        levels = [
            ExactLevel(),
            DateTransposedLevel(),
            DateOneDigitLevel(transpositions=True),
            SameYearLevel(year_column),
            YearsWithinLevel(within_years, year_column),
            ElseLevel(),
        ]
        super().__init__(name, column, levels, null_columns=[column, year_column])


class AddressComparison(Comparison):
    """Street address with suburb and postcode folded in.

    A side is missing only when it has no address, suburb and postcode at all,
    so a record with a suburb only still agrees (level 4) or disagrees (else).
    """

    kind = "address"

    def __init__(self) -> None:
        levels = [
            ExactLevel(),
            ExactLevel(["street_number", "street_name"], label="same street number and name"),
            JaroWinklerLevel(0.85),
            AnyExactLevel(["suburb_std", "postcode_std"], label="same suburb or postcode"),
            ElseLevel(),
        ]
        null_columns = ["address_std", "suburb_std", "postcode_std"]
        super().__init__("address", "address_std", levels, null_columns=null_columns)


class ExactComparison(Comparison):
    """Exact or else (e.g. sex)."""

    kind = "exact"

    def __init__(self, name: str, column: str, *, tf_adjusted: bool = False) -> None:
        super().__init__(name, column, [ExactLevel(), ElseLevel()], tf_adjusted=tf_adjusted)


class PhoneComparison(Comparison):
    """Phone number in E.164."""

    kind = "phone"

    def __init__(self, column: str = "phone_std") -> None:
        levels = [ExactLevel(), SuffixLevel(8), DamerauLevenshteinLevel(1), ElseLevel()]
        super().__init__("phone", column, levels)


class EmailComparison(Comparison):
    """E-mail address."""

    kind = "email"

    def __init__(self, column: str = "email_std") -> None:
        levels = [ExactLevel(), EmailLocalPartLevel(), DamerauLevenshteinLevel(1), ElseLevel()]
        super().__init__("email", column, levels)


class IdentifierComparison(Comparison):
    """An agency identifier ``id_<name>_std``: exact, one typo or transposition, else."""

    kind = "identifier"

    def __init__(self, identifier: str) -> None:
        if not identifier or not identifier.replace("_", "").isalnum():
            msg = f"bad identifier name {identifier!r}"
            raise ConfigError(msg)
        levels = [ExactLevel(), DamerauLevenshteinLevel(1), ElseLevel()]
        super().__init__(f"id_{identifier}", f"id_{identifier}_std", levels)


def default_comparisons(identifiers: Sequence[str] = ()) -> tuple[Comparison, ...]:
    """The project's comparisons, plus one per identifier name (``id_<name>_std``).

    Args:
        identifiers: identifier names, e.g. ``("licence",)`` for ``id_licence_std``.

    Returns:
        given_name, family_name, middle_name, dob, sex, address, phone, email,
        then ``id_<name>`` for each identifier.
    """
    return (
        NameComparison("given"),
        NameComparison("family"),
        MiddleNameComparison(),
        DateComparison(),
        ExactComparison("sex", "sex_std"),
        AddressComparison(),
        PhoneComparison(),
        EmailComparison(),
        *(IdentifierComparison(name) for name in identifiers),
    )
