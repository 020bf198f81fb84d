"""`linkage audit verify` and `linkage audit query`."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from linkage.audit import AuditEvent, AuditLog
from server.cli import main


@pytest.fixture
def log_path(tmp_path: Path) -> Path:
    path = tmp_path / "audit.sqlite"
    log = AuditLog(path)
    for i, (principal, person) in enumerate([("cip", "P1"), ("police", "P2"), ("cip", "P2")]):
        log.append(
            AuditEvent(principal, f"prac{i}", "fv_risk_assessment", "Resolve", "OK", (person,))
        )
    log.close()
    return path


def test_verify_intact_then_tampered(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", "--log", str(log_path)]) == 0
    assert "3 entries, intact" in capsys.readouterr().out
    with sqlite3.connect(log_path) as conn:
        conn.execute("UPDATE audit SET practitioner = 'someone else' WHERE seq = 2")
    assert main(["audit", "verify", "--log", str(log_path)]) == 1
    out = capsys.readouterr().out
    assert "entry 2: edited" in out
    assert "TAMPERED" in out


def test_query_filters(log_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "query", "--log", str(log_path), "--person", "P2"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["seq"], r["principal"]) for r in rows] == [(2, "police"), (3, "cip")]
    assert main(["audit", "query", "--log", str(log_path), "--principal", "cip",
                 "--since", "2000-01-01T00:00:00"]) == 0  # fmt: skip
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["seq"] for r in rows] == [1, 3]


def test_missing_log_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", "--log", str(tmp_path / "nope.sqlite")]) == 2
    assert "no audit log" in capsys.readouterr().err
