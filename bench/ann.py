"""An approximate FAISS index (HNSW) on a large index's passage vectors:
its speed and recall@10 against askhist's exact flat search, for real
questions. Measured, not used (see README, Performance)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from .questions import load_questions
from .stats import peak_rss_mb, summary


def task_ann(a: dict) -> dict:
    """An approximate FAISS index on a large index's passage vectors: its
    speed and recall@10 against the exact flat search, for real questions."""
    import faiss

    from askhist.embedding import Encoder
    from askhist.index import load_index

    index = load_index(Path(a["index"]))
    flat = index.passage_vectors
    vectors = flat.reconstruct_n(0, flat.ntotal)
    questions, _, _ = load_questions(a.get("qa"))
    encoder = Encoder.load(a.get("model"))
    queries = np.stack([encoder.encode([q])[0] for q, _ in questions])
    result: dict = {"passages": int(flat.ntotal)}

    def timed_search(searcher, k=10):
        times, found = [], []
        for q in queries:
            started = time.perf_counter()
            _, ids = searcher.search(q.reshape(1, -1), k)
            times.append(time.perf_counter() - started)
            found.append(ids[0])
        return summary(times), found

    faiss.omp_set_num_threads(1)  # as askhist searches (one thread per search)
    result["flat"], exact = timed_search(flat)
    faiss.omp_set_num_threads(os.cpu_count() or 1)  # building may use every core
    started = time.perf_counter()
    hnsw = faiss.IndexHNSWFlat(vectors.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
    hnsw.hnsw.efConstruction = 64
    hnsw.add(vectors)
    result["hnsw_build_seconds"] = round(time.perf_counter() - started, 3)
    result["hnsw_extra_mb"] = round((hnsw.hnsw.neighbors.size() * 4) / 2**20, 1)
    faiss.omp_set_num_threads(1)
    for ef in (32, 64, 128):
        hnsw.hnsw.efSearch = ef
        latency, found = timed_search(hnsw)
        recall = np.mean([len(set(e) & set(f)) / 10 for e, f in zip(exact, found)])
        result[f"hnsw_ef{ef}"] = {**latency, "recall_at_10": round(float(recall), 4)}
    result["peak_rss_mb"] = peak_rss_mb()
    return result
