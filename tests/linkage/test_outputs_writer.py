"""The CLI's output writer: frames handed over during the run, all moved in at the end."""

from __future__ import annotations

import threading
from pathlib import Path

import polars as pl
import pytest

from linkage import _late_phases
from linkage.generate import generate
from linkage.model._lookup import _SMALL
from linkage.outputs import FRAMES, OUTPUT_FILES, OutputWriter
from linkage.pipeline import LinkageResult, link


@pytest.fixture(scope="module")
def handed_over() -> tuple[LinkageResult, dict[str, pl.DataFrame]]:
    frames: dict[str, pl.DataFrame] = {}
    lock = threading.Lock()

    def keep(name: str, frame: pl.DataFrame) -> None:
        with lock:
            assert name not in frames
            frames[name] = frame

    return link(generate(10_000, seed=3), on_frame=keep), frames


def test_link_hands_over_every_frame_it_returns(
    handed_over: tuple[LinkageResult, dict[str, pl.DataFrame]],
) -> None:
    result, frames = handed_over
    assert sorted(frames) == sorted(FRAMES)
    for name in FRAMES:
        assert frames[name].equals(getattr(result, name))


def test_writer_moves_all_files_in_at_finish(
    handed_over: tuple[LinkageResult, dict[str, pl.DataFrame]], tmp_path: Path
) -> None:
    result, _ = handed_over
    out = tmp_path / "run"
    with OutputWriter(out) as writer:
        writer.submit("pairs", result.pairs)
        assert not (out / "pairs.parquet").exists()
        writer.finish(result)
    assert sorted(p.name for p in out.iterdir()) == sorted(OUTPUT_FILES)
    assert pl.read_parquet(out / "pairs.parquet").equals(result.pairs)
    assert pl.read_parquet(out / "clusters.parquet").equals(result.clusters)


def test_writer_left_without_finishing_leaves_no_files(
    handed_over: tuple[LinkageResult, dict[str, pl.DataFrame]], tmp_path: Path
) -> None:
    result, _ = handed_over
    out = tmp_path / "run"

    def failed_run() -> None:
        with OutputWriter(out) as writer:
            writer.submit("pairs", result.pairs)
            raise RuntimeError("run failed")

    with pytest.raises(RuntimeError, match="run failed"):
        failed_run()
    assert list(out.iterdir()) == []


def test_writer_refuses_unknown_and_repeated_frames(tmp_path: Path) -> None:
    frame = pl.DataFrame({"a": [1]})
    with OutputWriter(tmp_path / "run") as writer:
        writer.submit("review", frame)
        with pytest.raises(ValueError, match="repeated"):
            writer.submit("review", frame)
        with pytest.raises(ValueError, match="unexpected"):
            writer.submit("other", frame)


def test_scoring_in_halves_gives_the_same_run(
    handed_over: tuple[LinkageResult, dict[str, pl.DataFrame]], monkeypatch: pytest.MonkeyPatch
) -> None:
    result, _ = handed_over
    # halves of at least lookup_sum's row count for its pairwise tables (as at 1M)
    assert result.summary["candidate_pairs"] >= 2 * _SMALL
    monkeypatch.setattr(_late_phases, "SPLIT_PAIRS", 2 * _SMALL)
    halves = link(generate(10_000, seed=3))
    for name in FRAMES:
        assert getattr(halves, name).equals(getattr(result, name))
    assert halves.summary["metrics"] == result.summary["metrics"]
