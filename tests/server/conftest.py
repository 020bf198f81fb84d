from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from server.app import RunningParts, create_server
from server.config import ServerConfig, load_config
from server.gen.linkage.v1 import linkage_pb2 as pb
from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc

FAKE = "fake_scorer:FakeScorer"


@dataclass
class Served:
    parts: RunningParts
    channel: grpc.Channel
    stub: pb_grpc.LinkageServiceStub
    config: ServerConfig


def serve(config: ServerConfig) -> Served:
    parts = create_server(config)
    parts.server.start()
    channel = grpc.insecure_channel(f"127.0.0.1:{parts.port}")
    return Served(parts, channel, pb_grpc.LinkageServiceStub(channel), config)


def stop(served: Served) -> None:
    served.channel.close()
    served.parts.server.stop(None).wait()
    served.parts.index.store.close()


def make_config(tmp_path: Path, **overrides: object) -> ServerConfig:
    base: dict[str, object] = {
        "host": "127.0.0.1",
        "port": 0,
        "store_path": str(tmp_path / "mpi.sqlite"),
        "scorer": FAKE,
        "auto_merge_threshold": 0.98,
    }
    base.update(overrides)
    return load_config(None, env={}, **base)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    running = serve(make_config(tmp_path))
    yield running
    stop(running)


def person(**fields: str) -> pb.PersonAttributes:
    return pb.PersonAttributes(**fields)


def agency_record(agency: str, record_id: str, **fields: str) -> pb.AgencyRecord:
    return pb.AgencyRecord(
        ref=pb.RecordRef(agency=agency, record_id=record_id), attributes=person(**fields)
    )


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> object:
    """Development CA, server and client certificates (made once per test session)."""
    from secure import make_certs

    return make_certs(tmp_path_factory.mktemp("certs"))


ANN = {"given_name": "Ann", "family_name": "Lee", "dob": "1980-02-03"}
