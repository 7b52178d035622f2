"""Load test for a running ``askhist serve``: many concurrent clients asking
questions through the web app's Gradio API endpoint ``ask``.

    .venv/bin/python bench/loadtest.py http://127.0.0.1:7860 --clients 50 --duration 60

Each client is a loop (one request in flight at a time, like a student
waiting for an answer; requests started before the deadline are waited for)
over Gradio's REST protocol: ``POST
/gradio_api/call/ask`` returns an event id, ``GET /gradio_api/call/ask/<id>``
streams the result. The report gives requests, errors (anything but a
well-formed answer), latency percentiles and the server's resident memory
(RSS, process and children) sampled every second; the exit status is 1 when
there were errors or memory grew more than ``--max-rss-growth-mb``.

``run_loadtest`` is the same thing as a function (tests/integration/test_loadtest.py).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import time
from collections import Counter
from urllib.parse import urlparse

QUESTIONS: list[tuple[str, list[str]]] = [
    ("Why did Trotsky lose the power struggle?", []),
    ("What was the Lenin Enrolment?", []),
    ("How did Stalin use his position as General Secretary?", []),
    ("Who were the members of the United Opposition?", []),
    ("and what about Bukharin?", ["Why did Trotsky lose the power struggle?"]),
    ("Why did Stalin win?", []),
    ("What did Lenin's Testament say about Stalin?", []),
    ("Who won the 1954 World Cup?", []),  # the sources don't say: an abstention
    ("Почему Сталин победил?", []),  # not English
    ("<script>alert('x')</script> Who was Zinoviev?", []),  # HTML is just text
    ("Why did Stalin emerge as leader? 😀", []),
    ("Stalin " * 250, []),  # a long question, under the limit
]


def _percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _server_pid(url: str) -> int | None:
    """The pid listening on the URL's port (psutil; None if it cannot tell)."""
    try:
        import psutil
    except ImportError:
        return None
    port = urlparse(url).port or 80
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port and conn.pid:
                return conn.pid
    except (psutil.AccessDenied, PermissionError):
        return None
    return None


def _rss_mb(pid: int) -> float | None:
    import psutil

    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss
        for child in process.children(recursive=True):
            try:
                total += child.memory_info().rss
            except psutil.Error:
                pass
        return total / 2**20
    except psutil.Error:
        return None


async def _ask(client, base: str, question: str, history: list[str], timeout: float) -> tuple[bool, str]:
    """One question through the API: (ok, error kind or "")."""
    import httpx

    phase = "submit"
    try:
        response = await client.post(f"{base}/gradio_api/call/ask", json={"data": [question, history]}, timeout=timeout)
        if response.status_code != 200:
            return False, f"HTTP {response.status_code} on submit: {response.text[:200]}"
        event_id = response.json()["event_id"]
        event = None
        phase = "result"
        async with client.stream("GET", f"{base}/gradio_api/call/ask/{event_id}", timeout=timeout) as stream:
            if stream.status_code != 200:
                return False, f"HTTP {stream.status_code} on result"
            async for line in stream.aiter_lines():
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:") and event in ("complete", "error"):
                    payload = line[5:].strip()
                    if event == "error":
                        return False, f"error event: {payload[:200]}"
                    data = json.loads(payload)
                    answer = data[0] if isinstance(data, list) and data else None
                    if not isinstance(answer, dict) or "passages" not in answer:
                        return False, f"malformed answer: {payload[:200]}"
                    return True, ""
        return False, "stream ended without a result"
    except httpx.TimeoutException:
        return False, f"timeout on {phase}"
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return False, f"{type(exc).__name__} on {phase}: {str(exc)[:200]}"


