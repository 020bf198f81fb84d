"""Errors raised by the linkage library.

The tree::

    LinkageError
    ├── InvalidInputError          bad file, row, column or value in an extract or request
    │   └── InvalidRecordError     one record is malformed (names the field)
    ├── ConfigError                a mapping, settings or model file is wrong
    ├── RecordNotFoundError        no record with that (agency, record_id)
    ├── PersonNotFoundError        no identity with that person_id
    ├── ModelNotFittedError        scoring asked of a model that has not been trained or loaded
    ├── CandidateLimitError        a query or block is larger than the configured limit
    ├── UnauthenticatedError       the caller presented no valid identity
    ├── PermissionDeniedError      the caller's principal, purpose or agency is not allowed
    └── RateLimitedError           the caller's principal is over its rate limit

The gRPC service maps each class to a status code in one place.
"""

from __future__ import annotations


class LinkageError(Exception):
    """Base class of every error the library raises on purpose."""


class InvalidInputError(LinkageError):
    """An input file, row, column or value is malformed."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class InvalidRecordError(InvalidInputError):
    """One record is malformed; `field` names the offending field."""


class ConfigError(LinkageError):
    """A configuration, mapping or model file is wrong."""


class RecordNotFoundError(LinkageError):
    """No record exists with the given (agency, record_id)."""


class PersonNotFoundError(LinkageError):
    """No person identity exists with the given person_id."""


class ModelNotFittedError(LinkageError):
    """The model has not been trained or loaded."""


class CandidateLimitError(LinkageError):
    """A query or block exceeds the configured candidate limit."""


class UnauthenticatedError(LinkageError):
    """The caller presented no valid identity (certificate or development token)."""


class PermissionDeniedError(LinkageError):
    """The principal may not do this: permission, agency, purpose or disclosure."""


class RateLimitedError(LinkageError):
    """The principal has used up its rate limit; retry later."""
