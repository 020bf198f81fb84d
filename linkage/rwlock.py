"""A readers-writer lock: many readers at once, one writer, writers preferred.

Resolve only reads the index, so it takes the read side for the few lines
that gather candidates and rank identities, and scores outside any lock.
Writers (upserts, deletes, loads) take the write side only for the
in-memory change. The writing thread may re-enter the write side and may
take the read side while writing; a reader must not take the write side.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager


class ReadWriteLock:
    """Shared (read) and exclusive (write) locking; ``with lock:`` is the write side."""

    def __init__(self) -> None:
        self._cond = threading.Condition(threading.Lock())
        self._readers = 0
        self._writer: int | None = None
        self._depth = 0
        self._waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        """Hold the read side (immediately when this thread holds the write side)."""
        if self._writer == threading.get_ident():
            yield
            return
        with self._cond:
            while self._writer is not None or self._waiting:
                self._cond.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._cond:
                self._readers -= 1
                if not self._readers:
                    self._cond.notify_all()

    def acquire(self) -> None:
        """Take the write side (re-entrant for the holding thread)."""
        me = threading.get_ident()
        with self._cond:
            if self._writer == me:
                self._depth += 1
                return
            self._waiting += 1
            try:
                while self._writer is not None or self._readers:
                    self._cond.wait()
            finally:
                self._waiting -= 1
            self._writer, self._depth = me, 1

    def release(self) -> None:
        """Release the write side once."""
        with self._cond:
            if self._writer != threading.get_ident():
                msg = "release of a write lock this thread does not hold"
                raise RuntimeError(msg)
            self._depth -= 1
            if not self._depth:
                self._writer = None
                self._cond.notify_all()

    def __enter__(self) -> None:
        self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
