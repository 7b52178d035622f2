"""Where retrieval searches: the boundary between askhist and a search engine.

A ``SearchBackend`` answers the four questions retrieval asks of a
collection: BM25 and dense search over passages, dense search over
sentences, and the scores of given passages. ``EmbeddedSearch`` answers them
from the loaded index's own files; ``index.milvus.MilvusSearch`` from a
Milvus collection holding the same weights and vectors. Both take the same
sparse query, so BM25 scores are askhist's own wherever they are computed.
Passages and sentences are numbered as in the loaded index, whose text and
offsets stay the one source of citations.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .model import Index

BACKENDS = ("embedded", "milvus")
MILVUS_URI_ENV = "ASKHIST_MILVUS_URI"

# A BM25 query: vocabulary row -> how many times it counts (a follow-up's
# context words count CONTEXT_WEIGHT each). BM25 is linear in these factors.
SparseQuery = dict[int, float]


class SearchBackend(Protocol):
    """Search over one loaded index's passages and sentences."""

    # True when dense sentence search always scans every sentence, so the
    # retriever need not restrict it to the passages nearest the question.
    exact_sentences: bool

    def bm25(self, query: SparseQuery, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores) of the ``depth`` best positive BM25 scores, best first."""

    def bm25_for(self, query: SparseQuery, passage_ids: np.ndarray) -> np.ndarray:
        """BM25 scores of the given passages (0 where no query word occurs)."""

    def dense_passages(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, inner products) of the ``depth`` nearest passages, best first."""

    def dense_for(self, vector: np.ndarray, passage_ids: np.ndarray) -> np.ndarray:
        """Inner products of the given passages' vectors with ``vector``."""

    def dense_sentences(
        self, vector: np.ndarray, depth: int, passage_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(sentence ids, inner products) of the ``depth`` nearest sentences
        with a positive score, best first; only those of ``passage_ids`` if given."""


# Cosines this close are a tie: FAISS, NumPy and Milvus sum float32 products
# in different orders, and a one-sentence passage has its sentence's vector.
DENSE_DECIMALS = 6
# Extra nearest neighbours fetched, so ties at the cut are broken by id.
TIE_MARGIN = 16


def best_first_ids(
    ids: np.ndarray, scores: np.ndarray, depth: int, decimals: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``depth`` best (id, score) pairs; ties (to ``decimals`` places, if
    given) go to the lower id, as in ``retrieval.top_positive``, so every
    backend breaks them alike."""
    key = scores if decimals is None else np.round(scores.astype(np.float64), decimals)
    order = np.lexsort((ids, -key))[:depth]
    return ids[order].astype(np.int64), scores[order].astype(np.float32)


def top_ids(
    ids: np.ndarray, scores: np.ndarray, depth: int, decimals: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``best_first_ids`` of many: a partial sort first, keeping every tie
    at the cut, so the lower id wins there too (duplicated sentences tie)."""
    if len(scores) > depth > 0:
        key = scores if decimals is None else np.round(scores.astype(np.float64), decimals)
        cut = np.partition(key, len(key) - depth)[len(key) - depth]
        keep = key >= cut
        ids, scores = ids[keep], scores[keep]
    return best_first_ids(ids, scores, depth, decimals)


class EmbeddedSearch:
    """Search in the loaded index's own files (SciPy BM25, FAISS, NumPy)."""

    exact_sentences = False

    def __init__(self, index: Index) -> None:
        self.index = index

    def _bm25_all(self, query: SparseQuery) -> np.ndarray:
        weights = self.index.bm25.weights
        if not query:
            return np.zeros(weights.shape[1], dtype=np.float32)
        rows = list(query)
        factors = np.asarray([query[r] for r in rows], dtype=np.float32)
        return np.asarray(weights[rows].T @ factors, dtype=np.float32).ravel()

    def bm25(self, query: SparseQuery, depth: int) -> tuple[np.ndarray, np.ndarray]:
        scores = self._bm25_all(query)
        positive = np.flatnonzero(scores > 0)
        return top_ids(positive, scores[positive], depth)

    def bm25_for(self, query: SparseQuery, passage_ids: np.ndarray) -> np.ndarray:
        return self._bm25_all(query)[np.asarray(passage_ids, dtype=np.int64)]

    def dense_passages(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        vectors = self.index.passage_vectors
        if min(depth, vectors.ntotal) <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        scores, ids = vectors.search(vector.reshape(1, -1), min(depth + TIE_MARGIN, vectors.ntotal))
        keep = ids[0] >= 0
        return best_first_ids(ids[0][keep], scores[0][keep], depth, DENSE_DECIMALS)

    def dense_for(self, vector: np.ndarray, passage_ids: np.ndarray) -> np.ndarray:
        if not len(passage_ids):
            return np.zeros(0, dtype=np.float32)
        vectors = np.stack([self.index.passage_vectors.reconstruct(int(p)) for p in passage_ids])
        return vectors @ vector

    def dense_sentences(
        self, vector: np.ndarray, depth: int, passage_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        index = self.index
        if passage_ids is None:
            sids = np.arange(len(index.sentences))
            scores = index.sentence_vectors @ vector
        else:
            sids = index.passage_sentence_ids(passage_ids)
            scores = index.sentence_vectors[sids].astype(np.float32) @ vector
        positive = np.flatnonzero(scores > 0)
        return top_ids(sids[positive], scores[positive], depth, DENSE_DECIMALS)
