"""Writing a run's outputs so that a failed run leaves no half-written files.

Everything is written into a temporary folder beside the destination and
moved into place only when all of it has been written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from linkage.pipeline import LinkageResult

OUTPUT_FILES = (
    "pairs.parquet",
    "clusters.parquet",
    "review.parquet",
    "merges.parquet",
    "model.json",
    "summary.json",
)


def write_outputs(result: LinkageResult, out_dir: str | Path) -> Path:
    """Write pairs, clusters, review, merges, model and summary into `out_dir`.

    Returns:
        The output folder.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".linkage-", dir=out_dir))
    try:
        result.pairs.write_parquet(staging / "pairs.parquet")
        result.clusters.write_parquet(staging / "clusters.parquet")
        result.review.write_parquet(staging / "review.parquet")
        result.merges.write_parquet(staging / "merges.parquet")
        result.model.to_json(staging / "model.json")
        write_json(staging / "summary.json", result.summary)
        # summary.json moves last: its presence means the run completed.
        for name in OUTPUT_FILES:
            os.replace(staging / name, out_dir / name)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return out_dir


def write_json(path: Path, payload: dict[str, Any]) -> None:
    """Write JSON with sorted keys, converting numpy scalars."""
    path.write_text(json.dumps(payload, indent=2, sort_keys=True, default=_plain) + "\n")


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
