"""ModelScorer.score on prepared rows (the index's path) equals its generic scoring bit for bit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from linkage.comparisons._kernels import PreparedRows
from linkage.comparisons.realtime import python_values
from linkage.generate import generate
from linkage.index import Scores
from linkage.model_scorer import ModelScorer

MODEL = Path(__file__).parent / "data" / "realtime_model.json"


def _same(got: Scores, want: Scores) -> None:
    for name in ("weight", "probability", "field_weights", "levels"):
        g, w = getattr(got, name), getattr(want, name)
        assert g.dtype == w.dtype, name
        assert g.shape == w.shape, name
        assert np.ascontiguousarray(g).tobytes() == np.ascontiguousarray(w).tobytes(), name


@pytest.mark.parametrize("with_frequencies", [True, False])
def test_prepared_scores_equal_column_scores(with_frequencies: bool) -> None:
    scorer = ModelScorer.from_json(MODEL)
    frame = scorer.standardise(generate(300, seed=3).drop("true_person_id"))
    columns = [c for c in scorer.columns if c in frame.columns]
    if with_frequencies:
        scorer.refresh_frequencies(
            lambda c: {v: 0.01 for v in frame[c].drop_nulls().unique().to_list()}
        )
    store = PreparedRows(columns)
    store.extend(0, {c: python_values(frame[c]) for c in columns})
    rows = frame.to_dicts()
    rng = np.random.default_rng(7)
    for q in range(0, 300, 7):
        # candidates: some random rows, the query's own row (exact levels) and its neighbours
        picked = sorted({q, *(rng.integers(0, 300, 12).tolist()), min(q + 1, 299)})
        prepared = scorer.score(rows[q], store.gather(picked))
        plain = scorer.score(rows[q], {c: frame[c].to_numpy()[picked] for c in columns})
        _same(prepared, plain)
