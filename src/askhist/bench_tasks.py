"""The measurements of ``askhist bench``, each run in its own process.

``python -m askhist.bench_tasks TASK JSON`` runs one task and prints its
result as the last line of stdout (``BENCH-RESULT {...}``), so that peak
memory (``ru_maxrss``) and import costs belong to that task alone. Stage
timings come from wrapping the retriever's methods with ``perf_counter``
here: nothing in askhist's hot path is instrumented.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

RESULT_PREFIX = "BENCH-RESULT "

# Used when eval/qa.jsonl is missing: questions and claims on the seed essays.
FALLBACK_QUESTIONS = (
    "Why did Trotsky lose the power struggle?",
    "When did Stalin become General Secretary?",
    "What was the Lenin Enrolment?",
    "What happened at Lenin's funeral?",
    "How did being General Secretary help Stalin?",
    "What did Lenin's testament say about Stalin?",
    "Who were the members of the triumvirate?",
    "Why did Zinoviev and Kamenev ally with Stalin?",
    "What was the New Economic Policy?",
    "How did Stalin defeat Bukharin?",
    "What was socialism in one country?",
    "What was permanent revolution?",
    "Why was Trotsky distrusted by the party?",
    "How did Stalin use the party bureaucracy?",
    "When did Lenin die?",
    "Who was the Liaison Officer between the Politburo and Orgburo?",
    "What role did the Right Opposition play?",
    "Why did Trotsky miss Lenin's funeral?",
    "How did Stalin present himself as Lenin's heir?",
    "What was the United Opposition?",
    "When was Trotsky expelled from the party?",
    "What did Stalin do with collectivisation?",
    "How did the ban on factions help Stalin?",
    "Who was Bukharin?",
    "What did historians say about Stalin's rise?",
    "Was Stalin underestimated by his rivals?",
    "What was the Cult of Personality?",
    "How did Stalin control party appointments?",
    "What was the Politburo?",
    "Did Stalin read Lenin's testament?",
)
FALLBACK_CLAIMS = (
    "Stalin became General Secretary in 1922",
    "Stalin became General Secretary in 1925",
    "Trotsky missed Lenin's funeral",
    "Lenin died in 1924",
    "Stalin launched the Lenin Enrolment",
    "Bukharin supported the New Economic Policy",
)


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def rss_mb() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / 2**20, 1)


def summary(seconds: list[float]) -> dict:
    """p50/p95/mean in milliseconds."""
    if not seconds:
        return {"n": 0}
    ms = np.asarray(seconds) * 1000
    return {
        "n": len(ms),
        "p50_ms": round(float(np.percentile(ms, 50)), 3),
        "p95_ms": round(float(np.percentile(ms, 95)), 3),
        "mean_ms": round(float(ms.mean()), 3),
        "max_ms": round(float(ms.max()), 3),
    }


def load_questions(qa_path: str | None) -> tuple[list[tuple[str, list[str]]], list[str], str]:
    """(question, history) pairs, claims, and where they came from."""
    path = Path(qa_path) if qa_path else None
    if path is not None and path.is_file():
        questions, claims = [], []
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            item = json.loads(line)
            if item.get("type") == "claim":
                claims.append(item["question"])
            else:
                questions.append((item["question"], list(item.get("history") or [])))
        if questions and claims:
            return questions, claims, str(path)
    return [(q, []) for q in FALLBACK_QUESTIONS], list(FALLBACK_CLAIMS), "built-in seed questions"


class StageTimer:
    """Accumulates time spent in wrapped methods, per stage, per request."""

    def __init__(self) -> None:
        self.current: dict[str, float] = defaultdict(float)
        self.requests: list[dict[str, float]] = []

    def wrap(self, obj, name: str, stage: str) -> None:
        original = getattr(obj, name, None)
        if original is None:
            return
        current = self.current

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                current[stage] += time.perf_counter() - started

        setattr(obj, name, timed)

    def finish(self, total: float) -> None:
        self.requests.append({**self.current, "total": total})
        self.current.clear()

    def breakdown(self, derived: Callable[[dict[str, float]], dict[str, float]]) -> dict:
        rows = [derived(r) for r in self.requests]
        stages = sorted({k for r in rows for k in r})
        return {stage: summary([r.get(stage, 0.0) for r in rows]) for stage in stages}


def _ask_stages(r: dict[str, float]) -> dict[str, float]:
    search = r.get("search", 0.0)
    return {
        "query_encoding": r.get("encode", 0.0),
        "bm25": r.get("bm25", 0.0),
        "dense_search": r.get("dense", 0.0),
        "fusion": max(search - r.get("bm25", 0.0) - r.get("dense", 0.0), 0.0),
        "answer_selection": max(r["total"] - search - r.get("encode", 0.0), 0.0),
        "total": r["total"],
    }


def _check_stages(r: dict[str, float]) -> dict[str, float]:
    return {
        "query_encoding": r.get("encode", 0.0),
        "claim_scoring": max(r["total"] - r.get("encode", 0.0), 0.0),
        "total": r["total"],
    }


# --------------------------------------------------------------------------
# Warm queries through the real API
# --------------------------------------------------------------------------


def measure_queries(assistant, questions, claims, reps: int, check_limit: int | None = None) -> dict:
    """Warm ask/check latency with a per-stage breakdown, and guards that
    nothing computable at index time happens per query."""
    from .retrieval import Retriever

    retriever: Retriever = assistant._state[1]
    ask_timer, check_timer = StageTimer(), StageTimer()
    encoded_per_request: list[int] = []
    original_encode = assistant.encoder.encode

    def counting_encode(texts, **kwargs):
        encoded_per_request.append(len(texts))
        return original_encode(texts, **kwargs)

    retriever.encoder = _EncoderProxy(assistant.encoder, counting_encode)
    bm25_builds = _count_bm25_builds()

    # One untimed pass: first-call costs (lazy tables, page faults) are the
    # cold start's, not the warm latency's.
    for question, history in questions[: min(len(questions), 10)]:
        assistant.ask(question, history=history)
    for claim in claims[:2]:
        assistant.check(claim)
    encoded_per_request.clear()
    bm25_builds.clear()

    timer = ask_timer
    timer.wrap(retriever, "query_vector", "encode")
    timer.wrap(retriever, "bm25_scores", "bm25")
    timer.wrap(retriever, "dense_search", "dense")
    timer.wrap(retriever, "search", "search")
    for _ in range(reps):
        for question, history in questions:
            started = time.perf_counter()
            assistant.ask(question, history=history)
            timer.finish(time.perf_counter() - started)
    ask_encoded = max(encoded_per_request, default=0)
    encoded_per_request.clear()
    for name in ("query_vector", "bm25_scores", "dense_search", "search"):
        retriever.__dict__.pop(name, None)

    check_timer.wrap(retriever, "query_vector", "encode")
    chosen = claims if check_limit is None else claims[:check_limit]
    for _ in range(reps):
        for claim in chosen:
            started = time.perf_counter()
            assistant.check(claim)
            check_timer.finish(time.perf_counter() - started)
    retriever.__dict__.pop("query_vector", None)
    retriever.encoder = assistant.encoder
    return {
        "ask": summary([r["total"] for r in ask_timer.requests]),
        "ask_stages": ask_timer.breakdown(_ask_stages),
        "check": summary([r["total"] for r in check_timer.requests]),
        "check_stages": check_timer.breakdown(_check_stages),
        "per_query_work": {
            "max_texts_encoded_per_ask": ask_encoded,
            "max_texts_encoded_per_check": max(encoded_per_request, default=0),
            "bm25_statistics_built_during_queries": len(bm25_builds),
        },
    }


class _EncoderProxy:
    def __init__(self, encoder, encode) -> None:
        self._encoder = encoder
        self.encode = encode

    def __getattr__(self, name):
        return getattr(self._encoder, name)


def _count_bm25_builds() -> list[int]:
    """Record every BM25Okapi construction (the statistics askhist must
    compute at index time only)."""
    import rank_bm25

    calls: list[int] = []
    original = rank_bm25.BM25Okapi.__init__

    def counting(self, *args, **kwargs):
        calls.append(1)
        original(self, *args, **kwargs)

    rank_bm25.BM25Okapi.__init__ = counting
    return calls


def measure_concurrency(assistant, questions, students: int, workers: int) -> dict:
    """A class asking at once: ``students`` questions submitted together to
    ``workers`` threads (the web app answers this many at a time)."""
    batch = [questions[i % len(questions)] for i in range(students * 4)]
    latencies: list[float] = []
    lock = threading.Lock()

    def one(item, submitted):
        question, history = item
        assistant.ask(question, history=history)
        with lock:
            latencies.append(time.perf_counter() - submitted)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for offset in range(0, len(batch), students):
            submitted = time.perf_counter()
            futures = [pool.submit(one, item, submitted) for item in batch[offset : offset + students]]
            for f in futures:
                f.result()
    elapsed = time.perf_counter() - started
    return {
        "students": students,
        "workers": workers,
        "latency": summary(latencies),
        "questions_per_second": round(len(batch) / elapsed, 2),
    }


def task_warm(a: dict) -> dict:
    """Load the assistant on a built index and time ask/check, warm."""
    from .assistant import Assistant
    from .embedding import Encoder
    from .index import load_index

    started = time.perf_counter()
    index = load_index(Path(a["index"]))
    loaded_index = time.perf_counter()
    encoder = Encoder.load(a.get("model"))
    assistant = Assistant(index, encoder, [Path(a["docs"])] if a.get("docs") else [])
    loaded = time.perf_counter()
    rss_after_load = rss_mb()
    questions, claims, source = load_questions(a.get("qa"))
    result = {
        "questions_from": source,
        "questions": len(questions),
        "claims": len(claims),
        "passages": len(index.passages),
        "sentences": len(index.sentences),
        "load_index_seconds": round(loaded_index - started, 3),
        "load_model_seconds": round(loaded - loaded_index, 3),
        "rss_after_load_mb": rss_after_load,
    }
    result.update(measure_queries(assistant, questions, claims, a["reps"], a.get("check_limit")))
    if a.get("students"):
        result["concurrent"] = measure_concurrency(assistant, questions, a["students"], a.get("workers", 2))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


# --------------------------------------------------------------------------
# The naive baseline: what askhist would be without its index-time work
# --------------------------------------------------------------------------


class NaiveAssistant:
    """rank-bm25 ``get_scores`` over every passage, a flat FAISS index,
    sentence-transformers (torch) for the question *and* for the candidate
    sentences of every answer, no caches. Same passages, same fusion (RRF)
    and the same sentence score formula as askhist."""

    def __init__(self, passages, sentences, passage_vectors: np.ndarray, encoder) -> None:
        import faiss
        from rank_bm25 import BM25Okapi

        from .text import tokenize

        self.passages, self.sentences, self.encoder = passages, sentences, encoder
        self.bm25 = BM25Okapi([tokenize(p.text) or [""] for p in passages])
        self.dense = faiss.IndexFlatIP(passage_vectors.shape[1])
        self.dense.add(np.ascontiguousarray(passage_vectors, dtype=np.float32))

    def ask(self, question: str, timer: StageTimer, depth: int = 50, k: int = 5) -> list[tuple[int, float]]:
        from .answer import AnswerSettings, is_statement
        from .text import tokenize

        def stage(name, fn, *args):
            started = time.perf_counter()
            value = fn(*args)
            timer.current[name] += time.perf_counter() - started
            return value

        vector = stage("encode", lambda: self.encoder.encode([question])[0])
        tokens = tokenize(question)
        scores = stage("bm25", self.bm25.get_scores, tokens)
        bm25_ids = stage("bm25", lambda: [int(i) for i in np.argsort(-scores)[:depth] if scores[i] > 0])
        _, ids = stage("dense", self.dense.search, vector.reshape(1, -1), depth)
        started = time.perf_counter()
        fused: dict[int, float] = defaultdict(float)
        for ranking in (bm25_ids, [int(i) for i in ids[0] if i >= 0]):
            for rank, p in enumerate(ranking):
                fused[p] += 1.0 / (60 + rank + 1)
        top = sorted(fused, key=lambda p: (-fused[p], p))[:k]
        fusion = time.perf_counter() - started
        # "search" covers BM25, dense search and fusion, as Retriever.search does.
        timer.current["search"] = timer.current["bm25"] + timer.current["dense"] + fusion
        candidates = [
            sid
            for p in top
            for sid in range(self.passages[p].first_sentence, self.passages[p].last_sentence + 1)
            if is_statement(self.sentences[sid])
        ]
        if not candidates:
            return []
        texts = [self.sentences[s].text for s in candidates]
        dense = self.encoder.encode(texts) @ vector  # per query: no sentence vectors kept
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


def task_baseline(a: dict) -> dict:
    """The naive pipeline over the same passages. With ``encode_passages``
    its build encodes every passage (no cache); otherwise it reuses the
    index's passage vectors (the scaling runs)."""
    from .chunking import ChunkingParams
    from .documents import load_documents
    from .embedding import Encoder
    from .index import chunk_documents, load_index

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
        index = load_index(Path(a["index"]))
        sentences, passages = index.sentences, index.passages
        vectors = index.passage_vectors.reconstruct_n(0, index.passage_vectors.ntotal)
        del index
    naive = NaiveAssistant(passages, sentences, vectors, encoder)
    build_seconds = time.perf_counter() - build_started
    questions, claims, source = load_questions(a.get("qa"))
    questions = [q for q, _ in questions][: a.get("question_limit") or None]
    timer = StageTimer()
    for question in questions[:3]:  # warm-up
        naive.ask(question, StageTimer())
    for _ in range(a["reps"]):
        for question in questions:
            started = time.perf_counter()
            naive.ask(question, timer)
            timer.finish(time.perf_counter() - started)
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
        "ask": summary([r["total"] for r in timer.requests]),
        "ask_stages": timer.breakdown(_ask_stages),
        "check": summary(check_times),
        "peak_rss_mb": peak_rss_mb(),
    }


