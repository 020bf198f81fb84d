"""The LinkageService servicer: convert the request, call the index, convert the result.

No matching logic lives here. Errors become status codes in :mod:`server.errors`.
"""

from __future__ import annotations

import gc
import logging
import threading
from collections.abc import Iterator
from typing import Any

import grpc

from linkage.errors import InvalidInputError, LinkageError, ModelNotFittedError
from linkage.resolver import MasterPersonIndex
from server import converters as conv
from server.bulk import BulkPacer, item_error, upsert_stream
from server.errors import handle_errors, handle_stream_errors, invalid
from server.gen.linkage.v1 import linkage_pb2 as pb
from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc

log = logging.getLogger("server")


class LinkageServicer(pb_grpc.LinkageServiceServicer):
    """Thin servicer over a :class:`MasterPersonIndex`.

    Args:
        index: the master person index.
        max_bulk_streams: concurrent bulk streams allowed (the rest keep real-time capacity).
        bulk_group_size: UpsertRecords records per group commit while real-time calls
            are being served.
        bulk_group_size_quiet: records per group commit while none are (larger groups cost
            less per record but keep real-time calls waiting longer); default 16 times
            ``bulk_group_size``.
        default_max_results: Resolve's max_results when the request leaves it 0.
    """

    def __init__(
        self,
        index: MasterPersonIndex,
        *,
        max_bulk_streams: int = 2,
        bulk_group_size: int = 256,
        bulk_group_size_quiet: int | None = None,
        default_max_results: int = 10,
    ) -> None:
        self.index = index
        # The loaded index is long-lived: a full collection traversed it (0.4 s at 1M, every
        # few bulk groups, stalling every call). Frozen objects are left out of collections.
        gc.freeze()
        self.bulk_slots = threading.BoundedSemaphore(max_bulk_streams)
        self.pacer = BulkPacer(bulk_group_size, bulk_group_size_quiet or 16 * bulk_group_size)
        self.default_max_results = default_max_results

    # Resolve ---------------------------------------------------------------
    def _resolve(self, request: pb.ResolveRequest) -> pb.ResolveResponse:
        self.pacer.realtime()
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
                        request_id=item.request_id, error=item_error(exc)
                    )
                    continue
                yield pb.ResolveStreamResponse(request_id=item.request_id, result=result)

    # Upsert ------------------------------------------------------------------
    @handle_errors(prefix="record.")
    def UpsertRecord(self, request: pb.UpsertRecordRequest, context: grpc.ServicerContext) -> Any:
        self.pacer.realtime()
        result = self.index.upsert(conv.record_from_proto(request.record))
        return conv.upsert_to_proto(result)

    @handle_stream_errors
    def UpsertRecords(
        self, request_iterator: Iterator[pb.UpsertRecordsRequest], context: grpc.ServicerContext
    ) -> Iterator[pb.UpsertRecordsResponse]:
        if self.index.scorer is None:
            raise ModelNotFittedError("no trained model is loaded")
        with self._bulk_slot():
            yield from upsert_stream(self.index, request_iterator, context, self.pacer)

    # Records and people ------------------------------------------------------------
    @handle_errors()
    def DeleteRecord(self, request: pb.DeleteRecordRequest, context: grpc.ServicerContext) -> Any:
        self.pacer.realtime()
        agency, record_id = _key(request.ref)
        person_id, removed, split = self.index.delete(agency, record_id)
        return pb.DeleteRecordResponse(
            person_id=person_id, person_removed=removed, split_person_ids=split
        )

    @handle_errors()
    def GetRecord(self, request: pb.GetRecordRequest, context: grpc.ServicerContext) -> Any:
        self.pacer.realtime()
        return conv.stored_record_to_proto(self.index.get_record(*_key(request.ref)))

    @handle_errors()
    def GetPerson(self, request: pb.GetPersonRequest, context: grpc.ServicerContext) -> Any:
        self.pacer.realtime()
        if not request.person_id:
            raise invalid("person_id is required", "person_id")
        person = self.index.get_person(request.person_id)
        return pb.GetPersonResponse(person=conv.person_to_proto(person))

    @handle_errors()
    def ExplainMatch(self, request: pb.ExplainMatchRequest, context: grpc.ServicerContext) -> Any:
        self.pacer.realtime()
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
