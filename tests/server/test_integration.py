"""Every rpc against the real server on a loopback port (fake scorer, real index and store)."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from conftest import ANN, Served, agency_record, make_config, person, serve, stop
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status

from server.gen.linkage.v1 import linkage_pb2 as pb


def upsert(served: Served, agency: str, rid: str, **fields: str) -> pb.UpsertRecordResponse:
    request = pb.UpsertRecordRequest(record=agency_record(agency, rid, **fields))
    response: pb.UpsertRecordResponse = served.stub.UpsertRecord(request, timeout=5)
    return response


def code_of(call: object) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as info:
        call()  # type: ignore[operator]
    return info.value.code()


def test_upsert_resolve_get_person_and_record(served: Served) -> None:
    first = upsert(served, "police", "L17-1:R", **ANN)
    assert first.outcome == pb.UPSERT_OUTCOME_NEW
    second = upsert(served, "courts", "C9", **ANN)
    assert (second.outcome, second.person_id) == (pb.UPSERT_OUTCOME_MATCHED, first.person_id)
    assert upsert(served, "courts", "C9", **ANN) == second  # idempotent

    found = served.stub.Resolve(pb.ResolveRequest(person=person(**ANN)), timeout=5)
    assert found.model_version == "fake-1"
    [match] = found.matches
    assert match.person_id == first.person_id
    assert match.band == pb.BAND_MATCH
    assert [(r.agency, r.record_id) for r in match.records] == [
        ("courts", "C9"),
        ("police", "L17-1:R"),
    ]
    assert [f.comparison for f in match.explanation.fields] == [
        "given_name",
        "family_name",
        "dob",
        "phone",
    ]

    got = served.stub.GetPerson(pb.GetPersonRequest(person_id=first.person_id), timeout=5)
    assert len(got.person.records) == 2
    record = served.stub.GetRecord(
        pb.GetRecordRequest(ref=pb.RecordRef(agency="courts", record_id="C9")), timeout=5
    )
    assert record.person_id == first.person_id
    assert record.record.attributes.family_name == "Lee"


def test_merge_redirect_explain_and_delete(served: Served) -> None:
    a = upsert(served, "police", "1", given_name="Ann", family_name="Lee", phone="0412345678")
    b = upsert(served, "courts", "2", **ANN)
    assert b.outcome == pb.UPSERT_OUTCOME_REVIEW
    c = upsert(served, "dffh", "3", phone="0412345678", **ANN)
    assert c.outcome == pb.UPSERT_OUTCOME_MERGED
    assert list(c.merged_person_ids) == [b.person_id]
    redirected = served.stub.GetPerson(pb.GetPersonRequest(person_id=b.person_id)).person
    assert redirected.person_id == a.person_id
    assert list(redirected.merged_from) == [b.person_id]
    assert redirected.merge_history[0].trigger.record_id == "3"

    explained = served.stub.ExplainMatch(
        pb.ExplainMatchRequest(
            left_record=pb.RecordRef(agency="courts", record_id="2"),
            right_record=pb.RecordRef(agency="dffh", record_id="3"),
        )
    )
    assert explained.band == pb.BAND_MATCH
    assert {f.comparison: f.level for f in explained.explanation.fields}["phone"] == "null"
    by_person = served.stub.ExplainMatch(
        pb.ExplainMatchRequest(left_query=person(**ANN), right_person_id=a.person_id)
    )
    assert by_person.explanation.probability > 0.99

    deleted = served.stub.DeleteRecord(
        pb.DeleteRecordRequest(ref=pb.RecordRef(agency="dffh", record_id="3"))
    )
    assert deleted.person_id == a.person_id
    assert len(deleted.split_person_ids) == 1  # the bridge is gone: b's record splits off
    missing = pb.RecordRef(agency="dffh", record_id="3")
    assert code_of(lambda: served.stub.GetRecord(pb.GetRecordRequest(ref=missing))) == (
        grpc.StatusCode.NOT_FOUND
    )
    assert code_of(lambda: served.stub.DeleteRecord(pb.DeleteRecordRequest(ref=missing))) == (
        grpc.StatusCode.NOT_FOUND
    )
    assert served.parts.index.store.check_consistency() == []


def test_invalid_argument_names_the_field(served: Served) -> None:
    bad = pb.UpsertRecordRequest(record=agency_record("", "1", **ANN))
    with pytest.raises(grpc.RpcError) as info:
        served.stub.UpsertRecord(bad)
    assert info.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    status = rpc_status.from_call(info.value)
    assert status is not None
    detail = error_details_pb2.BadRequest()
    status.details[0].Unpack(detail)
    assert detail.field_violations[0].field == "record.ref.agency"
    for call in (
        lambda: served.stub.Resolve(pb.ResolveRequest(person=person(sex="F"))),
        lambda: served.stub.GetPerson(pb.GetPersonRequest()),
        lambda: served.stub.ExplainMatch(pb.ExplainMatchRequest()),
        lambda: served.stub.GetRecord(pb.GetRecordRequest()),
    ):
        assert code_of(call) == grpc.StatusCode.INVALID_ARGUMENT
    assert code_of(lambda: served.stub.GetPerson(pb.GetPersonRequest(person_id="nope"))) == (
        grpc.StatusCode.NOT_FOUND
    )


def test_streams(served: Served) -> None:
    items = [
        pb.UpsertRecordsRequest(request_id=f"r{i}", record=agency_record("police", f"{i}", **ANN))
        for i in range(40)
    ]
    items.insert(5, pb.UpsertRecordsRequest(request_id="bad", record=agency_record("", "x")))
    replies = list(served.stub.UpsertRecords(iter(items), timeout=10))
    assert [r.request_id for r in replies] == [i.request_id for i in items]
    bad = replies[5]
    assert (bad.error.code, bad.error.field) == ("INVALID_ARGUMENT", "record.ref.agency")
    people = {r.result.person_id for r in replies if r.HasField("result")}
    assert len(people) == 1
    assert served.parts.index.store.count_records() == 40

    queries = [
        pb.ResolveStreamRequest(request_id="q1", query=pb.ResolveRequest(person=person(**ANN))),
        pb.ResolveStreamRequest(request_id="q2", query=pb.ResolveRequest(person=person(sex="M"))),
    ]
    answers = list(served.stub.ResolveStream(iter(queries), timeout=10))
    assert answers[0].result.matches[0].person_id in people
    assert answers[1].error.code == "INVALID_ARGUMENT"


def test_restart_restores_everything(tmp_path: Path) -> None:
    config = make_config(tmp_path)
    first = serve(config)
    a = upsert(first, "police", "1", given_name="Ann", family_name="Lee", phone="0412345678")
    b = upsert(first, "courts", "2", **ANN)
    upsert(first, "dffh", "3", phone="0412345678", **ANN)
    stop(first)
    again = serve(config)
    try:
        got = again.stub.GetPerson(pb.GetPersonRequest(person_id=b.person_id)).person
        assert got.person_id == a.person_id
        assert len(got.records) == 3
        assert list(got.merged_from) == [b.person_id]
        assert upsert(again, "courts", "4", **ANN).person_id == a.person_id
    finally:
        stop(again)


def test_no_model_is_failed_precondition(tmp_path: Path) -> None:
    bare = serve(make_config(tmp_path, scorer=""))
    try:
        assert code_of(lambda: bare.stub.Resolve(pb.ResolveRequest(person=person(**ANN)))) == (
            grpc.StatusCode.FAILED_PRECONDITION
        )
        record = pb.UpsertRecordRequest(record=agency_record("police", "1", **ANN))
        assert code_of(lambda: bare.stub.UpsertRecord(record)) == (
            grpc.StatusCode.FAILED_PRECONDITION
        )
        stub = health_pb2_grpc.HealthStub(bare.channel)
        check = stub.Check(health_pb2.HealthCheckRequest(service="linkage.v1.LinkageService"))
        assert check.status == health_pb2.HealthCheckResponse.NOT_SERVING
    finally:
        stop(bare)


def test_health_and_reflection(served: Served) -> None:
    health = health_pb2_grpc.HealthStub(served.channel)
    for service in ("", "linkage.v1.LinkageService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=service))
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflect = reflection_pb2_grpc.ServerReflectionStub(served.channel)
    request = reflection_pb2.ServerReflectionRequest(list_services="")
    [reply] = list(reflect.ServerReflectionInfo(iter([request])))
    names = {s.name for s in reply.list_services_response.service}
    assert "linkage.v1.LinkageService" in names


def test_message_size_limit(tmp_path: Path) -> None:
    small = serve(make_config(tmp_path, max_message_bytes=1024))
    try:
        huge = pb.ResolveRequest(person=person(family_name="X" * 5000))
        assert code_of(lambda: small.stub.Resolve(huge)) == grpc.StatusCode.RESOURCE_EXHAUSTED
    finally:
        stop(small)


def test_expired_deadline_is_reported(served: Served) -> None:
    request = pb.ResolveRequest(person=person(**ANN))
    assert code_of(lambda: served.stub.Resolve(request, timeout=-1.0)) == (
        grpc.StatusCode.DEADLINE_EXCEEDED
    )
