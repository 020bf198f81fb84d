"""Run one linkage tool on one benchmark input, in this process (a child of `peers.py`).

    .venv/bin/python benchmarks/peer_runner.py TOOL INPUT.parquet LINK_TYPE OUTDIR

TOOL is `linkage` (this project), `splink` (Splink 5, DuckDB backend) or
`recordlinkage` (the Python Record Linkage Toolkit, ECM classifier).
INPUT.parquet is a canonical frame (see `linkage.schema`) whose row order
defines the record numbers; its `true_person_id` column is dropped before the
tool sees the data (evaluation is the parent's job). LINK_TYPE is `link_only`
(across agencies only: FEBRL4) or `dedupe` (all pairs of records).

Writes to OUTDIR:

* `result.json`: tool, version, wall seconds per phase (`read` included),
  `total_s` (their sum), default threshold, records;
* `pairs.parquet`: every scored candidate pair as `left, right` (row numbers,
  left < right) and `probability`;
* `clusters.parquet`: `row, cluster` for every record.

Writing these files is not timed. Peak memory is this process's own high-water
mark, `VmHWM` of /proc/self/status, read when the tool's last timed phase ends,
before the evaluation files are built (threads share it; the
tools run no worker processes). `os.wait4`'s `ru_maxrss` cannot be used: Linux
carries the parent's high-water mark into the child across (v)fork + exec, so
every child would report at least the parent's RSS.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

TRUTH = "true_person_id"
#: the match threshold every tool clusters at (this project's default)
MATCH_THRESHOLD = 0.9
#: the Python Record Linkage Toolkit's ECM `predict` is the argmax of the two classes
ECM_THRESHOLD = 0.5
#: Splink's random pairs for u (its default, 1e6; it warns that more is more accurate, but
#: 5e6 took 12.6 s of 14.7 s on FEBRL4; this project samples 4e5) and the
#: cap on EM pairs per training rule (Splink 5's own sampling; no effect below ~100k)
U_MAX_PAIRS = 1e6
EM_MAX_PAIRS = 5e6

IntArray = npt.NDArray[np.int64]


class Phases:
    """Wall seconds per named phase, in order."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.timings[name] = self.timings.get(name, 0.0) + time.perf_counter() - start


def _write_pairs(out: Path, left: Any, right: Any, probability: Any) -> int:
    """Distinct (min, max) pairs with their probability; returns how many."""
    lft = np.asarray(left, dtype=np.int64)
    rgt = np.asarray(right, dtype=np.int64)
    frame = pl.DataFrame(
        {
            "left": np.minimum(lft, rgt),
            "right": np.maximum(lft, rgt),
            "probability": np.asarray(probability, dtype=np.float64),
        }
    ).unique(subset=["left", "right"], keep="first")
    frame.write_parquet(out / "pairs.parquet")
    return frame.height


def _write_clusters(out: Path, cluster: pl.Series | IntArray) -> None:
    """Cluster labels in row order, as integer codes."""
    if isinstance(cluster, pl.Series):
        if not cluster.dtype.is_integer():
            cluster = cluster.cast(pl.Utf8).cast(pl.Categorical).to_physical()
        cluster = cluster.cast(pl.Int64).to_numpy()
    labels = np.asarray(cluster, dtype=np.int64)
    pl.DataFrame({"row": np.arange(len(labels), dtype=np.int64), "cluster": labels}).write_parquet(
        out / "clusters.parquet"
    )