def task_baseline_cold(a: dict) -> dict:
    """Cold start of the naive pipeline: imports, model, BM25 statistics
    over the stored passages, one answer. The orchestrator times the process."""
    from .embedding import Encoder
    from .index import load_index

    index = load_index(Path(a["index"]))
    vectors = index.passage_vectors.reconstruct_n(0, index.passage_vectors.ntotal)
    naive = NaiveAssistant(index.passages, index.sentences, vectors, Encoder.load(a.get("model"), fast=False))
    naive.ask(a["question"], StageTimer())
    return {"peak_rss_mb": peak_rss_mb()}


# --------------------------------------------------------------------------
# Index builds
# --------------------------------------------------------------------------


class _BuildStages:
    """Times build_index's stages by wrapping the functions it calls."""

    def __init__(self) -> None:
        from . import embedding
        from .index import build as index  # the module whose names build_index calls

        self.seconds: dict[str, float] = defaultdict(float)
        self._undo: list[tuple[object, str, object]] = []
        self._wrap(index, "chunk_documents", "chunking")
        self._wrap(index, "encode_batches", "encoding")
        self._wrap(index.BM25Index, "build", "bm25")
        self._wrap(index, "write_generation", "writing")
        self._wrap(index, "load_index", "loading")
        self._wrap(embedding.EmbeddingCache, "save", "cache_save")
        self._wrap(embedding.EmbeddingCache, "__init__", "cache_load")

    def _wrap(self, owner, name: str, stage: str) -> None:
        original = owner.__dict__[name]
        function = original.__func__ if isinstance(original, (classmethod, staticmethod)) else original
        seconds = self.seconds

        def timed(*args, **kwargs):
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                seconds[stage] += time.perf_counter() - started

        setattr(owner, name, classmethod(timed) if isinstance(original, classmethod) else timed)
        self._undo.append((owner, name, original))

    def restore(self) -> dict[str, float]:
        for owner, name, original in reversed(self._undo):
            setattr(owner, name, original)
        return {k: round(v, 3) for k, v in self.seconds.items()}


