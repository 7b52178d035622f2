"""``askhist serve`` builds a missing index in a child process, so the
server never holds torch (issue 13: 864 MB after a first start)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from .conftest import stop_process

ASKHIST = [sys.executable, "-m", "askhist.cli"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start(docs: Path, index: Path, data: Path, log: Path) -> subprocess.Popen:
    with open(log, "wb") as output:
        where = ["--docs", str(docs), "--index", str(index), "--data", str(data)]
        command = [*ASKHIST, "serve", *where, "--port", str(_free_port())]
        return subprocess.Popen(command, stdout=output, stderr=subprocess.STDOUT)


def _wait_until_ready(process: subprocess.Popen, log: Path, timeout: float = 240) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        if "askhist is ready" in text:
            return text
        assert process.poll() is None, text
        time.sleep(0.2)
    raise AssertionError(f"askhist serve was not ready in {timeout:.0f}s:\n{log.read_text(errors='replace')}")


def _loaded_libraries(pid: int) -> str:
    return Path(f"/proc/{pid}/maps").read_text()


def test_first_start_builds_in_a_child_and_the_server_never_loads_torch(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    # More texts than the NumPy encoder takes (embedding.FAST_MAX_TEXTS): a build in this process would load torch.
    years = " ".join(f"In {year} the sailors of Kronstadt met, time {n}." for n, year in enumerate(range(1905, 1925)))
    (docs / "kronstadt.md").write_text(f"# Kronstadt\n\n{years}\n", encoding="utf-8")
    index, data = tmp_path / "index", tmp_path / "data"
    for start, log in enumerate([tmp_path / "first.log", tmp_path / "restart.log"]):
        process = _start(docs, index, data, log)
        try:
            text = _wait_until_ready(process, log)
            assert "libtorch" not in _loaded_libraries(process.pid)
        finally:
            stop_process(process)
        if start == 0:
            assert "in a separate process (no index built yet)" in text
            assert "Indexed 1 documents" in text  # the child's report, on the same terminal
        else:
            assert "Building" not in text
        for step in ("Loading the collection", "documents ready; starting the web server", "askhist is ready"):
            assert step in text