def _components(n: int, left: IntArray, right: IntArray) -> IntArray:
    """Connected components of the links (for the toolkit, which has no clustering)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    return labels.astype(np.int64)


# --------------------------------------------------------------------------- this project


def run_linkage(path: Path, link_type: str, out: Path) -> dict[str, Any]:
    """`linkage.pipeline.link` with its default settings; phases from its own timer."""
    from linkage import blocking
    from linkage._allocator import fix_mmap_threshold, limit_malloc_arenas
    from linkage.pipeline import LinkageSettings, link

    limit_malloc_arenas()  # as `linkage link` does
    fix_mmap_threshold()
    phases = Phases()
    with phases.phase("read"):
        # in a list until `link` takes it, which then frees the raw columns early (as the CLI)
        inputs = [pl.read_parquet(path).drop(TRUTH)]
    keys = inputs[0].select("agency", "record_id").with_row_index("row")
    ours = "link_only" if link_type == "link_only" else "link_and_dedupe"
    settings = LinkageSettings(link_type=ours)
    # result.pairs holds only pairs with probability >= 0.01; the parent needs every
    # candidate pair (pairs completeness), so keep what the pipeline's blocking returned.
    captured: list[pl.DataFrame] = []
    generate_pairs = blocking.generate_pairs

    def capture(*args: Any, **kwargs: Any) -> Any:
        out = generate_pairs(*args, **kwargs)
        captured.append(out[0])
        return out

    blocking.generate_pairs = capture  # type: ignore[assignment]
    try:
        result = link(inputs.pop(), settings)
    finally:
        blocking.generate_pairs = generate_pairs  # type: ignore[assignment]
    peak = _peak_rss_mib()
    timings = {"read": phases.timings["read"]}
    timings |= {k: v for k, v in result.summary["timings_s"].items() if k != "total"}
    candidates = captured[-1]

    scored = result.pairs.join(
        keys.rename({"agency": "agency_l", "record_id": "record_id_l", "row": "left"}),
        on=["agency_l", "record_id_l"],
    ).join(
        keys.rename({"agency": "agency_r", "record_id": "record_id_r", "row": "right"}),
        on=["agency_r", "record_id_r"],
    )
    scored = scored.select(
        pl.min_horizontal("left", "right").cast(pl.Int64).alias("left"),
        pl.max_horizontal("left", "right").cast(pl.Int64).alias("right"),
        pl.col("match_probability").alias("probability"),
    )
    pairs = (
        candidates.select(
            pl.min_horizontal("left", "right").cast(pl.Int64).alias("left"),
            pl.max_horizontal("left", "right").cast(pl.Int64).alias("right"),
        )
        .join(scored, on=["left", "right"], how="full", coalesce=True)
        .with_columns(pl.col("probability").fill_null(0.0))
    )
    n_pairs = _write_pairs(out, pairs["left"], pairs["right"], pairs["probability"])
    clusters = keys.join(result.clusters, on=["agency", "record_id"], how="left").sort("row")
    _write_clusters(out, clusters["person_id"])
    return {
        "tool": "linkage",
        "version": _git_commit(),
        "timings_s": timings,
        "candidate_pairs": n_pairs,
        "default_threshold": MATCH_THRESHOLD,
        "settings": "defaults (LinkageSettings), match threshold 0.9",
        "peak_rss_mib": peak,
    }


def _git_commit() -> str:
    import subprocess

    try:
        sha = subprocess.run(
            ["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return sha


# --------------------------------------------------------------------------- Splink

#: The preparation a Splink user would write first, in DuckDB SQL: trim and lower-case
#: text, drop honorifics, parse dates (the 1900-01-01 sentinel is missing), one code per
#: sex, phones as digits with +61 as 0. (This project's standardiser does much more:
#: nicknames, phonetic keys, address parsing; that is part of what is compared.)
_SPLINK_PREPARE = """
create or replace table prepared as
select
    cast(file_row_number as bigint) as unique_id,
    agency,
    nullif(regexp_replace(lower(trim(given_name)), '^(mr|mrs|ms|miss|dr)\\.? +', ''), '')
        as given_name,
    nullif(lower(trim(middle_name)), '') as middle_name,
    nullif(lower(trim(family_name)), '') as family_name,
    nullif(coalesce(
        try_strptime(trim(dob), '%Y-%m-%d'), try_strptime(trim(dob), '%Y%m%d'),
        try_strptime(trim(dob), '%d/%m/%Y')
    )::date, date '1900-01-01') as dob,
    case
        when lower(trim(sex)) in ('m', 'male', '1') then 'm'
        when lower(trim(sex)) in ('f', 'female', '2') then 'f'
    end as sex,
    nullif(lower(trim(street)), '') as street,
    nullif(lower(trim(suburb)), '') as suburb,
    nullif(regexp_replace(coalesce(postcode, ''), '[^0-9]', '', 'g'), '') as postcode,
    nullif(regexp_replace(
        regexp_replace(coalesce(phone, ''), '[^0-9]', '', 'g'), '^61', '0'
    ), '') as phone,
    nullif(lower(trim(email)), '') as email
    {identifiers}
