from __future__ import annotations

import grpc
import pytest
from google.rpc import error_details_pb2

from linkage import errors
from server.errors import STATUS_OF, status_code, to_status


def _subclasses(cls: type) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub, *_subclasses(sub)}
    return found


def test_every_linkage_error_has_a_mapping() -> None:
    library = {c for c in _subclasses(errors.LinkageError) if c.__module__ == "linkage.errors"}
    missing = sorted(c.__name__ for c in library if c not in STATUS_OF)
    assert missing == []


@pytest.mark.parametrize(
    ("exc", "code"),
    [
        (errors.InvalidRecordError("x", field="dob"), grpc.StatusCode.INVALID_ARGUMENT),
        (errors.RecordNotFoundError("x"), grpc.StatusCode.NOT_FOUND),
        (errors.PersonNotFoundError("x"), grpc.StatusCode.NOT_FOUND),
        (errors.ModelNotFittedError("x"), grpc.StatusCode.FAILED_PRECONDITION),
        (errors.CandidateLimitError("x"), grpc.StatusCode.RESOURCE_EXHAUSTED),
        (KeyError("secret"), grpc.StatusCode.INTERNAL),
    ],
    ids=["invalid", "record", "person", "model", "limit", "unexpected"],
)
def test_status_codes(exc: Exception, code: grpc.StatusCode) -> None:
    assert status_code(exc) == code


def test_bad_input_carries_field_violation() -> None:
    status = to_status(errors.InvalidRecordError("agency is required", field="agency"), "record.")
    detail = error_details_pb2.BadRequest()
    assert status.details[0].Unpack(detail)
    assert detail.field_violations[0].field == "record.ref.agency"


def test_unexpected_errors_reveal_nothing() -> None:
    status = to_status(RuntimeError("/etc/secret path"))
    assert "secret" not in status.message
    assert not status.details
