"""The naive baseline: what askhist would be without its index-time work.

rank-bm25 ``get_scores`` over every passage, a flat FAISS index,
sentence-transformers (torch) for the question *and* for the candidate
sentences of every answer, no caches. Same passages, same fusion (RRF) and
the same sentence score formula as askhist; stages timed under askhist's
names so the table compares like with like.
"""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path

import numpy as np

from askhist.chunking import is_statement
from askhist.scoring import AnswerSettings
from askhist.text import tokenize
from askhist.timing import stopwatch

from .questions import load_questions
from .stats import peak_rss_mb, stage_summary, summary


class NaiveAssistant:
    """Answers from passages, sentences and passage vectors, working everything else out per question."""

    def __init__(self, passages, sentences, passage_vectors: np.ndarray, encoder) -> None:
        import faiss
        from rank_bm25 import BM25Okapi

        self.passages, self.sentences, self.encoder = passages, sentences, encoder
        self.bm25 = BM25Okapi([tokenize(p.text) or [""] for p in passages])
        self.dense = faiss.IndexFlatIP(passage_vectors.shape[1])
        self.dense.add(np.ascontiguousarray(passage_vectors, dtype=np.float32))

    def ask(self, question: str, timings: dict[str, float], depth: int = 50, k: int = 5) -> list[tuple[int, float]]:
        """The best 3 sentences of the top ``k`` passages, with their scores."""
        with stopwatch(timings, "query_encoding"):
            vector = self.encoder.encode([question])[0]
        with stopwatch(timings, "bm25"):
            tokens = tokenize(question)
            scores = self.bm25.get_scores(tokens)
            bm25_ids = [int(i) for i in np.argsort(-scores)[:depth] if scores[i] > 0]
        with stopwatch(timings, "dense_search"):
            _, ids = self.dense.search(vector.reshape(1, -1), depth)
        with stopwatch(timings, "fusion"):
            fused: dict[int, float] = defaultdict(float)
            for ranking in (bm25_ids, [int(i) for i in ids[0] if i >= 0]):
                for rank, p in enumerate(ranking):
                    fused[p] += 1.0 / (60 + rank + 1)
            top = sorted(fused, key=lambda p: (-fused[p], p))[:k]
        with stopwatch(timings, "answer_selection"):
            candidates = [
                sid
                for p in top
                for sid in range(self.passages[p].first_sentence, self.passages[p].last_sentence + 1)
                if is_statement(self.sentences[sid])
            ]
            if not candidates:
                return []
            texts = [self.sentences[s].text for s in candidates]
            dense = self.encoder.encode(texts) @ vector  # per question: no sentence vectors kept
            terms = set(tokens)
            lexical = np.array([len(terms & set(tokenize(t))) / max(len(terms), 1) for t in texts])
            s = AnswerSettings()
            combined = s.dense_weight * dense + s.lexical_weight * lexical
            order = np.argsort(-combined)[:3]
            return [(candidates[i], float(combined[i])) for i in order]

    def check(self, claim: str) -> int:
        """Every sentence of every source scored against the claim, encoded now."""
        vector = self.encoder.encode([claim])[0]
        vectors = self.encoder.encode([s.text for s in self.sentences], batch_size=64)
        return int(np.argmax(vectors @ vector))


def _stored_passages(index_dir: Path):
    """Passages, sentences and passage vectors of a built askhist index."""
    from askhist.index import load_index

    index = load_index(index_dir)
    vectors = index.passage_vectors.reconstruct_n(0, index.passage_vectors.ntotal)
    return index.passages, index.sentences, vectors


def task_baseline(a: dict) -> dict:
    """The naive pipeline over the same passages. With ``encode_passages``
    its build encodes every passage (no cache); otherwise it reuses the
    index's passage vectors (the scaling runs)."""
    from askhist.chunking import ChunkingParams
    from askhist.documents import load_documents
    from askhist.embedding import Encoder
    from askhist.index import chunk_documents

    started = time.perf_counter()
    encoder = Encoder.load(a.get("model"), fast=False)
    encoder.encode(["warm up"] * 9)
    model_seconds = time.perf_counter() - started
    build_started = time.perf_counter()
    if a.get("encode_passages"):
        sentences, passages = chunk_documents(load_documents(Path(a["docs"])), ChunkingParams())
        vectors = np.concatenate(
            [encoder.encode([p.text for p in passages[i : i + 64]]) for i in range(0, len(passages), 64)]
        )
    else:
        passages, sentences, vectors = _stored_passages(Path(a["index"]))
    naive = NaiveAssistant(passages, sentences, vectors, encoder)
    build_seconds = time.perf_counter() - build_started
    questions, claims, source = load_questions(a.get("qa"))
    questions = [q for q, _ in questions][: a.get("question_limit") or None]
    for question in questions[:3]:  # warm-up
        naive.ask(question, {})
    asks = []
    for _ in range(a["reps"]):
        for question in questions:
            timings: dict[str, float] = {}
            started = time.perf_counter()
            naive.ask(question, timings)
            asks.append({**timings, "total": time.perf_counter() - started})
    check_times = []
    for claim in claims[: a.get("check_limit", 0)]:
        started = time.perf_counter()
        naive.check(claim)
        check_times.append(time.perf_counter() - started)
    return {
        "questions_from": source,
        "passages": len(passages),
        "model_load_seconds": round(model_seconds, 3),
        "build_seconds": round(build_seconds, 3),
        "passages_encoded": len(passages) if a.get("encode_passages") else 0,
        "ask": summary([r["total"] for r in asks]),
        "ask_stages": stage_summary(asks),
        "check": summary(check_times),
        "peak_rss_mb": peak_rss_mb(),
    }


def task_baseline_cold(a: dict) -> dict:
    """Cold start of the naive pipeline: imports, model, BM25 statistics
    over the stored passages, one answer. The caller times the process."""
    from askhist.embedding import Encoder

    passages, sentences, vectors = _stored_passages(Path(a["index"]))
    naive = NaiveAssistant(passages, sentences, vectors, Encoder.load(a.get("model"), fast=False))
    naive.ask(a["question"], {})
    return {"peak_rss_mb": peak_rss_mb()}
