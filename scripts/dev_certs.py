"""Create a development CA, a server certificate and client certificates (mTLS).

Usage::

    python scripts/dev_certs.py --out out/certs                 # every principal in the policy
    python scripts/dev_certs.py --out out/certs police cip      # just these

Writes ``ca.pem`` (the CA that signs clients and the server), ``server.pem`` /
``server.key`` (CN and SAN ``localhost`` and ``127.0.0.1``) and, per principal,
``<name>.pem`` / ``<name>.key`` whose subject CN is the principal's name: that
is what the server reads as the caller's identity. Keys are EC P-256,
unencrypted, mode 0600. For development and tests only; production
certificates come from the agencies' own PKI.
"""

from __future__ import annotations

import argparse
import datetime as dt
import ipaddress
import os
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ROOT = Path(__file__).resolve().parent.parent
DAYS = 30


@dataclass(frozen=True)
class Issuer:
    """A CA: its certificate and key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Linkage development"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: str, issuer: x509.Name, key: ec.EllipticCurvePrivateKey
) -> x509.CertificateBuilder:
    now = dt.datetime.now(dt.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=DAYS))
    )


def make_ca(common_name: str = "linkage-dev-ca") -> Issuer:
    """A self-signed CA."""
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        _builder(common_name, _name(common_name), key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    return Issuer(cert, key)


def issue(ca: Issuer, common_name: str, *, server: bool = False) -> Issuer:
    """A leaf certificate signed by ``ca`` (a server certificate for localhost when ``server``)."""
    key = ec.generate_private_key(ec.SECP256R1())
    usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        _builder(common_name, ca.cert.subject, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    )
    if server:
        names: list[x509.GeneralName] = [
            x509.DNSName("localhost"),
            x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        ]
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return Issuer(builder.sign(ca.key, hashes.SHA256()), key)


def write(pair: Issuer, out: Path, stem: str) -> tuple[Path, Path]:
    """Write ``<stem>.pem`` and ``<stem>.key`` (0600); returns their paths."""
    out.mkdir(parents=True, exist_ok=True)
    cert_path, key_path = out / f"{stem}.pem", out / f"{stem}.key"
    cert_path.write_bytes(pair.cert.public_bytes(serialization.Encoding.PEM))
    key_bytes = pair.key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key_bytes)
    return cert_path, key_path


def generate(out: Path, principals: list[str]) -> Path:
    """CA, server and one client certificate per principal into ``out``; returns ``out``."""
    ca = make_ca()
    write(ca, out, "ca")
    (out / "ca.key").unlink()  # nothing else is signed later; do not leave the CA key about
    write(issue(ca, "localhost", server=True), out, "server")
    for name in principals:
        write(issue(ca, name), out, name)
    return out


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "certs")
    parser.add_argument("--policy", type=Path, default=ROOT / "config" / "policy.toml")
    parser.add_argument("principals", nargs="*", help="client certificates to make")
    args = parser.parse_args(argv)
    names = args.principals or sorted(
        tomllib.loads(args.policy.read_text(encoding="utf-8")).get("principals", {})
    )
    generate(args.out, names)
    print(f"wrote ca, server and {len(names)} client certificates to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
