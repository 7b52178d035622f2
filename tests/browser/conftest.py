"""The browser tier: a real ``askhist serve`` driven by Chromium. The model and
index fixtures are in tests/conftest.py (shared with the integration tier);
here are the server and the browser, shared by the browser test modules."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import SimpleNamespace

import pytest

from ..conftest import ROOT, SEEDS, stop_process

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "ROOT", "SEEDS", "free_port", "stop_process"]

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_until_up(url: str, process: subprocess.Popen, log: Path, timeout: float = 150) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"askhist serve exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200 and "askhist is ready" in log.read_text(errors="replace"):
                    return
        except OSError:
            pass
        time.sleep(0.3)
    pytest.fail(f"askhist serve did not answer within {timeout:.0f}s:\n{log.read_text(errors='replace')}")


TEACHER_KEY = "a key only teachers know"


@pytest.fixture(scope="module")
def server(tmp_path_factory, seed_index_dir):
    """``askhist serve`` on a free port with a copy of the seeds and of their index, and an empty data folder."""
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); the browser tests need it")
    root = tmp_path_factory.mktemp("webapp")
    docs, index, data = root / "docs", root / "index", root / "data"
    shutil.copytree(SEEDS, docs)
    shutil.copytree(seed_index_dir, index, symlinks=True)
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = root / "server.log"
    command = [sys.executable, "-m", "askhist.cli", "serve", "--docs", str(docs), "--index", str(index)]
    command += ["--data", str(data), "--host", "127.0.0.1", "--port", str(port)]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GRADIO_ANALYTICS_ENABLED": "False", "PYTHONUNBUFFERED": "1"}
    env["ASKHIST_TEACHER_KEY"] = TEACHER_KEY  # the upload tests add documents as a teacher
    with open(log, "wb") as out:
        process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=root)
    try:
        _wait_until_up(url, process, log)
        yield SimpleNamespace(url=url, data=data, log=log)
    finally:
        stop_process(process)


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium through Playwright; a missing Chromium is a failure, not a skip (CI installs it)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium); the browser tests need it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
