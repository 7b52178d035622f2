"""Retrieval: BM25 and dense search over passages, fused into one ranking.

Two fusion methods are offered because the evaluation compares them
(``askhist eval`` runs the ablation): reciprocal rank fusion, which needs no
score calibration, and a weighted sum of min-max normalised scores.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .index import Index
from .index.search import BACKENDS, DENSE_DECIMALS, EmbeddedSearch, SearchBackend, SparseQuery
from .timing import Timings, stopwatch

FUSION_METHODS = ("rrf", "weighted", "bm25", "dense")
# Up to this many sentences, dense search scans every sentence vector (~5 ms
# for 50k on one core). Larger collections score only the sentences of the
# SENTENCE_SCAN_PASSAGES x depth passages nearest to the question: a full
# scan of 360k sentences (100k passages) took 65-140 ms per question.
EXACT_SENTENCE_SCAN_MAX = 50_000
SENTENCE_SCAN_PASSAGES = 4
# A follow-up's previous question counts this much relative to the new one.
CONTEXT_WEIGHT = 0.5
@dataclass(frozen=True)
class Query:
    """What retrieval searches for: the question (a follow-up as resolved by
    :mod:`askhist.conversation`), plus the earlier text it leans on ("" when
    it stands alone)."""

    text: str
    context: str = ""


@dataclass(frozen=True)
class RetrievalSettings:
    """Chosen on the dev part of the evaluation set (see README, Retrieval)."""

    fusion: str = "weighted"
    depth: int = 50  # candidates taken from each retriever before fusion
    rrf_k: int = 60
    alpha: float = 0.7  # weight of dense scores in weighted fusion
    correct_spelling: bool = True
    sentence_dense: bool = True  # passages also score by their best sentence's cosine
    backend: str = "embedded"  # where passages are searched: "embedded" (the index's files) or "milvus"
    milvus_uri: str = ""  # Milvus Lite file or http://host:19530 ("" : $ASKHIST_MILVUS_URI)


@dataclass(frozen=True)
class Hit:
    """A retrieved passage with its fused score and per-retriever ranks."""

    passage: int
    score: float
    bm25_rank: int | None = None
    dense_rank: int | None = None


def top_positive(scores: np.ndarray, depth: int) -> np.ndarray:
    """Indices of the ``depth`` highest positive scores, best first."""
    positive = np.flatnonzero(scores > 0)
    if len(positive) > depth:
        positive = positive[np.argpartition(-scores[positive], depth - 1)[:depth]]
    return positive[np.argsort(-scores[positive], kind="stable")]


def minmax(values: np.ndarray) -> np.ndarray:
    """Scores rescaled to [0, 1]; all ones when they are all equal."""
    if not len(values):
        return values
    low, high = float(values.min()), float(values.max())
    return np.ones_like(values) if high - low < 1e-9 else (values - low) / (high - low)


def fuse_rrf(rankings: Sequence[Sequence[int]], k: int) -> dict[int, float]:
    """Reciprocal rank fusion: each ranking (passage ids, best first) adds
    1 / (k + rank) to its passages, rank counting from 1."""
    fused: dict[int, float] = {}
    for ranking in rankings:
        for r, p in enumerate(ranking):
            fused[int(p)] = fused.get(int(p), 0.0) + 1.0 / (k + r + 1)
    return fused


def fuse_weighted(
    candidates: np.ndarray, dense_scores: np.ndarray, bm25_scores: np.ndarray, alpha: float
) -> dict[int, float]:
    """Weighted fusion: ``alpha`` x min-max normalised dense score plus
    ``1 - alpha`` x normalised BM25 score, both over the same candidates."""
    combined = alpha * minmax(dense_scores) + (1 - alpha) * minmax(bm25_scores)
    return {int(p): float(v) for p, v in zip(candidates, combined)}


def best_first(fused: dict[int, float]) -> list[tuple[int, float]]:
    """(passage, score) by descending score; ties go to the earlier passage."""
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def open_backend(index: Index, backend: str = "embedded", milvus_uri: str = "") -> SearchBackend:
    """The search backend a setting names, for a loaded index. Milvus (an
    optional extra) is imported only when it is chosen."""
    if backend == "embedded":
        return EmbeddedSearch(index)
    if backend == "milvus":
        from .index.milvus import MilvusSearch

        return MilvusSearch.open(index, milvus_uri)
    raise ValueError(f"unknown search backend {backend!r}; choose from {', '.join(BACKENDS)}")


class Retriever:
    """Searches one loaded index with one encoder."""

    def __init__(self, index: Index, encoder, settings: RetrievalSettings = RetrievalSettings()) -> None:
        if settings.fusion not in FUSION_METHODS:
            raise ValueError(f"unknown fusion {settings.fusion!r}; choose from {', '.join(FUSION_METHODS)}")
        self.index = index
        self.encoder = encoder
        self.settings = settings
        self.backend: SearchBackend = open_backend(index, settings.backend, settings.milvus_uri)

    def query_tokens(self, text: str) -> list[str]:
        tokens = self.index.tokens(text)
        if self.settings.correct_spelling:
            tokens = self.index.bm25.correct_spelling(tokens)
        return tokens

    def query_vector(self, query: Query) -> np.ndarray:
        """Unit vector for a query; a follow-up leans towards its context."""
        texts = [query.text] + ([query.context] if query.context else [])
        vectors = self.encoder.encode(texts)
        vector = vectors[0] + (CONTEXT_WEIGHT * vectors[1] if query.context else 0)
        return (vector / max(np.linalg.norm(vector), 1e-9)).astype(np.float32)

    def sparse_query(self, query: Query) -> SparseQuery:
        """The BM25 query: each known word's count, a follow-up's context
        words counting CONTEXT_WEIGHT each (BM25 is linear in these)."""
        vocabulary = self.index.bm25.vocabulary
        factors: SparseQuery = {}
        for text, weight in ((query.text, 1.0), (query.context, CONTEXT_WEIGHT)):
            for token in self.query_tokens(text) if text else []:
                row = vocabulary.get(token)
                if row is not None:
                    factors[row] = factors.get(row, 0.0) + weight
        return factors

    def dense_search(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        """(passage ids, scores) of the nearest passages, best first.

        A passage scores the higher of its own cosine and its best sentence's:
        a long passage with one sentence that answers the question is not
        diluted by its neighbours (the sentence vectors exist anyway, for
        answer selection).
        """
        index, backend = self.index, self.backend
        depth = min(depth, len(index.passages))
        if depth <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        exact = (
            not self.settings.sentence_dense
            or backend.exact_sentences
            or len(index.sentences) <= EXACT_SENTENCE_SCAN_MAX
        )
        wide = depth if exact else min(SENTENCE_SCAN_PASSAGES * depth, len(index.passages))
        ids, scores = backend.dense_passages(vector, wide)
        best: dict[int, float] = {int(p): float(v) for p, v in zip(ids[:depth], scores[:depth])}
        if not self.settings.sentence_dense:
            return np.array(list(best), dtype=np.int64), np.array(list(best.values()), dtype=np.float32)
        # Exact: every sentence; else only the sentences of the passages nearest to the question.
        sids, sentence_scores = backend.dense_sentences(vector, depth, None if exact else ids)
        for sid, score in zip(sids.tolist(), sentence_scores.tolist()):
            passage = int(index.sentence_passage[sid])
            best[passage] = max(best.get(passage, -1.0), score)
        ranked = sorted(best.items(), key=lambda item: (-round(item[1], DENSE_DECIMALS), item[0]))[:depth]
        return (
            np.array([p for p, _ in ranked], dtype=np.int64),
            np.array([v for _, v in ranked], dtype=np.float32),
        )

    def search(
        self, query: Query, k: int = 10, vector: np.ndarray | None = None, timings: Timings | None = None
    ) -> list[Hit]:
        """The k best passages for a query, fused as the settings say.

        ``timings``, if given, gets the seconds of query_encoding (unless
        ``vector`` is given), bm25, dense_search and fusion added in.
        """
        s = self.settings
        method = s.fusion
        sparse = self.sparse_query(query) if method != "dense" else {}
        with stopwatch(timings, "bm25"):
            bm25_ids, bm25_scores = self.backend.bm25(sparse, s.depth) if sparse else (np.zeros(0, np.int64), None)
        if method != "bm25":
            if vector is None:
                with stopwatch(timings, "query_encoding"):
                    vector = self.query_vector(query)
            with stopwatch(timings, "dense_search"):
                dense_ids, dense_scores = self.dense_search(vector, s.depth)
        else:
            dense_ids, dense_scores = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        with stopwatch(timings, "fusion"):
            return self._fuse(sparse, bm25_ids, bm25_scores, dense_ids, dense_scores, vector, k)

    def _fuse(
        self,
        sparse: SparseQuery,
        bm25_ids: np.ndarray,
        bm25_scores: np.ndarray | None,
        dense_ids: np.ndarray,
        dense_scores: np.ndarray,
        vector: np.ndarray | None,
        k: int,
    ) -> list[Hit]:
        """The k best of both rankings, fused as the settings say."""
        s = self.settings
        method = s.fusion
        bm25_rank = {int(p): r for r, p in enumerate(bm25_ids)}
        dense_rank = {int(p): r for r, p in enumerate(dense_ids)}

        if method == "bm25":
            fused = {int(p): float(v) for p, v in zip(bm25_ids, bm25_scores)} if bm25_scores is not None else {}
        elif method == "dense":
            fused = {int(p): float(v) for p, v in zip(dense_ids, dense_scores)}
        elif method == "rrf":
            fused = fuse_rrf([bm25_ids, dense_ids], s.rrf_k)
        else:  # weighted: both scores exist for every candidate, so normalise over the union
            candidates = np.array(sorted(set(bm25_rank) | set(dense_rank)), dtype=np.int64)
            if not len(candidates):
                return []
            dense_known = dict(zip(dense_rank, dense_scores.tolist()))
            missing = [p for p in candidates if p not in dense_known]
            dense_known.update(zip(missing, self.backend.dense_for(vector, np.array(missing)).tolist()))
            dense_all = np.array([dense_known[int(p)] for p in candidates], dtype=np.float32)
            bm25_known = dict(zip(bm25_rank, bm25_scores.tolist())) if bm25_scores is not None else {}
            unscored = np.array([p for p in candidates if p not in bm25_known], dtype=np.int64)
            if sparse and len(unscored):
                bm25_known.update(zip(unscored.tolist(), self.backend.bm25_for(sparse, unscored).tolist()))
            bm25_all = np.array([bm25_known.get(int(p), 0.0) for p in candidates], dtype=np.float32)
            fused = fuse_weighted(candidates, dense_all, bm25_all, s.alpha)

        return [Hit(p, score, bm25_rank.get(p), dense_rank.get(p)) for p, score in best_first(fused)[:k]]
