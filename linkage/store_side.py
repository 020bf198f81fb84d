"""Side connections of a file store: a WAL checkpointer and a reader of committed data.

WAL mode lets them run beside the writer: the checkpointer copies committed pages into
the database while the next group is prepared, and the reader answers real-time reads
from the last commit while a bulk group holds the writer's connection.
"""

from __future__ import annotations

import sqlite3
import threading
from typing import Any


def _connect(path: str) -> sqlite3.Connection:
    return sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)


class CommittedReader:
    """Read-only queries on a connection of their own (they see committed data only)."""

    def __init__(self, path: str) -> None:
        self._conn = _connect(path)
        self._conn.execute("PRAGMA query_only=ON")
        self._lock = threading.Lock()

    def fetch(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def close(self) -> None:
        with self._lock:
            self._conn.close()


class WalCheckpointer:
    """Checkpoints a WAL database from its own thread and connection when woken."""

    def __init__(self, path: str) -> None:
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._wake = threading.Event()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="wal-checkpoint", daemon=True)
        self._thread.start()

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while True:
            self._wake.wait()
            self._wake.clear()
            if self._stopped:
                return
            try:  # PASSIVE: never blocks the writer; what is left waits for the next wake
                self._conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            except sqlite3.Error:  # busy or closing: the writer's autocheckpoint is the backstop
                continue

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()
        self._thread.join()
        self._conn.close()
