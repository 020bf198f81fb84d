"""Multi-agency person linkage: standardise, block, compare, train, score and cluster."""

from __future__ import annotations

from linkage.errors import (
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
