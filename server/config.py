"""Server configuration: a TOML file, then ``LINKAGE_*`` environment overrides.

Every key of :class:`ServerConfig` may be set in the ``[server]`` table of the
file and overridden by the environment variable ``LINKAGE_<KEY>`` (upper case),
e.g. ``LINKAGE_PORT=6000`` or ``LINKAGE_STORE_PATH=/var/lib/linkage/mpi.sqlite``.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from linkage.errors import ConfigError
from linkage.resolver_types import Thresholds

ENV_PREFIX = "LINKAGE_"


@dataclass(frozen=True)
class ServerConfig:
    """Validated server settings (see config/server.toml for the documented defaults)."""

    host: str = "127.0.0.1"
    port: int = 50051
    store_path: str = "data/mpi.sqlite"
    synchronous: str = "FULL"
    model_path: str = ""
    scorer: str = ""
    bootstrap_dir: str = ""
    bootstrap_mappings: str = ""
    snapshot_path: str = ""
    match_threshold: float = 0.95
    review_threshold: float = 0.5
    auto_merge_threshold: float = 0.995
    max_block_size: int = 1000
    max_workers: int = 16
    max_bulk_streams: int = 2
    bulk_group_size: int = 256
    bulk_group_size_quiet: int = 0  # 0: 16 x bulk_group_size
    max_message_bytes: int = 4 * 1024 * 1024
    grace_seconds: float = 10.0
    default_max_results: int = 10
    log_level: str = "INFO"
    # Governance (see server/governance.py and config/policy.toml).
    # "mtls": client certificates; "token": dev bearer tokens; "none": no governance.
    # "token" and "none" are refused unless host is loopback.
    security: str = "none"
    tls_cert: str = ""  # server certificate chain (PEM)
    tls_key: str = ""  # server private key (PEM)
    tls_client_ca: str = ""  # CA bundle that signs client certificates (PEM)
    allow_dev_tokens: bool = False  # security = "token" is refused unless this is true
    policy_path: str = "config/policy.toml"  # principals, permissions, purposes, disclosure
    audit_path: str = ""  # audit log (SQLite); "" = beside the store
    audit_key_path: str = ""  # optional HMAC key file for the audit chain
    max_field_chars: int = 256  # longest string field accepted in a request
    max_repeated_items: int = 64  # most aliases / identifiers in one person
    max_batch_records: int = 1000  # most records in one UpsertRecords item (governed)

    def __post_init__(self) -> None:
        if not 0 <= self.port <= 65535:
            msg = f"port must be 0..65535, got {self.port}"
            raise ConfigError(msg)
        if self.synchronous not in ("FULL", "NORMAL"):
            msg = f"synchronous must be FULL or NORMAL, got {self.synchronous!r}"
            raise ConfigError(msg)
        for name in ("max_workers", "max_bulk_streams", "bulk_group_size", "max_message_bytes"):
            if getattr(self, name) < 1:
                msg = f"{name} must be at least 1"
                raise ConfigError(msg)
        if self.bulk_group_size_quiet and self.bulk_group_size_quiet < self.bulk_group_size:
            msg = "bulk_group_size_quiet must be 0 (16 x bulk_group_size) or >= bulk_group_size"
            raise ConfigError(msg)
        if self.max_bulk_streams >= self.max_workers:
            msg = "max_bulk_streams must be below max_workers so real-time calls keep workers"
            raise ConfigError(msg)
        self.thresholds()  # validates the ordering
        _check_security(self)

    def audit(self) -> str:
        """Where the audit log lives: ``audit_path``, else beside the store."""
        if self.audit_path:
            return self.audit_path
        if self.store_path == ":memory:":
            return ":memory:"
        return f"{self.store_path}.audit.sqlite"

    def snapshot(self) -> str | None:
        """Where the index snapshot lives: ``snapshot_path``, else beside the store.

        ``"off"`` disables snapshots; an in-memory store has none.
        """
        if self.snapshot_path == "off" or self.store_path == ":memory:":
            return None
        return self.snapshot_path or f"{self.store_path}.snapshot"

    def thresholds(self) -> Thresholds:
        """The match / review / auto-merge thresholds."""
        return Thresholds(self.match_threshold, self.review_threshold, self.auto_merge_threshold)


def load_config(
    path: str | Path | None = None, env: Mapping[str, str] | None = None, **overrides: Any
) -> ServerConfig:
    """Read the ``[server]`` table of a TOML file, apply environment then keyword overrides.

    Raises:
        ConfigError: unreadable file, unknown key or bad value.
    """
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            document = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as exc:
            msg = f"{path}: cannot read server config: {exc}"
            raise ConfigError(msg) from exc
        raw.update(document.get("server", {}))
        base = Path(path).resolve().parent.parent
        for key in (
            "store_path",
            "model_path",
            "bootstrap_dir",
            "bootstrap_mappings",
            "snapshot_path",
            "tls_cert",
            "tls_key",
            "tls_client_ca",
            "policy_path",
            "audit_path",
            "audit_key_path",
        ):
            if raw.get(key) and not Path(raw[key]).is_absolute():
                raw[key] = str(base / raw[key])
    types = {f.name: f.type for f in fields(ServerConfig)}
    unknown = sorted(set(raw) - set(types))
    if unknown:
        msg = f"unknown server config keys {unknown}"
        raise ConfigError(msg)
    environ = os.environ if env is None else env
    for name in types:
        value = environ.get(ENV_PREFIX + name.upper())
        if value is not None:
            raw[name] = value
    raw.update(overrides)
    defaults = ServerConfig()
    for name, value in list(raw.items()):
        raw[name] = _coerce(name, value, type(getattr(defaults, name)))
    return dataclasses.replace(defaults, **raw)


LOOPBACK = ("127.0.0.1", "::1", "localhost")


def _check_security(config: ServerConfig) -> None:
    if config.security not in ("mtls", "token", "none"):
        msg = f"security must be mtls, token or none, got {config.security!r}"
        raise ConfigError(msg)
    if config.security in ("token", "none") and config.host not in LOOPBACK:
        msg = f"security = {config.security!r} is allowed only on loopback, not {config.host}"
        raise ConfigError(msg)
    if config.security == "token" and not config.allow_dev_tokens:
        msg = 'security = "token" needs allow_dev_tokens = true (development only)'
        raise ConfigError(msg)
    if config.security == "mtls" and not (config.tls_cert and config.tls_key):
        msg = 'security = "mtls" needs tls_cert, tls_key and tls_client_ca'
        raise ConfigError(msg)
    if config.security == "mtls" and not config.tls_client_ca:
        msg = 'security = "mtls" needs tls_client_ca (the CA that signs client certificates)'
        raise ConfigError(msg)
    for name in ("max_field_chars", "max_repeated_items", "max_batch_records"):
        if getattr(config, name) < 1:
            msg = f"{name} must be at least 1"
            raise ConfigError(msg)


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is bool and isinstance(value, str):
        if value.lower() in ("1", "true", "yes", "on"):
            return True
        if value.lower() in ("0", "false", "no", "off"):
            return False
        msg = f"server config {name}: {value!r} is not true or false"
        raise ConfigError(msg)
    try:
        return kind(value)
    except (TypeError, ValueError) as exc:
        msg = f"server config {name}: {value!r} is not a valid {kind.__name__}"
        raise ConfigError(msg) from exc
