"""What every front end shares: errors, logging, the progress bar, loading
the assistant from command-line arguments, and process-wide set-up.

The command line, the web app and the evaluation import this module; nothing
imports ``cli``. It stays light (no NumPy at import) so that ``askhist
--help`` starts fast.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
from collections.abc import Sequence
from pathlib import Path

# One list of each, shown by the web app and used to warm it up.
EXAMPLE_QUESTIONS = (
    "Why did Trotsky lose the power struggle?",
    "How did being General Secretary help Stalin?",
    "What was the Lenin Enrolment?",
    "What happened at Lenin's funeral?",
)
EXAMPLE_CLAIMS = (
    "Stalin became General Secretary in 1922",
    "Stalin became General Secretary in 1925",
    "Trotsky missed Lenin's funeral",
    "Lenin died in 1922",  # one source says 1922, another 1924: a contradicted claim
)


class CliError(Exception):
    """An expected failure of a command: printed as one line, exit code 1."""


def log(message: str) -> None:
    """A ``LogFn`` that writes one line to stderr."""
    print(message, file=sys.stderr, flush=True)


class ProgressBar:
    """A one-line progress display on stderr for index builds (a ``ProgressFn``)."""

    def __init__(self) -> None:
        self._last = -1

    def __call__(self, stage: str, done: int, total: int) -> None:
        percent = int(100 * done / max(total, 1))
        if percent == self._last:
            return
        self._last = percent
        bar = "#" * (percent // 4)
        end = "\n" if done >= total else ""
        print(f"\r{stage}: [{bar:<25}] {percent:3d}% ({done}/{total})", end=end, file=sys.stderr, flush=True)


def configure_process(model: str | None = None) -> None:
    """Process-wide settings, made once by an entry point (never by library code).

    - No hub requests for a local model: there may be no network.
    - NumPy's BLAS on one thread: the query encoder's matrices are small, and
      with two threads on a busy machine OpenBLAS spent 10x longer waiting
      than computing. Concurrent questions run in parallel across requests.
    - FAISS searches on one thread: with an OpenMP team per search, a busy
      2-core machine searched 100k passages in 75 ms instead of 30 ms.
    """
    try:
        from .embedding import ModelError, default_model

        local = Path(model or default_model()).exists()
    except ModelError:
        local = False
    if local:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import faiss
    import numpy  # noqa: F401  (loaded first: threadpoolctl limits the libraries already loaded)

    faiss.omp_set_num_threads(1)
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # comes with sentence-transformers (via scikit-learn)
        return
    threadpool_limits(limits=1, user_api="blas")


def load_assistant(args: argparse.Namespace, extra_dirs: Sequence[Path] = ()):
    """The assistant for a command's ``--docs``, ``--index``, ``--model`` and
    ``--data``, logging and showing build progress on stderr."""
    from .assistant import Assistant

    # The same collection as `askhist serve`: otherwise the two would keep
    # rebuilding the shared index with and without the uploaded documents.
    if getattr(args, "data", None):
        extra_dirs = [Path(args.data) / "uploads", *extra_dirs]
    return Assistant.load(
        docs=[Path(args.docs), *extra_dirs],
        index_dir=Path(args.index),
        model=args.model,
        log=log,
        progress=ProgressBar(),
    )


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0-100), linear between closest ranks."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)
