"""The two callback types the pipeline reports through, defined once.

A front end passes a ``LogFn`` for one-line messages and a ``ProgressFn`` for
long stages (an index build's encoding); library code only calls them.
"""

from __future__ import annotations

from collections.abc import Callable

LogFn = Callable[[str], None]
ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)
