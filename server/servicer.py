"""The LinkageService servicer: convert the request, call the index, convert the result.

No matching logic lives here. Errors become status codes in :mod:`server.errors`.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterator
from typing import Any

import grpc

from linkage.errors import InvalidInputError, LinkageError, ModelNotFittedError
from linkage.resolver import MasterPersonIndex
from linkage.resolver_types import UpsertResult
from server import converters as conv
from server.errors import code_name, handle_errors, handle_stream_errors, invalid
from server.gen.linkage.v1 import linkage_pb2 as pb
from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc

log = logging.getLogger("server")
_END = object()


class LinkageServicer(pb_grpc.LinkageServiceServicer):
    """Thin servicer over a :class:`MasterPersonIndex`.

    Args:
        index: the master person index.
        max_bulk_streams: concurrent bulk streams allowed (the rest keep real-time capacity).
        bulk_group_size: UpsertRecords items per group commit.
        default_max_results: Resolve's max_results when the request leaves it 0.
    """

    def __init__(
        self,
        index: MasterPersonIndex,
        *,
        max_bulk_streams: int = 2,
        bulk_group_size: int = 256,
        default_max_results: int = 10,
    ) -> None:
        self.index = index
        self.bulk_slots = threading.BoundedSemaphore(max_bulk_streams)
        self.bulk_group_size = bulk_group_size
        self.default_max_results = default_max_results

    # Resolve ---------------------------------------------------------------
    def _resolve(self, request: pb.ResolveRequest) -> pb.ResolveResponse:
        if request.min_probability < 0 or request.min_probability > 1:
            raise invalid("min_probability must be between 0 and 1", "min_probability")
        matches = self.index.resolve(
            conv.attributes_from_proto(request.person),
            max_results=request.max_results or self.default_max_results,
            min_probability=request.min_probability,
        )
        return pb.ResolveResponse(
            matches=[conv.match_to_proto(m) for m in matches],
            model_version=self.index.model_version,
        )

    @handle_errors()
    def Resolve(self, request: pb.ResolveRequest, context: grpc.ServicerContext) -> Any:
        return self._resolve(request)

    @handle_stream_errors
    def ResolveStream(
        self, request_iterator: Iterator[pb.ResolveStreamRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.ResolveStreamResponse]:
        with self._bulk_slot():
            for item in request_iterator:
                if not context.is_active():
                    return
                try:
                    result = self._resolve(item.query)
                except ModelNotFittedError:
                    raise
                except LinkageError as exc:
                    yield pb.ResolveStreamResponse(
                        request_id=item.request_id, error=_item_error(exc)
                    )
                    continue
                yield pb.ResolveStreamResponse(request_id=item.request_id, result=result)

    # Upsert ------------------------------------------------------------------
    @handle_errors(prefix="record.")
    def UpsertRecord(self, request: pb.UpsertRecordRequest, context: grpc.ServicerContext) -> Any:
        result = self.index.upsert(conv.record_from_proto(request.record))
        return conv.upsert_to_proto(result)

    @handle_stream_errors
    def UpsertRecords(
        self, request_iterator: Iterator[pb.UpsertRecordsRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.UpsertRecordsResponse]:
        if self.index.scorer is None:
            raise ModelNotFittedError("no trained model is loaded")
        with self._bulk_slot():
            for group in _groups(request_iterator, self.bulk_group_size):
                if not context.is_active():
                    return
                converted: list[dict[str, Any] | LinkageError] = []
                for item in group:
                    try:
                        converted.append(conv.record_from_proto(item.record))
                    except LinkageError as exc:
                        converted.append(exc)
                # one durable commit for the group, linked as one by one would be
                linked = iter(
                    self.index.upsert_many([c for c in converted if not isinstance(c, Exception)])
                )
                outcomes: list[UpsertResult | LinkageError] = [
                    c if isinstance(c, LinkageError) else next(linked) for c in converted
                ]
                # committed: only now acknowledge
                for item, outcome in zip(group, outcomes, strict=True):
                    if isinstance(outcome, LinkageError):
                        yield pb.UpsertRecordsResponse(
                            request_id=item.request_id, error=_item_error(outcome, "record.")
                        )
                    else:
                        yield pb.UpsertRecordsResponse(
                            request_id=item.request_id, result=conv.upsert_to_proto(outcome)
                        )

    # Records and people ------------------------------------------------------------
    @handle_errors()
    def DeleteRecord(self, request: pb.DeleteRecordRequest, context: grpc.ServicerContext) -> Any:
        agency, record_id = _key(request.ref)
        person_id, removed, split = self.index.delete(agency, record_id)
        return pb.DeleteRecordResponse(
            person_id=person_id, person_removed=removed, split_person_ids=split
        )

    @handle_errors()
    def GetRecord(self, request: pb.GetRecordRequest, context: grpc.ServicerContext) -> Any:
        return conv.stored_record_to_proto(self.index.get_record(*_key(request.ref)))

    @handle_errors()
    def GetPerson(self, request: pb.GetPersonRequest, context: grpc.ServicerContext) -> Any:
        if not request.person_id:
            raise invalid("person_id is required", "person_id")
        person = self.index.get_person(request.person_id)
        return pb.GetPersonResponse(person=conv.person_to_proto(person))

    @handle_errors()
    def ExplainMatch(self, request: pb.ExplainMatchRequest, context: grpc.ServicerContext) -> Any:
        left: dict[str, Any] | tuple[str, str]
        right: str | tuple[str, str]
        match request.WhichOneof("left"):
            case "left_record":
                left = _key(request.left_record, "left_record.")
            case "left_query":
                left = conv.attributes_from_proto(request.left_query)
            case _:
                raise invalid("left_record or left_query is required", "left")
        match request.WhichOneof("right"):
            case "right_record":
                right = _key(request.right_record, "right_record.")
            case "right_person_id" if request.right_person_id:
                right = request.right_person_id
            case _:
                raise invalid("right_record or right_person_id is required", "right")
        explanation = self.index.explain(left, right)
        return pb.ExplainMatchResponse(
            explanation=conv.explanation_to_proto(explanation),
            band=conv.band_to_proto(self.index.thresholds.band(explanation.probability)),
        )

    # helpers ------------------------------------------------------------------
    def _bulk_slot(self) -> _Slot:
        return _Slot(self.bulk_slots)


class _Slot:
    """Holds one bulk-stream slot; RESOURCE_EXHAUSTED-style refusal when none is free."""

    def __init__(self, semaphore: threading.BoundedSemaphore) -> None:
        self.semaphore = semaphore

    def __enter__(self) -> None:
        if not self.semaphore.acquire(blocking=False):
            from linkage.errors import CandidateLimitError

            msg = "too many concurrent bulk streams; retry later"
            raise CandidateLimitError(msg)

    def __exit__(self, *exc: object) -> None:
        self.semaphore.release()


def _key(message: pb.RecordRef, prefix: str = "ref.") -> tuple[str, str]:
    if not message.agency:
        raise InvalidInputError("agency is required", field=prefix + "agency")
    if not message.record_id:
        raise InvalidInputError("record_id is required", field=prefix + "record_id")
    return message.agency, message.record_id


def _item_error(exc: LinkageError, prefix: str = "") -> pb.ItemError:
    field = getattr(exc, "field", None) or ""
    if field in ("agency", "record_id"):
        field = f"{prefix}ref.{field}"
    return pb.ItemError(code=code_name(exc), message=str(exc), field=field)


def _groups(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    """Group a request stream: whatever has arrived (up to ``size``) without waiting for more."""
    inbox: queue.Queue[Any] = queue.Queue(maxsize=4 * size)
    failure: list[BaseException] = []

    def pump() -> None:
        try:
            for item in items:
                inbox.put(item)
        except BaseException as exc:  # the client cancelled or the stream broke
            failure.append(exc)
        finally:
            inbox.put(_END)

    threading.Thread(target=pump, name="bulk-reader", daemon=True).start()
    done = False
    while not done:
        first = inbox.get()
        if first is _END:
            break
        group = [first]
        while len(group) < size:
            try:
                item = inbox.get_nowait()
            except queue.Empty:
                break
            if item is _END:
                done = True
                break
            group.append(item)
        yield group
    if failure and not isinstance(failure[0], grpc.RpcError):
        raise failure[0]
