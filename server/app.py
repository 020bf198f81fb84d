"""Build the gRPC server: the index, the servicer, health, reflection and limits.

``create_server(config)`` builds and binds but does not start; tests bind
port 0 on 127.0.0.1 and read the chosen port from the result. Unless
``security = "none"``, the servicer is wrapped by :mod:`server.governance`
(authentication, authorisation, purpose of use, minimisation, audit).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Sequence
from concurrent import futures
from dataclasses import dataclass
from pathlib import Path

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from linkage.errors import ConfigError
from linkage.index import Scorer
from linkage.resolver import MasterPersonIndex
from linkage.store import Store
from server.auth import server_credentials
from server.config import ServerConfig
from server.gen.linkage.v1 import linkage_pb2, linkage_pb2_grpc
from server.governance import Governance, GovernedServicer, build_governance
from server.servicer import LinkageServicer

log = logging.getLogger("server")
#: Threads for unary calls beside the bulk streams (each holds one for its length). Resolve
#: is Python under the GIL: more threads only take turns and switching costs CPU; at 1M,
#: 16 client threads got ~27% more Resolve rps from 4 threads (2 + 2 bulk) than from 16.
UNARY_THREADS = 2
SERVICE_NAME = linkage_pb2.DESCRIPTOR.services_by_name["LinkageService"].full_name


@dataclass
class RunningParts:
    """What :func:`create_server` built, for the caller to start, stop and inspect."""

    server: grpc.Server
    port: int
    index: MasterPersonIndex
    health: health.HealthServicer
    governance: Governance | None = None


def load_scorer(config: ServerConfig) -> Scorer | None:
    """The scorer named by ``scorer`` ("module:factory"), else the model at ``model_path``.

    Returns None when neither is configured (the server then answers
    FAILED_PRECONDITION to scoring calls).
    """
    if config.scorer:
        module_name, _, attr = config.scorer.partition(":")
        try:
            factory = getattr(importlib.import_module(module_name), attr)
        except (ImportError, AttributeError) as exc:
            msg = f"scorer {config.scorer!r} cannot be imported: {exc}"
            raise ConfigError(msg) from exc
        scorer: Scorer = factory()
        return scorer
    if config.model_path and Path(config.model_path).exists():
        from linkage.model_scorer import ModelScorer

        return ModelScorer.from_json(config.model_path)
    if config.model_path:
        log.warning("model file %s not found; scoring calls will fail", config.model_path)
    return None


def build_index(config: ServerConfig) -> MasterPersonIndex:
    """Open the store, load the scorer and restore (or bootstrap) the index."""
    store = Store(
        config.store_path, synchronous="FULL" if config.synchronous == "FULL" else "NORMAL"
    )
    index = MasterPersonIndex(
        store,
        load_scorer(config),
        config.thresholds(),
        max_block_size=config.max_block_size,
        snapshot_path=config.snapshot(),
    )
    if store.count_records() == 0 and index.scorer is not None:
        bootstrap(index, config)
    return index


def bootstrap(index: MasterPersonIndex, config: ServerConfig) -> None:
    """Fill an empty index: from a batch run's outputs, else by linking raw extracts.

    ``bootstrap_dir`` with ``clusters.parquet``: load those clusters with the
    records of ``bootstrap_mappings``. ``bootstrap_mappings`` alone (or a
    ``bootstrap_dir`` without outputs): run the batch linkage first, writing
    its outputs to ``bootstrap_dir`` when set.
    """
    from linkage.bootstrap import bootstrap_from_batch, bootstrap_from_extracts

    outputs = Path(config.bootstrap_dir) if config.bootstrap_dir else None
    mappings = config.bootstrap_mappings or None
    if outputs is not None and (outputs / "clusters.parquet").exists():
        count = bootstrap_from_batch(index, outputs, mappings)
    elif mappings is not None:
        target = outputs or Path(config.store_path).parent / "bootstrap-run"
        count = bootstrap_from_extracts(index, mappings, target)
    else:
        return
    index.save_snapshot()
    log.info("bootstrapped %d records", count, extra={"fields": {"records": count}})


def worker_threads(config: ServerConfig) -> int:
    """Threads serving calls: one per bulk stream and :data:`UNARY_THREADS`, at most
    ``max_workers``; further calls wait in gRPC's queue (``max_workers * 8`` at once)."""
    return min(config.max_workers, config.max_bulk_streams + UNARY_THREADS)


def create_server(
    config: ServerConfig,
    *,
    index: MasterPersonIndex | None = None,
    interceptors: Sequence[grpc.ServerInterceptor] = (),
) -> RunningParts:
    """Build a server bound to ``config.host:config.port`` (port 0 picks a free port).

    Args:
        config: server settings.
        index: an index to serve (built from ``config`` when omitted).
        interceptors: server interceptors, outermost first.

    Returns:
        The unstarted server, its bound port, the index and the health servicer.
    """
    index = index or build_index(config)
    options = [
        ("grpc.max_receive_message_length", config.max_message_bytes),
        ("grpc.max_send_message_length", config.max_message_bytes),
        ("grpc.so_reuseport", 0),
    ]
    server = grpc.server(
        futures.ThreadPoolExecutor(max_workers=worker_threads(config), thread_name_prefix="rpc"),
        interceptors=list(interceptors),
        options=options,
        maximum_concurrent_rpcs=config.max_workers * 8,
    )
    servicer = LinkageServicer(
        index,
        max_bulk_streams=config.max_bulk_streams,
        bulk_group_size=config.bulk_group_size,
        bulk_group_size_quiet=config.bulk_group_size_quiet or None,
        default_max_results=config.default_max_results,
    )
    governance = build_governance(config)
    service = GovernedServicer(servicer, governance) if governance else servicer
    linkage_pb2_grpc.add_LinkageServiceServicer_to_server(service, server)
    health_servicer = health.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    serving = health_pb2.HealthCheckResponse.SERVING
    health_servicer.set("", serving)
    health_servicer.set(
        SERVICE_NAME,
        serving if index.scorer is not None else health_pb2.HealthCheckResponse.NOT_SERVING,
    )
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server
    )
    address = f"{config.host}:{config.port}"
    if config.security == "mtls":
        port = server.add_secure_port(address, server_credentials(config))
    else:  # "token" and "none" are refused off loopback by ServerConfig
        port = server.add_insecure_port(address)
    if port == 0:
        msg = f"cannot bind {config.host}:{config.port}"
        raise ConfigError(msg)
    return RunningParts(server, port, index, health_servicer, governance)
