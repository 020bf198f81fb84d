"""Comparisons of one compare call evaluated side by side on threads.

Most of a comparison's time is in numpy gathers and masks, Arrow hashes, polars and
rapidfuzz, which release the GIL (a py-spy ``--gil`` profile of a 1M-record call held it
about a third of the time), so two comparisons on two threads take little more than one.
The cross levels and term frequencies (``after``) read the columns of a few comparisons
only, so they start once those are done, beside the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor

from linkage.comparisons._codes import FrameCodes
from linkage.comparisons._distinct_pairs import worth_it
from linkage.comparisons.comparison import Comparison
from linkage.comparisons.string_levels import JaroWinklerLevel


def by_cost(codes: FrameCodes, comparisons: Sequence[Comparison], n: int) -> list[int]:
    """Comparison positions, those that score strings pair by pair (addresses) first."""

    def scored(comparison: Comparison) -> bool:
        once = comparison.exact_on_equal_key and worth_it(codes, comparison.column, n)
        return not once and any(isinstance(lv, JaroWinklerLevel) for lv in comparison.levels)

    return sorted(range(len(comparisons)), key=lambda j: not scored(comparisons[j]))


def side_by_side(
    values: Callable[[int], None],
    after: Callable[[], None],
    needed: list[int],
    threads: int,
    order: list[int],
) -> None:
    """``values(j)`` for every comparison and then ``after()``, on ``threads`` threads.

    ``after`` waits only for the comparisons in ``needed``; the heaviest comparison goes
    first, then those ``after`` needs, then ``after``, then the rest.
    """
    first = [j for j in order[:1] if j not in needed]
    rest = [j for j in order if j not in needed and j not in first]
    with ThreadPoolExecutor(max_workers=threads) as pool:
        futures = [pool.submit(values, j) for j in first]
        waited = [pool.submit(values, j) for j in needed]
        futures += waited

        def then() -> None:
            for future in waited:  # submitted earlier, so running or done: no deadlock
                future.result()
            after()

        futures.append(pool.submit(then))
        futures += [pool.submit(values, j) for j in rest]
        for future in futures:
            future.result()
