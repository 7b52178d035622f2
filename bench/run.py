"""A bench run: which measurements, how many times, in which order.

1. build: the seed index from scratch beside the raw encoder; one added document;
2. warm: ``ask`` and ``check`` over the eval questions, with askhist's
   per-stage timings, and a class of students asking at once;
3. the naive baseline on the same collection;
4. cold: ``askhist ask`` as a new process (and the baseline's);
5. scaling: recombined corpora of ~1k/10k/100k passages: build, load,
   query latency, memory, beside the baseline;
6. cold: ``askhist serve`` until the page answers; its memory on a first
   start (building the index) and on a restart.
"""

from __future__ import annotations

import importlib.metadata
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from .cold import measure_baseline_cold, measure_cli, measure_serve_memory, measure_serve_runs
from .processes import run_task
from .report import targets

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000,)


@dataclass(frozen=True)
class Options:
    """What the bench is run on and where it writes."""

    out: Path
    quick: bool = False
    docs: Path = Path("seeds")
    model: str | None = None
    qa: Path = Path("eval/qa.jsonl")
    sizes: tuple[int, ...] = FULL_SIZES
    serve: bool = True
    log: Callable[[str], None] = lambda message: None

    @property
    def work(self) -> Path:
        return self.out / "work"


@dataclass(frozen=True)
class Plan:
    """How much of each measurement a run does."""

    warm_reps: int  # passes over the eval questions
    baseline_questions: int | None  # None: all
    baseline_checks: int
    cold_reps: int
    baseline_cold: bool
    scale_questions: int | None
    students: int = 8


FULL = Plan(warm_reps=3, baseline_questions=40, baseline_checks=5, cold_reps=3, baseline_cold=True, scale_questions=30)
QUICK = Plan(
    warm_reps=1, baseline_questions=15, baseline_checks=1, cold_reps=1, baseline_cold=False, scale_questions=10
)


def run(options: Options) -> dict:
    """Every measurement of a run, as one JSON-ready dict."""
    log = options.log
    plan = QUICK if options.quick else FULL
    work = options.work
    work.mkdir(parents=True, exist_ok=True)
    qa = str(options.qa) if options.qa.is_file() else None
    started = time.perf_counter()
    results: dict = {
        "quick": options.quick,
        "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
    }
    seed = work / "seed"

    log("build: the seed index from scratch, the raw encoder, one added document")
    results["build"] = run_task("build", {"work": str(seed), "docs": str(options.docs), "model": options.model})
    docs, index = seed / "docs", seed / "index"

    log("warm: ask and check over the eval questions")
    common = {"model": options.model, "qa": qa}
    results["warm"] = run_task(
        "warm",
        {**common, "index": str(index), "docs": str(docs), "reps": plan.warm_reps}
        | {"students": plan.students, "workers": 2},
    )
    log("baseline: the naive pipeline on the same collection")
    results["baseline"] = run_task(
        "baseline",
        {**common, "docs": str(docs), "index": str(index), "reps": 1, "encode_passages": True}
        | {"question_limit": plan.baseline_questions, "check_limit": plan.baseline_checks},
    )

    log("cold start: askhist ask as a new process")
    results["cold_cli"] = measure_cli(options.model, docs, index, plan.cold_reps)
    if plan.baseline_cold:
        results["baseline_cold"] = measure_baseline_cold(options.model, index, plan.cold_reps)

    results["scaling"] = []
    for size in options.sizes:
        log(f"scaling: {size:,} passages")
        results["scaling"].append(measure_size(options, plan, size, qa, last=size == max(options.sizes)))

    if options.serve:
        log("cold start: askhist serve until the page answers")
        results["cold_serve"] = measure_serve_runs(options.model, docs, index, work, plan.cold_reps)
        log("memory: askhist serve on a first start (index built in a child) and on a restart")
        results["serve_memory"] = measure_serve_memory(options.model, docs, work)
    results["targets"] = targets(results)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    return results


def measure_size(options: Options, plan: Plan, size: int, qa: str | None, last: bool) -> dict:
    """Build, query and baseline figures for a recombined corpus of ``size`` passages."""
    from .corpus import make_corpus

    work = options.work
    corpus_dir = work / f"corpus-{size}"
    started = time.perf_counter()
    corpus = make_corpus(corpus_dir, size, seed=0, source=options.docs)
    entry: dict = {"target_passages": size, "corpus": corpus, "corpus_seconds": round(time.perf_counter() - started, 2)}
    index = corpus_dir / "index"
    entry["build"] = run_task(
        "scale_build",
        {
            "docs": str(corpus_dir / "docs"),
            "index": str(index),
            "model": options.model,
            "seeds": str(options.docs),
            "table": str(work / "seed-sentence-vectors.npz"),
        },
        timeout=1800,
    )
    big = size >= 50_000
    common = {"index": str(index), "model": options.model, "qa": qa, "reps": 1}
    entry["query"] = run_task("warm", {**common, "check_limit": 5 if big else None})
    entry["baseline"] = run_task(
        "baseline",
        {**common, "question_limit": 10 if big else plan.scale_questions, "check_limit": 0},
        timeout=1800,
    )
    if last and not options.quick:
        entry["ann"] = run_task("ann", {"index": str(index), "model": options.model, "qa": qa}, timeout=1800)
    return entry


def machine() -> dict:
    """CPUs, load and library versions: what the figures depend on."""

    def version(name: str) -> str | None:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            return None

    return {
        "cpus": os.cpu_count(),
        "python": sys.version.split()[0],
        "load_average_start": [round(x, 2) for x in os.getloadavg()],
        "versions": {n: version(n) for n in ("torch", "sentence-transformers", "faiss-cpu", "numpy", "gradio")},
    }
