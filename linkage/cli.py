"""The `linkage` command line: generate, link, evaluate and demo.

The service commands (`serve`, ...) are added by `server.cli`, so this
library never imports gRPC.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeAlias

import polars as pl

from linkage._allocator import fix_mmap_threshold, limit_malloc_arenas
from linkage.errors import ConfigError, InvalidInputError, LinkageError
from linkage.progress import stderr_reporter
from linkage.schema import KEY_COLUMNS, TRUTH_COLUMN, concat_canonical, load_mappings, read_extract

# The engine (numpy, scipy, pyarrow, rapidfuzz, ...: ~0.5 s to import) is imported where
# it is used, so that `link` can import it while the extracts are read on threads.
#: modules `link` imports beside the reading
ENGINE_MODULES = ("linkage.pipeline", "linkage.outputs", "linkage.cluster")

Handler = Callable[[argparse.Namespace], int]
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def build_parser(
    add_commands: Callable[[Commands], None] | None = None,
) -> argparse.ArgumentParser:
    """The parser with the batch commands; `add_commands` may add more (the service's)."""
    parser = argparse.ArgumentParser(prog="linkage", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    gen = commands.add_parser("generate", help="write a synthetic multi-agency data set")
    gen.add_argument("--records", type=int, default=100_000, help="records in all (default 100000)")
    gen.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    gen.add_argument("--out", type=Path, required=True, help="folder for the extracts")
    gen.add_argument("--format", choices=("parquet", "csv"), default="parquet")
    gen.set_defaults(handler=_generate)

    run = commands.add_parser("link", help="link agency extracts into person identities")
    _add_input_arguments(run)
    run.add_argument("--out", type=Path, required=True, help="folder for the outputs")
    run.add_argument("--link-type", choices=("link_only", "dedupe_only", "link_and_dedupe"))
    run.add_argument("--match-threshold", type=float, help="link probability (default 0.9)")
    run.add_argument("--review-threshold", type=float, help="review probability (default 0.5)")
    run.add_argument("--model", type=Path, help="score with this trained model instead of EM")
    run.add_argument(
        "--train",
        choices=("em", "labelled"),
        help="em (default, no labels) or labelled (m from the mapped truth column)",
    )
    run.add_argument(
        "--previous", type=Path, help="clusters.parquet of an earlier run (stable ids)"
    )
    run.add_argument("--quiet", action="store_true", help="no progress lines")
    run.set_defaults(handler=_link)

    ev = commands.add_parser("evaluate", help="measure a run's clusters against a truth column")
    _add_input_arguments(ev)
    ev.add_argument("--run", type=Path, required=True, help="output folder of `linkage link`")
    ev.set_defaults(handler=_evaluate)

    demo = commands.add_parser("demo", help="generate demo data, link it, print the summary")
    demo.add_argument("--records", type=int, default=20_000)
    demo.add_argument("--out", type=Path, default=Path("out/demo"))
    demo.set_defaults(handler=_demo)
    if add_commands:
        add_commands(commands)
    return parser


def _add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--mappings", type=Path, required=True, help="agency mappings (TOML)")
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="AGENCY=FILE",
        help="extract per agency (default: the mapping's `path`, else AGENCY.parquet/.csv)",
    )


def load_inputs(mappings_path: Path, inputs: Sequence[str] = ()) -> pl.DataFrame:
    """Read every agency's extract named by the mappings (or on the command line)."""
    mappings = load_mappings(mappings_path)
    given: dict[str, Path] = {}
    for item in inputs:
        agency, sep, file = item.partition("=")
        if not sep or agency not in mappings:
            msg = f"input {item!r}: expected AGENCY=FILE with AGENCY one of {sorted(mappings)}"
            raise ConfigError(msg)
        given[agency] = Path(file)
    paths = [
        given.get(agency) or mapping.path or _beside(mappings_path, agency)
        for agency, mapping in mappings.items()
    ]
    # side by side: each read leaves part of the cores idle (0.82 -> 0.67 s at 1M)
    with ThreadPoolExecutor(max_workers=len(paths) or 1) as pool:
        frames = list(pool.map(read_extract, paths, mappings.values()))
    return concat_canonical(frames)


def _beside(mappings_path: Path, agency: str) -> Path:
    for suffix in (".parquet", ".csv"):
        candidate = mappings_path.parent / f"{agency}{suffix}"
        if candidate.exists():
            return candidate
    return mappings_path.parent / f"{agency}.parquet"


def _generate(args: argparse.Namespace) -> int:
    from linkage.generate import generate, write_extracts

    start = time.perf_counter()
    frame = generate(args.records, seed=args.seed)
    mappings = write_extracts(frame, args.out, fmt=args.format)
    elapsed = time.perf_counter() - start
    print(f"wrote {frame.height:,} records to {args.out} in {elapsed:.1f} s; mappings: {mappings}")
    return 0


def _import_engine() -> None:
    for name in ENGINE_MODULES:
        importlib.import_module(name)


def _link(args: argparse.Namespace) -> int:
    limit_malloc_arenas()
    fix_mmap_threshold()
    started = time.perf_counter()
    # the extracts are read on threads (polars) while this thread imports the engine
    # (Python, one core). Imports here, not on a thread: a thread's malloc arena goes on
    # to the run's later threads, and the imports' long-lived objects kept their freed
    # memory resident (1M peak RSS +~60 MiB, set in compare)
    with ThreadPoolExecutor(max_workers=1) as reader:
        reading = reader.submit(load_inputs, args.mappings, args.inputs)
        _import_engine()
        # held in a list only until `link` takes it: then `link` holds the frame's only
        # reference and frees its raw columns once they are standardised (lower peak)
        inputs = [reading.result()]
        del reading
    read_s = time.perf_counter() - started  # the reading, or the imports if longer
    overrides: dict[str, Any] = {
        k: v
        for k, v in {
            "link_type": args.link_type,
            "match_threshold": args.match_threshold,
            "review_threshold": args.review_threshold,
            "training": args.train,
        }.items()
        if v is not None
    }
    from linkage.model import FellegiSunterModel
    from linkage.outputs import OutputWriter
    from linkage.pipeline import LinkageSettings, link

    settings = LinkageSettings(**overrides)
    model = FellegiSunterModel.from_json(args.model) if args.model else None
    previous = pl.read_parquet(args.previous) if args.previous else None
    report = None if args.quiet else stderr_reporter()
    # the frames are written as the run hands them over, while it goes on
    with OutputWriter(args.out) as writer:
        result = link(
            inputs.pop(),
            settings,
            model=model,
            previous_ids=previous,
            report=report,
            on_frame=writer.submit,
        )
        result.summary["timings_s"]["read"] = round(read_s, 3)
        write_started = time.perf_counter()
        writer.finish(result)
    print(_headline(result.summary, args.out))
    total = time.perf_counter() - started
    print(
        f"read {read_s:.1f} s, finished writing in {time.perf_counter() - write_started:.1f} s, "
        f"{total:.1f} s in all"
    )
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from linkage import evaluate

    frame = load_inputs(args.mappings, args.inputs)
    if TRUTH_COLUMN not in frame.columns:
        msg = "the mappings name no truth column (`truth = ...`), so there is nothing to evaluate"
        raise ConfigError(msg)
    clusters = pl.read_parquet(args.run / "clusters.parquet")
    joined = frame.select(*KEY_COLUMNS, TRUTH_COLUMN).join(clusters, on=list(KEY_COLUMNS))
    if joined.height != frame.height:
        msg = f"{args.run}: clusters.parquet does not cover every input record"
        raise InvalidInputError(msg)
    predicted, truth = joined["person_id"], joined[TRUTH_COLUMN]
    metrics = {
        "pairwise": evaluate.pairwise_cluster_metrics(predicted, truth).to_dict(),
        "clusters": evaluate.cluster_metrics(predicted, truth).to_dict(),
    }
    print(json.dumps(metrics, indent=2, sort_keys=True))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from linkage.generate import generate, write_extracts
    from linkage.outputs import write_outputs
    from linkage.pipeline import link

    data_dir = args.out / "data"
    frame = generate(args.records, seed=0)
    mappings = write_extracts(frame, data_dir, fmt="csv")
    print(f"generated {frame.height:,} records of 4 agencies into {data_dir}")
    result = link(load_inputs(mappings), report=stderr_reporter())
    write_outputs(result, args.out / "run")
    print(_headline(result.summary, args.out / "run"))
    return 0


def _headline(summary: dict[str, Any], out: Path) -> str:
    lines = [
        f"linked {summary['records']:,} records into {summary['persons']:,} persons "
        f"({summary['links']:,} links, {summary['review_pairs']:,} pairs for review) "
        f"in {summary['timings_s']['total']:.1f} s",
    ]
    metrics = summary.get("metrics")
    if metrics:
        pw = metrics["pairwise_at_threshold"]
        lines.append(
            f"against the truth column: pairwise precision {pw['precision']:.4f}, "
            f"recall {pw['recall']:.4f}, F1 {pw['f1']:.4f}"
        )
    lines.append(f"outputs in {out}/ (summary.json has the details)")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None, parser: argparse.ArgumentParser | None = None) -> int:
    """Run the command line; errors print one clear line and exit with status 2."""
    parser = parser or build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        code = handler(args)
    except LinkageError as exc:
        print(f"linkage {args.command}: error: {exc}", file=sys.stderr)
        return 2
    if argv is None and args.command in _EXIT_AT_ONCE:
        _exit_at_once(code)
    return code


#: commands that leave at once when done, when they own the process (``argv`` is
#: ``None``): a 1M ``link`` holds ~1 GiB of arrays and frames, and freeing them one by
#: one at interpreter exit took ~0.3 s
_EXIT_AT_ONCE = frozenset({"link"})


def _exit_at_once(code: int) -> None:
    """End the process now: the outputs are written and moved into place."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    raise SystemExit(main())
