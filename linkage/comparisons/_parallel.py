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
from linkage.comparisons._distinct_pairs import per_value_pair
from linkage.comparisons.comparison import Comparison
from linkage.comparisons.string_levels import JaroWinklerLevel


def by_cost(codes: FrameCodes, comparisons: Sequence[Comparison], n: int) -> list[int]:
    """Comparison positions, costliest first (roughly): those that score strings pair by pair
    (addresses), then by the number of values of their column (phones before the sex).
    """

    def cost(j: int) -> tuple[bool, int]:
        comparison = comparisons[j]
        scored = any(isinstance(level, JaroWinklerLevel) for level in comparison.levels)
        scored = scored and not per_value_pair(codes, comparison, n)
        return not scored, -codes.n_values(comparison.column)

    return sorted(range(len(comparisons)), key=cost)


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
