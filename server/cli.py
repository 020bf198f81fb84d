"""The full `linkage` command: the library's batch commands plus `serve`.

The library's own CLI (`linkage.cli`) knows nothing of gRPC; this module adds
the service commands on top of it.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from linkage import cli

if TYPE_CHECKING:
    from linkage.audit import AuditLog


def _serve(args: argparse.Namespace) -> int:
    from server.main import run

    run(args.config)
    return 0


def _add_service_commands(commands: cli.Commands) -> None:
    from server.main import add_arguments

    serve = commands.add_parser("serve", help="run the gRPC person-matching service")
    add_arguments(serve)
    serve.set_defaults(handler=_serve)

    audit = commands.add_parser("audit", help="verify or query the service's audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    verify = actions.add_parser("verify", help="check the hash chain; exit 1 at any tampering")
    _add_log_arguments(verify)
    verify.set_defaults(handler=_audit_verify)
    query = actions.add_parser("query", help="entries by person, principal and time (JSON lines)")
    _add_log_arguments(query)
    query.add_argument("--person", help="person id touched")
    query.add_argument("--principal", help="agency system that called")
    query.add_argument("--since", type=_time, help="from this time (ISO 8601 or epoch seconds)")
    query.add_argument("--until", type=_time, help="before this time (ISO 8601 or epoch seconds)")
    query.add_argument("--limit", type=int, help="at most this many entries")
    query.set_defaults(handler=_audit_query)


def _add_log_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--log", type=Path, help="the audit log file")
    parser.add_argument("--config", help="server TOML file whose audit log to read")


def _time(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        return datetime.fromisoformat(text).timestamp()


def _open_log(args: argparse.Namespace) -> AuditLog:
    from linkage.audit import AuditLog
    from linkage.errors import ConfigError
    from server.config import load_config

    path = args.log
    if path is None:
        config = load_config(args.config)
        key_path = config.audit_key_path
        path = Path(config.audit())
    else:
        key_path = ""
    if not path.exists():
        msg = f"{path}: no audit log"
        raise ConfigError(msg)
    key = Path(key_path).read_bytes().strip() if key_path else None
    return AuditLog(path, key=key)


def _audit_verify(args: argparse.Namespace) -> int:
    log = _open_log(args)
    result = log.verify()
    log.close()
    for finding in result.findings:
        print(f"entry {finding.seq}: {finding.kind}: {finding.message}")
    status = "intact" if result.ok else f"TAMPERED ({len(result.findings)} findings)"
    print(f"{result.entries} entries, {status}; head {result.head}")
    return 0 if result.ok else 1


def _audit_query(args: argparse.Namespace) -> int:
    log = _open_log(args)
    entries = log.query(
        person_id=args.person,
        principal=args.principal,
        since=args.since,
        until=args.until,
        limit=args.limit,
    )
    log.close()
    for entry in entries:
        row = {"seq": entry.seq, "time": datetime.fromtimestamp(entry.ts).isoformat()}
        row.update(vars(entry.event))
        row["person_ids"] = list(entry.event.person_ids)
        row["record_refs"] = list(entry.event.record_refs)
        sys.stdout.write(json.dumps(row) + "\n")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The batch parser with the service commands added."""
    return cli.build_parser(_add_service_commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `linkage` console script."""
    return cli.main(argv, parser=build_parser())
