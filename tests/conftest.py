"""Fixtures of the integration and browser tiers: the real model and a real
index of the seed essays, built once per test session (the model loads in a
few seconds). The unit tier (tests/unit) never asks for them."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent  # the repository
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="session", autouse=True)
def private_index_root(tmp_path_factory):
    """Indexes made by a command run without ``--index`` go to a temporary
    folder (``ASKHIST_INDEX_ROOT``, inherited by the CLI's subprocesses),
    never the checkout's ``indexes/``. No test reads the checkout's ``data/``:
    uploads are only read with ``serve`` or an explicit ``--data``
    (``test_collections.py``)."""
    root = tmp_path_factory.mktemp("indexes")
    before = os.environ.get("ASKHIST_INDEX_ROOT")
    os.environ["ASKHIST_INDEX_ROOT"] = str(root)
    yield root
    if before is None:
        os.environ.pop("ASKHIST_INDEX_ROOT", None)
    else:
        os.environ["ASKHIST_INDEX_ROOT"] = before


@pytest.fixture(scope="session")
def encoder():
    from askhist.embedding import Encoder

    return Encoder.load()


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory, encoder) -> Path:
    """A built index of the seeds in a temporary folder (never the repo's index/)."""
    from askhist.documents import load_documents
    from askhist.index import build_index

    directory = tmp_path_factory.mktemp("seed-index")
    build_index(load_documents(SEEDS), encoder, directory)
    return directory


@pytest.fixture(scope="session")
def assistant(seed_index_dir, encoder):
    from askhist import Assistant
    from askhist.index import load_index

    return Assistant(load_index(seed_index_dir), encoder, [SEEDS])


@pytest.fixture(scope="session")
def reading_assistant(assistant):
    """The shipped system: the same index and model with the default reader."""
    from askhist import Assistant
    from askhist.reader import Reader

    return Assistant(assistant.index, assistant.encoder, assistant.doc_dirs, assistant.settings, reader=Reader.load())


@pytest.fixture
def seeds_copy(tmp_path) -> Path:
    """A writable copy of the seed folder."""
    target = tmp_path / "docs"
    shutil.copytree(SEEDS, target)
    return target


def stop_process(process: subprocess.Popen, timeout: float = 15) -> None:
    """Stop a server started by a test: politely, then by force."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