def task_build(a: dict) -> dict:
    """Build the seed index from scratch, beside the raw encoder on the same
    texts; then add one document and check only its texts are encoded."""
    from .assistant import Assistant
    from .bench_corpus import one_document
    from .chunking import ChunkingParams, chunk_document
    from .documents import load_documents
    from .embedding import EmbeddingCache, Encoder
    from .index import build_index, chunk_documents

    work = Path(a["work"])
    docs = work / "docs"
    index_dir = work / "index"
    for path in (docs, index_dir):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(a["docs"], docs)
    documents = load_documents(docs)

    started = time.perf_counter()
    encoder = Encoder.load(a.get("model"))
    encoder.encode(["warm up"] * 9)  # loads sentence-transformers, as a build does
    model_seconds = time.perf_counter() - started

    sentences, passages = chunk_documents(documents, ChunkingParams())
    texts = list(dict.fromkeys([p.text for p in passages] + [s.text for s in sentences]))

    def raw_encoder() -> float:
        started = time.perf_counter()
        encoder.encode(texts, batch_size=64)
        return time.perf_counter() - started

    # The raw encoder runs before and after the build (the first large batch
    # pays one-off costs); the ceiling is the faster of the two.
    raw_runs = [raw_encoder()]
    stages = _BuildStages()
    started = time.perf_counter()
    index = build_index(documents, encoder, index_dir)
    build_seconds = time.perf_counter() - started
    build_stages = stages.restore()
    manifest = index.manifest
    raw_runs.append(raw_encoder())
    raw_seconds = min(raw_runs)

    # Add one document, in a copy (the seed index stays as it is for the
    # other measurements): a recombined essay with a new sentence per paragraph.
    docs, index_dir = work / "add-docs", work / "add-index"
    for path in (docs, index_dir):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(work / "docs", docs)
    shutil.copytree(work / "index", index_dir, symlinks=True)
    new_text = "".join(
        f"{line} The benchmark added paragraph {n} of this essay.\n"
        for n, line in enumerate(one_document(a.get("seed", 7), docs).splitlines(), start=1)
    )
    cache = EmbeddingCache(index_dir / "cache", encoder.identity)
    cached_before = set(cache._vectors)
    (docs / "zz_added_by_bench.txt").write_text(new_text, encoding="utf-8")
    new_sentences, new_passages = chunk_document("zz_added_by_bench.txt", new_text, 0, ChunkingParams())
    from .embedding import text_key

    new_texts = {t for t in [p.text for p in new_passages] + [s.text for s in new_sentences]}
    expected = len({text_key(t) for t in new_texts} - cached_before)
    del cache, cached_before
    from .index import load_index

    assistant = Assistant(load_index(index_dir), encoder, [docs])
    started = time.perf_counter()
    reasons = assistant.refresh()
    add_seconds = time.perf_counter() - started
    added = assistant.index.manifest
    return {
        "documents": len(documents),
        "passages": manifest["counts"]["passages"],
        "sentences": manifest["counts"]["sentences"],
        "texts_encoded": manifest["encoded_now"],
        "model_load_seconds": round(model_seconds, 3),
        "raw_encode_seconds": round(raw_seconds, 3),
        "raw_encode_runs": [round(t, 3) for t in raw_runs],
        "raw_texts_per_second": round(len(texts) / raw_seconds, 1),
        "build_seconds": round(build_seconds, 3),
        "build_stages": build_stages,
        "passages_per_second": round(manifest["counts"]["passages"] / build_seconds, 1),
        "texts_per_second": round(manifest["encoded_now"] / build_seconds, 1),
        "build_over_raw_encoder": round(build_seconds / raw_seconds, 3),
        "add_document": {
            "rebuild_reasons": reasons,
            "seconds": round(add_seconds, 3),
            "new_passages": len(new_passages),
            "new_sentences": len(new_sentences),
            "encoded_now": added["encoded_now"],
            "expected_new_texts": expected,
            "only_new_texts_encoded": added["encoded_now"] == expected,
        },
        "peak_rss_mb": peak_rss_mb(),
    }


