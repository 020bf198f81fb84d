"""Per-level Python kernels of the real-time path: one query value against a few candidates.

With one query and tens of candidates, the cost of the vectorised levels is their
number of numpy calls on tiny arrays, not the work. Here each known level type
has a kernel that reads plain Python lists (:class:`PreparedCandidates`, in
:mod:`linkage.comparisons._prepared` and re-exported here) and returns, for the
candidate positions still undecided, whether the level matches. String scores are
rapidfuzz's (``cdist`` of the query against the candidates, one call per ladder of
Jaro-Winkler levels); derived keys (suffixes, token sets, BCD digits) are computed
for the undecided candidates only, the costly ones cached by value across queries.

The semantics are the batch kernels' (:meth:`~linkage.comparisons.levels.Level.evaluate_pairs`);
a property test holds both equal. A level type without a kernel here makes
:func:`kernel_for` return ``None`` and the caller use the generic path.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rapidfuzz.distance import JaroWinkler
from rapidfuzz.process import cdist

from linkage.comparisons._prepared import PreparedCandidates, PreparedRows, value_memo
from linkage.comparisons.cross import AliasLevel, NameInOtherFieldLevel, SwappedNamesLevel
from linkage.comparisons.date_levels import (
    DateOneDigitLevel,
    DateTransposedLevel,
    SameYearLevel,
    YearsWithinLevel,
    _YearLevel,
)
from linkage.comparisons.derived_levels import (
    EmailLocalPartLevel,
    InitialLevel,
    SuffixLevel,
    TokenOverlapLevel,
)
from linkage.comparisons.levels import (
    AnyExactLevel,
    ExactLevel,
    Level,
    NicknameLevel,
    PhoneticLevel,
)
from linkage.comparisons.string_levels import (
    DamerauLevenshteinLevel,
    JaroWinklerLevel,
    LevenshteinLevel,
)

__all__ = ["Kernel", "PreparedCandidates", "PreparedRows", "jaro_winkler_scores", "kernel_for"]

Query = dict[str, Any]
#: ``kernel(query, candidates, todo)``: the positions of ``todo`` (in order) the level matches.
Kernel = Callable[[Query, "PreparedCandidates", list[int]], list[int]]
#: Below this many candidates, score pair by pair (``cdist`` has a fixed cost).
_PER_PAIR = 12


def _exact(columns: Sequence[str], combine: Callable[[Any], bool]) -> Kernel:
    """Equal on every (``all``) or some (``any``) column; a missing query value never equals."""
    if len(columns) == 1:
        (column,) = columns

        def single(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
            value = query.get(column)
            if value is None:
                return []
            values = cands.values(column)
            return [i for i in todo if values[i] == value]

        return single

    def every(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        for column in columns:
            value = query.get(column)
            if value is None:
                return []
            values = cands.values(column)
            todo = [i for i in todo if values[i] == value]
        return todo

    def some(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        hits: set[int] = set()
        for column in columns:
            value = query.get(column)
            if value is not None:
                values = cands.values(column)
                hits.update([i for i in todo if values[i] == value])
        return [i for i in todo if i in hits] if hits else []

    return every if combine is all else some


def _derived_exact(column: str, transform: Callable[[str], Any]) -> Kernel:
    """Equal after ``transform`` (``None``: no key) of each present value."""

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        value = query.get(column)
        key = None if value is None else transform(value)
        if key is None:
            return []
        values = cands.values(column)  # keys of the undecided candidates only
        return [i for i in todo if (v := values[i]) is not None and transform(v) == key]

    return kernel


def _present(text: str) -> str | None:
    return text if text.strip() else None


def _suffix(length: int) -> Callable[[str], Any]:
    return lambda v: _present(v[-length:]) if len(v) >= length else None


def _local_part(value: str) -> Any:
    return _present(value.partition("@")[0])


def _initial(column: str) -> Kernel:
    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        value = query.get(column)
        if value is None or _present(value[:1]) is None:
            return []
        first, single = value[:1], len(value) == 1
        values = cands.values(column)
        return [
            i
            for i in todo
            if (v := values[i]) is not None and v[:1] == first and (single or len(v) == 1)
        ]

    return kernel


def _tokens(level: TokenOverlapLevel) -> Callable[[str], Any]:
    ignore, min_length = level.ignore, level.min_length

    def tokens(value: str) -> frozenset[str] | None:
        kept = frozenset(
            t for t in value.split(" ") if len(t) >= min_length and t not in ignore and t
        )
        return kept or None

    return tokens


def _token_overlap(level: TokenOverlapLevel, column: str) -> Kernel:
    tokens = _tokens(level)
    tokens_of = value_memo(tokens)

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        value = query.get(column)
        mine = None if value is None else tokens(value)
        if not mine:
            return []
        values = cands.values(column)
        return [
            i
            for i in todo
            if (v := values[i]) is not None
            and (t := tokens_of(v)) is not None
            and not mine.isdisjoint(t)
        ]

    return kernel


def _scores(
    value: str, values: list[Any], todo: list[int], scorer: Any, cutoff: float
) -> dict[int, float]:
    """``scorer(value, values[i])`` for the ``i`` in ``todo`` where the value is present."""
    present = [i for i in todo if values[i] is not None]
    if len(present) <= _PER_PAIR:
        return {i: scorer(value, values[i], score_cutoff=cutoff) for i in present}
    row = cdist([value], [values[i] for i in present], scorer=scorer, score_cutoff=cutoff)
    return dict(zip(present, row[0].tolist(), strict=True))


def jaro_winkler_scores(
    level: JaroWinklerLevel, query: Query, cands: PreparedCandidates, todo: list[int], cutoff: float
) -> dict[int, float]:
    """Jaro-Winkler similarities of the query to the candidates at ``todo`` (absent: 0)."""
    column = level._col()
    value = query.get(column)
    if value is None:
        return {}
    scorer = JaroWinkler.normalized_similarity
    return _scores(value, cands.values(column), todo, scorer, cutoff)


def _levenshtein(level: LevenshteinLevel, column: str) -> Kernel:
    limit, scorer = level.max_distance, level.metric.distance

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        value = query.get(column)
        if value is None:
            return []
        distances = _scores(value, cands.values(column), todo, scorer, limit)
        return [i for i, d in distances.items() if d <= limit]

    return kernel


def _bcd(date: int) -> int:
    """The eight decimal digits of YYYYMMDD packed four bits each (year modulo 10000)."""
    return int(f"{date % 100_000_000:08d}", 16)


def _swapped_date(date: int) -> int | None:
    """YYYYDDMM of a YYYYMMDD date; ``None`` when day and month are equal."""
    month, day = date // 100 % 100, date % 100
    return None if month == day else date // 10000 * 10000 + day * 100 + month


def _transposed(column: str) -> Kernel:
    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        value = query.get(column)
        swapped = None if value is None else _swapped_date(value)
        if swapped is None:
            return []
        values = cands.values(column)
        return [i for i in todo if values[i] == swapped]

    return kernel


def _one_digit_apart(mine: int, other: int, transpositions: bool) -> bool:
    """BCD dates one digit apart, or (``transpositions``) two adjacent digits swapped."""
    x = mine ^ other
    nibbles = (x | (x >> 1) | (x >> 2) | (x >> 3)) & 0x11111111
    if not nibbles:
        return False
    low = nibbles & -nibbles
    if nibbles == low:
        return True
    if not transpositions or nibbles != low | (low << 4) or low >= 1 << 28:
        return False
    digit = low * 0xF
    return (mine & digit) == (other >> 4) & digit and (mine >> 4) & digit == other & digit


def _one_digit(column: str, transpositions: bool) -> Kernel:
    bcd_of = value_memo(_bcd)

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        value = query.get(column)
        if value is None:
            return []
        mine = _bcd(value)
        values = cands.values(column)
        return [
            i
            for i in todo
            if (v := values[i]) is not None and _one_digit_apart(mine, bcd_of(v), transpositions)
        ]

    return kernel


def _years(level: _YearLevel, within: int) -> Kernel:
    year_column, date_column = level.year_column, level._col()

    def year(y: Any, d: Any) -> Any:
        return y if y is not None else (None if d is None else d // 10000)

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        mine = year(query.get(year_column), query.get(date_column))
        if mine is None:
            return []
        years, dates = cands.values(year_column), cands.values(date_column)
        return [
            i
            for i in todo
            if (t := year(years[i], dates[i])) is not None and abs(t - mine) <= within
        ]

    return kernel


def _swapped(level: SwappedNamesLevel) -> Kernel:
    g, f, threshold = level.given_column, level.family_column, level.threshold
    similarity = JaroWinkler.normalized_similarity

    def near(a: Any, b: Any) -> bool:
        if threshold is None or a is None or b is None:
            return False
        return bool(similarity(a, b, score_cutoff=threshold) >= threshold)

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        qg, qf = query.get(g), query.get(f)
        if qg is None and qf is None:
            return []
        given, family = cands.values(g), cands.values(f)
        out = []
        for i in todo:
            first = qg is not None and family[i] == qg
            second = qf is not None and given[i] == qf
            if (
                (first and second)
                or (first and near(qf, given[i]))
                or (second and near(qg, family[i]))
            ):
                out.append(i)
        return out

    return kernel


def _name_in_other_field(level: NameInOtherFieldLevel) -> Kernel:
    g, f = level.given_column, level.family_column

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        qg, qf = query.get(g), query.get(f)
        given, family = cands.values(g), cands.values(f)
        return [
            i
            for i in todo
            if (qg is not None and family[i] == qg) or (qf is not None and given[i] == qf)
        ]

    return kernel


def _alias(level: AliasLevel) -> Kernel:
    a, g, f = level.alias_column, level.given_column, level.family_column

    def name(given: Any, family: Any) -> str | None:
        return None if given is None or family is None else f"{given} {family}"

    def kernel(query: Query, cands: PreparedCandidates, todo: list[int]) -> list[int]:
        mine = frozenset(query.get(a) or ())
        my_name = name(query.get(g), query.get(f))
        aliases = cands.values(a)
        if not mine:
            if my_name is None:
                return []
            return [i for i in todo if (t := aliases[i]) is not None and my_name in t]
        given, family = cands.values(g), cands.values(f)
        return [
            i
            for i in todo
            if ((t := aliases[i]) is not None and (my_name in t or not mine.isdisjoint(t)))
            or name(given[i], family[i]) in mine
        ]

    return kernel


def kernel_for(level: Level) -> Kernel | None:
    """The real-time kernel of a level (``None`` when its type has none)."""
    kind = type(level)
    if kind in (ExactLevel, NicknameLevel):
        assert isinstance(level, ExactLevel)
        return _exact(level.columns(), all)
    if kind in (AnyExactLevel, PhoneticLevel):
        assert isinstance(level, AnyExactLevel)
        return _exact(level.any_columns, any)
    if kind in (LevenshteinLevel, DamerauLevenshteinLevel):
        assert isinstance(level, LevenshteinLevel)
        return _levenshtein(level, level._col())
    if kind is SuffixLevel:
        assert isinstance(level, SuffixLevel)
        return _derived_exact(level._col(), _suffix(level.length))
    if kind is EmailLocalPartLevel:
        return _derived_exact(level._col(), _local_part)
    if kind is InitialLevel:
        return _initial(level._col())
    if kind is TokenOverlapLevel:
        assert isinstance(level, TokenOverlapLevel)
        return _token_overlap(level, level._col())
    if kind is DateTransposedLevel:
        return _transposed(level._col())
    if kind is DateOneDigitLevel:
        assert isinstance(level, DateOneDigitLevel)
        return _one_digit(level._col(), level.transpositions)
    if kind is SameYearLevel:
        assert isinstance(level, SameYearLevel)
        return _years(level, 0)
    if kind is YearsWithinLevel:
        assert isinstance(level, YearsWithinLevel)
        return _years(level, level.within)
    if kind is SwappedNamesLevel:
        assert isinstance(level, SwappedNamesLevel)
        return _swapped(level)
    if kind is NameInOtherFieldLevel:
        assert isinstance(level, NameInOtherFieldLevel)
        return _name_in_other_field(level)
    if kind is AliasLevel:
        assert isinstance(level, AliasLevel)
        return _alias(level)
    return None
