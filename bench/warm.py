"""Warm questions and claims through the ``Assistant`` API: latency, the
per-stage breakdown askhist reports (``timings=``), a class asking at once,
and guards that nothing computable at index time happens per question."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from .questions import load_questions
from .stats import peak_rss_mb, rss_mb, stage_summary, summary


class CountingEncoder:
    """The real encoder, counting the texts of each ``encode`` call: the
    assistant is given this one, so the bench sees what a question encodes."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.model, self.identity, self.dimension = encoder.model, encoder.identity, encoder.dimension
        self.texts = 0

    def encode(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        self.texts += len(texts)
        return self.encoder.encode(texts, **kwargs)


def measure_queries(assistant, encoder: CountingEncoder, questions, claims, reps: int, check_limit=None) -> dict:
    """Warm ask/check latency with askhist's own per-stage timings."""
    # BM25 statistics are computed by rank-bm25, imported only by an index
    # build: if answering imports it, a question built statistics.
    bm25_loaded_before = "rank_bm25" in sys.modules
    # One untimed pass: first-call costs (lazy tables, page faults) are the
    # cold start's, not the warm latency's.
    for question, history in questions[:10]:
        assistant.ask(question, history=history)
    for claim in claims[:2]:
        assistant.check(claim)
    # A conversation's earlier turns reach ask as the answers already given,
    # as in the web app: what is measured is one question's work, not the
    # replay of earlier questions given as text.
    questions = [(question, conversation(assistant, history)) for question, history in questions]

    asks, encoded_per_ask = [], []
    for _ in range(reps):
        for question, history in questions:
            timings: dict[str, float] = {}
            encoder.texts = 0
            started = time.perf_counter()
            assistant.ask(question, history=history, timings=timings)
            asks.append({**timings, "total": time.perf_counter() - started})
            encoded_per_ask.append(encoder.texts)
    checks, encoded_per_check = [], []
    for _ in range(reps):
        for claim in claims if check_limit is None else claims[:check_limit]:
            timings = {}
            encoder.texts = 0
            started = time.perf_counter()
            assistant.check(claim, timings=timings)
            checks.append({**timings, "total": time.perf_counter() - started})
            encoded_per_check.append(encoder.texts)
    return {
        "ask": summary([r["total"] for r in asks]),
        "ask_stages": stage_summary(asks),
        "check": summary([r["total"] for r in checks]),
        "check_stages": stage_summary(checks),
        "per_query_work": {
            "max_texts_encoded_per_ask": max(encoded_per_ask, default=0),
            "max_texts_encoded_per_check": max(encoded_per_check, default=0),
            # None: rank-bm25 was loaded before the questions, so this cannot tell.
            "bm25_statistics_built_during_queries": None if bm25_loaded_before else int("rank_bm25" in sys.modules),
        },
    }


def conversation(assistant, history: list[str]) -> list:
    """The answers to a conversation's earlier questions, each asked after the ones before it."""
    answers: list = []
    for question in history:
        answers.append(assistant.ask(question, history=list(answers)))
    return answers


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
    from askhist import Assistant
    from askhist.embedding import Encoder
    from askhist.index import load_index
    from askhist.reader import load_reader

    started = time.perf_counter()
    index = load_index(Path(a["index"]))
    loaded_index = time.perf_counter()
    encoder = CountingEncoder(Encoder.load(a.get("model")))
    loaded_encoder = time.perf_counter()
    reader = load_reader(a.get("reader"))  # None: $ASKHIST_READER or the default; "off" there for none
    assistant = Assistant(index, encoder, [Path(a["docs"])] if a.get("docs") else [], reader=reader)
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
        "load_reader_seconds": round(loaded - loaded_encoder, 3),
        "reader": reader.identity if reader is not None else None,
        "rss_after_load_mb": rss_after_load,
    }
    result.update(measure_queries(assistant, encoder, questions, claims, a["reps"], a.get("check_limit")))
    if a.get("students"):
        result["concurrent"] = measure_concurrency(assistant, questions, a["students"], a.get("workers", 2))
    result["peak_rss_mb"] = peak_rss_mb()
    return result
