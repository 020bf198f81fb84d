from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

from linkage.cli import main
from linkage.errors import ConfigError, InvalidInputError
from linkage.febrl import load_febrl3, load_febrl4
from linkage.generate import generate
from linkage.model import FellegiSunterModel
from linkage.outputs import OUTPUT_FILES, write_outputs
from linkage.pipeline import LinkageResult, LinkageSettings, link


@pytest.fixture(scope="module")
def febrl4_result() -> LinkageResult:
    return link(load_febrl4(), LinkageSettings(link_type="link_only"))


@pytest.fixture(scope="module")
def synthetic() -> pl.DataFrame:
    return generate(20_000, seed=7)


@pytest.fixture(scope="module")
def synthetic_result(synthetic: pl.DataFrame) -> LinkageResult:
    return link(synthetic)


# Regression floors, a little under what the engine measures today (FEBRL4 0.995,
# FEBRL3 0.994, synthetic 20k 0.98); the targets are 0.999 on FEBRL.
def test_febrl4_link_without_labels(febrl4_result: LinkageResult) -> None:
    metrics = febrl4_result.summary["metrics"]["pairwise_at_threshold"]
    assert metrics["precision"] >= 0.998, metrics
    assert metrics["f1"] >= 0.993, metrics
    sessions = febrl4_result.summary["model"]["training"]["em_sessions"]["sessions"]
    assert all(s["converged"] for s in sessions)


def test_febrl3_dedupe_without_labels() -> None:
    result = link(load_febrl3(), LinkageSettings(link_type="dedupe_only"))
    metrics = result.summary["metrics"]["pairwise_at_threshold"]
    assert metrics["precision"] >= 0.998, metrics
    assert metrics["f1"] >= 0.99, metrics


def test_link_only_never_pairs_records_of_one_agency(febrl4_result: LinkageResult) -> None:
    pairs = febrl4_result.pairs
    assert pairs.height > 0
    assert (pairs["agency_l"] != pairs["agency_r"]).all()


def test_synthetic_multi_agency_accuracy(synthetic_result: LinkageResult) -> None:
    summary = synthetic_result.summary
    assert summary["blocking"]["pairs_completeness"] >= 0.98
    assert summary["metrics"]["pairwise_at_threshold"]["f1"] >= 0.975


def test_outputs_have_the_documented_columns(
    synthetic_result: LinkageResult, tmp_path: Path
) -> None:
    out = write_outputs(synthetic_result, tmp_path / "run")

    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    pairs = pl.read_parquet(out / "pairs.parquet")
    expected = [
        "agency_l",
        "record_id_l",
        "agency_r",
        "record_id_r",
        "match_weight",
        "match_probability",
    ]
    assert pairs.columns[:6] == expected
    assert any(c.startswith("gamma_") for c in pairs.columns)
    clusters = pl.read_parquet(out / "clusters.parquet")
    assert clusters.columns == ["agency", "record_id", "person_id", "cluster_confidence"]
    assert clusters.height == synthetic_result.summary["records"]
    review = pl.read_parquet(out / "review.parquet")
    low, high = 0.5, 0.9
    in_band = review.filter(pl.col("reason") == "review_band")["match_probability"]
    assert ((in_band >= low) & (in_band < high)).all()
    summary = json.loads((out / "summary.json").read_text())
    assert set(summary["timings_s"]) >= {
        "standardise",
        "block",
        "compare",
        "train",
        "score",
        "cluster",
    }


def test_saved_model_rescoring_gives_the_same_links(
    synthetic: pl.DataFrame, synthetic_result: LinkageResult, tmp_path: Path
) -> None:
    path = tmp_path / "model.json"
    synthetic_result.model.to_json(path)
    again = link(synthetic, model=FellegiSunterModel.from_json(path))
    assert again.summary["links"] == synthetic_result.summary["links"]


def test_rerun_with_one_percent_more_records_keeps_ids(synthetic: pl.DataFrame) -> None:
    base = synthetic.head(19_800)
    first = link(base)
    second = link(synthetic, previous_ids=first.clusters)
    joined = first.clusters.join(second.clusters, on=["agency", "record_id"], suffix="_new")
    kept = (joined["person_id"] == joined["person_id_new"]).mean()
    assert kept is not None
    assert kept >= 0.99


def test_failed_run_leaves_no_files(synthetic_result: LinkageResult, tmp_path: Path) -> None:
    class Broken(FellegiSunterModel):
        def to_json(self, *args: object, **kwargs: object) -> None:
            raise OSError("disk full")

    broken = LinkageResult(**{**synthetic_result.__dict__, "model": Broken.__new__(Broken)})
    with pytest.raises(OSError, match="disk full"):
        write_outputs(broken, tmp_path / "run")
    assert list((tmp_path / "run").iterdir()) == []


def test_settings_are_checked() -> None:
    with pytest.raises(ConfigError, match="link_type"):
        LinkageSettings(link_type="everything")  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="thresholds"):
        LinkageSettings(match_threshold=0.4, review_threshold=0.6)


def test_link_refuses_too_few_records() -> None:
    with pytest.raises(InvalidInputError, match="at least two records"):
        link(generate(1, seed=1))


def test_link_only_needs_two_agencies() -> None:
    with pytest.raises(InvalidInputError, match="at least two agencies"):
        link(generate(500, seed=1, agencies=("police",)), LinkageSettings(link_type="link_only"))


def test_cli_generate_link_evaluate(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = tmp_path / "data"
    assert (
        main(
            ["generate", "--records", "3000", "--seed", "3", "--out", str(data), "--format", "csv"]
        )
        == 0
    )
    assert (
        main(
            [
                "link",
                "--quiet",
                "--mappings",
                str(data / "mappings.toml"),
                "--out",
                str(tmp_path / "run"),
            ]
        )
        == 0
    )
    assert "linked 3,000 records" in capsys.readouterr().out
    assert (
        main(
            ["evaluate", "--mappings", str(data / "mappings.toml"), "--run", str(tmp_path / "run")]
        )
        == 0
    )
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["pairwise"]["f1"] > 0.9


def test_cli_reports_bad_input_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "m.toml").write_text('[agency.x]\nrecord_id = "id"\n')
    (tmp_path / "x.csv").write_text("id,name\n1,a\n1,b\n")
    code = main(["link", "--mappings", str(tmp_path / "m.toml"), "--out", str(tmp_path / "o")])
    assert code == 2
    err = capsys.readouterr().err
    assert "x.csv" in err
    assert "appears more than once" in err
    assert not (tmp_path / "o").exists()


def test_labelled_training_uses_the_truth_column(synthetic: pl.DataFrame) -> None:
    result = link(synthetic, LinkageSettings(training="labelled"))
    assert "labelled" in result.model.training_stats
    assert result.summary["metrics"]["pairwise_at_threshold"]["f1"] >= 0.975


def test_labelled_training_without_truth_is_refused(synthetic: pl.DataFrame) -> None:
    with pytest.raises(ConfigError, match="truth column"):
        link(synthetic.drop("true_person_id"), LinkageSettings(training="labelled"))


def test_review_lists_each_pair_once_with_its_reason(synthetic_result: LinkageResult) -> None:
    review = synthetic_result.review
    keys = review.select("agency_l", "record_id_l", "agency_r", "record_id_r")
    assert not keys.is_duplicated().any()
    assert set(review["reason"].unique()) >= {"review_band", "household_only"}
    held = review.filter(pl.col("reason") == "household_only")["match_probability"]
    assert (held >= 0.9).all()
