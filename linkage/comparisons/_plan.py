"""Real-time comparison plans: each comparison's levels as kernels, run in the batch's order.

A :class:`Plan` is built once per comparisons object (cached by identity) and
reproduces :func:`~linkage.comparisons.engine.evaluate_levels` and
:func:`~linkage.comparisons.engine.apply_cross_levels` over Python lists: a side
with every null column missing gets level 0; the value levels run in order, each
on the candidates no better level matched; consecutive Jaro-Winkler levels on one
column share one scoring at the lowest threshold of the run; then each cross level
lowers a comparison's level to its number where it matches and the level is worse.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from linkage.comparisons._kernels import (
    Kernel,
    PreparedCandidates,
    jaro_winkler_scores,
    kernel_for,
)
from linkage.comparisons._table import python_value
from linkage.comparisons.comparison import Comparison
from linkage.comparisons.engine import ComparisonVectors
from linkage.comparisons.levels import ElseLevel, ExactLevel
from linkage.comparisons.string_levels import JaroWinklerLevel


@dataclass(frozen=True)
class _Step:
    """One value level: its number and kernel, or a Jaro-Winkler level of a ladder."""

    number: int
    kernel: Kernel | None
    jaro_winkler: JaroWinklerLevel | None = None
    cutoff: float = 0.0
    #: The next value level is a Jaro-Winkler level on the same column (scores carry over).
    ladder_continues: bool = False


@dataclass(frozen=True)
class _ComparisonPlan:
    name: str
    null_columns: tuple[str, ...]
    else_number: int
    steps: tuple[_Step, ...]
    #: (level number, index into Plan.cross_kernels)
    cross: tuple[tuple[int, int], ...]
    tf_column: str | None
    #: The column of the first value level when it is exact on one of the null columns
    #: alone: that level and the null test then run as one pass (:func:`_levels`).
    exact_first: str | None = None


@dataclass(frozen=True)
class Plan:
    """Kernels of every comparison, and the query columns they read."""

    comparisons: tuple[_ComparisonPlan, ...]
    cross_kernels: tuple[Kernel, ...]
    columns: tuple[str, ...]
    names: tuple[str, ...]


def _steps(comparison: Comparison) -> tuple[_Step, ...] | None:
    levels = comparison.value_levels
    steps: list[_Step] = []
    cutoff = 0.0
    for position, (number, level) in enumerate(levels):
        if isinstance(level, ElseLevel):
            break
        following = levels[position + 1][1] if position + 1 < len(levels) else None
        if type(level) is JaroWinklerLevel:
            previous = levels[position - 1][1] if position else None
            if not (isinstance(previous, JaroWinklerLevel) and previous.column == level.column):
                ladder = [level.threshold]
                for _, nxt in levels[position + 1 :]:
                    if not isinstance(nxt, JaroWinklerLevel) or nxt.column != level.column:
                        break
                    ladder.append(nxt.threshold)
                cutoff = min(ladder)
            continues = isinstance(following, JaroWinklerLevel) and following.column == level.column
            steps.append(_Step(number, None, level, cutoff, continues))
            continue
        kernel = kernel_for(level)
        if kernel is None:
            return None
        steps.append(_Step(number, kernel))
    return tuple(steps)


def build_plan(comparisons: Sequence[Comparison]) -> Plan | None:
    """The plan of ``comparisons``; ``None`` when a level type has no real-time kernel."""
    plans = []
    cross_kernels: list[Kernel] = []
    cross_index: dict[object, int] = {}
    for comparison in comparisons:
        steps = _steps(comparison)
        if steps is None:
            return None
        cross = []
        for number, level in comparison.cross_levels:
            if level not in cross_index:
                kernel = kernel_for(level)
                if kernel is None:
                    return None
                cross_index[level] = len(cross_kernels)
                cross_kernels.append(kernel)
            cross.append((number, cross_index[level]))
        first = comparison.value_levels[0][1] if comparison.value_levels else None
        exact_first = (
            first.columns()[0]
            if type(first) is ExactLevel
            and len(first.columns()) == 1
            and first.columns()[0] in comparison.null_columns
            else None
        )
        plans.append(
            _ComparisonPlan(
                comparison.name,
                comparison.null_columns,
                len(comparison.levels),
                steps,
                tuple(cross),
                comparison.column if comparison.tf_adjusted else None,
                exact_first,
            )
        )
    columns = tuple(dict.fromkeys(c for comparison in comparisons for c in comparison.columns()))
    return Plan(tuple(plans), tuple(cross_kernels), columns, tuple(c.name for c in comparisons))


_PLANS: dict[int, tuple[Sequence[Comparison], Plan | None]] = {}


def plan_for(comparisons: Sequence[Comparison]) -> Plan | None:
    """:func:`build_plan`, cached for the same comparisons object."""
    hit = _PLANS.get(id(comparisons))
    if hit is not None and hit[0] is comparisons:
        return hit[1]
    plan = build_plan(comparisons)
    if len(_PLANS) > 64:
        _PLANS.clear()
    _PLANS[id(comparisons)] = (comparisons, plan)
    return plan


def _levels(plan: _ComparisonPlan, query: dict[str, Any], cands: PreparedCandidates) -> list[int]:
    """Level per candidate from the value levels (cross levels not applied)."""
    n = cands.n
    steps = plan.steps
    column = plan.exact_first
    value = None if column is None else query.get(column)
    if column is not None and value is not None:  # the exact level and null test in one pass
        out = [0] * n
        remaining = []
        number = steps[0].number
        if len(plan.null_columns) == 1:
            for i, v in enumerate(cands.values(column)):
                if v == value:
                    out[i] = number
                elif v is not None:
                    remaining.append(i)
        else:  # undecided: any null column present (the exact one tested first)
            others = [cands.values(c) for c in plan.null_columns if c != column]
            other = others[0] if len(others) == 1 else None
            for i, v in enumerate(cands.values(column)):
                if v == value:
                    out[i] = number
                elif v is not None:
                    remaining.append(i)
                elif other is not None:
                    if other[i] is not None:
                        remaining.append(i)
                elif any(values[i] is not None for values in others):
                    remaining.append(i)
        steps = steps[1:]
    elif all(query.get(c) is None for c in plan.null_columns):
        return [0] * n
    else:
        remaining = cands.present(plan.null_columns)
        out = [0] * n
    scores: dict[int, float] | None = None
    for step in steps:
        if not remaining:
            break
        level = step.jaro_winkler
        if level is None:
            assert step.kernel is not None
            matched = step.kernel(query, cands, remaining)
        else:
            if scores is None:
                scores = jaro_winkler_scores(level, query, cands, remaining, step.cutoff)
            threshold = level.threshold
            matched = [i for i, s in scores.items() if s >= threshold]
            if step.ladder_continues:
                for i in matched:
                    del scores[i]
            else:
                scores = None
        if matched:
            number = step.number
            for i in matched:
                out[i] = number
            if len(matched) == len(remaining):
                remaining = []
            else:
                hit = set(matched)
                remaining = [i for i in remaining if i not in hit]
    number = plan.else_number
    for i in remaining:
        out[i] = number
    return out


def level_columns(
    plan: Plan, query: Mapping[str, Any], cands: PreparedCandidates
) -> tuple[dict[str, Any], list[list[int]]]:
    """The query's normalised values and each comparison's level per candidate (cross
    levels applied)."""
    values = _query_values(plan.columns, query)
    columns = [_levels(p, values, cands) for p in plan.comparisons]
    cross_hits: dict[int, dict[int, bool]] = {}
    for p, column in zip(plan.comparisons, columns, strict=True):
        for number, k in p.cross:
            if not column or max(column) <= number:
                continue
            need = [i for i, level in enumerate(column) if level > number]
            if not need:
                continue
            known = cross_hits.setdefault(k, {})
            todo = [i for i in need if i not in known]
            if todo:
                known.update(dict.fromkeys(todo, False))
                known.update(dict.fromkeys(plan.cross_kernels[k](values, cands, todo), True))
            for i in need:
                if known[i]:
                    column[i] = number
    return values, columns


def gamma_of(columns: list[list[int]], n: int) -> npt.NDArray[np.uint8]:
    """The (candidates x comparisons) level matrix of :func:`level_columns`."""
    if columns:
        return np.ascontiguousarray(np.array(columns, dtype=np.uint8).T)
    return np.zeros((n, 0), dtype=np.uint8)


#: Per tf-adjusted comparison: the query value's frequency (as float32 holds it, NaN when
#: unknown) and the candidates at level 1, which that frequency adjusts.
TfHits = dict[str, tuple[float, list[int]]]


def tf_hits(
    plan: Plan,
    values: Mapping[str, Any],
    columns: list[list[int]],
    term_frequencies: Mapping[str, Mapping[Any, float]] | None,
) -> TfHits:
    """The term-frequency adjustments of :func:`level_columns`' levels (see :data:`TfHits`)."""
    out: TfHits = {}
    nan = np.nan
    for p, column in zip(plan.comparisons, columns, strict=True):
        if p.tf_column is not None:
            value = values.get(p.tf_column)
            frequencies = (term_frequencies or {}).get(p.name, {})
            frequency = frequencies.get(value, nan) if value is not None else nan
            hits = [i for i, level in enumerate(column) if level == 1]
            out[p.name] = (float(np.float32(frequency)), hits)
    return out


def compare_prepared(
    plan: Plan,
    query: Mapping[str, Any],
    cands: PreparedCandidates,
    term_frequencies: Mapping[str, Mapping[Any, float]] | None,
) -> ComparisonVectors:
    """Comparison vectors of ``query`` against prepared candidates."""
    values, columns = level_columns(plan, query, cands)
    gamma = gamma_of(columns, cands.n)
    tf: dict[str, npt.NDArray[np.float32]] = {}
    for name, (frequency, hits) in tf_hits(plan, values, columns, term_frequencies).items():
        tf[name] = np.full(cands.n, np.nan, dtype=np.float32)
        tf[name][hits] = frequency
    return ComparisonVectors(gamma=gamma, tf=tf, names=plan.names)


def _query_values(columns: tuple[str, ...], query: Mapping[str, Any]) -> dict[str, Any]:
    """:func:`python_value` of each column's query value (plain strings and ints directly)."""
    out: dict[str, Any] = {}
    get = query.get
    for column in columns:
        value = get(column)
        if type(value) is str:
            out[column] = value if value.strip() else None
        elif value is None or type(value) is int:
            out[column] = value
        else:
            out[column] = python_value(value)
    return out
