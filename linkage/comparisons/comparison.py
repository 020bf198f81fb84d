"""A comparison: an ordered tuple of levels over one standardised column."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from linkage.comparisons.levels import ElseLevel, ExactLevel, Level, level_from_dict
from linkage.errors import ConfigError

COMPARISON_TYPES: dict[str, type[Comparison]] = {}


class Comparison:
    """Ordered levels over one column; the first level that matches wins.

    Levels are numbered 1..k in order (1 is exact, k is "else"); 0 is the
    implicit null level, used when either side is missing (every column of
    ``null_columns`` missing on that side).

    Args:
        name: column name of this comparison in the gamma matrix and the model.
        column: the standardised column compared (levels without a column read it).
        levels: the levels, best first; the last must be :class:`ElseLevel`.
        tf_adjusted: term-frequency adjustment applies to the exact level 1.
        key_columns: the columns whose distinct value combinations are compared
            once each; defaults to every column the value levels read. A name
            comparison passes only its base column because the derived keys
            (root, phonetic codes) are functions of it.
        null_columns: a side is missing when all of these are missing
            (default: ``(column,)``).
    """

    kind: ClassVar[str] = "comparison"

    def __init__(
        self,
        name: str,
        column: str,
        levels: Sequence[Level],
        *,
        tf_adjusted: bool = False,
        key_columns: Sequence[str] | None = None,
        null_columns: Sequence[str] | None = None,
    ) -> None:
        if not name or not column:
            msg = "a comparison needs a name and a column"
            raise ConfigError(msg)
        bound = tuple(level.bound(column) for level in levels)
        if len(bound) < 2 or not isinstance(bound[-1], ElseLevel):
            msg = f"comparison {name!r}: needs at least two levels and ElseLevel last"
            raise ConfigError(msg)
        if any(isinstance(level, ElseLevel) for level in bound[:-1]):
            msg = f"comparison {name!r}: ElseLevel must be the last level"
            raise ConfigError(msg)
        if len(bound) > 254:
            msg = f"comparison {name!r}: too many levels"
            raise ConfigError(msg)
        self.name = name
        self.column = column
        self.levels = bound
        self.tf_adjusted = tf_adjusted
        value_columns = [c for level in bound if not level.cross for c in level.columns()]
        self.key_columns = tuple(dict.fromkeys(key_columns or [column, *value_columns]))
        self.null_columns = tuple(null_columns or (column,))

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        COMPARISON_TYPES[cls.kind] = cls

    @property
    def level_labels(self) -> tuple[str, ...]:
        """Labels by level number; index 0 is ``"null"``."""
        return ("null", *(level.label for level in self.levels))

    @property
    def n_levels(self) -> int:
        """Number of levels, the null level included."""
        return len(self.levels) + 1

    @property
    def exact_on_equal_key(self) -> bool:
        """Equal keys give level 1 (so the engine short-circuits them)."""
        first = self.levels[0]
        return (
            self.key_columns == (self.column,)
            and self.null_columns == (self.column,)
            and type(first) is ExactLevel
            and first.columns() == (self.column,)
        )

    @property
    def value_levels(self) -> tuple[tuple[int, Level], ...]:
        """(level number, level) of the levels evaluated on distinct values."""
        return tuple((i, lv) for i, lv in enumerate(self.levels, 1) if not lv.cross)

    @property
    def cross_levels(self) -> tuple[tuple[int, Level], ...]:
        """(level number, level) of the cross-field levels evaluated per record pair."""
        return tuple((i, lv) for i, lv in enumerate(self.levels, 1) if lv.cross)

    def columns(self) -> tuple[str, ...]:
        """Every column read, cross levels included."""
        cols = [*self.key_columns, *self.null_columns]
        cols += [c for level in self.levels for c in level.columns()]
        return tuple(dict.fromkeys(cols))

    def to_dict(self) -> dict[str, Any]:
        """Description for a saved model; rebuild with :func:`comparison_from_dict`."""
        return {
            "kind": self.kind,
            "name": self.name,
            "column": self.column,
            "levels": [level.to_dict() for level in self.levels],
            "tf_adjusted": self.tf_adjusted,
            "key_columns": list(self.key_columns),
            "null_columns": list(self.null_columns),
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Comparison) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash((self.name, self.column, self.levels))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, levels={list(self.level_labels[1:])})"


COMPARISON_TYPES[Comparison.kind] = Comparison


def comparison_from_dict(data: Mapping[str, Any]) -> Comparison:
    """Rebuild a comparison (of its original class) from :meth:`Comparison.to_dict`."""
    try:
        cls = COMPARISON_TYPES[str(data.get("kind", "comparison"))]
        levels = [level_from_dict(level) for level in data["levels"]]
        comparison = cls.__new__(cls)
        Comparison.__init__(
            comparison,
            str(data["name"]),
            str(data["column"]),
            levels,
            tf_adjusted=bool(data.get("tf_adjusted", False)),
            key_columns=data.get("key_columns"),
            null_columns=data.get("null_columns"),
        )
    except (KeyError, TypeError) as exc:
        msg = f"bad comparison description: {exc}"
        raise ConfigError(msg) from exc
    return comparison
