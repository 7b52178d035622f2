"""Where a request spends its time, for whoever asks (the benchmark does).

``ask``, ``check`` and ``Retriever.search`` take an optional ``timings``
dict and add the seconds of each of their stages to it; without one nothing
is measured.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

Timings = dict[str, float]


@contextmanager
def stopwatch(timings: Timings | None, key: str) -> Iterator[None]:
    """Add the seconds spent in the ``with`` block to ``timings[key]`` (nothing when ``timings`` is None)."""
    if timings is None:
        yield
        return
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[key] = timings.get(key, 0.0) + time.perf_counter() - started
