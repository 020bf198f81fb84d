"""Hypothesis settings shared by every test.

Locally each run explores new examples (and replays failures from the
.hypothesis database). Under CI (``CI`` set) the examples are derived from the
test itself, so a landing never depends on a lucky draw; run locally to explore.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
