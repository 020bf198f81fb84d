"""Who may ask what, and why: principals, permissions, purposes and disclosure.

Pure data and decisions, no gRPC. A :class:`Policy` is read from a TOML
document (``config/policy.toml``)::

    [principals.police]
    permissions = ["resolve", "upsert", "delete", "read_record"]
    agencies = ["police"]                  # records it may write or read; "*" = all
    purposes = ["fv_risk_assessment", "fv_risk_management"]
    disclose = ["given_name", "family_name", "dob"]   # attributes it may receive
    rate = 50                              # calls per second (token bucket) ...
    burst = 100                            # ... with this much headroom

    [dev_tokens]                           # honoured only when the server allows them
    "dev-police-token" = "police"

Anything a principal is not granted is refused with
:class:`~linkage.errors.PermissionDeniedError`.
"""

from __future__ import annotations

import threading
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from linkage.errors import (
    ConfigError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
)

#: The purposes of use the scheme recognises (a call must state one).
PURPOSES = frozenset(
    {
        "fv_risk_assessment",  # family violence risk assessment
        "fv_risk_management",  # family violence risk management
        "child_wellbeing",  # child wellbeing or safety (CISS)
        "evaluation",  # de-identified evaluation and research
    }
)
#: What a principal may be granted. "export" is de-identified export only (no rpc).
PERMISSIONS = frozenset(
    {"resolve", "upsert", "delete", "read_record", "read_person", "explain", "export"}
)
#: Attribute fields a disclosure rule may name.
ATTRIBUTE_FIELDS = frozenset(
    {
        "given_name", "middle_name", "family_name", "aliases", "dob", "sex", "street",
        "suburb", "postcode", "state", "phone", "email", "role", "identifiers",
    }
)  # fmt: skip
ALL = "*"


@dataclass(frozen=True)
class Principal:
    """An agency system and what it may do.

    Attributes:
        name: the principal (a client certificate's subject CN).
        permissions: granted operations (see :data:`PERMISSIONS`).
        agencies: agencies whose records it may write or read by key ("*" = all).
        purposes: purposes of use it may state.
        disclose: attribute fields it may receive.
        rate: sustained calls per second (0 = unlimited).
        burst: calls it may make at once above the rate.
    """

    name: str
    permissions: frozenset[str] = frozenset()
    agencies: frozenset[str] = frozenset()
    purposes: frozenset[str] = frozenset()
    disclose: frozenset[str] = frozenset()
    rate: float = 0.0
    burst: float = 0.0

    def may_touch(self, agency: str) -> bool:
        """True when it may write or read records of ``agency``."""
        return ALL in self.agencies or agency in self.agencies


@dataclass(frozen=True)
class Policy:
    """Every principal, and the development tokens that stand for some of them."""

    principals: Mapping[str, Principal] = field(default_factory=dict)
    dev_tokens: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, path: str | Path) -> Policy:
        """Read a policy TOML file (ConfigError when unreadable or invalid)."""
        try:
            document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            msg = f"{path}: cannot read policy: {exc}"
            raise ConfigError(msg) from exc
        return cls.from_mapping(document)

    @classmethod
    def from_mapping(cls, document: Mapping[str, Any]) -> Policy:
        """Build and validate a policy from a parsed document."""
        unknown = sorted(set(document) - {"principals", "dev_tokens"})
        if unknown:
            msg = f"unknown policy sections {unknown}"
            raise ConfigError(msg)
        principals = {
            name: _principal(name, spec) for name, spec in document.get("principals", {}).items()
        }
        tokens = {str(k): str(v) for k, v in document.get("dev_tokens", {}).items()}
        for token, name in tokens.items():
            if name not in principals:
                msg = f"dev token for unknown principal {name!r}"
                raise ConfigError(msg)
            if len(token) < 16:
                msg = f"dev token for {name!r} is shorter than 16 characters"
                raise ConfigError(msg)
        return cls(principals, tokens)

    def principal(self, name: str) -> Principal:
        """The principal called ``name``; an unknown one has no permissions."""
        found = self.principals.get(name)
        if found is None:
            msg = f"principal {name!r} is not authorised to use this service"
            raise PermissionDeniedError(msg)
        return found

    def principal_for_token(self, token: str) -> Principal:
        """The principal a development token stands for."""
        name = self.dev_tokens.get(token)
        if name is None:
            msg = "unknown token"
            raise UnauthenticatedError(msg)
        return self.principals[name]


