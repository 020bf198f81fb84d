"""The scheme's rules around every rpc: authenticate, authorise, limit, minimise, audit.

:class:`GovernedServicer` wraps the plain :class:`~server.servicer.LinkageServicer`.
Each call, in order:

1. request limits: every string at most ``max_field_chars``, every repeated
   or map field at most ``max_repeated_items``, a stream item's batch at most
   ``max_batch_records`` records, each checked on its own (INVALID_ARGUMENT);
2. the principal (:mod:`server.auth`), UNAUTHENTICATED / PERMISSION_DENIED;
3. purpose of use (``x-purpose`` metadata, one of :data:`linkage.policy.PURPOSES`)
   and requesting practitioner (``x-practitioner``), then the permission and
   the agencies of the records the request names (PERMISSION_DENIED);
4. the principal's rate limit (RESOURCE_EXHAUSTED);
5. the plain servicer; then GetRecord answers are minimised to the fields the
   principal may receive, never a protected field;
6. one audit entry, allowed or refused, durable before the reply (streams:
   one entry per streamed item, one per record of a batch, plus one for the call
   when it is refused or fails).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc

from linkage import policy
from linkage.audit import AuditEvent, AuditLog
from linkage.errors import InvalidInputError, LinkageError, PermissionDeniedError
from server import converters as conv
from server.auth import Authenticator, metadata
from server.config import ServerConfig
from server.errors import abort, status_code
from server.gen.linkage.v1 import linkage_pb2 as pb
from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc
from server.servicer import LinkageServicer

PURPOSE_KEY = "x-purpose"
PRACTITIONER_KEY = "x-practitioner"
_END = object()


@dataclass
class Touched:
    """Person ids and record references a call touched, and its result count."""

    persons: list[str] = field(default_factory=list)
    refs: list[str] = field(default_factory=list)
    count: int = 0


@dataclass(frozen=True)
class Rule:
    """How to govern one rpc: its permission and what its messages touch.

    A stream item may carry a batch (the repeated field ``batch``): its records are
    limit-checked one by one, and ``parts`` splits an answer into its audited entries.
    """

    permission: str
    agencies: Callable[[Any], list[str]] = lambda request: []
    touched_in: Callable[[Any], Touched] = lambda request: Touched()
    touched_out: Callable[[Any], Touched] = lambda response: Touched(count=1)
    batch: str = ""
    parts: Callable[[Any], list[Any]] = lambda response: [response]


@dataclass
class Caller:
    """Who is calling and why, as far as it is known."""

    principal: policy.Principal | None = None
    practitioner: str = ""
    purpose: str = ""


def _ref(ref: pb.RecordRef) -> str:
    return f"{ref.agency}/{ref.record_id}"


def check_limits(
    message: Any, max_chars: int, max_items: int, path: str = "", skip: str = ""
) -> None:
    """Refuse (InvalidInputError naming the field) over-long strings and over-full lists.

    The field named ``skip`` (a batch, checked record by record) is left out.
    """
    for descriptor, value in message.ListFields():
        if descriptor.name == skip:
            continue
        name = path + descriptor.name
        if descriptor.is_repeated:
            if len(value) > max_items:
                raise InvalidInputError(f"{name} has more than {max_items} items", field=name)
            items = [*value.keys(), *value.values()] if _is_map(descriptor) else list(value)
            for item in items:
                _check_value(item, name, max_chars, max_items)
        else:
            _check_value(value, name, max_chars, max_items)


def check_item_limits(item: Any, rule: Rule, config: ServerConfig) -> None:
    """:func:`check_limits` of a stream item; a batch by its length and record by record."""
    chars, items = config.max_field_chars, config.max_repeated_items
    batch = getattr(item, rule.batch) if rule.batch else ()
    if len(batch) > config.max_batch_records:
        msg = f"{rule.batch} has more than {config.max_batch_records} records"
        raise InvalidInputError(msg, field=rule.batch)
    check_limits(item, chars, items, skip=rule.batch)
    for i, record in enumerate(batch):
        check_limits(record, chars, items, f"{rule.batch}[{i}].")


def _is_map(descriptor: Any) -> bool:
    return bool(descriptor.message_type and descriptor.message_type.GetOptions().map_entry)


def _check_value(value: Any, name: str, max_chars: int, max_items: int) -> None:
    if isinstance(value, str) and len(value) > max_chars:
        raise InvalidInputError(f"{name} is longer than {max_chars} characters", field=name)
    if hasattr(value, "ListFields"):
        check_limits(value, max_chars, max_items, name + ".")


class Governance:
    """The policy, rate limits, request limits and audit log of one server."""

    def __init__(self, config: ServerConfig, rules: policy.Policy, audit: AuditLog) -> None:
        self.config = config
        self.policy = rules
        self.audit = audit
        self.authenticator = Authenticator(rules, config.security)
        self.limiter = policy.RateLimiter()

    def admit(self, context: grpc.ServicerContext, method: str, rule: Rule, request: Any) -> Caller:
        """Run the checks for a call; on refusal audit it and abort with its status."""
        caller = Caller()
        try:
            headers = metadata(context)
            caller.purpose = headers.get(PURPOSE_KEY, "")[:128]
            caller.practitioner = headers.get(PRACTITIONER_KEY, "")
            if len(caller.practitioner) > self.config.max_field_chars:
                caller.practitioner = caller.practitioner[:128]
                raise InvalidInputError("x-practitioner is too long", field=PRACTITIONER_KEY)
            if request is not None:
                check_limits(request, self.config.max_field_chars, self.config.max_repeated_items)
            caller.principal = self.authenticator.identify(context, headers)
            policy.authorise(
                caller.principal,
                rule.permission,
                purpose=caller.purpose,
                practitioner=caller.practitioner,
                agencies=rule.agencies(request) if request is not None else (),
            )
            self.limiter.take(caller.principal)
        except LinkageError as exc:
            touched = _safely(rule.touched_in, request)
            self.record(caller, method, status_code(exc).name, touched, str(exc)[:200])
            abort(context, exc)
        return caller

    def record(
        self, caller: Caller, method: str, outcome: str, touched: Touched, detail: str = ""
    ) -> None:
        """Append one durable audit entry."""
        self.audit.append(self.event(caller, method, outcome, touched, detail))

    def event(
        self, caller: Caller, method: str, outcome: str, touched: Touched, detail: str = ""
    ) -> AuditEvent:
        """The audit event for a call."""
        return AuditEvent(
            principal=caller.principal.name if caller.principal else "",
            practitioner=caller.practitioner,
            purpose=caller.purpose,
            method=method,
            outcome=outcome,
            person_ids=sorted(set(p for p in touched.persons if p)),
            record_refs=sorted(set(touched.refs)),
            result_count=touched.count,
            detail=detail,
        )

    def unary(
        self,
        method: str,
        rule: Rule,
        request: Any,
        context: grpc.ServicerContext,
        handler: Callable[[Caller], Any],
    ) -> Any:
        """Govern a unary call: admit, run ``handler``, audit the outcome."""
        caller = self.admit(context, method, rule, request)
        touched = _safely(rule.touched_in, request)
        try:
            response = handler(caller)
        except BaseException:
            code = context.code() if hasattr(context, "code") else None
            name = code.name if isinstance(code, grpc.StatusCode) else "INTERNAL"
            self.record(caller, method, name, touched)
            raise
        out = rule.touched_out(response)
        touched.persons += out.persons
        touched.refs += out.refs
        touched.count = out.count
        self.record(caller, method, "OK", touched)
        return response

    def stream(
        self,
        method: str,
        rule: Rule,
        requests: Iterator[Any],
        context: grpc.ServicerContext,
        handler: Callable[[Iterator[Any]], Iterator[Any]],
        item_rule: Rule,
    ) -> Iterator[Any]:
        """Govern a stream: admit the call, check each item, audit each reply before it goes."""
        caller = self.admit(context, method, rule, None)
        assert caller.principal is not None
        principal = caller.principal

        def checked() -> Iterator[Any]:
            for item in requests:
                check_item_limits(item, item_rule, self.config)
                for agency in item_rule.agencies(item):
                    if not principal.may_touch(agency):
                        msg = f"principal {principal.name!r} may not write records of {agency!r}"
                        raise PermissionDeniedError(msg)
                yield item

        try:
            for burst in _bursts(handler(checked())):
                events = []
                for response in burst:
                    for part in item_rule.parts(response):  # each record of a batch
                        touched = item_rule.touched_out(part)
                        outcome = part.error.code if part.HasField("error") else "OK"
                        events.append(self.event(caller, method, outcome or "OK", touched))
                self.audit.append_many(events)
                yield from burst
        except BaseException as exc:
            code = context.code() if hasattr(context, "code") else None
            name = code.name if isinstance(code, grpc.StatusCode) else status_code(exc).name
            self.record(caller, method, name, Touched(), str(exc)[:200])
            raise


def _safely(extract: Callable[[Any], Touched], message: Any) -> Touched:
    try:
        return extract(message) if message is not None else Touched()
    except Exception:
        return Touched()


def _bursts(items: Iterator[Any]) -> Iterator[list[Any]]:
    """Group an iterator's items into what is ready now (so one fsync covers a burst)."""
    inbox: queue.Queue[Any] = queue.Queue(maxsize=1024)
    failure: list[BaseException] = []
    stop = threading.Event()

    def pump() -> None:
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        inbox.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:
            failure.append(exc)
        finally:
            inbox.put(_END)

    threading.Thread(target=pump, name="governed-stream", daemon=True).start()
    try:
        done = False
        while not done:
            burst = [inbox.get()]
            while burst[-1] is not _END:
                try:
                    burst.append(inbox.get_nowait())
                except queue.Empty:
                    break
            if burst[-1] is _END:
                burst.pop()
                done = True
            if burst:
                yield burst
        if failure:
            raise failure[0]
    finally:
        stop.set()


