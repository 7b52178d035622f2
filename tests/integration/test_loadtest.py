"""The web app under load: 50 concurrent clients for 10 seconds against a real
``askhist serve`` (the CI form of bench/loadtest.py; run that script for the
60-second figures)."""

from __future__ import annotations

import importlib.util
import json
import os
import select
import shutil
import socket
import subprocess
import sys
import time

import pytest

from .conftest import ROOT, SEEDS, stop_process

pytest.importorskip("httpx")
pytest.importorskip("psutil")
if importlib.util.find_spec("askhist.web.app") is None:
    pytest.skip("the web app is not there yet", allow_module_level=True)

CLIENTS = 50
DURATION = 10.0
# Warm-up under 50 threads: the allocator, and with the reader its tokenizer and
# ONNX buffers (156-159 MB measured in this 10 s form); a leak per request is far more.
MAX_RSS_GROWTH_MB = 200


def _load_bench_module():
    spec = importlib.util.spec_from_file_location("loadtest", ROOT / "bench" / "loadtest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def server(tmp_path, seed_index_dir):
    docs, index_dir, data = tmp_path / "docs", tmp_path / "index", tmp_path / "data"
    shutil.copytree(SEEDS, docs)
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    port = _free_port()
    command = [sys.executable, "-m", "askhist.cli", "serve", "--docs", str(docs), "--index", str(index_dir)]
    command += ["--data", str(data), "--port", str(port)]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "HF_HUB_OFFLINE": "1"}
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env)
    output = b""
    deadline = time.monotonic() + 300
    try:
        while b"askhist is ready" not in output:
            assert proc.poll() is None, output.decode(errors="replace")
            assert time.monotonic() < deadline, output.decode(errors="replace")
            ready, _, _ = select.select([proc.stdout], [], [], 1.0)
            if ready:
                output += os.read(proc.stdout.fileno(), 65536)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        stop_process(proc, timeout=30)
        proc.stdout.close()


def test_fifty_concurrent_clients_get_answers_without_errors(server):
    url, proc = server
    report = _load_bench_module().run_loadtest(url, clients=CLIENTS, duration=DURATION, pid=proc.pid, timeout=180)
    summary = {k: v for k, v in report.items() if k != "rss_mb"} | {
        "rss_mb": {k: v for k, v in report["rss_mb"].items() if k != "samples"}
    }
    print(json.dumps(summary, indent=1))
    assert report["errors"] == 0, report["error_kinds"]
    assert report["clients_never_answered"] == 0
    assert report["answered"] >= CLIENTS
    assert report["rss_mb"]["growth"] is not None
    assert report["rss_mb"]["growth"] < MAX_RSS_GROWTH_MB, report["rss_mb"]
    assert proc.poll() is None  # the server is still up
