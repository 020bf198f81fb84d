"""Blocking keys of the batch rules, for a whole frame (polars) or one record (plain Python).

A key is the text ``label<US>value<US>value...`` of one form of one rule
(``label`` is the rule's position, ``"3.5"`` for form 5 of a
:class:`~linkage.blocking.KeyVariants` rule), hashed with
:func:`linkage.keyhash.fnv1a`. :func:`frame_key_hashes` evaluates the rules'
own polars expressions over a standardised frame; :class:`RecordKeys`
derives the same keys from one :func:`~linkage.standardise.standardise_record`
result without polars (the real-time path, a few microseconds per key).
The property test in ``tests/linkage/test_record_keys.py`` holds them equal.

A rule's pair ``checks`` (:mod:`linkage._blocking_checks`) are not keys: here
the rule pairs every two records sharing its keys, a superset of the batch
pairs. A *sparse* rule pairs a sparse record with any record in the batch;
shared keys cannot say "at least one of the two", so here its keys exist on
sparse records only (:func:`sparse_key`) and it pairs two sparse records: a
subset, which keeps real-time candidate lists short.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping, Sequence
from itertools import product
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

from linkage._blocking_keys import any_of_columns, id_parts
from linkage.blocking import BlockingRule, KeyVariants
from linkage.errors import ConfigError
from linkage.keyhash import fnv1a, fnv1a_series

SEP = "\x1f"
Getter = Callable[[Mapping[str, Any]], list[Any]]
_SORTED = re.compile(r"^sorted\((\w+),(\w+)\)$")
_ID_PARTS = re.compile(r"^id_parts\((\w+)\)$")


def sparse_key(predicate: pl.Expr) -> pl.Expr:
    """The key a sparse rule adds here: present only on sparse records."""
    name = predicate.meta.output_name()
    return pl.when(predicate).then(pl.lit("sparse")).alias(f"sparse:{name}")


def _dob_uncertain(std: Mapping[str, Any]) -> bool:
    year, month, day = std.get("dob_year"), std.get("dob_month"), std.get("dob_day")
    return year is None or month is None or day is None or (month == 1 and day == 1)


def _name_partial(std: Mapping[str, Any]) -> bool:
    return std.get("given_std") is None or std.get("family_std") is None


_SPARSE: dict[str, Callable[[Mapping[str, Any]], bool]] = {
    "dob_uncertain": _dob_uncertain,
    "name_partial": _name_partial,
}


def rule_forms(rules: Sequence[BlockingRule]) -> list[tuple[str, list[pl.Expr]]]:
    """(label, key expressions) of every rule, one entry per ``KeyVariants`` form."""
    forms: list[tuple[str, list[pl.Expr]]] = []
    for number, rule in enumerate(rules):
        variants = next((k for k in rule.keys if isinstance(k, KeyVariants)), None)
        scalar = [k for k in rule.keys if not isinstance(k, KeyVariants)]
        if rule.sparse is not None:
            scalar.append(sparse_key(rule.sparse))
        if variants is None:
            forms.append((str(number), scalar))
        else:
            forms.extend(
                (f"{number}.{i}", [*scalar, form]) for i, form in enumerate(variants.variants)
            )
    return forms


def frame_key_texts(std: pl.DataFrame, rules: Sequence[BlockingRule]) -> pl.DataFrame:
    """``row`` (uint32) and ``key`` text of every distinct blocking key of every row."""
    parts: list[pl.DataFrame] = []
    forms = rule_forms(rules)
    needed = {c for _, keys in forms for k in keys for c in k.meta.root_names()}
    missing = sorted(needed - set(std.columns))
    std = std.with_columns(pl.lit(None, pl.Utf8).alias(c) for c in missing)
    for label, keys in forms:
        names = [f"k{i}" for i in range(len(keys))]
        keyed = std.select(
            pl.int_range(pl.len(), dtype=pl.UInt32).alias("row"),
            *(key.alias(name) for key, name in zip(keys, names, strict=True)),
        )
        for name in names:
            if isinstance(keyed.schema[name], pl.List):
                keyed = keyed.explode(name)
        text = [pl.col(n).cast(pl.Utf8) for n in names]
        present = [t.is_not_null() & (t.str.strip_chars() != "") for t in text]
        parts.append(
            keyed.filter(pl.all_horizontal(present))
            .select("row", pl.concat_str([pl.lit(label), *text], separator=SEP).alias("key"))
            .unique()
        )
    if not parts:
        return pl.DataFrame(schema={"row": pl.UInt32, "key": pl.Utf8})
    return pl.concat(parts)


def frame_key_hashes(
    std: pl.DataFrame, rules: Sequence[BlockingRule]
) -> tuple[npt.NDArray[np.uint32], npt.NDArray[np.uint64]]:
    """(row, key hash) for every blocking key of every row of a standardised frame."""
    keyed = frame_key_texts(std, rules)
    rows = keyed["row"].to_numpy().astype(np.uint32)
    return rows, fnv1a_series(keyed["key"])


class RecordKeys:
    """The blocking keys of one standardised record, derived in plain Python.

    Args:
        rules: the batch blocking rules; their keys must be standardised
            columns or the derived keys of :mod:`linkage._blocking_keys`.

    Raises:
        ConfigError: a rule uses a key expression this class cannot mirror.
    """

    def __init__(self, rules: Sequence[BlockingRule]) -> None:
        #: one getter per distinct key expression: rules share keys (five read dob_sorted)
        self.getters: list[Getter] = []
        #: (label, positions in ``getters``) per rule form
        self.forms: list[tuple[str, tuple[int, ...]]] = []
        slots: dict[str, int] = {}

        def slot(key: str, make: Callable[[], Getter]) -> int:
            if key not in slots:
                slots[key] = len(self.getters)
                self.getters.append(make())
            return slots[key]

        for number, rule in enumerate(rules):
            variants = next((k for k in rule.keys if isinstance(k, KeyVariants)), None)
            keys = [k for k in rule.keys if not isinstance(k, KeyVariants)]
            if rule.sparse is not None:
                keys.append(sparse_key(rule.sparse))
            scalar = tuple(
                slot(_expr_key(k), functools.partial(_getter, k, rule.name)) for k in keys
            )
            if variants is None:
                self.forms.append((str(number), scalar))
                continue
            parts = _ID_PARTS.match(variants.name)
            if variants.name != "dob_masked" and parts is None:
                msg = f"rule {rule.name!r}: no real-time form of key variants {variants.name!r}"
                raise ConfigError(msg)
            for i in range(len(variants.variants)):
                if parts is None:
                    form = slot(f"dob_masked:{i}", functools.partial(_dob_masked, i))
                else:
                    column = parts.group(1)
                    form = slot(f"id_part:{column}:{i}", functools.partial(_id_part, column, i))
                self.forms.append((f"{number}.{i}", (*scalar, form)))
        #: per form: ``label<US>``, its hash state, and its getters' positions
        self._prefixes = [(label + SEP, fnv1a(label + SEP), at) for label, at in self.forms]

    def texts(self, std: Mapping[str, Any]) -> set[str]:
        """Every distinct key text of the record."""
        return {prefix + rest for prefix, rest in self._rests(std)}

    def _rests(self, std: Mapping[str, Any]) -> dict[tuple[str, str], int]:
        """Each key text split as (``label<US>``, values): its prefix's hash state as value."""
        known = [getter(std) for getter in self.getters]
        out: dict[tuple[str, str], int] = {}
        for prefix, state, positions in self._prefixes:
            if len(positions) == 1:
                for value in known[positions[0]]:
                    out[prefix, value] = state
                continue
            values = [known[i] for i in positions]
            if all(values):
                for combo in product(*values):
                    out[prefix, SEP.join(combo)] = state
        return out

    def hashes(self, std: Mapping[str, Any]) -> npt.NDArray[np.uint64]:
        """Every distinct key hash of the record."""
        rests = self._rests(std)
        return np.fromiter(
            (fnv1a(rest, state) for (_, rest), state in rests.items()), np.uint64, len(rests)
        )