_RESOLVE = Rule(
    "resolve",
    touched_out=lambda r: Touched(
        [m.person_id for m in r.matches],
        [_ref(x) for m in r.matches for x in m.records],
        len(r.matches),
    ),
)
_RESOLVE_ITEM = Rule(
    "resolve",
    touched_out=lambda r: _RESOLVE.touched_out(r.result) if r.HasField("result") else Touched(),
)
_UPSERT = Rule(
    "upsert",
    agencies=lambda r: [r.record.ref.agency],
    touched_in=lambda r: Touched(refs=[_ref(r.record.ref)]),
    touched_out=lambda r: Touched(
        [r.person_id, *r.review_person_ids, *r.merged_person_ids], [_ref(r.ref)], 1
    ),
)
_UPSERT_ITEM = Rule(
    "upsert",
    # a batch's agencies, and the single record's (also when both are set: refused later)
    agencies=lambda r: [
        *([r.record.ref.agency] if r.HasField("record") or not r.records else []),
        *(x.ref.agency for x in r.records),
    ],
    touched_out=lambda r: _UPSERT.touched_out(r.result) if r.HasField("result") else Touched(),
    batch="records",
    parts=lambda r: list(r.results) or [r],
)
_DELETE = Rule(
    "delete",
    agencies=lambda r: [r.ref.agency],
    touched_in=lambda r: Touched(refs=[_ref(r.ref)]),
    touched_out=lambda r: Touched([r.person_id, *r.split_person_ids], [], 1),
)
_GET_RECORD = Rule(
    "read_record",
    agencies=lambda r: [r.ref.agency],
    touched_in=lambda r: Touched(refs=[_ref(r.ref)]),
    touched_out=lambda r: Touched([r.person_id], [], 1),
)
_GET_PERSON = Rule(
    "read_person",
    touched_in=lambda r: Touched(persons=[r.person_id]),
    touched_out=lambda r: Touched(
        [r.person.person_id, *r.person.merged_from], [_ref(x) for x in r.person.records], 1
    ),
)