async def _run(url: str, clients: int, duration: float, pid: int | None, timeout: float) -> dict:
    import httpx

    base = url.rstrip("/")
    latencies: list[float] = []
    errors: Counter[str] = Counter()
    rss: list[tuple[float, float]] = []
    per_client = [0] * clients
    # One connection pool with a connection per request in flight (creating 50
    # clients would take seconds of TLS set-up). No keep-alive: a connection
    # idle while its client waits for a queued answer is closed by the server
    # after 5 s, and a request sent on it just then fails with a ReadError that
    # says nothing about the app (browsers retry those).
    limits = httpx.Limits(max_connections=clients * 2, max_keepalive_connections=0)
    client = httpx.AsyncClient(limits=limits)
    ok, kind = await _ask(client, base, *QUESTIONS[0], timeout=max(timeout, 120))
    if not ok:
        await client.aclose()
        raise RuntimeError(f"the server at {url} does not answer: {kind}")
    started = time.monotonic()
    deadline = started + duration
    stop = asyncio.Event()

    async def sample_memory() -> None:
        while not stop.is_set():
            if pid is not None:
                value = _rss_mb(pid)
                if value is not None:
                    rss.append((round(time.monotonic() - started, 1), round(value, 1)))
            try:
                await asyncio.wait_for(stop.wait(), timeout=1.0)
            except asyncio.TimeoutError:
                pass

    async def client_loop(number: int) -> None:
        turn = number
        while time.monotonic() < deadline:
            question, history = QUESTIONS[turn % len(QUESTIONS)]
            turn += 1
            began = time.monotonic()
            ok, kind = await _ask(client, base, question, history, timeout)
            if ok:
                latencies.append(time.monotonic() - began)
                per_client[number] += 1
            else:
                errors[kind] += 1

    sampler = asyncio.create_task(sample_memory())
    try:
        await asyncio.gather(*(client_loop(n) for n in range(clients)))
    finally:
        await client.aclose()
    elapsed = time.monotonic() - started
    stop.set()
    await sampler
    if pid is not None:
        value = _rss_mb(pid)
        if value is not None:
            rss.append((round(elapsed, 1), round(value, 1)))
    memory = [value for _, value in rss]
    return {
        "url": url,
        "clients": clients,
        "duration_s": round(elapsed, 1),
        "requests": len(latencies) + sum(errors.values()),
        "answered": len(latencies),
        "errors": sum(errors.values()),
        "error_kinds": dict(errors.most_common(10)),
        "throughput_per_s": round(len(latencies) / elapsed, 2) if elapsed else 0.0,
        "latency_s": {
            "p50": round(_percentile(latencies, 0.50), 3),
            "p95": round(_percentile(latencies, 0.95), 3),
            "p99": round(_percentile(latencies, 0.99), 3),
            "max": round(max(latencies), 3) if latencies else None,
            "mean": round(statistics.fmean(latencies), 3) if latencies else None,
        },
        "clients_never_answered": sum(1 for count in per_client if count == 0),
        "server_pid": pid,
        "rss_mb": {
            "start": memory[0] if memory else None,
            "max": max(memory) if memory else None,
            "end": memory[-1] if memory else None,
            "growth": round(memory[-1] - memory[0], 1) if memory else None,
            "samples": rss,
        },
    }


def run_loadtest(
    url: str, clients: int = 50, duration: float = 60.0, pid: int | None = None, timeout: float = 60.0
) -> dict:
    """Run the load test against a server URL; returns the report (see module doc)."""
    if pid is None:
        pid = _server_pid(url)
    return asyncio.run(_run(url, clients, duration, pid, timeout))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("url", help="the running server, e.g. http://127.0.0.1:7860")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients (default: 50)")
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default: 60)")
    parser.add_argument("--pid", type=int, default=None, help="server pid for memory (default: found from the port)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per request before it counts as an error")
    parser.add_argument("--max-rss-growth-mb", type=float, default=None, help="fail if memory grows more than this")
    parser.add_argument("--json", metavar="FILE", help="also write the report to FILE")
    args = parser.parse_args(argv)
    if args.clients < 1 or args.duration <= 0:
        parser.error("--clients and --duration must be positive")
    try:
        report = run_loadtest(args.url, args.clients, args.duration, args.pid, args.timeout)
    except RuntimeError as exc:
        print(f"loadtest: {exc}", file=sys.stderr)
        return 1
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=1)
    latency, memory = report["latency_s"], report["rss_mb"]
    print(
        f"{report['clients']} clients, {report['duration_s']} s: {report['answered']} answered, "
        f"{report['errors']} errors, {report['throughput_per_s']}/s; latency p50 {latency['p50']} s, "
        f"p95 {latency['p95']} s, max {latency['max']} s"
    )
    if memory["start"] is not None:
        print(
            f"server RSS: {memory['start']} MB at start, {memory['max']} MB max, {memory['end']} MB at end "
            f"({memory['growth']:+} MB)"
        )
    for kind, count in report["error_kinds"].items():
        print(f"  {count} x {kind}")
    failed = report["errors"] > 0
    if args.max_rss_growth_mb is not None and memory["growth"] is not None:
        failed = failed or memory["growth"] > args.max_rss_growth_mb
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
