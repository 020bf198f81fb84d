"""Accuracy parity of the real-time index with the batch clustering.

Link a whole synthetic data set in batch; build the index from the batch
clusters of all but a held-back slice; resolve each held-back record and
check that its best identity in the match band is the batch cluster it was
put in (or, when its batch cluster has no other record in the index, that no
identity is in the match band).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from linkage.bootstrap import bootstrap
from linkage.generate import generate
from linkage.pipeline import link
from linkage.resolver import MasterPersonIndex
from linkage.store import Store


@dataclass(frozen=True)
class Parity:
    """How many held-back records resolved to their batch identity."""

    held_back: int
    agreed: int

    @property
    def rate(self) -> float:
        return self.agreed / max(self.held_back, 1)


def parity(records: int, *, seed: int = 7, held_back: float = 0.01) -> Parity:
    """Batch-versus-real-time agreement on a generated data set (see the module docstring)."""
    from linkage.model_scorer import ModelScorer

    frame = generate(records, seed=seed).drop("true_person_id", strict=False)
    result = link(frame)
    with tempfile.TemporaryDirectory() as tmp:
        result.model.to_json(Path(tmp) / "model.json")
        scorer = ModelScorer.from_json(Path(tmp) / "model.json")
        mpi = MasterPersonIndex(Store(Path(tmp) / "mpi.sqlite", synchronous="NORMAL"), scorer)
        rng = np.random.default_rng(seed)
        test = np.zeros(frame.height, dtype=bool)
        test[rng.choice(frame.height, max(1, int(frame.height * held_back)), replace=False)] = True
        mask = pl.Series(test)
        bootstrap(mpi, frame.filter(~mask), result.clusters)
        clusters = result.clusters.select("agency", "record_id", "person_id")
        indexed = set(clusters.join(frame.filter(~mask), on=["agency", "record_id"])["person_id"])
        expected = frame.filter(mask).join(clusters, on=["agency", "record_id"], how="left")
        agreed = 0
        for row in expected.iter_rows(named=True):
            person = row.pop("person_id")
            query = {k: v for k, v in row.items() if k not in ("agency", "record_id") and v}
            matches = mpi.resolve(query, max_results=1) if query else []
            found = matches[0].person_id if matches and matches[0].band == "match" else None
            agreed += found == (person if person in indexed else None)
        mpi.store.close()
    return Parity(expected.height, agreed)