from read_parquet('{path}', file_row_number = true)
"""


def _identifier_columns(columns: list[str]) -> list[str]:
    """Identifiers compared across records (the agency's own person number is not one)."""
    return [c for c in columns if c.startswith("id_") and c != "id_agency_person_no"]


def _splink_settings(
    link_type: str, present: set[str], identifiers: list[str], febrl: bool
) -> tuple[Any, list[Any], list[Any]]:
    """Settings, deterministic rules (for the prior) and EM blocking rules.

    Blocking follows Splink's FEBRL examples on the FEBRL data (names, the
    swapped names, dob, postcode, street, soc_sec_id); on the synthetic data,
    whose common names and postcodes make single-column blocks huge at 1M, it
    pairs each name with the dob or postcode like this project's rules do.
    """
    import splink.comparison_library as cl
    from splink import SettingsCreator, block_on

    swapped = "l.given_name = r.family_name and l.family_name = r.given_name"
    if febrl:
        rules: list[Any] = [
            block_on("given_name", "family_name"),
            swapped,
            block_on("dob"),
            block_on("postcode"),
            block_on("street"),
        ]
    else:
        rules = [
            block_on("family_name", "dob"),
            block_on("given_name", "dob"),
            block_on("given_name", "family_name", "year(dob)"),
            f"{swapped} and year(l.dob) = year(r.dob)",
            block_on("postcode", "family_name"),
            block_on("postcode", "dob"),
            block_on("dob", "middle_name"),
        ]
        rules += [block_on(c) for c in ("phone", "email") if c in present]
    rules += [block_on(c) for c in identifiers]

    comparisons: list[Any] = [
        cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
        cl.NameComparison("family_name").configure(term_frequency_adjustments=True),
    ]
    if "middle_name" in present:
        comparisons.append(cl.NameComparison("middle_name"))
    comparisons.append(cl.DateOfBirthComparison("dob", input_is_string=False))
    comparisons.append(cl.LevenshteinAtThresholds("street", [1, 3]))
    comparisons.append(cl.ExactMatch("postcode").configure(term_frequency_adjustments=True))
    comparisons += [cl.ExactMatch(c) for c in ("sex", "phone", "email") if c in present]
    comparisons += [cl.DamerauLevenshteinAtThresholds(c, [1]) for c in identifiers]

    settings = SettingsCreator(
        link_type="link_only" if link_type == "link_only" else "dedupe_only",
        unique_id_column_name="unique_id",
        blocking_rules_to_generate_predictions=rules,
        comparisons=comparisons,
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
    )
    deterministic = [block_on("given_name", "family_name", "dob")]
    deterministic += [block_on(c) for c in identifiers]
    em_rules = [block_on("dob"), block_on("given_name", "family_name")]
    return settings, deterministic, em_rules


def run_splink(path: Path, link_type: str, out: Path) -> dict[str, Any]:
    """Splink on DuckDB: prepare, train (prior, u, EM x2), predict, cluster at 0.9."""
    import logging

    import duckdb
    from splink import DuckDBAPI, Linker

    logging.getLogger("splink").setLevel(logging.WARNING)
    phases = Phases()
    con = duckdb.connect()
    columns = pl.read_parquet_schema(path)
    identifiers = _identifier_columns(list(columns))
    with phases.phase("read"):
        extra = "".join(f", nullif(trim({c}), '') as {c}" for c in identifiers)
        con.execute(_SPLINK_PREPARE.format(path=path, identifiers=extra))
        counts = con.execute(
            "select " + ", ".join(f"count({c}) as {c}" for c in _SPLINK_COLUMNS) + " from prepared"
        ).fetchone()
        assert counts is not None
        present = {c for c, n in zip(_SPLINK_COLUMNS, counts, strict=True) if n}
        db_api = DuckDBAPI(connection=con)
        if link_type == "link_only":
            agencies = [
                r[0]
                for r in con.execute("select distinct agency from prepared order by 1").fetchall()
            ]
            for i, agency in enumerate(agencies):
                con.execute(
                    f"create table input_{i} as select * exclude (agency) from prepared "
                    f"where agency = '{agency}'"
                )
            inputs: Any = [db_api.register(f"input_{i}") for i in range(len(agencies))]
        else:
            con.execute("create table input_0 as select * exclude (agency) from prepared")
            inputs = db_api.register("input_0")
    settings, deterministic, em_rules = _splink_settings(
        link_type, present, identifiers, febrl="id_soc_sec_id" in identifiers
    )
    with phases.phase("train_prior"):
        linker = Linker(inputs, settings, log_level=logging.WARNING)
        linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    with phases.phase("train_u"):
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=1)
    with phases.phase("train_em"):
        for rule in em_rules:
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, max_pairs=EM_MAX_PAIRS
            )
    with phases.phase("predict"):  # block + compare + score, in one SQL pipeline
        predictions = linker.inference.predict(warning_mode="never")
    with phases.phase("cluster"):
        clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=MATCH_THRESHOLD
        )
    peak = _peak_rss_mib()
    pairs = con.sql(
        f"select unique_id_l, unique_id_r, match_probability from {predictions.physical_name}"
    ).pl()
    n_pairs = _write_pairs(
        out, pairs["unique_id_l"], pairs["unique_id_r"], pairs["match_probability"]
    )
    labels = con.sql(f"select cluster_id from {clusters.physical_name} order by unique_id").pl()
    _write_clusters(out, labels["cluster_id"])
    return {
        "tool": "splink",
        "version": f"splink {version('splink')}, duckdb {version('duckdb')}",
        "timings_s": phases.timings,
        "candidate_pairs": n_pairs,
        "default_threshold": MATCH_THRESHOLD,
        "settings": "FEBRL-example style; EM on dob and on given+family; cluster at 0.9",
        "peak_rss_mib": peak,
    }


