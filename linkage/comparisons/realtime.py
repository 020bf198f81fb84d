"""The small-batch path: one standardised query record against its candidates.

The query becomes row 0 of a :class:`~linkage.comparisons._table.ValueTable`
held in numpy, the candidates rows 1..n; the same level objects and the same
level-selection code as :func:`~linkage.comparisons.engine.compare` run on it,
so both give identical levels.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

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


def compare_one(
    query: Mapping[str, Any],
    candidates: pl.DataFrame | Mapping[str, npt.ArrayLike],
    comparisons: Sequence[Comparison],
    *,
    term_frequencies: Mapping[str, Mapping[Any, float]] | None = None,
) -> ComparisonVectors:
    """Comparison vectors of one standardised query record against candidate records.

    Args:
        query: the query's standardised values (CONTRACTS.md section 2 keys); absent keys
            are missing.
        candidates: the candidates' standardised columns (a frame, or column -> aligned
            arrays); absent columns are missing.
        comparisons: the comparisons, one gamma column each.
        term_frequencies: per tf-adjusted comparison name, value -> relative frequency
            (from :func:`~linkage.comparisons.engine.term_frequencies`); NaN when absent.

    Returns:
        Levels identical to :func:`~linkage.comparisons.engine.compare` on the same records.
    """
    if isinstance(candidates, pl.DataFrame):
        n = candidates.height
        source: Mapping[str, Any] = {c: candidates.get_column(c) for c in candidates.columns}
    else:
        source = candidates
        n = len(np.asarray(next(iter(source.values())))) if source else 0
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