def _expr_key(expr: Any) -> str:
    """Identifies a key expression (equal text, equal values)."""
    return str(expr.meta.serialize(format="json")) if isinstance(expr, pl.Expr) else repr(expr)


def _present(values: list[Any]) -> list[Any]:
    """Key values as text, missing and blank ones dropped."""
    out = []
    for value in values:
        if value is None:
            continue
        text = value if isinstance(value, str) else str(int(value))
        if text.strip():
            out.append(text)
    return list(dict.fromkeys(out))


def _getter(expr: Any, rule: str) -> Getter:
    """A plain-Python mirror of one key expression."""
    name = expr.meta.output_name() if isinstance(expr, pl.Expr) else ""
    if isinstance(expr, pl.Expr) and expr.meta.is_column():
        return functools.partial(_column_value, name)
    if name.startswith("sparse:") and name[len("sparse:") :] in _SPARSE:
        predicate = _SPARSE[name[len("sparse:") :]]
        return lambda std: ["sparse"] if predicate(std) else []
    if name == "dob_sorted":
        return _dob_sorted
    if name == "all_names":
        return _all_names
    columns = any_of_columns(expr) if isinstance(expr, pl.Expr) else None
    if columns is not None:
        return lambda std: _present([std.get(c) for c in columns])
    pair = _SORTED.match(name)
    if pair:
        first, second = pair.groups()
        return lambda std: _sorted_pair(std.get(first), std.get(second))
    msg = f"rule {rule!r}: no real-time form of key {name or expr!r}"
    raise ConfigError(msg)


def _column_value(name: str, std: Mapping[str, Any]) -> list[Any]:
    """``_present([std.get(name)])`` without the list walk (most keys are one column)."""
    value = std.get(name)
    if value is None:
        return []
    text = value if isinstance(value, str) else str(int(value))
    return [text] if text.strip() else []


def _dob_sorted(std: Mapping[str, Any]) -> list[Any]:
    year, day, month = std.get("dob_year"), std.get("dob_day"), std.get("dob_month")
    parts = [v for v in (day, month) if v is not None]
    if year is None or not parts:
        return []
    return _present([year * 10000 + min(parts) * 100 + max(parts)])


def _dob_masked(i: int) -> Getter:
    high, low = 10 ** (8 - i), 10 ** (7 - i)

    def get(std: Mapping[str, Any]) -> list[Any]:
        year, month, day = std.get("dob_year"), std.get("dob_month"), std.get("dob_day")
        if year is None or month is None or day is None:
            return []
        digits = year * 10000 + month * 100 + day
        return _present([digits // high * high + digits % low])

    return get


def _id_part(column: str, i: int) -> Getter:
    def get(std: Mapping[str, Any]) -> list[Any]:
        value = std.get(column)
        parts = id_parts(value) if isinstance(value, str) else []
        return _present(parts[i : i + 1])

    return get


def _sorted_pair(a: Any, b: Any) -> list[Any]:
    if a is None or b is None:
        return []
    return _present([f"{a}|{b}" if a <= b else f"{b}|{a}"])


def _all_names(std: Mapping[str, Any]) -> list[Any]:
    given, family = std.get("given_first"), std.get("family_std")
    primary = f"{given} {family}" if given is not None and family is not None else None
    return _present([primary, *(std.get("alias_names") or ())])
