from __future__ import annotations

import threading

from linkage.rwlock import ReadWriteLock


def test_readers_share_and_a_writer_waits_for_them() -> None:
    lock = ReadWriteLock()
    inside = threading.Event()
    release = threading.Event()
    wrote = threading.Event()

    def reader() -> None:
        with lock.read():
            inside.set()
            release.wait(10)

    def writer() -> None:
        with lock:
            wrote.set()

    r = threading.Thread(target=reader)
    r.start()
    assert inside.wait(10)
    with lock.read():  # a second reader gets in beside the first
        pass
    w = threading.Thread(target=writer)
    w.start()
    assert not wrote.wait(0.05)  # the writer is held while a reader is inside
    release.set()
    r.join(10)
    w.join(10)
    assert wrote.is_set()


def test_writer_reenters_and_may_read() -> None:
    lock = ReadWriteLock()
    with lock, lock, lock.read():
        pass
    with lock.read():  # released completely
        pass