def _principal(name: str, spec: Mapping[str, Any]) -> Principal:
    allowed = {"permissions", "agencies", "purposes", "disclose", "rate", "burst"}
    unknown = sorted(set(spec) - allowed)
    if unknown:
        msg = f"principal {name!r}: unknown keys {unknown}"
        raise ConfigError(msg)
    permissions = _names(name, "permissions", spec.get("permissions", ()), PERMISSIONS)
    purposes = _names(name, "purposes", spec.get("purposes", ()), PURPOSES)
    disclose = _names(name, "disclose", spec.get("disclose", ()), ATTRIBUTE_FIELDS)
    agencies = frozenset(str(a) for a in spec.get("agencies", ()))
    rate, burst = float(spec.get("rate", 0)), float(spec.get("burst", spec.get("rate", 0)))
    if rate < 0 or burst < 0 or (rate > 0 and burst < 1):
        msg = f"principal {name!r}: rate and burst must be >= 0 (burst >= 1 when rate is set)"
        raise ConfigError(msg)
    return Principal(name, permissions, agencies, purposes, disclose, rate, burst)


def _names(
    principal: str, key: str, values: Iterable[Any], known: frozenset[str]
) -> frozenset[str]:
    names = frozenset(str(v) for v in values)
    unknown = sorted(names - known)
    if unknown:
        msg = f"principal {principal!r}: unknown {key} {unknown}"
        raise ConfigError(msg)
    return names


def authorise(
    principal: Principal,
    permission: str,
    *,
    purpose: str,
    practitioner: str,
    agencies: Iterable[str] = (),
) -> None:
    """Refuse (PermissionDeniedError) unless the call is allowed.

    Args:
        principal: the authenticated caller.
        permission: the operation (see :data:`PERMISSIONS`).
        purpose: the stated purpose of use (must be known and granted).
        practitioner: the requesting practitioner (must be named).
        agencies: agencies of the records the call names by key.
    """
    if not purpose:
        raise PermissionDeniedError("a purpose of use is required (x-purpose)")
    if purpose not in PURPOSES:
        raise PermissionDeniedError(f"unknown purpose of use {purpose[:64]!r}")
    if not practitioner:
        raise PermissionDeniedError("the requesting practitioner is required (x-practitioner)")
    if permission not in principal.permissions:
        raise PermissionDeniedError(f"principal {principal.name!r} may not {permission}")
    if purpose not in principal.purposes:
        msg = f"principal {principal.name!r} may not act for purpose {purpose!r}"
        raise PermissionDeniedError(msg)
    for agency in agencies:
        if not principal.may_touch(agency):
            msg = f"principal {principal.name!r} may not {permission} records of {agency[:64]!r}"
            raise PermissionDeniedError(msg)


def check_disclosure(
    principal: Principal, requested: Iterable[str], protected: Iterable[str]
) -> None:
    """Refuse a request naming fields the principal may not receive, or protected fields."""
    asked = set(requested)
    hidden = sorted(asked & set(protected))
    if hidden:
        raise PermissionDeniedError(f"fields {hidden} of this record are protected")
    refused = sorted(asked - principal.disclose)
    if refused:
        raise PermissionDeniedError(f"principal {principal.name!r} may not receive {refused}")


def disclosed_fields(
    principal: Principal, protected: Iterable[str], requested: Iterable[str] = ()
) -> frozenset[str]:
    """The attribute fields that may leave the service in an answer to ``principal``.

    Protected fields never do, whoever asks.
    """
    allowed = principal.disclose - set(protected)
    wanted = frozenset(requested)
    return allowed & wanted if wanted else allowed


class RateLimiter:
    """Per-principal token buckets: ``rate`` calls per second, ``burst`` at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}  # name -> (tokens, last time)

    def take(self, principal: Principal) -> None:
        """Spend one call, or raise RateLimitedError when the bucket is empty."""
        if principal.rate <= 0:
            return
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.get(principal.name, (principal.burst, now))
            tokens = min(principal.burst, tokens + (now - last) * principal.rate)
            if tokens < 1:
                self._buckets[principal.name] = (tokens, now)
                msg = f"principal {principal.name!r} is over its rate limit; retry later"
                raise RateLimitedError(msg)
            self._buckets[principal.name] = (tokens - 1, now)
