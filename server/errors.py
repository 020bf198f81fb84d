"""The one place library errors become gRPC status codes.

Every :class:`~linkage.errors.LinkageError` subclass maps to a code (a test
checks the map is complete). ``InvalidInputError`` carries the offending field,
sent as a ``google.rpc.BadRequest`` field violation. Anything else is INTERNAL
with a generic message; the traceback is logged, never sent.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterator
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

from linkage import errors

log = logging.getLogger("server")

STATUS_OF: dict[type[errors.LinkageError], grpc.StatusCode] = {
    errors.LinkageError: grpc.StatusCode.INTERNAL,
    errors.InvalidInputError: grpc.StatusCode.INVALID_ARGUMENT,
    errors.InvalidRecordError: grpc.StatusCode.INVALID_ARGUMENT,
    errors.ConfigError: grpc.StatusCode.FAILED_PRECONDITION,
    errors.RecordNotFoundError: grpc.StatusCode.NOT_FOUND,
    errors.PersonNotFoundError: grpc.StatusCode.NOT_FOUND,
    errors.ModelNotFittedError: grpc.StatusCode.FAILED_PRECONDITION,
    errors.CandidateLimitError: grpc.StatusCode.RESOURCE_EXHAUSTED,
    errors.UnauthenticatedError: grpc.StatusCode.UNAUTHENTICATED,
    errors.PermissionDeniedError: grpc.StatusCode.PERMISSION_DENIED,
    errors.RateLimitedError: grpc.StatusCode.RESOURCE_EXHAUSTED,
}

# Library field names -> request field paths, for BadRequest details.
FIELD_PATHS = {"agency": "ref.agency", "record_id": "ref.record_id", "person": "person"}

INTERNAL_MESSAGE = "internal error; the server logged the details"


def status_code(exc: BaseException) -> grpc.StatusCode:
    """The status code for an exception (most specific mapped class wins)."""
    if isinstance(exc, errors.LinkageError):
        for cls in type(exc).__mro__:
            if cls in STATUS_OF:
                return STATUS_OF[cls]
    return grpc.StatusCode.INTERNAL


def to_status(exc: BaseException, prefix: str = "") -> status_pb2.Status:
    """A google.rpc.Status for an exception (with BadRequest details for bad input)."""
    code = status_code(exc)
    message = str(exc) if isinstance(exc, errors.LinkageError) else INTERNAL_MESSAGE
    status = status_pb2.Status(code=code.value[0], message=message)
    field = getattr(exc, "field", None)
    if isinstance(exc, errors.InvalidInputError) and field:
        detail = any_pb2.Any()
        path = prefix + FIELD_PATHS.get(field, field)
        violation = error_details_pb2.BadRequest.FieldViolation(field=path, description=message)
        detail.Pack(error_details_pb2.BadRequest(field_violations=[violation]))
        status.details.append(detail)
    return status


def abort(context: grpc.ServicerContext, exc: BaseException, prefix: str = "") -> NoReturn:
    """End the call with the status for ``exc`` (logging unexpected errors)."""
    if not isinstance(exc, errors.LinkageError):
        log.error("unexpected error", exc_info=exc)
    context.abort_with_status(rpc_status.to_status(to_status(exc, prefix)))
    raise AssertionError("unreachable")  # abort_with_status raises


def code_name(exc: BaseException) -> str:
    """The status code's name, for per-item stream errors."""
    return str(status_code(exc).name)


def invalid(message: str, field: str) -> errors.InvalidInputError:
    """An InvalidInputError for a request-level validation failure."""
    return errors.InvalidInputError(message, field=field)


F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(prefix: str = "") -> Callable[[F], F]:
    """Decorate a unary servicer method: every exception becomes a proper status."""

    def decorate(method: F) -> F:
        @functools.wraps(method)
        def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Any:
            try:
                return method(self, request, context)
            except Exception as exc:
                if _is_abort(exc, context):
                    raise
                abort(context, exc, prefix)

        return wrapper  # type: ignore[return-value]

    return decorate


def handle_stream_errors(method: F) -> F:
    """Decorate a streaming servicer method: a failure ends the stream with a proper status."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        try:
            yield from method(self, request, context)
        except Exception as exc:
            if _is_abort(exc, context):
                raise
            abort(context, exc)

    return wrapper  # type: ignore[return-value]


def _is_abort(exc: Exception, context: grpc.ServicerContext) -> bool:
    """True for the exception grpc raises from ``context.abort`` (let it pass)."""
    return type(exc).__name__ == "_AbortionException" or (
        isinstance(exc, Exception) and context.code() not in (None, grpc.StatusCode.OK)
    )
