"""Fixtures of the fast tier: a fake encoder and indexes built with it.

The fake encoder has the real Encoder's interface (``model``, ``identity``,
``dimension``, ``encode``) and gives each text a normalised hashed
bag-of-words vector: deterministic, instant, and similar for texts that
share words, which is all retrieval, answering and claim checking need to
run. No model is loaded in this tier.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from askhist.text import tokenize

ROOT = Path(__file__).resolve().parents[2]
SEEDS = ROOT / "seeds"


class FakeEncoder:
    """Hashing bag-of-words vectors with the interface of ``askhist.embedding.Encoder``."""

    model = "fake-hashing-encoder"
    identity = "fake-hashing-encoder"
    dimension = 256

    def encode(self, texts: Sequence[str], *, batch_size: int = 64, progress: bool = False) -> np.ndarray:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in tokenize(text):
                digest = hashlib.blake2b(word.encode("utf-8", "surrogatepass"), digest_size=8).digest()
                vectors[row, int.from_bytes(digest, "little") % self.dimension] += 1.0
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.maximum(norms, 1e-9)


def build_fake_assistant(docs: Path, index_dir: Path, settings=None):
    """An Assistant over ``docs`` whose index is built with the fake encoder."""
    from askhist.assistant import Assistant, Settings
    from askhist.documents import load_documents
    from askhist.index import build_index

    encoder = FakeEncoder()
    index = build_index(load_documents(docs), encoder, index_dir)
    return Assistant(index, encoder, [docs], settings or Settings())


def fake_assistant_over(files: dict[str, str], tmp_path_factory, name: str = "docs"):
    """An Assistant (fake encoder) over a folder holding ``files`` (name -> text)."""
    docs = tmp_path_factory.mktemp(name)
    for file_name, text in files.items():
        (docs / file_name).write_text(text, encoding="utf-8")
    return build_fake_assistant(docs, tmp_path_factory.mktemp(f"{name}-index"))


@pytest.fixture(scope="session")
def fake_encoder() -> FakeEncoder:
    return FakeEncoder()


@pytest.fixture(scope="session")
def fake_assistant(tmp_path_factory):
    """The seed essays, indexed with the fake encoder (well under a second)."""
    return build_fake_assistant(SEEDS, tmp_path_factory.mktemp("fake-index"))
