"""Who is calling: TLS server credentials, and the principal behind a call.

mTLS (``security = "mtls"``): the server presents ``tls_cert`` and requires a
client certificate signed by ``tls_client_ca``; a client without one, or
with one from another CA, fails the TLS handshake (it sees UNAVAILABLE and no
call reaches the service). The principal is the client certificate's subject
common name (CN), e.g. ``police`` or ``cip``.

Development tokens (``security = "token"``, only with ``allow_dev_tokens =
true``, only on loopback): ``authorization: Bearer <token>`` metadata, mapped
to a principal by the policy's ``[dev_tokens]``.
"""

from __future__ import annotations

from pathlib import Path

import grpc

from linkage.errors import ConfigError, UnauthenticatedError
from linkage.policy import Policy, Principal
from server.config import ServerConfig


def server_credentials(config: ServerConfig) -> grpc.ServerCredentials:
    """mTLS credentials: the server's certificate, clients verified against the CA."""
    try:
        key = Path(config.tls_key).read_bytes()
        chain = Path(config.tls_cert).read_bytes()
        ca = Path(config.tls_client_ca).read_bytes()
    except OSError as exc:
        msg = f"cannot read TLS files: {exc}"
        raise ConfigError(msg) from exc
    return grpc.ssl_server_credentials(
        [(key, chain)], root_certificates=ca, require_client_auth=True
    )


def metadata(context: grpc.ServicerContext) -> dict[str, str]:
    """The call's text metadata (first value of each key)."""
    found: dict[str, str] = {}
    for key, value in context.invocation_metadata() or ():
        if isinstance(value, str) and key not in found:
            found[key] = value
    return found


class Authenticator:
    """Finds the principal of a call (see the module docstring)."""

    def __init__(self, policy: Policy, security: str) -> None:
        self.policy = policy
        self.security = security

    def identify(self, context: grpc.ServicerContext, headers: dict[str, str]) -> Principal:
        """The calling principal, or UnauthenticatedError / PermissionDeniedError."""
        if self.security == "mtls":
            names = (context.auth_context() or {}).get("x509_common_name") or []
            if not names:
                raise UnauthenticatedError("a client certificate is required")
            return self.policy.principal(names[0].decode("utf-8", "replace"))
        scheme, _, token = headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            raise UnauthenticatedError("a bearer token is required (authorization metadata)")
        return self.policy.principal_for_token(token.strip())
