"""The UpsertRecords stream: items grouped into durable commits, answered once committed.

An item carries one record (``record``) or a batch (``records``). Items are read by a
thread into an inbox bounded in records; the stream takes whatever has arrived, up to
the group size in records, converts it, links it with
:meth:`~linkage.resolver.MasterPersonIndex.upsert_many` (one commit per group of
records) and only then answers each item: a single record with ``result`` or
``error``, a batch with one ``results`` entry per record.

The group size adapts (:class:`BulkPacer`): large while no real-time call has come in
lately (fewer, cheaper commits), small while real-time calls are being served, so a
group's long stretches do not sit in front of them.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import grpc

from linkage.errors import InvalidInputError, LinkageError
from linkage.resolver import MasterPersonIndex
from linkage.resolver_types import UpsertResult
from server import converters as conv
from server.errors import code_name
from server.gen.linkage.v1 import linkage_pb2 as pb

Outcome = UpsertResult | LinkageError


class BulkPacer:
    """The group size of bulk streams: ``quiet_size`` when no real-time call came in the
    last ``quiet_seconds``, else ``busy_size``.

    Real-time handlers call :meth:`realtime` (one float store: cheap enough for every call).
    """

    def __init__(self, busy_size: int, quiet_size: int, quiet_seconds: float = 0.25) -> None:
        self.busy_size = busy_size
        self.quiet_size = max(quiet_size, busy_size)
        self.quiet_seconds = quiet_seconds
        self.last_realtime = float("-inf")

    def realtime(self) -> None:
        """Note that a real-time call has come in."""
        self.last_realtime = time.monotonic()

    def size(self) -> int:
        """Records per group commit now."""
        if time.monotonic() - self.last_realtime < self.quiet_seconds:
            return self.busy_size
        return self.quiet_size


@dataclass
class _Item:
    """One stream message and its records, converted (or their conversion errors)."""

    request: pb.UpsertRecordsRequest
    batched: bool
    records: list[dict[str, Any] | LinkageError] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)


def record_count(request: pb.UpsertRecordsRequest) -> int:
    """Records an item carries (a batch's length, else one)."""
    return len(request.records) or 1


def upsert_stream(
    index: MasterPersonIndex,
    requests: Iterator[pb.UpsertRecordsRequest],
    context: grpc.ServicerContext,
    pacer: BulkPacer,
) -> Iterator[pb.UpsertRecordsResponse]:
    """Link a stream's items group by group; answer each item once its records are committed."""
    for group in _groups(requests, pacer.size, budget=4 * pacer.quiet_size):
        if not context.is_active():
            return
        items = [_convert(request) for request in group]
        valid = [r for item in items for r in item.records if not isinstance(r, LinkageError)]
        linked: list[Outcome] = []
        while len(linked) < len(valid):  # a batch larger than the group size: several commits
            size = pacer.size()
            linked.extend(index.upsert_many(valid[len(linked) : len(linked) + size]))
        # committed: only now acknowledge
        outcomes = iter(linked)
        for item in items:
            item.outcomes = [
                r if isinstance(r, LinkageError) else next(outcomes) for r in item.records
            ]
            yield _response(item)


def _convert(request: pb.UpsertRecordsRequest) -> _Item:
    if request.records and request.HasField("record"):
        item = _Item(request, batched=False)
        item.records.append(InvalidInputError("set record or records, not both", field="records"))
        return item
    item = _Item(request, batched=bool(request.records))
    for record in request.records if item.batched else [request.record]:
        try:
            item.records.append(conv.record_from_proto(record))
        except LinkageError as exc:
            item.records.append(exc)
    return item


def _response(item: _Item) -> pb.UpsertRecordsResponse:
    response = pb.UpsertRecordsResponse(request_id=item.request.request_id)
    if not item.batched:
        (outcome,) = item.outcomes
        if isinstance(outcome, LinkageError):
            response.error.CopyFrom(item_error(outcome, "record."))
        else:
            response.result.CopyFrom(conv.upsert_to_proto(outcome))
        return response
    add = response.results.add
    for outcome in item.outcomes:
        if isinstance(outcome, LinkageError):
            add().error.CopyFrom(item_error(outcome, "records."))
        else:
            fill_upsert_result(add().result, outcome)
    return response


def fill_upsert_result(message: pb.UpsertRecordResponse, result: UpsertResult) -> None:
    """:func:`~server.converters.upsert_to_proto` filled into a message in place (a batch's
    entries: a quarter of the time of building each and copying it in)."""
    message.ref.agency = result.agency
    message.ref.record_id = result.record_id
    message.person_id = result.person_id
    message.outcome = _OUTCOMES[result.outcome]
    message.probability = result.probability
    if result.review_person_ids:
        message.review_person_ids.extend(result.review_person_ids)
    if result.merged_person_ids:
        message.merged_person_ids.extend(result.merged_person_ids)


_OUTCOMES: dict[str, pb.UpsertOutcome.ValueType] = {
    name: pb.UpsertOutcome.Value(f"UPSERT_OUTCOME_{name.upper()}")
    for name in ("unspecified", "matched", "new", "review", "merged")
}


def item_error(exc: LinkageError, prefix: str = "") -> pb.ItemError:
    """The ItemError of a stream item (``prefix`` + ``ref.`` before a key field)."""
    field = getattr(exc, "field", None) or ""
    if field in ("agency", "record_id"):
        field = f"{prefix}ref.{field}"
    return pb.ItemError(code=code_name(exc), message=str(exc), field=field)


class _Inbox:
    """Items read ahead of the stream, bounded by the records they carry."""

    def __init__(self, budget: int) -> None:
        self.budget = budget
        self.ready: collections.deque[tuple[Any, int]] = collections.deque()
        self.records = 0
        self.ended = False
        self.closed = False
        self.cond = threading.Condition()

    def put(self, item: Any, records: int) -> bool:
        """Queue an item (waiting while the inbox is full); False once the reader closed."""
        with self.cond:
            while self.records >= self.budget and not self.closed:
                self.cond.wait()
            if self.closed:
                return False
            self.ready.append((item, records))
            self.records += records
            self.cond.notify_all()
            return True

    def end(self) -> None:
        with self.cond:
            self.ended = True
            self.cond.notify_all()

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()

    def take(self, size: int) -> list[Any]:
        """Whatever has arrived, at least one item (waiting for it), up to ``size`` records
        (one item over ``size`` is taken alone); empty once the stream has ended."""
        with self.cond:
            while not self.ready and not self.ended:
                self.cond.wait()
            group: list[Any] = []
            count = 0
            while self.ready and (not group or count + self.ready[0][1] <= size):
                item, records = self.ready.popleft()
                group.append(item)
                count += records
            self.records -= count
            self.cond.notify_all()
            return group


def _groups(items: Iterator[Any], size: Callable[[], int], budget: int) -> Iterator[list[Any]]:
    """Group a request stream: whatever has arrived (up to ``size()`` records), no waiting."""
    inbox = _Inbox(budget)
    failure: list[BaseException] = []

    def pump() -> None:
        try:
            for item in items:
                if not inbox.put(item, record_count(item)):
                    return
        except BaseException as exc:  # the client cancelled or the stream broke
            failure.append(exc)
        finally:
            inbox.end()

    threading.Thread(target=pump, name="bulk-reader", daemon=True).start()
    try:
        while group := inbox.take(size()):
            yield group
    finally:
        inbox.close()
    if failure and not isinstance(failure[0], grpc.RpcError):
        raise failure[0]
