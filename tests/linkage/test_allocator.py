"""Allocator settings for batch runs."""

from __future__ import annotations

import os
import sys

import pytest

from linkage import _allocator


def test_jemalloc_setting_keeps_an_explicit_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("_RJEM_MALLOC_CONF", "dirty_decay_ms:0")
    _allocator.configure_jemalloc()
    assert os.environ["_RJEM_MALLOC_CONF"] == "dirty_decay_ms:0"
    monkeypatch.delenv("_RJEM_MALLOC_CONF")
    _allocator.configure_jemalloc(["linkage", "serve"])
    assert os.environ["_RJEM_MALLOC_CONF"] == _allocator.JEMALLOC_CONF


def test_a_batch_link_run_also_shares_jemalloc_arenas(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("_RJEM_MALLOC_CONF", raising=False)
    _allocator.configure_jemalloc(["-m", "link", "--mappings", "m.toml"])
    conf = os.environ["_RJEM_MALLOC_CONF"]
    assert conf == _allocator.BATCH_JEMALLOC_CONF
    assert conf.startswith(_allocator.JEMALLOC_CONF + ",narenas:")


def test_arena_limit_applies_on_linux_only() -> None:
    assert _allocator.limit_malloc_arenas(8) is sys.platform.startswith("linux")


def test_mmap_threshold_applies_on_linux_only() -> None:
    assert _allocator.fix_mmap_threshold() is sys.platform.startswith("linux")
