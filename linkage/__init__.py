"""Multi-agency person linkage: standardise, block, compare, train, score and cluster."""

from __future__ import annotations

from linkage._allocator import configure_jemalloc

configure_jemalloc()  # before anything imports polars

from linkage.errors import (  # noqa: E402
    CandidateLimitError,
    ConfigError,
    InvalidInputError,
    InvalidRecordError,
    LinkageError,
    ModelNotFittedError,
    PersonNotFoundError,
    RecordNotFoundError,
)

__all__ = [
    "CandidateLimitError",
    "ConfigError",
    "InvalidInputError",
    "InvalidRecordError",
    "LinkageError",
    "ModelNotFittedError",
    "PersonNotFoundError",
    "RecordNotFoundError",
]
__version__ = "0.1.0"
