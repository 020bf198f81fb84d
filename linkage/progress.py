"""Progress reporting for long work: one line per phase, with its time."""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

Reporter = Callable[[str], None]


class PhaseTimer:
    """Times named phases and reports each one as it starts and ends."""

    def __init__(self, phases: int, report: Reporter | None = None) -> None:
        self.timings: dict[str, float] = {}
        self.peak_rss_mib: dict[str, int] = {}
        self.notes: dict[str, str] = {}
        self._phases = phases
        self._report = report

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """Time the body as phase `name`; a note set inside is reported with it."""
        number = len(self.timings) + 1
        if self._report:
            self._report(f"[{number}/{self._phases}] {name} ...")
        start = time.perf_counter()
        yield
        elapsed = time.perf_counter() - start
        self.timings[name] = round(elapsed, 3)
        self.peak_rss_mib[name] = peak_rss_mib()
        if self._report:
            note = self.notes.get(name, "")
            self._report(
                f"[{number}/{self._phases}] {name} done in {elapsed:.2f} s {note}".rstrip()
            )

    def note(self, name: str, text: str) -> None:
        """Attach a short result (e.g. a count) to a phase's report line."""
        self.notes[name] = text


def peak_rss_mib() -> int:
    """This process's peak resident memory so far, in MiB."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except OSError:  # not Linux: ru_maxrss is KiB on Linux, bytes on macOS
        pass
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss) // 1024


def stderr_reporter(stream: TextIO | None = None) -> Reporter:
    """A reporter that prints lines to stderr (or `stream`) and flushes."""

    def report(line: str) -> None:
        out = stream or sys.stderr
        print(line, file=out, flush=True)

    return report
