"""Model <-> JSON-able dict, with a versioned, validated format.

Format version 1::

    {
      "format_version": 1,
      "kind": "fellegi_sunter",
      "version": str | null, "trained_at": str | null,
      "prior": float, "match_threshold": float, "review_threshold": float,
      "tf_min_frequency": float,
      "parameters": [
        {"name": str, "level_labels": [str, ...], "m": [float, ...], "u": [float, ...],
         "tf_adjusted": bool}, ...
      ],
      "comparisons": [ {...opaque comparison config...} ] | null,
      "training_stats": {...}
    }

Format version 2 adds the household model (`linkage.model._household`):
``"household_prior": float`` at the top level and ``"household_u": [float, ...]``
in every parameter entry. A model without it is still written as version 1,
and both versions are read.

``m`` and ``u`` are indexed by level (index 0, null, is 0.0). Python's JSON
writes floats with ``repr``, which round-trips float64 exactly, so a loaded
model scores identically.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Any

from linkage.errors import ConfigError

if TYPE_CHECKING:
    from linkage.model._fellegi_sunter import FellegiSunterModel

FORMAT_VERSION = 2
_READABLE = (1, 2)
_KIND = "fellegi_sunter"


def model_to_dict(model: FellegiSunterModel) -> dict[str, Any]:
    """The format-1 dict of a fitted model, format 2 when it has a household model."""
    assert model.m is not None  # checked by the caller
    assert model.u is not None
    out: dict[str, Any] = {
        "format_version": 1 if model.household_u is None else FORMAT_VERSION,
        "kind": _KIND,
        "version": model.version,
        "trained_at": model.trained_at,
        "prior": model.prior,
        "match_threshold": model.match_threshold,
        "review_threshold": model.review_threshold,
        "tf_min_frequency": model.tf_min_frequency,
        "parameters": [
            {
                "name": name,
                "level_labels": list(labels),
                "m": [float(x) for x in m],
                "u": [float(x) for x in u],
                "tf_adjusted": name in model.tf_comparisons,
            }
            for name, labels, m, u in zip(
                model.comparison_names, model.level_labels, model.m, model.u, strict=True
            )
        ],
        "comparisons": model.comparisons,
        "training_stats": model.training_stats,
    }
    if model.household_u is not None:
        out["household_prior"] = model.household_prior
        parameters: list[dict[str, Any]] = out["parameters"]
        for entry, values in zip(parameters, model.household_u, strict=True):
            entry["household_u"] = [float(x) for x in values]
    return out


def _bad(path: str, expected: str) -> ConfigError:
    return ConfigError(f"model file: field '{path}' must be {expected}")


def _get(data: dict[str, Any], key: str, path: str) -> Any:
    if key not in data:
        return _raise(ConfigError(f"model file: field '{path}' is missing"))
    return data[key]


def _raise(error: ConfigError) -> Any:
    raise error


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _bad(path, "a number")
    return float(value)


def _optional_str(value: Any, path: str) -> str | None:
    if value is not None and not isinstance(value, str):
        raise _bad(path, "a string or null")
    return value


def _floats(value: Any, path: str) -> list[float]:
    if not isinstance(value, list):
        raise _bad(path, "a list of numbers")
    return [_number(x, f"{path}[{i}]") for i, x in enumerate(value)]


def _strings(value: Any, path: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise _bad(path, "a list of strings")
    return list(value)


def model_from_dict(data: Any) -> dict[str, Any]:
    """Validate a format-1 dict and return the model's constructor arguments.

    Raises:
        ConfigError: Unknown format version, or a missing or malformed field (named).
    """
    if not isinstance(data, dict):
        raise ConfigError("model file: top level must be a JSON object")
    version = _get(data, "format_version", "format_version")
    if version not in _READABLE or isinstance(version, bool):
        msg = (
            f"model file: field 'format_version' is {version!r}; "
            f"this library reads {' and '.join(map(str, _READABLE))}"
        )
        raise ConfigError(msg)
    if _get(data, "kind", "kind") != _KIND:
        raise _bad("kind", f"{_KIND!r}")
    params = _get(data, "parameters", "parameters")
    if not isinstance(params, list) or not params:
        raise _bad("parameters", "a non-empty list")
    names: list[str] = []
    labels: list[list[str]] = []
    m: list[list[float]] = []
    u: list[list[float]] = []
    tf: list[str] = []
    household: list[list[float]] = []
    for i, entry in enumerate(params):
        path = f"parameters[{i}]"
        if not isinstance(entry, dict):
            raise _bad(path, "an object")
        name = _get(entry, "name", f"{path}.name")
        if not isinstance(name, str) or not name:
            raise _bad(f"{path}.name", "a non-empty string")
        names.append(name)
        labels.append(
            _strings(_get(entry, "level_labels", f"{path}.level_labels"), f"{path}.level_labels")
        )
        keys = (("m", m), ("u", u), ("household_u", household))
        for key, target in keys[: 3 if version == 2 else 2]:
            values = _floats(_get(entry, key, f"{path}.{key}"), f"{path}.{key}")
            if len(values) != len(labels[-1]):
                raise _bad(f"{path}.{key}", f"a list of {len(labels[-1])} numbers (one per level)")
            if not all(0.0 < x <= 1.0 for x in values[1:]):
                raise _bad(f"{path}.{key}", "probabilities in (0, 1] at levels 1..k")
            target.append(values)
        tf_adjusted = _get(entry, "tf_adjusted", f"{path}.tf_adjusted")
        if not isinstance(tf_adjusted, bool):
            raise _bad(f"{path}.tf_adjusted", "true or false")
        if tf_adjusted:
            tf.append(name)
    prior = _number(_get(data, "prior", "prior"), "prior")
    if not 0.0 < prior < 1.0:
        raise _bad("prior", "a probability in (0, 1)")
    comparisons = data.get("comparisons")
    if comparisons is not None and (
        not isinstance(comparisons, list) or not all(isinstance(c, dict) for c in comparisons)
    ):
        raise _bad("comparisons", "a list of objects or null")
    stats = data.get("training_stats", {})
    if not isinstance(stats, dict):
        raise _bad("training_stats", "an object")
    household_prior = None
    if version == 2:
        household_prior = _number(
            _get(data, "household_prior", "household_prior"), "household_prior"
        )
        if not 0.0 < household_prior < 1.0:
            raise _bad("household_prior", "a probability in (0, 1)")
    kwargs: dict[str, Any] = {
        "household_u": household if version == 2 else None,
        "household_prior": household_prior,
        "comparison_names": names,
        "level_labels": labels,
        "m": m,
        "u": u,
        "prior": prior,
        "tf_comparisons": tf,
        "comparisons": comparisons,
        "version": _optional_str(data.get("version"), "version"),
        "trained_at": _optional_str(data.get("trained_at"), "trained_at"),
        "training_stats": stats,
    }
    for key in ("match_threshold", "review_threshold", "tf_min_frequency"):
        kwargs[key] = _number(_get(data, key, key), key)
    return kwargs


def write_model_file(data: dict[str, Any], path: str | Path) -> None:
    """Write a model dict as strict JSON (NaN and infinity refused)."""
    text = json.dumps(data, indent=2, allow_nan=False)
    Path(path).write_text(text + "\n", encoding="utf-8")


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed in a model file")


def read_model_file(path: str | Path) -> Any:
    """Parse a model file; unreadable or invalid JSON becomes ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read model file {path}: {exc}") from exc
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except ValueError as exc:
        raise ConfigError(f"model file {path} is not valid JSON: {exc}") from exc