_SPLINK_COLUMNS = ("middle_name", "sex", "phone", "email")


# --------------------------------------------------------------------------- recordlinkage


def run_recordlinkage(path: Path, link_type: str, out: Path) -> dict[str, Any]:
    """The Python Record Linkage Toolkit: Index.block x N, Compare, ECMClassifier."""
    import recordlinkage
    from recordlinkage.index import Block

    phases = Phases()
    with phases.phase("read"):
        raw = pl.read_parquet(path).drop(TRUTH)
        identifiers = _identifier_columns(raw.columns)
        lower = ["middle_name", "family_name", "street", "suburb", "email"]
        text = pl.col("dob").str.strip_chars()
        sex = pl.col("sex").str.strip_chars().str.to_lowercase()
        prepared = raw.select(  # the same preparation as Splink's (_SPLINK_PREPARE)
            "agency",
            pl.col("given_name")
            .str.strip_chars()
            .str.to_lowercase()
            .str.replace(r"^(mr|mrs|ms|miss|dr)\.? +", "")
            .replace("", None),
            *(pl.col(c).str.strip_chars().str.to_lowercase().replace("", None) for c in lower),
            pl.coalesce(
                text.str.to_date("%Y-%m-%d", strict=False),
                text.str.to_date("%Y%m%d", strict=False),
                text.str.to_date("%d/%m/%Y", strict=False),
            )
            .cast(pl.Utf8)
            .replace("1900-01-01", None)
            .alias("dob"),
            pl.when(sex.is_in(["m", "male", "1"]))
            .then(pl.lit("m"))
            .when(sex.is_in(["f", "female", "2"]))
            .then(pl.lit("f"))
            .alias("sex"),
            pl.col("postcode").str.replace_all(r"[^0-9]", "").replace("", None),
            pl.col("phone")
            .str.replace_all(r"[^0-9]", "")
            .str.replace(r"^61", "0")
            .replace("", None),
            *(pl.col(c).str.strip_chars().replace("", None) for c in identifiers),
        )
        frame = prepared.to_pandas()
    present = [c for c in prepared.columns if prepared[c].null_count() < prepared.height]
    febrl = "id_soc_sec_id" in identifiers
    with phases.phase("block"):
        indexer = recordlinkage.Index()
        rules: list[tuple[list[str], list[str]]] = (
            [
                (["given_name", "family_name"], ["given_name", "family_name"]),
                (["given_name", "family_name"], ["family_name", "given_name"]),
                (["dob"], ["dob"]),
                (["postcode"], ["postcode"]),
                (["street"], ["street"]),
            ]
            if febrl
            else [
                (["family_name", "dob"], ["family_name", "dob"]),
                (["given_name", "dob"], ["given_name", "dob"]),
                (["postcode", "family_name"], ["postcode", "family_name"]),
                (["postcode", "dob"], ["postcode", "dob"]),
                (["dob", "middle_name"], ["dob", "middle_name"]),
            ]
        )
        rules += [([c], [c]) for c in ("phone", "email", *identifiers) if c in present]
        for left_on, right_on in rules:
            indexer.add(Block(left_on=left_on, right_on=right_on))
        if link_type == "link_only":
            agencies = sorted(frame["agency"].unique())
            parts = [frame[frame["agency"] == a] for a in agencies[:2]]
            candidates = indexer.index(parts[0], parts[1])
            source: tuple[Any, ...] = (parts[0], parts[1])
        else:
            candidates = indexer.index(frame)
            source = (frame,)
    with phases.phase("compare"):
        compare = recordlinkage.Compare(n_jobs=1)
        for name in ("given_name", "family_name", "middle_name"):
            if name in present:
                compare.string(name, name, method="jarowinkler", threshold=0.85, label=name)
        compare.exact("dob", "dob", label="dob")
        compare.string("street", "street", method="levenshtein", threshold=0.85, label="street")
        for name in ("postcode", "sex", "phone", "email", *identifiers):
            if name in present:
                compare.exact(name, name, label=name)
        features = compare.compute(candidates, *source)
    with phases.phase("train"):
        ecm = recordlinkage.ECMClassifier(binarize=None)
        ecm.fit(features)
    with phases.phase("score"):
        probability = np.asarray(ecm.prob(features), dtype=np.float64)
    left = np.asarray(candidates.get_level_values(0), dtype=np.int64)
    right = np.asarray(candidates.get_level_values(1), dtype=np.int64)
    with phases.phase("cluster"):
        links = probability >= ECM_THRESHOLD
        labels = _components(len(frame), left[links], right[links])
    peak = _peak_rss_mib()
    n_pairs = _write_pairs(out, left, right, probability)
    _write_clusters(out, labels)
    return {
        "tool": "recordlinkage",
        "version": f"recordlinkage {version('recordlinkage')}",
        "timings_s": phases.timings,
        "candidate_pairs": n_pairs,
        "default_threshold": ECM_THRESHOLD,
        "settings": "Block x N unioned, JW 0.85 names, exact others, ECM; components at 0.5",
        "peak_rss_mib": peak,
    }


def _peak_rss_mib() -> float:
    """This process's peak resident set (VmHWM), MiB; NaN where /proc is absent."""
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        return float("nan")
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TOOLS: dict[str, Callable[[Path, str, Path], dict[str, Any]]] = {
    "linkage": run_linkage,
    "splink": run_splink,
    "recordlinkage": run_recordlinkage,
}


def main(argv: list[str]) -> int:
    if len(argv) != 4 or argv[0] not in TOOLS or argv[2] not in ("link_only", "dedupe"):
        print(__doc__, file=sys.stderr)
        return 2
    tool, path, link_type, out = argv[0], Path(argv[1]), argv[2], Path(argv[3])
    out.mkdir(parents=True, exist_ok=True)
    result = TOOLS[tool](path, link_type, out)
    result["total_s"] = sum(result["timings_s"].values())
    result["records"] = pl.scan_parquet(path).select(pl.len()).collect().item()
    (out / "result.json").write_text(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
