"""Helpers for governed servers in tests: dev certificates, mTLS channels, metadata."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import grpc

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

import dev_certs  # noqa: E402

from server.gen.linkage.v1 import linkage_pb2_grpc as pb_grpc  # noqa: E402

POLICY = str(ROOT / "config" / "policy.toml")
PRINCIPALS = ["police", "cip", "courts", "evaluation", "stranger"]
ASSESS = (("x-purpose", "fv_risk_assessment"), ("x-practitioner", "case-worker-7"))


@dataclass(frozen=True)
class Certs:
    """A development CA with client certificates, and a rogue CA's 'police' certificate."""

    folder: Path
    rogue: Path

    def tls_config(self) -> dict[str, object]:
        return {
            "security": "mtls",
            "tls_cert": str(self.folder / "server.pem"),
            "tls_key": str(self.folder / "server.key"),
            "tls_client_ca": str(self.folder / "ca.pem"),
            "policy_path": POLICY,
        }


def make_certs(folder: Path) -> Certs:
    dev_certs.generate(folder / "dev", PRINCIPALS)
    dev_certs.generate(folder / "rogue", ["police"])
    return Certs(folder / "dev", folder / "rogue")


def channel(port: int, certs: Certs, principal: str | None, *, rogue: bool = False) -> grpc.Channel:
    """An mTLS channel to 127.0.0.1 as ``principal`` (None: no client certificate)."""
    ca = (certs.folder / "ca.pem").read_bytes()
    if principal is None:
        credentials = grpc.ssl_channel_credentials(root_certificates=ca)
    else:
        folder = certs.rogue if rogue else certs.folder
        credentials = grpc.ssl_channel_credentials(
            root_certificates=ca,
            private_key=(folder / f"{principal}.key").read_bytes(),
            certificate_chain=(folder / f"{principal}.pem").read_bytes(),
        )
    return grpc.secure_channel(f"127.0.0.1:{port}", credentials)


def stub(ch: grpc.Channel) -> pb_grpc.LinkageServiceStub:
    return pb_grpc.LinkageServiceStub(ch)
