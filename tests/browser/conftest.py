"""The browser tier: a real ``askhist serve`` driven by Chromium. Its fixtures
are in tests/conftest.py (shared with the integration tier); the helpers are
re-exported for the tests' ``from .conftest import ...``."""

from ..conftest import ROOT, SEEDS, stop_process

__all__ = ["ROOT", "SEEDS", "stop_process"]
