"""What the batch pipeline keeps alive: the raw frame is let go after standardising."""

from __future__ import annotations

import weakref
from typing import Any

import polars as pl
import pytest

from linkage import _batch_training, blocking, pipeline
from linkage._blocking_checks import SEX_AGREES
from linkage.generate import generate


def test_rule_columns_are_the_columns_the_rules_read() -> None:
    rules = (
        blocking.block_on("phone_std", checks=(SEX_AGREES,)),
        blocking.block_on(blocking.id_parts_keys("id_x_std"), blocking.locality_key()),
        blocking.block_on("given_root", sparse=blocking.dob_uncertain()),
    )
    assert blocking.rule_columns(rules) == {
        "phone_std",
        "sex_std",
        "id_x_std",
        "postcode_std",
        "suburb_std",
        "given_root",
        "dob_year",
        "dob_month",
        "dob_day",
    }


def test_link_lets_the_raw_frame_go_after_standardising(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    frames = [generate(2_000, seed=3)]
    raw = weakref.ref(frames[0])
    alive_when_blocking: list[bool] = []
    generate_pairs = blocking.generate_pairs

    def spy(*args: object, **kwargs: object) -> object:
        alive_when_blocking.append(raw() is not None)
        return generate_pairs(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(blocking, "generate_pairs", spy)
    result = pipeline.link(frames.pop())
    assert alive_when_blocking == [False]
    assert result.clusters.height == 2_000


def test_em_runs_after_the_standardised_columns_are_let_go(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[set[str]] = []

    def spy(std: pl.DataFrame, *args: Any) -> Any:
        seen.append(set(std.columns))
        return _batch_training.fit(std, *args)

    monkeypatch.setattr(pipeline, "fit", spy)
    pipeline.link(generate(2_000, seed=3))
    assert len(seen) == 1
    assert seen[0] <= {"agency", "record_id", "true_person_id", "id_agency_person_no"}
