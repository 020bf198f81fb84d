"""Every refusal path against the real server on loopback (mTLS, dev tokens), and the audit."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import ANN, agency_record, make_config, person
from secure import ASSESS, POLICY, Certs, channel, stub

from linkage.errors import ConfigError
from server.app import RunningParts, create_server
from server.gen.linkage.v1 import linkage_pb2 as pb


@pytest.fixture
def secure(tmp_path: Path, certs: Certs) -> Iterator[RunningParts]:
    parts = create_server(make_config(tmp_path, **certs.tls_config()))
    parts.server.start()
    yield parts
    parts.server.stop(None).wait()
    parts.index.store.close()


def as_(parts: RunningParts, certs: Certs, principal: str | None, **kw: bool) -> object:
    return stub(channel(parts.port, certs, principal, **kw))


def refused(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.RpcError) as info:
        call()  # type: ignore[operator]
    return info.value.code(), info.value.details() or ""


def audit(parts: RunningParts) -> list[tuple[str, str, str, str]]:
    assert parts.governance is not None
    return [
        (e.event.principal, e.event.method, e.event.purpose, e.event.outcome)
        for e in parts.governance.audit.entries()
    ]


def upsert(agency: str, rid: str, **fields: object) -> pb.UpsertRecordRequest:
    record = agency_record(agency, rid, **ANN)
    for name, value in fields.items():
        if name == "protected_fields":
            record.protected_fields.extend(value)  # type: ignore[arg-type]
        else:
            setattr(record.attributes, name, value)
    return pb.UpsertRecordRequest(record=record)


def test_allowed_calls_are_answered_and_audited(secure: RunningParts, certs: Certs) -> None:
    police, cip = as_(secure, certs, "police"), as_(secure, certs, "cip")
    made = police.UpsertRecord(upsert("police", "L17-1:R"), metadata=ASSESS, timeout=5)
    found = cip.Resolve(pb.ResolveRequest(person=person(**ANN)), metadata=ASSESS, timeout=5)
    assert [m.person_id for m in found.matches] == [made.person_id]
    assert audit(secure) == [
        ("police", "UpsertRecord", "fv_risk_assessment", "OK"),
        ("cip", "Resolve", "fv_risk_assessment", "OK"),
    ]
    entries = list(secure.governance.audit.entries())  # type: ignore[union-attr]
    assert entries[0].event.record_refs == ("police/L17-1:R",)
    assert entries[1].event.person_ids == (made.person_id,)
    assert (entries[1].event.practitioner, entries[1].event.result_count) == ("case-worker-7", 1)
    assert secure.governance.audit.verify().ok  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("principal", "rogue"), [(None, False), ("police", True)], ids=["no-certificate", "unknown-ca"]
)
def test_handshake_refusals(
    secure: RunningParts, certs: Certs, principal: str | None, rogue: bool
) -> None:
    client = as_(secure, certs, principal, rogue=rogue)
    request = pb.ResolveRequest(person=person(**ANN))
    code, _ = refused(lambda: client.Resolve(request, metadata=ASSESS, timeout=5))
    assert code == grpc.StatusCode.UNAVAILABLE  # the TLS handshake fails: no call is made
    assert audit(secure) == []  # nothing reached the service
    cip = as_(secure, certs, "cip")
    assert cip.Resolve(request, metadata=ASSESS, timeout=5).model_version == "fake-1"


REQUEST = pb.ResolveRequest(person=person(**ANN))


@pytest.mark.parametrize(
    ("principal", "method", "request_", "metadata", "purpose", "says"),
    [
        ("police", "UpsertRecord", upsert("courts", "C1"), ASSESS, "fv_risk_assessment",
         "records of 'courts'"),
        ("police", "Resolve", REQUEST, ASSESS[1:], "", "purpose of use is required"),
        ("police", "Resolve", REQUEST, (("x-purpose", "child_wellbeing"), ASSESS[1]),
         "child_wellbeing", "may not act for purpose"),
        ("police", "Resolve", REQUEST, (("x-purpose", "curiosity"), ASSESS[1]), "curiosity",
         "unknown purpose"),
        ("police", "Resolve", REQUEST, ASSESS[:1], "fv_risk_assessment", "practitioner"),
        ("cip", "UpsertRecord", upsert("police", "P1"), ASSESS, "fv_risk_assessment",
         "may not upsert"),
        ("evaluation", "Resolve", REQUEST, (("x-purpose", "evaluation"), ASSESS[1]),
         "evaluation", "may not resolve"),
        ("stranger", "Resolve", REQUEST, ASSESS, "fv_risk_assessment", "not authorised"),
        ("police", "GetPerson", pb.GetPersonRequest(person_id="P-1"), ASSESS,
         "fv_risk_assessment", "may not read_person"),
    ],
    ids=["wrong-agency", "no-purpose", "disallowed-purpose", "unknown-purpose",
         "no-practitioner", "cip-may-not-write", "evaluation-only-exports",
         "unknown-principal", "no-permission"],
)  # fmt: skip
def test_permission_denied_paths(
    secure: RunningParts,
    certs: Certs,
    principal: str,
    method: str,
    request_: object,
    metadata: tuple[tuple[str, str], ...],
    purpose: str,
    says: str,
) -> None:
    client = as_(secure, certs, principal)
    code, details = refused(lambda: getattr(client, method)(request_, metadata=metadata, timeout=5))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert says in details
    expected_principal = "" if principal == "stranger" else principal
    assert audit(secure) == [(expected_principal, method, purpose, "PERMISSION_DENIED")]
    assert secure.index.store.count_records() == 0


def test_protected_fields_are_used_but_never_returned(secure: RunningParts, certs: Certs) -> None:
    police, cip = as_(secure, certs, "police"), as_(secure, certs, "cip")
    hidden = upsert("police", "L17-2:AFM", street="1 Safe St", suburb="Hidden", phone="0412345678",
                    protected_fields=["street", "suburb"])  # fmt: skip
    made = police.UpsertRecord(hidden, metadata=ASSESS, timeout=5)
    ref = pb.RecordRef(agency="police", record_id="L17-2:AFM")

    code, details = refused(
        lambda: cip.GetRecord(pb.GetRecordRequest(ref=ref, fields=["street"]), metadata=ASSESS)
    )
    assert (code, "protected" in details) == (grpc.StatusCode.PERMISSION_DENIED, True)
    got = cip.GetRecord(pb.GetRecordRequest(ref=ref), metadata=ASSESS, timeout=5)
    attributes = got.record.attributes
    assert (attributes.street, attributes.suburb) == ("", "")
    assert (attributes.family_name, attributes.phone) == ("Lee", "0412345678")
    assert "Safe" not in str(got)
    assert "Hidden" not in str(got)
    own = police.GetRecord(pb.GetRecordRequest(ref=ref), metadata=ASSESS, timeout=5)
    assert own.record.attributes.phone == ""  # police may not receive phone numbers
    assert own.record.attributes.family_name == "Lee"
    # the record with protected fields is still stored, indexed and resolvable
    found = cip.Resolve(
        pb.ResolveRequest(person=person(phone="0412345678", **ANN)), metadata=ASSESS, timeout=5
    )
    assert found.matches[0].person_id == made.person_id
    outcomes = [row[3] for row in audit(secure)]
    assert outcomes == ["OK", "PERMISSION_DENIED", "OK", "OK", "OK"]


def test_plain_server_strips_protected_fields_too(tmp_path: Path) -> None:
    from conftest import serve, stop

    served = serve(make_config(tmp_path))
    try:
        served.stub.UpsertRecord(upsert("dffh", "D1", street="1 Safe St",
                                        protected_fields=["street"]), timeout=5)  # fmt: skip
        got = served.stub.GetRecord(
            pb.GetRecordRequest(ref=pb.RecordRef(agency="dffh", record_id="D1")), timeout=5
        )
        assert got.record.attributes.street == ""
        assert got.record.attributes.family_name == "Lee"
        bad = upsert("dffh", "D2", protected_fields=["password"])
        code, _ = refused(lambda: served.stub.UpsertRecord(bad, timeout=5))
        assert code == grpc.StatusCode.INVALID_ARGUMENT
    finally:
        stop(served)


def test_stream_refuses_another_agencys_record(secure: RunningParts, certs: Certs) -> None:
    police = as_(secure, certs, "police")
    items = [
        pb.UpsertRecordsRequest(request_id="1", record=agency_record("police", "A", **ANN)),
        pb.UpsertRecordsRequest(request_id="2", record=agency_record("courts", "B", **ANN)),
    ]
    responses = police.UpsertRecords(iter(items), metadata=ASSESS, timeout=10)
    code, details = refused(lambda: list(responses))
    assert code == grpc.StatusCode.PERMISSION_DENIED
    assert "courts" in details
    assert secure.index.store.get_record("courts", "B") is None
    assert audit(secure)[-1] == ("police", "UpsertRecords", "fv_risk_assessment",
                                 "PERMISSION_DENIED")  # fmt: skip


def test_dev_tokens(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="allow_dev_tokens"):
        make_config(tmp_path, security="token", policy_path=POLICY)
    with pytest.raises(ConfigError, match="loopback"):
        make_config(tmp_path, security="token", allow_dev_tokens=True, host="0.0.0.0")
    config = make_config(tmp_path, security="token", allow_dev_tokens=True, policy_path=POLICY)
    parts = create_server(config)
    parts.server.start()
    try:
        client = stub(grpc.insecure_channel(f"127.0.0.1:{parts.port}"))
        for metadata in [ASSESS, (*ASSESS, ("authorization", "Bearer wrong-token-0000"))]:
            code, _ = refused(lambda m=metadata: client.Resolve(REQUEST, metadata=m, timeout=5))
            assert code == grpc.StatusCode.UNAUTHENTICATED
        token = ("authorization", "Bearer dev-token-cip-00000001")
        assert client.Resolve(REQUEST, metadata=(*ASSESS, token), timeout=5).model_version
        assert audit(parts) == [
            ("", "Resolve", "fv_risk_assessment", "UNAUTHENTICATED"),
            ("", "Resolve", "fv_risk_assessment", "UNAUTHENTICATED"),
            ("cip", "Resolve", "fv_risk_assessment", "OK"),
        ]
    finally:
        parts.server.stop(None).wait()
        parts.index.store.close()


def test_rate_limit_and_field_limits(tmp_path: Path, certs: Certs) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(
        '[principals.cip]\npermissions = ["resolve"]\nagencies = ["*"]\n'
        'purposes = ["fv_risk_assessment"]\nrate = 0.001\nburst = 3\n'
    )
    config = make_config(tmp_path, **{**certs.tls_config(), "policy_path": str(policy)},
                         max_field_chars=40)  # fmt: skip
    parts = create_server(config)
    parts.server.start()
    try:
        cip = as_(parts, certs, "cip")
        long_name = pb.ResolveRequest(person=person(given_name="x" * 41))
        code, details = refused(lambda: cip.Resolve(long_name, metadata=ASSESS, timeout=5))
        assert (code, "person.given_name" in details) == (grpc.StatusCode.INVALID_ARGUMENT, True)
        for _ in range(3):
            cip.Resolve(REQUEST, metadata=ASSESS, timeout=5)
        code, details = refused(lambda: cip.Resolve(REQUEST, metadata=ASSESS, timeout=5))
        assert (code, "rate limit" in details) == (grpc.StatusCode.RESOURCE_EXHAUSTED, True)
        outcomes = [row[3] for row in audit(parts)]
        assert outcomes == ["INVALID_ARGUMENT", "OK", "OK", "OK", "RESOURCE_EXHAUSTED"]
    finally:
        parts.server.stop(None).wait()
        parts.index.store.close()


def test_stream_batches_are_checked_and_audited_record_by_record(
    tmp_path: Path, certs: Certs
) -> None:
    parts = create_server(make_config(tmp_path, **certs.tls_config(), max_batch_records=80))
    parts.server.start()
    try:
        police = as_(parts, certs, "police")
        # more records than max_repeated_items (64): a batch is limited by max_batch_records
        batch = [agency_record("police", f"R{i}", **ANN) for i in range(70)]
        (reply,) = police.UpsertRecords(
            iter([pb.UpsertRecordsRequest(request_id="1", records=batch)]),
            metadata=ASSESS,
            timeout=20,
        )
        assert [r.HasField("result") for r in reply.results] == [True] * 70
        entries = list(parts.governance.audit.entries())  # type: ignore[union-attr]
        assert [e.event.record_refs for e in entries] == [(f"police/R{i}",) for i in range(70)]
        assert {e.event.outcome for e in entries} == {"OK"}
        refusals = [
            ([*batch[:3], agency_record("courts", "C1", **ANN)], "PERMISSION_DENIED"),
            ([agency_record("police", f"S{i}") for i in range(81)], "INVALID_ARGUMENT"),
            ([agency_record("police", "S1", given_name="x" * 300)], "INVALID_ARGUMENT"),
        ]
        for records, code in refusals:
            requests = [pb.UpsertRecordsRequest(request_id="2", records=records)]
            responses = police.UpsertRecords(iter(requests), metadata=ASSESS, timeout=20)
            got, details = refused(lambda r=responses: list(r))
            assert got.name == code
            assert audit(parts)[-1] == ("police", "UpsertRecords", "fv_risk_assessment", code)
        assert "records[0].attributes.given_name" in details
        assert parts.index.store.count_records() == 70  # nothing of a refused batch
    finally:
        parts.server.stop(None).wait()
        parts.index.store.close()