def task_scale_build(a: dict) -> dict:
    """Build the index of a scaling corpus with the synthetic encoder."""
    from .bench_corpus import SyntheticEncoder, sentence_table
    from .documents import load_documents
    from .embedding import Encoder
    from .index import build as index_module

    docs, index_dir = Path(a["docs"]), Path(a["index"])
    shutil.rmtree(index_dir, ignore_errors=True)
    real = Encoder.load(a.get("model"))
    encoder = SyntheticEncoder(real, sentence_table(real, Path(a["seeds"]), Path(a["table"])))
    original_chunk = index_module.chunk_documents

    def remembering_chunk(documents, chunking):
        sentences, passages = original_chunk(documents, chunking)
        encoder.remember_passages(sentences, passages)
        return sentences, passages

    started = time.perf_counter()
    documents = load_documents(docs)
    read_seconds = time.perf_counter() - started
    index_module.chunk_documents = remembering_chunk
    stages = _BuildStages()  # wraps the remembering chunker: chunking is timed too
    started = time.perf_counter()
    index = index_module.build_index(documents, encoder, index_dir)
    total = time.perf_counter() - started
    build_stages = stages.restore()
    index_module.chunk_documents = original_chunk
    generation = index_dir / os.readlink(index_dir / "current")
    return {
        "documents": len(documents),
        "passages": index.manifest["counts"]["passages"],
        "sentences": index.manifest["counts"]["sentences"],
        "read_documents_seconds": round(read_seconds, 3),
        "build_seconds_with_synthetic_vectors": round(total, 3),
        "synthetic_vector_seconds": round(encoder.seconds, 3),
        "build_seconds_excluding_encoding": round(total - encoder.seconds, 3),
        "build_stages": build_stages,
        "texts_encoded_by_model": encoder.encoded_by_model,
        "index_mb": round(sum(p.stat().st_size for p in generation.iterdir()) / 2**20, 1),
        "cache_mb": round(sum(p.stat().st_size for p in (index_dir / "cache").iterdir()) / 2**20, 1),
        "peak_rss_mb": peak_rss_mb(),
    }


def task_ann(a: dict) -> dict:
    """An approximate FAISS index on a large index's passage vectors: its
    speed and recall@10 against the exact flat search, for real questions."""
    import faiss

    from .embedding import Encoder
    from .index import load_index

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

    faiss.omp_set_num_threads(1)  # as askhist searches (see frontend.configure_process)
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


TASKS = {
    "warm": task_warm,
    "baseline": task_baseline,
    "baseline_cold": task_baseline_cold,
    "build": task_build,
    "scale_build": task_scale_build,
    "ann": task_ann,
}


def main(argv: list[str]) -> int:
    task, arguments = argv[0], json.loads(argv[1])
    result = TASKS[task](arguments)
    print(RESULT_PREFIX + json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
