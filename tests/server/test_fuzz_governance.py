"""Property: arbitrary requests and metadata against the live governed server.

Only documented status codes come back, the server stays up, and every call
is in the audit log (one entry each) with an intact chain.
"""

from __future__ import annotations

import string
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import make_config
from grpc_health.v1 import health_pb2, health_pb2_grpc
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from secure import ASSESS, Certs, channel, stub

from linkage.policy import PURPOSES
from server.app import RunningParts, create_server
from server.gen.linkage.v1 import linkage_pb2 as pb

DOCUMENTED = {
    grpc.StatusCode.OK,
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.UNAUTHENTICATED,
    grpc.StatusCode.RESOURCE_EXHAUSTED,
}
PRINCIPALS = ["police", "cip", "courts", "evaluation", "stranger"]


@pytest.fixture(scope="module")
def governed(
    tmp_path_factory: pytest.TempPathFactory, certs: Certs
) -> Iterator[tuple[RunningParts, dict[str, object]]]:
    tmp = tmp_path_factory.mktemp("fuzz")
    parts = create_server(make_config(Path(tmp), **certs.tls_config(), synchronous="NORMAL"))
    parts.server.start()
    stubs: dict[str, object] = {name: stub(channel(parts.port, certs, name)) for name in PRINCIPALS}
    stubs["health"] = health_pb2_grpc.HealthStub(channel(parts.port, certs, "cip"))
    yield parts, stubs
    parts.server.stop(None).wait()
    parts.index.store.close()


text = st.text(max_size=12) | st.sampled_from(["Ann", "Lee", "1980-02-03"]) | st.text(max_size=300)
ascii_text = st.text(alphabet=string.printable.strip() + " ", max_size=300)
attributes = st.builds(
    pb.PersonAttributes,
    given_name=text,
    family_name=text,
    dob=st.one_of(text, st.sampled_from(["1980-02-03", "1985", "07/03/1985"])),
    phone=text,
    street=text,
    aliases=st.lists(text, max_size=3) | st.lists(text, max_size=80),
    role=st.integers(0, 6),
    identifiers=st.dictionaries(text, text, max_size=2) | st.dictionaries(text, text, max_size=70),
)
ref = st.builds(pb.RecordRef, agency=st.sampled_from(["police", "courts", "", "x" * 300]) | text,
                record_id=text)  # fmt: skip
record = st.builds(
    pb.AgencyRecord,
    ref=ref,
    attributes=attributes,
    protected_fields=st.lists(st.sampled_from(["street", "phone", "bogus"]) | text, max_size=3),
)
requests = st.one_of(
    st.tuples(st.just("Resolve"), st.builds(
        pb.ResolveRequest, person=attributes, max_results=st.integers(0, 2**32 - 1),
        min_probability=st.just(0.0) | st.floats(allow_nan=True))),
    st.tuples(st.just("UpsertRecord"), st.builds(pb.UpsertRecordRequest, record=record)),
    st.tuples(st.just("DeleteRecord"), st.builds(pb.DeleteRecordRequest, ref=ref)),
    st.tuples(st.just("GetRecord"), st.builds(
        pb.GetRecordRequest, ref=ref, fields=st.lists(text, max_size=3))),
    st.tuples(st.just("GetPerson"), st.builds(pb.GetPersonRequest, person_id=text)),
    st.tuples(st.just("ExplainMatch"), st.builds(
        pb.ExplainMatchRequest, left_query=attributes, right_person_id=text)),
)  # fmt: skip
metadata = st.just(list(ASSESS)) | st.lists(
    st.tuples(
        st.sampled_from(["x-purpose", "x-practitioner", "authorization", "x-other"]),
        st.one_of(st.sampled_from(sorted(PURPOSES)), ascii_text),
    ),
    max_size=4,
)


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(principal=st.sampled_from(PRINCIPALS), call=requests, headers=metadata)
def test_arbitrary_calls(
    governed: tuple[RunningParts, dict[str, object]],
    principal: str,
    call: tuple[str, object],
    headers: list[tuple[str, str]],
) -> None:
    parts, stubs = governed
    assert parts.governance is not None
    before = parts.governance.audit.head()[0]
    method, request = call
    details = ""
    try:
        getattr(stubs[principal], method)(request, metadata=headers, timeout=10)
        code = grpc.StatusCode.OK
    except grpc.RpcError as exc:
        code, details = exc.code(), exc.details() or ""
    assert "Traceback" not in details
    assert "/" not in details or code != grpc.StatusCode.INTERNAL
    assert code in DOCUMENTED
    entries = parts.governance.audit.query(since=0)[before:]
    assert [(e.event.method, e.event.outcome) for e in entries] == [(method, code.name)]
    status = stubs["health"].Check(health_pb2.HealthCheckRequest(), timeout=5).status  # type: ignore[attr-defined]
    assert status == health_pb2.HealthCheckResponse.SERVING


def test_chain_intact_after_fuzzing(governed: tuple[RunningParts, dict[str, object]]) -> None:
    parts, _ = governed
    assert parts.governance is not None
    result = parts.governance.audit.verify()
    assert result.ok
    assert result.entries >= 1