def _explain_refs(r: pb.ExplainMatchRequest) -> list[pb.RecordRef]:
    refs = [r.left_record] if r.WhichOneof("left") == "left_record" else []
    return refs + ([r.right_record] if r.WhichOneof("right") == "right_record" else [])


_EXPLAIN = Rule(
    "explain",
    agencies=lambda r: [x.agency for x in _explain_refs(r)],
    touched_in=lambda r: Touched(
        [r.right_person_id] if r.WhichOneof("right") == "right_person_id" else [],
        [_ref(x) for x in _explain_refs(r)],
    ),
)


class GovernedServicer(pb_grpc.LinkageServiceServicer):
    """The plain servicer behind authentication, authorisation, minimisation and audit."""

    def __init__(self, inner: LinkageServicer, governance: Governance) -> None:
        self.inner = inner
        self.gov = governance

    def Resolve(self, request: pb.ResolveRequest, context: grpc.ServicerContext) -> Any:
        return self.gov.unary(
            "Resolve", _RESOLVE, request, context, lambda c: self.inner.Resolve(request, context)
        )

    def ResolveStream(self, requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
        return self.gov.stream(
            "ResolveStream",
            _RESOLVE,
            requests,
            context,
            lambda items: self.inner.ResolveStream(items, context),
            _RESOLVE_ITEM,
        )

    def UpsertRecord(self, request: pb.UpsertRecordRequest, context: grpc.ServicerContext) -> Any:
        return self.gov.unary(
            "UpsertRecord", _UPSERT, request, context,
            lambda c: self.inner.UpsertRecord(request, context),
        )  # fmt: skip

    def UpsertRecords(self, requests: Iterator[Any], context: grpc.ServicerContext) -> Any:
        return self.gov.stream(
            "UpsertRecords",
            _UPSERT,
            requests,
            context,
            lambda items: self.inner.UpsertRecords(items, context),
            _UPSERT_ITEM,
        )

    def DeleteRecord(self, request: pb.DeleteRecordRequest, context: grpc.ServicerContext) -> Any:
        return self.gov.unary(
            "DeleteRecord", _DELETE, request, context,
            lambda c: self.inner.DeleteRecord(request, context),
        )  # fmt: skip

    def GetRecord(self, request: pb.GetRecordRequest, context: grpc.ServicerContext) -> Any:
        def answer(caller: Caller) -> pb.GetRecordResponse:
            assert caller.principal is not None
            try:
                for name in ("agency", "record_id"):
                    if not getattr(request.ref, name):
                        raise InvalidInputError(f"{name} is required", field=f"ref.{name}")
                stored = self.inner.index.get_record(request.ref.agency, request.ref.record_id)
                protected = conv.protected_fields(stored.attributes)
                policy.check_disclosure(caller.principal, request.fields, protected)
            except LinkageError as exc:
                abort(context, exc)
            response = conv.stored_record_to_proto(stored)
            allowed = policy.disclosed_fields(caller.principal, protected, request.fields)
            conv.minimise(response.record.attributes, allowed)
            return response

        return self.gov.unary("GetRecord", _GET_RECORD, request, context, answer)

    def GetPerson(self, request: pb.GetPersonRequest, context: grpc.ServicerContext) -> Any:
        return self.gov.unary(
            "GetPerson", _GET_PERSON, request, context,
            lambda c: self.inner.GetPerson(request, context),
        )  # fmt: skip

    def ExplainMatch(self, request: pb.ExplainMatchRequest, context: grpc.ServicerContext) -> Any:
        return self.gov.unary(
            "ExplainMatch", _EXPLAIN, request, context,
            lambda c: self.inner.ExplainMatch(request, context),
        )  # fmt: skip


def build_governance(config: ServerConfig) -> Governance | None:
    """The governance of a server: None when ``security = "none"`` (loopback only)."""
    if config.security == "none":
        return None
    from pathlib import Path

    rules = policy.Policy.load(config.policy_path)
    key = Path(config.audit_key_path).read_bytes().strip() if config.audit_key_path else None
    log = AuditLog(
        config.audit(), key=key, synchronous="FULL" if config.synchronous == "FULL" else "NORMAL"
    )
    return Governance(config, rules, log)
