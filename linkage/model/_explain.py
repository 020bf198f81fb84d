"""Term-frequency deltas and the per-field explanation of one pair."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from linkage.errors import InvalidInputError
from linkage.model._scoring import tf_adjustment

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True)
class FieldWeight:
    """One comparison's contribution to a pair's match weight.

    Attributes:
        comparison: Comparison name.
        level: Level of the pair in this comparison (0 = null).
        label: That level's label.
        m: P(level | match); None for the null level.
        u: P(level | non-match) actually used (the value's frequency, bounded,
            when term-frequency adjusted); None for the null level.
        weight: log2(m / u) in bits; 0 for the null level.
        tf_adjusted: Whether ``u`` came from the term-frequency adjustment.
    """

    comparison: str
    level: int
    label: str
    m: float | None
    u: float | None
    weight: float
    tf_adjusted: bool = False


def tf_deltas(
    gamma: npt.NDArray[np.uint8],
    tf: Mapping[str, npt.ArrayLike] | None,
    *,
    names: Sequence[str],
    tf_comparisons: Sequence[str],
    u: Sequence[FloatArray],
    min_frequency: float,
) -> list[tuple[int, npt.NDArray[np.intp], FloatArray]]:
    """(column, rows at the exact level, weight change) per adjusted comparison in ``tf``.

    Comparisons in ``tf_comparisons`` but absent from ``tf`` are not adjusted.
    """
    if not tf:
        return []
    unknown = sorted(set(tf) - set(tf_comparisons))
    if unknown:
        msg = f"tf given for comparisons that are not tf-adjusted: {unknown}"
        raise InvalidInputError(msg, field="tf")
    out = []
    for name, values in tf.items():
        j = list(names).index(name)
        freq = np.asarray(values)
        if freq.shape != (gamma.shape[0],):
            msg = f"tf[{name!r}] must have one value per pair ({gamma.shape[0]}), got {freq.shape}"
            raise InvalidInputError(msg, field="tf")
        rows = np.flatnonzero(gamma[:, j] == 1)
        out.append((j, rows, tf_adjustment(float(u[j][1]), freq[rows], min_frequency)))
    return out


def explain_row(
    row: npt.NDArray[np.uint8],
    deltas: Mapping[int, float],
    *,
    names: Sequence[str],
    level_labels: Sequence[Sequence[str]],
    m: Sequence[FloatArray],
    u: Sequence[FloatArray],
) -> list[FieldWeight]:
    """Field weights of one checked gamma row, largest absolute weight first."""
    out = []
    for j, name in enumerate(names):
        level = int(row[j])
        if level == 0:
            out.append(FieldWeight(name, 0, level_labels[j][0], None, None, 0.0))
            continue
        mj, uj = float(m[j][level]), float(u[j][level])
        weight = float(np.log2(mj) - np.log2(uj))
        adjusted = deltas.get(j, 0.0) != 0.0
        if adjusted:
            weight += deltas[j]
            uj = mj / 2.0**weight  # the bounded frequency that replaced u_exact
        out.append(FieldWeight(name, level, level_labels[j][level], mj, uj, weight, adjusted))
    out.sort(key=lambda fw: -abs(fw.weight))
    return out
