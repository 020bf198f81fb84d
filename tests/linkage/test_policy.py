"""Policy decisions: permissions, agencies, purposes, disclosure and rate limits."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkage.errors import (
    ConfigError,
    PermissionDeniedError,
    RateLimitedError,
    UnauthenticatedError,
)
from linkage.policy import (
    Policy,
    Principal,
    RateLimiter,
    authorise,
    check_disclosure,
    disclosed_fields,
)

POLICY = Policy.load(Path(__file__).resolve().parents[2] / "config" / "policy.toml")
POLICE, CIP, EVALUATION = (POLICY.principal(n) for n in ("police", "cip", "evaluation"))
OK = {"purpose": "fv_risk_assessment", "practitioner": "sgt-jones"}


@pytest.mark.parametrize(
    ("principal", "permission", "call", "agencies"),
    [
        (POLICE, "upsert", OK, ["police"]),
        (POLICE, "resolve", OK, []),
        (CIP, "resolve", OK, []),
        (CIP, "read_record", OK, ["courts", "police"]),
        (CIP, "read_person", {**OK, "purpose": "child_wellbeing"}, []),
    ],
    ids=["police-upsert-own", "police-resolve", "cip-resolve", "cip-read-any", "cip-child"],
)
def test_allowed(
    principal: Principal, permission: str, call: dict[str, str], agencies: list[str]
) -> None:
    authorise(principal, permission, agencies=agencies, **call)


@pytest.mark.parametrize(
    ("principal", "permission", "call", "agencies", "says"),
    [
        (POLICE, "upsert", OK, ["courts"], "records of 'courts'"),
        (POLICE, "read_person", OK, [], "may not read_person"),
        (CIP, "upsert", OK, ["police"], "may not upsert"),
        (EVALUATION, "resolve", {**OK, "purpose": "evaluation"}, [], "may not resolve"),
        (POLICE, "resolve", {**OK, "purpose": ""}, [], "purpose of use is required"),
        (POLICE, "resolve", {**OK, "purpose": "curiosity"}, [], "unknown purpose"),
        (POLICE, "resolve", {**OK, "purpose": "child_wellbeing"}, [], "for purpose"),
        (POLICE, "resolve", {**OK, "practitioner": ""}, [], "practitioner is required"),
    ],
    ids=[
        "wrong-agency",
        "no-permission",
        "cip-write",
        "evaluation",
        "no-purpose",
        "unknown-purpose",
        "disallowed-purpose",
        "no-practitioner",
    ],
)
def test_refused(
    principal: Principal, permission: str, call: dict[str, str], agencies: list[str], says: str
) -> None:
    with pytest.raises(PermissionDeniedError, match=says):
        authorise(principal, permission, agencies=agencies, **call)


def test_unknown_principal_and_token() -> None:
    with pytest.raises(PermissionDeniedError):
        POLICY.principal("someone")
    with pytest.raises(UnauthenticatedError):
        POLICY.principal_for_token("guess")
    assert POLICY.principal_for_token("dev-token-cip-00000001") is CIP


def test_protected_fields_never_disclosed() -> None:
    assert "street" in disclosed_fields(CIP, ())
    assert "street" not in disclosed_fields(CIP, ["street", "suburb"])
    assert disclosed_fields(POLICE, ()) >= {"given_name", "dob"}
    assert "street" not in disclosed_fields(POLICE, ())
    assert disclosed_fields(CIP, ["street"], ["street", "dob"]) == {"dob"}
    with pytest.raises(PermissionDeniedError, match="protected"):
        check_disclosure(CIP, ["street"], ["street"])
    with pytest.raises(PermissionDeniedError, match="may not receive"):
        check_disclosure(POLICE, ["phone"], [])
    check_disclosure(CIP, ["phone"], ["street"])


def test_rate_limiter_refuses_past_the_burst() -> None:
    limiter = RateLimiter()
    slow = Principal("slow", rate=0.001, burst=3)
    for _ in range(3):
        limiter.take(slow)
    with pytest.raises(RateLimitedError):
        limiter.take(slow)
    limiter.take(Principal("free"))  # rate 0 = unlimited


@pytest.mark.parametrize(
    "document",
    [
        {"principals": {"x": {"permissions": ["fly"]}}},
        {"principals": {"x": {"purposes": ["curiosity"]}}},
        {"principals": {"x": {"disclose": ["password"]}}},
        {"principals": {"x": {"colour": "red"}}},
        {"dev_tokens": {"long-enough-token-1": "ghost"}},
        {"principals": {"x": {}}, "dev_tokens": {"short": "x"}},
        {"roles": {}},
    ],
    ids=["permission", "purpose", "field", "key", "token-principal", "short-token", "section"],
)
def test_invalid_policies_are_config_errors(document: dict[str, object]) -> None:
    with pytest.raises(ConfigError):
        Policy.from_mapping(document)
