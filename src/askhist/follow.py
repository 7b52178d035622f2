"""Following a collection shared by several app servers through Milvus.

Every app server keeps its own loaded index (text and offsets for citations)
and searches the shared Milvus collection. When one server adds an upload it
publishes a new collection version (``index.milvus``: the alias moves only
once the version is complete); the others notice the alias move within
``FOLLOW_INTERVAL`` seconds and refresh, re-reading the shared document
folders. A refresh that ends at the same version finds its collections
complete and writes nothing.
"""

from __future__ import annotations

import threading

from .assistant import Assistant
from .callbacks import LogFn

FOLLOW_INTERVAL = 2.0  # seconds between looks at the alias


def published_elsewhere(assistant: Assistant) -> str | None:
    """The index version the shared Milvus alias points at, when it is not
    the one this assistant answers from (None otherwise, and always for the
    embedded backend)."""
    settings = assistant.settings.retrieval
    if settings.backend != "milvus":
        return None
    from .index.milvus import index_version, published_version

    published = published_version(settings.milvus_uri)
    return published if published not in (None, index_version(assistant.index.manifest)) else None


def follow(
    assistant: Assistant, stop: threading.Event, interval: float = FOLLOW_INTERVAL, log: LogFn = lambda m: None
) -> threading.Thread:
    """Start a daemon thread that refreshes ``assistant`` whenever another
    server has published a new version, until ``stop`` is set."""

    def loop() -> None:
        followed = None  # refresh once per alias move: a server whose folders differ must not refresh forever
        while not stop.wait(interval):
            try:
                published = published_elsewhere(assistant)
                if published is not None and published != followed:
                    followed = published
                    reasons = assistant.refresh(log=log)
                    log(f"Followed a collection change from another server: {'; '.join(reasons) or 'no change here'}")
            except Exception as exc:  # keep following; the next look may succeed
                log(f"Could not follow the shared collection: {exc}")

    thread = threading.Thread(target=loop, name="askhist-follow", daemon=True)
    thread.start()
    return thread
