"""Slowing down guesses of the teacher key.

Anyone who can open the page can try teacher keys on "Add a document". The key
is compared in constant time (``uploads.check_teacher_key``), but nothing
stopped a student from trying thousands of them. After ``limit`` wrong keys
from one client (its address, as the server sees it) within ``window``
seconds, that client's attempts are refused, right key or not, until the
oldest of those wrong keys is ``window`` seconds old. Other clients, the
teacher's included, are not affected; in a class behind one address the
teacher waits out the window, or restarts the server, which forgets.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

WRONG_KEYS_ALLOWED = 5
WINDOW_SECONDS = 600.0
# Clients remembered at most; the ones with the oldest failures are forgotten first.
MAX_CLIENTS = 10_000


class KeyAttempts:
    """Wrong teacher keys per client, in a sliding window (thread-safe)."""

    def __init__(
        self,
        limit: int = WRONG_KEYS_ALLOWED,
        window: float = WINDOW_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("limit must be at least 1 and window positive")
        self.limit, self.window, self.clock, self.max_clients = limit, window, clock, max_clients
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, client: str, now: float) -> deque[float]:
        failures = self._failures.get(client, deque())
        while failures and failures[0] <= now - self.window:
            failures.popleft()
        if not failures:
            self._failures.pop(client, None)
        return failures

    def refusal(self, client: str) -> str | None:
        """Why this client may not try a key now, or None when it may."""
        with self._lock:
            now = self.clock()
            failures = self._recent(client, now)
            if len(failures) < self.limit:
                return None
            minutes = max(1, math.ceil((failures[0] + self.window - now) / 60))
            return (
                f"too many wrong teacher keys from this device; try again in {minutes} minute"
                f"{'s' if minutes != 1 else ''}; nothing was changed"
            )

    def failed(self, client: str) -> None:
        """Record a wrong key from ``client``."""
        with self._lock:
            now = self.clock()
            failures = self._recent(client, now)
            failures.append(now)
            self._failures[client] = failures
            if len(self._failures) > self.max_clients:
                oldest = min(self._failures, key=lambda c: self._failures[c][-1])
                del self._failures[oldest]

    def succeeded(self, client: str) -> None:
        """The right key: the client's earlier mistakes are forgiven."""
        with self._lock:
            self._failures.pop(client, None)
