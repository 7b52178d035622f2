"""``askhist bench``: speed and memory as users feel them, beside a naive baseline.

Every measurement runs in a fresh process (see :mod:`askhist.bench_tasks`),
so cold starts are really cold and peak memory belongs to one scenario:

1. build: the seed index from scratch (empty embedding cache), beside the raw
   encoder on the same texts; then one added document (only its texts may be
   encoded);
2. warm: ``ask`` and ``check`` over the eval questions, with a per-stage
   breakdown, and a class of students asking at once;
3. cold: ``askhist ask`` as a subprocess, and ``askhist serve`` until the
   page answers;
4. scaling: recombined corpora of ~1k/10k/100k passages (see
   :mod:`askhist.bench_corpus`): build, load, query latency and memory;
5. the naive baseline (rank-bm25 ``get_scores``, flat FAISS, torch encoder,
   sentence vectors computed per question) on the same passages.

Results go to ``OUT/bench.json``; a table is printed.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .bench_tasks import RESULT_PREFIX, summary

FULL_SIZES = (1_000, 10_000, 100_000)
QUICK_SIZES = (1_000,)
QUESTION = "Why did Trotsky lose the power struggle?"
API_QUESTIONS = (
    "What was the Lenin Enrolment?",
    "When did Stalin become General Secretary?",
    "What happened at Lenin's funeral?",
    "How did being General Secretary help Stalin?",
    "Why did Zinoviev and Kamenev ally with Stalin?",
) * 2
TARGETS = {
    "ask_p50_ms": 25.0,
    "ask_p95_ms": 50.0,
    "ask_p50_ms_100k": 60.0,
    "build_over_raw_encoder": 1.3,
    "serve_ready_seconds": 6.0,
    "memory_mb_100k": 1024.0,
}


class BenchError(Exception):
    pass


@dataclass
class Options:
    out: Path
    quick: bool = False
    docs: Path = Path("seeds")
    model: str | None = None
    qa: Path = Path("eval/qa.jsonl")
    sizes: tuple[int, ...] = FULL_SIZES
    serve: bool = True
    log: object = field(default=lambda message: None)

    @property
    def work(self) -> Path:
        return self.out / "work"


def run_task(task: str, arguments: dict, timeout: float = 900) -> dict:
    """Run one bench task in a new Python process and return its result."""
    command = [sys.executable, "-m", "askhist.bench_tasks", task, json.dumps(arguments)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=_child_env())
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = "\n".join(done.stderr.strip().splitlines()[-15:])
    raise BenchError(f"bench task {task} failed (exit {done.returncode}):\n{tail}")


def _child_env() -> dict:
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    env["TQDM_DISABLE"] = "1"
    return env


def timed_process(command: list[str], timeout: float = 300) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit code) of a command run to completion."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_child_env(), start_new_session=True
    )
    deadline = started + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            break
        if time.perf_counter() > deadline:
            process.kill()
            _, status, usage = os.wait4(process.pid, 0)
            break
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return elapsed, round(usage.ru_maxrss / 1024, 1), process.returncode


def _median(values: list[float]) -> float:
    ordered = sorted(values)
    middle = len(ordered) // 2
    return ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2


# --------------------------------------------------------------------------
# Cold starts
# --------------------------------------------------------------------------


def measure_cli(options: Options, docs: Path, index: Path, reps: int) -> dict:
    """``askhist ask`` on a built index, from process start to exit."""
    command = [sys.executable, "-m", "askhist.cli", "ask", QUESTION, "--docs", str(docs), "--index", str(index)]
    if options.model:
        command += ["--model", options.model]
    runs = [timed_process(command) for _ in range(reps)]
    if any(code != 0 for _, _, code in runs):
        raise BenchError(f"askhist ask failed: {' '.join(command)}")
    help_runs = [timed_process([sys.executable, "-m", "askhist.cli", "--help"]) for _ in range(reps)]
    return {
        "question": QUESTION,
        "seconds": round(_median([t for t, _, _ in runs]), 3),
        "runs": [round(t, 3) for t, _, _ in runs],
        "peak_rss_mb": max(m for _, m, _ in runs),
        "help_seconds": round(_median([t for t, _, _ in help_runs]), 3),
        "help_imports": import_profile([sys.executable, "-X", "importtime", "-m", "askhist.cli", "--help"]),
    }


def import_profile(command: list[str], top: int = 5) -> dict:
    """Total import time and the heaviest top-level imports (``-X importtime``)."""
    done = subprocess.run(command, capture_output=True, text=True, env=_child_env(), timeout=120)
    heaviest: list[tuple[int, str]] = []
    total = 0
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \| ( *)(\S+)", line)
        if m and not m.group(2):  # top-level imports only
            cumulative = int(m.group(1))
            total += cumulative
            heaviest.append((cumulative, m.group(3)))
    heaviest.sort(reverse=True)
    return {
        "total_ms": round(total / 1000, 1),
        "heaviest_ms": {name: round(us / 1000, 1) for us, name in heaviest[:top]},
    }


def measure_baseline_cold(options: Options, index: Path, reps: int) -> dict:
    arguments = json.dumps({"index": str(index), "model": options.model, "question": QUESTION})
    command = [sys.executable, "-m", "askhist.bench_tasks", "baseline_cold", arguments]
    runs = [timed_process(command) for _ in range(reps)]
    return {"seconds": round(_median([t for t, _, _ in runs]), 3), "runs": [round(t, 3) for t, _, _ in runs]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_serve_runs(options: Options, docs: Path, index: Path, reps: int) -> dict:
    """``measure_serve`` ``reps`` times: the median run, and every run's figures
    (a cold start's import time varies with what else the machine does)."""
    runs = [measure_serve(options, docs, index) for _ in range(reps)]
    timed = [r for r in runs if "http_ready_seconds" in r]
    if not timed:
        return runs[0]
    key = "first_answer_seconds" if all("first_answer_seconds" in r for r in timed) else "http_ready_seconds"
    timed.sort(key=lambda r: r[key])
    median = dict(timed[len(timed) // 2])
    median["runs"] = [{k: r.get(k) for k in ("http_ready_seconds", "first_answer_seconds")} for r in runs]
    return median


def measure_serve(options: Options, docs: Path, index: Path, timeout: float = 180) -> dict:
    """``askhist serve`` from process start until the HTTP root answers 200,
    and until the Gradio API endpoint ``ask`` returns its first answer."""
    if importlib.util.find_spec("askhist.web.app") is None:
        return {"skipped": "askhist.web.app is not there yet"}
    try:
        from gradio_client import Client
    except ImportError:
        Client = None
    port = _free_port()
    data = options.work / "serve-data"
    shutil.rmtree(data, ignore_errors=True)
    command = [sys.executable, "-m", "askhist.cli", "serve", "--docs", str(docs), "--index", str(index)]
    command += ["--data", str(data), "--port", str(port)]
    if options.model:
        command += ["--model", options.model]
    url = f"http://127.0.0.1:{port}/"
    log = options.work / "serve.log"
    started = time.perf_counter()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=_child_env())
    result: dict = {"port": port}
    try:
        while True:
            if process.poll() is not None:
                raise BenchError(f"askhist serve exited with {process.returncode}; see {log}")
            if time.perf_counter() - started > timeout:
                raise BenchError(f"askhist serve did not answer within {timeout}s; see {log}")
            try:
                with urllib.request.urlopen(url, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            time.sleep(0.05)
        result["http_ready_seconds"] = round(time.perf_counter() - started, 3)
        if Client is None:
            result["measured_until"] = "HTTP root answers 200 (gradio_client is not installed)"
            return result
        try:
            client = Client(url, verbose=False)
            answer = client.predict(QUESTION, api_name="/ask")
        except Exception as exc:  # the API may not be ready: report, don't fail the bench
            result["measured_until"] = f"HTTP root answers 200 (the ask API failed: {type(exc).__name__}: {exc})"
            return result
        result["first_answer_seconds"] = round(time.perf_counter() - started, 3)
        result["measured_until"] = "first answer from the Gradio API endpoint 'ask'"
        result["answered"] = isinstance(answer, dict) and "abstained" in answer
        # What a student waits for once the page is up: the API round trip
        # (Gradio's queue and HTTP) around the ~10-30 ms of answering.
        times = []
        for question in API_QUESTIONS:
            before = time.perf_counter()
            client.predict(question, api_name="/ask")
            times.append(time.perf_counter() - before)
        result["api_ask"] = summary(times)
        import psutil

        result["rss_mb"] = round(psutil.Process(process.pid).memory_info().rss / 2**20, 1)
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# --------------------------------------------------------------------------
# The run
# --------------------------------------------------------------------------


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
    results["cold_cli"] = measure_cli(options, docs, index, plan.cold_reps)
    if plan.baseline_cold:
        results["baseline_cold"] = measure_baseline_cold(options, index, plan.cold_reps)

    results["scaling"] = []
    for size in options.sizes:
        log(f"scaling: {size:,} passages")
        results["scaling"].append(measure_size(options, plan, size, qa, last=size == max(options.sizes)))

    if options.serve:
        log("cold start: askhist serve until the page answers")
        results["cold_serve"] = measure_serve_runs(options, docs, index, plan.cold_reps)
    results["targets"] = targets(results)
    results["machine"]["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    results["bench_seconds"] = round(time.perf_counter() - started, 1)
    return results


def measure_size(options: Options, plan: Plan, size: int, qa: str | None, last: bool) -> dict:
    """Build, query and baseline figures for a recombined corpus of ``size`` passages."""
    from .bench_corpus import make_corpus

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


def targets(results: dict) -> list[dict]:
    """Each target of issue 5 with the measured value and whether it is met."""
    rows = []

    def add(name: str, measured, limit, unit: str) -> None:
        if measured is None:
            rows.append({"target": name, "limit": limit, "unit": unit, "measured": None, "hit": None})
        else:
            rows.append({"target": name, "limit": limit, "unit": unit, "measured": measured, "hit": measured <= limit})

    warm = results["warm"]
    add("warm ask p50 (seed collection)", warm["ask"]["p50_ms"], TARGETS["ask_p50_ms"], "ms")
    add("warm ask p95 (seed collection)", warm["ask"]["p95_ms"], TARGETS["ask_p95_ms"], "ms")
    biggest = max(results["scaling"], key=lambda e: e["build"]["passages"], default=None)
    at_100k = biggest if biggest and biggest["build"]["passages"] >= 100_000 else None
    add(
        "warm ask p50 at 100k passages",
        at_100k["query"]["ask"]["p50_ms"] if at_100k else None,
        TARGETS["ask_p50_ms_100k"],
        "ms",
    )
    build = results["build"]
    add("index build / raw encoder time", build["build_over_raw_encoder"], TARGETS["build_over_raw_encoder"], "x")
    added = build["add_document"]
    rows.append(
        {
            "target": "adding one document encodes only its texts",
            "limit": added["expected_new_texts"],
            "unit": "texts",
            "measured": added["encoded_now"],
            "hit": added["only_new_texts_encoded"],
        }
    )
    serve = results.get("cold_serve", {})
    add(
        "askhist serve ready to answer",
        serve.get("first_answer_seconds", serve.get("http_ready_seconds")),
        TARGETS["serve_ready_seconds"],
        "s",
    )
    add(
        "peak memory at 100k passages (serving)",
        at_100k["query"]["peak_rss_mb"] if at_100k else None,
        TARGETS["memory_mb_100k"],
        "MB",
    )
    work = warm["per_query_work"]
    rows.append(
        {
            "target": "no index-time work per query (texts encoded per ask; BM25 builds)",
            "limit": "<= 2; 0",
            "unit": "",
            "measured": f"{work['max_texts_encoded_per_ask']}; {work['bm25_statistics_built_during_queries']}",
            "hit": work["max_texts_encoded_per_ask"] <= 2 and work["bm25_statistics_built_during_queries"] == 0,
        }
    )
    return rows


# --------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------


def _ratio(baseline, ours) -> str:
    if not isinstance(baseline, (int, float)) or not isinstance(ours, (int, float)) or not baseline or not ours:
        return ""
    return f"{baseline / ours:.1f}x"


def format_table(results: dict) -> str:
    """The figures as a Markdown table: askhist, the naive baseline, the ratio."""
    lines = ["| measure | askhist | naive baseline | baseline / askhist |", "|---|---:|---:|---:|"]

    def row(label: str, ours, baseline=None, unit: str = "", digits: int = 1) -> None:
        def fmt(v):
            return "" if v is None else (f"{v:,.{digits}f}{unit}" if isinstance(v, (int, float)) else str(v))

        lines.append(f"| {label} | {fmt(ours)} | {fmt(baseline)} | {_ratio(baseline, ours)} |")

    cold = results.get("cold_cli", {})
    row(
        "`askhist ask` cold start to answer",
        cold.get("seconds"),
        results.get("baseline_cold", {}).get("seconds"),
        " s",
        2,
    )
    row("`askhist --help`", cold.get("help_seconds"), None, " s", 2)
    serve = results.get("cold_serve", {})
    runs = f" (median of {len(serve['runs'])})" if len(serve.get("runs", ())) > 1 else ""
    if "http_ready_seconds" in serve:
        row(f"`askhist serve` until HTTP 200{runs}", serve["http_ready_seconds"], None, " s", 2)
    if "first_answer_seconds" in serve:
        row(f"`askhist serve` until first API answer{runs}", serve["first_answer_seconds"], None, " s", 2)
    if "api_ask" in serve:
        row("web API `ask` round trip p50, warm (Gradio queue + HTTP)", serve["api_ask"]["p50_ms"], None, " ms", 0)
    warm, base = results["warm"], results["baseline"]
    for stat in ("p50_ms", "p95_ms"):
        row(f"warm ask {stat[:3]}", warm["ask"][stat], base["ask"].get(stat), " ms", 2)
    for stage in ("query_encoding", "bm25", "dense_search", "fusion", "answer_selection"):
        row(
            f"&nbsp;&nbsp;ask stage {stage.replace('_', ' ')} (p50)",
            warm["ask_stages"][stage]["p50_ms"],
            base["ask_stages"].get(stage, {}).get("p50_ms"),
            " ms",
            2,
        )
    for stat in ("p50_ms", "p95_ms"):
        row(f"warm check {stat[:3]}", warm["check"][stat], base["check"].get(stat), " ms", 1)
    concurrent = warm.get("concurrent")
    if concurrent:
        row(
            f"{concurrent['students']} students at once: latency p50 / p95",
            f"{concurrent['latency']['p50_ms']:.0f} / {concurrent['latency']['p95_ms']:.0f} ms",
        )
        row("&nbsp;&nbsp;questions answered per second", concurrent["questions_per_second"])
    build = results["build"]
    row(
        f"index build, seeds ({build['passages']} passages, {build['texts_encoded']} texts; baseline: passages only)",
        build["build_seconds"],
        base.get("build_seconds"),
        " s",
        2,
    )
    row("&nbsp;&nbsp;raw encoder on the same texts (ceiling)", build["raw_encode_seconds"], None, " s", 2)
    row("&nbsp;&nbsp;build / raw encoder", build["build_over_raw_encoder"], None, "x", 2)
    row("&nbsp;&nbsp;passages per second", build["passages_per_second"])
    added = build["add_document"]
    row(
        f"add one document ({added['new_passages']} passages, {added['new_sentences']} sentences)",
        f"{added['seconds']:.2f} s, {added['encoded_now']} texts encoded",
        f"{base.get('build_seconds', 0):.2f} s, {base.get('passages_encoded')} passages re-encoded",
    )
    row("peak memory, warm queries (seeds)", warm["peak_rss_mb"], base.get("peak_rss_mb"), " MB", 0)
    row("peak memory, `askhist ask` process", cold.get("peak_rss_mb"), None, " MB", 0)
    for entry in results.get("scaling", []):
        b, q, nb = entry["build"], entry["query"], entry["baseline"]
        size = f"{b['passages']:,} passages"
        row(f"**{size}**: build (excl. encoding)", b["build_seconds_excluding_encoding"], nb.get("build_seconds"), " s")
        row(f"&nbsp;&nbsp;{size}: load index + model", q["load_index_seconds"] + q["load_model_seconds"], None, " s", 2)
        row(f"&nbsp;&nbsp;{size}: ask p50", q["ask"]["p50_ms"], nb["ask"].get("p50_ms"), " ms", 1)
        row(f"&nbsp;&nbsp;{size}: ask p95", q["ask"]["p95_ms"], nb["ask"].get("p95_ms"), " ms", 1)
        row(f"&nbsp;&nbsp;{size}: check p50", q["check"]["p50_ms"], None, " ms", 1)
        row(f"&nbsp;&nbsp;{size}: peak memory (serving)", q["peak_rss_mb"], nb.get("peak_rss_mb"), " MB", 0)
        row(f"&nbsp;&nbsp;{size}: peak memory (build)", b["peak_rss_mb"], None, " MB", 0)
        ann = entry.get("ann")
        if ann:
            flat = ann["flat"]["p50_ms"]
            for key in sorted((k for k in ann if k.startswith("hnsw_ef")), key=lambda k: int(k[7:])):
                recall = ann[key]["recall_at_10"]
                row(
                    f"&nbsp;&nbsp;{size}: HNSW {key[5:]} search p50, recall@10 {recall:.3f} (right: flat)",
                    ann[key]["p50_ms"],
                    flat,
                    " ms",
                    2,
                )
    lines.append("")
    lines.append("| target | limit | measured | hit |")
    lines.append("|---|---:|---:|:---:|")
    for t in results.get("targets", []):
        hit = "n/a" if t["hit"] is None else ("yes" if t["hit"] else "**no**")
        measured = "not measured" if t["measured"] is None else f"{t['measured']} {t['unit']}".strip()
        lines.append(f"| {t['target']} | {t['limit']} {t['unit']} | {measured} | {hit} |")
    return "\n".join(lines)


def run_cli(args) -> int:
    """Entry point of ``askhist bench``."""
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    if getattr(args, "sizes", None):
        sizes = tuple(int(s) for s in args.sizes.split(","))
    options = Options(
        out=Path(args.out),
        quick=args.quick,
        docs=Path(args.docs),
        model=args.model,
        sizes=sizes,
        serve=not getattr(args, "no_serve", False),
        log=lambda message: print(f"bench: {message}", file=sys.stderr, flush=True),
    )
    if not options.docs.is_dir():
        print(f"askhist: error: no documents folder {options.docs}", file=sys.stderr)
        return 1
    try:
        results = run(options)
    except (BenchError, subprocess.TimeoutExpired) as exc:
        print(f"askhist: error: {exc}", file=sys.stderr)
        return 1
    options.out.mkdir(parents=True, exist_ok=True)
    path = options.out / "bench.json"
    path.write_text(json.dumps(results, indent=1), encoding="utf-8")
    print(format_table(results))
    print(f"\nResults: {path} ({results['bench_seconds']:.0f} s)")
    return 0
