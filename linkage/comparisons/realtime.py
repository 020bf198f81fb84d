"""The small-batch path: one standardised query record against its candidates.

:func:`compare_one` runs each comparison's levels as small Python kernels
(:mod:`linkage.comparisons._kernels`) over the candidates' values held as Python
lists (:class:`~linkage.comparisons._kernels.PreparedCandidates`, from
:func:`prepare_candidates`; a caller that scores the same candidates again keeps
them), with the batch engine's level order, Jaro-Winkler ladders and cross-level
override rule. Comparisons with a level type that has no kernel go through
:func:`compare_one_generic`: the query becomes row 0 of a
:class:`~linkage.comparisons._table.ValueTable`, the candidates rows 1..n, and
the same level objects and level-selection code as
:func:`~linkage.comparisons.engine.compare` run on it. Both give the batch's levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage.comparisons._kernels import PreparedCandidates
from linkage.comparisons._plan import compare_prepared, plan_for
from linkage.comparisons._table import (
    BoolArray,
    Column,
    IndexArray,
    ValueTable,
    column_from_values,
    python_value,
)
from linkage.comparisons.comparison import Comparison
from linkage.comparisons.engine import (
    ComparisonVectors,
    Evaluate,
    Positions,
    Score,
    apply_cross_levels,
    evaluate_levels,
)
from linkage.comparisons.levels import Level
from linkage.comparisons.string_levels import JaroWinklerLevel
from linkage.errors import InvalidInputError

Candidates = pl.DataFrame | Mapping[str, npt.ArrayLike]


def compare_one(
    query: Mapping[str, Any],
    candidates: Candidates | PreparedCandidates,
    comparisons: Sequence[Comparison],
    *,
    term_frequencies: Mapping[str, Mapping[Any, float]] | None = None,
) -> ComparisonVectors:
    """Comparison vectors of one standardised query record against candidate records.

    Args:
        query: the query's standardised values (CONTRACTS.md section 2 keys); absent keys
            are missing.
        candidates: the candidates' standardised columns (a frame, or column -> aligned
            arrays; absent columns are missing), or :func:`prepare_candidates` of them.
        comparisons: the comparisons, one gamma column each.
        term_frequencies: per tf-adjusted comparison name, value -> relative frequency
            (from :func:`~linkage.comparisons.engine.term_frequencies`); NaN when absent.

    Returns:
        Levels identical to :func:`~linkage.comparisons.engine.compare` on the same records.
    """
    plan = plan_for(comparisons)
    if plan is None:
        if isinstance(candidates, PreparedCandidates):
            candidates = candidates.as_columns()
        return compare_one_generic(
            query, candidates, comparisons, term_frequencies=term_frequencies
        )
    if not isinstance(candidates, PreparedCandidates):
        candidates = prepare_candidates(candidates, comparisons)
    return compare_prepared(plan, query, candidates, term_frequencies)


def prepare_candidates(
    candidates: Candidates, comparisons: Sequence[Comparison]
) -> PreparedCandidates:
    """The columns ``comparisons`` read, as Python lists, for :func:`compare_one`.

    Missing values become ``None``, dates ``YYYYMMDD`` ints, lists tuples. Keep the result
    to score the same candidates again.

    Raises:
        InvalidInputError: a column's length differs from the others' or its type is not
            comparable.
    """
    source, n = _columns_of(candidates)
    values: dict[str, list[Any]] = {}
    for comparison in comparisons:
        for name in comparison.columns():
            array = source.get(name)
            if name in values or array is None:
                continue
            converted = python_values(array)
            if len(converted) != n:
                msg = f"candidate column {name!r} has {len(converted)} rows, expected {n}"
                raise InvalidInputError(msg, field=name)
            values[name] = converted
    return PreparedCandidates(n, values)


def python_values(array: npt.ArrayLike) -> list[Any]:
    """One candidate column as normalised Python values (:func:`python_value` per item)."""
    if isinstance(array, pl.Series):
        dtype = array.dtype
        if dtype == pl.Utf8:
            return _strings(array.to_list())
        if dtype.is_integer() or dtype == pl.Null:
            return array.to_list()
        if isinstance(dtype, pl.List):
            return [python_value(v) for v in array.to_list()]
    values = np.asarray(array)
    kind = values.dtype.kind
    if kind in "iu":
        return values.tolist()  # type: ignore[no-any-return]
    if kind == "O":
        return _strings(values.tolist())
    if kind in "US":
        return _strings(values.astype(object).tolist())
    column = column_from_array(values)
    return [
        None if null else v
        for v, null in zip(column.data.tolist(), column.null.tolist(), strict=True)
    ]


def _strings(items: list[Any]) -> list[Any]:
    return [(v if v.strip() else None) if v.__class__ is str else python_value(v) for v in items]


def column_from_array(array: npt.ArrayLike) -> Column:
    """Convert one candidate column (numpy or polars) to a :class:`Column`, vectorised."""
    if isinstance(array, pl.Series):
        if array.dtype == pl.Date:
            array = array.to_numpy()
        elif isinstance(array.dtype, pl.List):
            return column_from_values(array.to_list())
        else:
            array = array.to_numpy()
    values = np.asarray(array)
    kind = values.dtype.kind
    if kind in "iu":
        return Column(values.astype(np.int64), np.zeros(len(values), dtype=bool))
    if kind == "f":
        null = np.isnan(values)
        return Column(np.where(null, 0, values).astype(np.int64), null)
    if kind == "M":
        days = values.astype("datetime64[D]")
        null = np.isnat(days)
        months = days.astype("datetime64[M]")
        year = months.astype("datetime64[Y]").astype(np.int64) + 1970
        month = months.astype(np.int64) % 12 + 1
        day = (days - months).astype(np.int64) + 1
        data = np.where(null, 0, year * 10000 + month * 100 + day)
        return Column(data.astype(np.int64), null)
    if kind in "US":
        values = values.astype(object)
    if values.dtype != object:
        msg = f"unsupported candidate column dtype {values.dtype}"
        raise InvalidInputError(msg)
    null = np.asarray([v is None or v == "" for v in values.tolist()], dtype=bool)
    sample = values[~null][:1]
    if len(sample) and isinstance(sample[0], str):
        data = values.copy()
        data[null] = None
        return Column(data, null)
    return column_from_values(values.tolist())


def _table_evaluators(
    table: ValueTable, left: IndexArray, right: IndexArray
) -> tuple[Evaluate, Score]:
    def evaluate(level: Level, at: Positions | None) -> BoolArray:
        if at is None:
            return level.evaluate(table, left, right)
        return level.evaluate(table, left[at], right[at])

    def score(level: JaroWinklerLevel, at: Positions, cutoff: float) -> npt.NDArray[np.float64]:
        return level.scores(table, left[at], right[at], cutoff)

    return evaluate, score


def _with_query(value: Any, column: Column) -> Column:
    """Prepend the query value (row 0) to a candidate column."""
    null = np.concatenate([[value is None], column.null])
    if column.data.dtype == np.int64 and (value is None or isinstance(value, int)):
        data: npt.NDArray[Any] = np.concatenate([[0 if value is None else value], column.data])
    else:
        data = np.empty(len(column.data) + 1, dtype=object)
        data[0] = value
        data[1:] = column.data
    return Column(data, null)


def compare_one_generic(
    query: Mapping[str, Any],
    candidates: pl.DataFrame | Mapping[str, npt.ArrayLike],
    comparisons: Sequence[Comparison],
    *,
    term_frequencies: Mapping[str, Mapping[Any, float]] | None = None,
) -> ComparisonVectors:
    """:func:`compare_one` through the levels' table path (any level type)."""
    source, n = _columns_of(candidates)
    columns: dict[str, Column] = {}
    for comparison in comparisons:
        for name in comparison.columns():
            if name not in columns:
                array = source.get(name)
                column = (
                    column_from_array(array)
                    if array is not None
                    else Column(np.full(n, None, dtype=object), np.ones(n, dtype=bool))
                )
                if len(column.null) != n:
                    msg = f"candidate column {name!r} has {len(column.null)} rows, expected {n}"
                    raise InvalidInputError(msg, field=name)
                columns[name] = _with_query(python_value(query.get(name)), column)
    table = ValueTable(n + 1, columns=columns)
    left = np.zeros(n, dtype=np.int64)
    right = np.arange(1, n + 1, dtype=np.int64)
    gamma = np.zeros((n, len(comparisons)), dtype=np.uint8)
    for j, comparison in enumerate(comparisons):
        null = np.ones(n + 1, dtype=bool)
        for name in comparison.null_columns:
            null &= columns[name].null
        if null[0]:
            continue
        todo = np.flatnonzero(~null[1:])
        evaluate, score = _table_evaluators(table, left[todo], right[todo])
        gamma[todo, j] = evaluate_levels(comparison, len(todo), evaluate, score)
    apply_cross_levels(comparisons, gamma, _table_evaluators(table, left, right)[0])
    tf: dict[str, npt.NDArray[np.float32]] = {}
    for j, comparison in enumerate(comparisons):
        if comparison.tf_adjusted:
            frequencies = (term_frequencies or {}).get(comparison.name, {})
            value = python_value(query.get(comparison.column))
            frequency = frequencies.get(value, np.nan) if value is not None else np.nan
            tf[comparison.name] = np.where(gamma[:, j] == 1, frequency, np.nan).astype(np.float32)
    return ComparisonVectors(gamma=gamma, tf=tf, names=tuple(c.name for c in comparisons))


def _columns_of(
    candidates: pl.DataFrame | Mapping[str, npt.ArrayLike],
) -> tuple[Mapping[str, Any], int]:
    """The candidates' columns by name, and how many candidates there are."""
    if isinstance(candidates, pl.DataFrame):
        return {c: candidates.get_column(c) for c in candidates.columns}, candidates.height
    n = len(np.asarray(next(iter(candidates.values())))) if candidates else 0
    return candidates, n
