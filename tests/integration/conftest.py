"""The integration tier: the real model. Its fixtures are in tests/conftest.py
(shared with the browser tier); the helpers are re-exported for the tests'
``from .conftest import ...``."""

from ..conftest import ROOT, SEEDS, stop_process

__all__ = ["ROOT", "SEEDS", "stop_process"]
