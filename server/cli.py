"""The full `linkage` command: the library's batch commands plus `serve`.

The library's own CLI (`linkage.cli`) knows nothing of gRPC; this module adds
the service commands on top of it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from linkage import cli


def _serve(args: argparse.Namespace) -> int:
    from server.main import run

    run(args.config)
    return 0


def _add_service_commands(commands: cli.Commands) -> None:
    from server.main import add_arguments

    serve = commands.add_parser("serve", help="run the gRPC person-matching service")
    add_arguments(serve)
    serve.set_defaults(handler=_serve)


def build_parser() -> argparse.ArgumentParser:
    """The batch parser with the service commands added."""
    return cli.build_parser(_add_service_commands)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `linkage` console script."""
    return cli.main(argv, parser=build_parser())
