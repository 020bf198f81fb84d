"""Comparisons: per-field agreement levels of candidate pairs (DESIGN.md section 5, step 4).

A comparison is an ordered tuple of levels over one standardised column;
:func:`compare` evaluates comparisons on candidate pairs of a standardised
frame (batch), :func:`compare_one` one query against its candidates (real time).
"""

from __future__ import annotations

from linkage.comparisons.comparison import Comparison, comparison_from_dict
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
from linkage.comparisons.engine import ComparisonVectors, compare, term_frequencies
from linkage.comparisons.levels import (
    AnyExactLevel,
    ElseLevel,
    ExactLevel,
    Level,
    NicknameLevel,
    PhoneticLevel,
    level_from_dict,
)
from linkage.comparisons.library import (
    AddressComparison,
    DateComparison,
    EmailComparison,
    ExactComparison,
    IdentifierComparison,
    MiddleNameComparison,
    NameComparison,
    PhoneComparison,
    default_comparisons,
)
from linkage.comparisons.realtime import compare_one, prepare_candidates
from linkage.comparisons.string_levels import (
    DamerauLevenshteinLevel,
    JaroWinklerLevel,
    LevenshteinLevel,
)

__all__ = [
    "AddressComparison",
    "AliasLevel",
    "AnyExactLevel",
    "Comparison",
    "ComparisonVectors",
    "DamerauLevenshteinLevel",
    "DateComparison",
    "DateOneDigitLevel",
    "DateTransposedLevel",
    "ElseLevel",
    "EmailComparison",
    "EmailLocalPartLevel",
    "ExactComparison",
    "ExactLevel",
    "IdentifierComparison",
    "InitialLevel",
    "JaroWinklerLevel",
    "Level",
    "LevenshteinLevel",
    "MiddleNameComparison",
    "NameComparison",
    "NameInOtherFieldLevel",
    "NicknameLevel",
    "PhoneComparison",
    "PhoneticLevel",
    "SameYearLevel",
    "SuffixLevel",
    "SwappedNamesLevel",
    "TokenOverlapLevel",
    "YearsWithinLevel",
    "compare",
    "compare_one",
    "comparison_from_dict",
    "default_comparisons",
    "level_from_dict",
    "prepare_candidates",
    "term_frequencies",
]
