"""Cold starts: ``askhist ask`` from process start to exit, the naive
pipeline's, and ``askhist serve`` until the page and its API answer."""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from .processes import BenchError, child_env, timed_process
from .questions import API_QUESTIONS, QUESTION
from .stats import median, summary

ASKHIST = [sys.executable, "-m", "askhist.cli"]


def _model_args(model: str | None) -> list[str]:
    return ["--model", model] if model else []


def measure_cli(model: str | None, docs: Path, index: Path, reps: int) -> dict:
    """``askhist ask`` on a built index, from process start to exit; and ``askhist --help``."""
    command = [*ASKHIST, "ask", QUESTION, "--docs", str(docs), "--index", str(index), *_model_args(model)]
    runs = [timed_process(command) for _ in range(reps)]
    if any(code != 0 for _, _, code in runs):
        raise BenchError(f"askhist ask failed: {' '.join(command)}")
    help_runs = [timed_process([*ASKHIST, "--help"]) for _ in range(reps)]
    return {
        "question": QUESTION,
        "seconds": round(median([t for t, _, _ in runs]), 3),
        "runs": [round(t, 3) for t, _, _ in runs],
        "peak_rss_mb": max(m for _, m, _ in runs),
        "help_seconds": round(median([t for t, _, _ in help_runs]), 3),
        "help_imports": import_profile([sys.executable, "-X", "importtime", "-m", "askhist.cli", "--help"]),
    }


def import_profile(command: list[str], top: int = 5) -> dict:
    """Total import time and the heaviest top-level imports (``-X importtime``)."""
    done = subprocess.run(command, capture_output=True, text=True, env=child_env(), timeout=120)
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


def measure_baseline_cold(model: str | None, index: Path, reps: int) -> dict:
    """The naive pipeline from process start to its first answer."""
    arguments = json.dumps({"index": str(index), "model": model, "question": QUESTION})
    command = [sys.executable, "-m", "bench.task", "baseline_cold", arguments]
    runs = [timed_process(command) for _ in range(reps)]
    if any(code != 0 for _, _, code in runs):
        raise BenchError(f"the naive pipeline's cold start failed: {' '.join(command)}")
    return {"seconds": round(median([t for t, _, _ in runs]), 3), "runs": [round(t, 3) for t, _, _ in runs]}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def measure_serve_runs(model: str | None, docs: Path, index: Path, work: Path, reps: int) -> dict:
    """``measure_serve`` ``reps`` times: the median run, and every run's figures
    (a cold start's import time varies with what else the machine does)."""
    runs = [measure_serve(model, docs, index, work) for _ in range(reps)]
    key = "first_answer_seconds" if all("first_answer_seconds" in r for r in runs) else "http_ready_seconds"
    ordered = sorted(runs, key=lambda r: r[key])
    middle = dict(ordered[len(ordered) // 2])
    middle["runs"] = [{k: r.get(k) for k in ("http_ready_seconds", "first_answer_seconds")} for r in runs]
    return middle


def measure_serve_memory(model: str | None, docs: Path, work: Path) -> dict:
    """Memory of ``askhist serve`` on a first start (no index: it is built in
    a child process) and on a restart (the index is loaded): the server's
    peak and steady RSS, and the build's (the child's) peak."""
    index = work / "serve-memory-index"
    shutil.rmtree(index, ignore_errors=True)
    first = measure_serve(model, docs, index, work)
    restart = measure_serve(model, docs, index, work)
    keys = ("server_peak_rss_mb", "rss_mb", "children_peak_rss_mb", "first_answer_seconds", "http_ready_seconds")
    return {name: {k: run.get(k) for k in keys} for name, run in (("first_start", first), ("restart", restart))}


def measure_serve(model: str | None, docs: Path, index: Path, work: Path, timeout: float = 300) -> dict:
    """``askhist serve`` from process start until the HTTP root answers 200,
    and until the Gradio API endpoint ``ask`` returns its first answer; its
    memory: the server's peak (``VmHWM``) and steady RSS (after the answers),
    and the peak RSS of its children (an index build), sampled."""
    try:
        from gradio_client import Client
    except ImportError:
        Client = None
    port = _free_port()
    data = work / "serve-data"
    shutil.rmtree(data, ignore_errors=True)
    command = [*ASKHIST, "serve", "--docs", str(docs), "--index", str(index), "--data", str(data)]
    command += ["--port", str(port), *_model_args(model)]
    url = f"http://127.0.0.1:{port}/"
    log = work / "serve.log"
    started = time.perf_counter()
    with open(log, "wb") as output:
        process = subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT, env=child_env())
    result: dict = {"port": port}
    children_peak = [0.0]
    try:
        _wait_for_page(process, url, started + timeout, log, children_peak)
        result["children_peak_rss_mb"] = round(children_peak[0], 1)
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
        result["server_peak_rss_mb"] = _peak_rss_mb(process.pid)
        return result
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _peak_rss_mb(pid: int) -> float | None:
    """The peak resident memory of a running process (Linux ``VmHWM``)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.M)
    return round(int(match.group(1)) / 1024, 1) if match else None


def _children_rss_mb(pid: int) -> float:
    import psutil

    total = 0.0
    try:
        for child in psutil.Process(pid).children(recursive=True):
            try:
                total += child.memory_info().rss / 2**20
            except psutil.Error:
                pass
    except psutil.Error:
        pass
    return total


def _wait_for_page(
    process: subprocess.Popen, url: str, deadline: float, log: Path, children_peak: list[float] | None = None
) -> None:
    while True:
        if process.poll() is not None:
            raise BenchError(f"askhist serve exited with {process.returncode}; see {log}")
        if time.perf_counter() > deadline:
            raise BenchError(f"askhist serve did not answer in time; see {log}")
        if children_peak is not None:
            children_peak[0] = max(children_peak[0], _children_rss_mb(process.pid))
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.05)
