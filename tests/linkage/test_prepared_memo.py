"""value_memo: the real-time kernels' by-value cache of derived keys."""

from __future__ import annotations

from typing import Any

from linkage.comparisons import _prepared
from linkage.comparisons._prepared import value_memo


def test_value_memo_builds_each_value_once_and_keeps_none(monkeypatch: Any) -> None:
    calls: list[Any] = []

    def build(value: Any) -> Any:
        calls.append(value)
        return None if value == "" else value.upper()

    monkeypatch.setattr(_prepared, "_MEMO_SIZE", 3)
    key = value_memo(build)
    assert [key("a"), key(""), key("a"), key("")] == ["A", None, "A", None]
    assert calls == ["a", ""]
    key("b")
    key("c")  # the cache was full: emptied, then filled again
    assert key("a") == "A"
    assert calls == ["a", "", "b", "c", "a"]
