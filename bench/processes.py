"""Starting the processes the bench measures, and timing them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from .task import RESULT_PREFIX

# The folder holding the bench package: measuring processes import it from any working folder.
ROOT = Path(__file__).resolve().parent.parent


class BenchError(Exception):
    """A measurement could not be made; the message says which and why."""


def child_env() -> dict:
    """The environment of a measuring process: offline, quiet, and able to import ``bench``."""
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    env["TQDM_DISABLE"] = "1"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    return env


def run_task(task: str, arguments: dict, timeout: float = 900) -> dict:
    """Run one task of ``bench.task`` in a new Python process and return its result."""
    command = [sys.executable, "-m", "bench.task", task, json.dumps(arguments)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=child_env())
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(RESULT_PREFIX):
            return json.loads(line[len(RESULT_PREFIX) :])
    tail = "\n".join(done.stderr.strip().splitlines()[-15:])
    raise BenchError(f"bench task {task} failed (exit {done.returncode}):\n{tail}")


def timed_process(command: list[str], timeout: float = 300) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB, exit code) of a command run to completion."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=child_env(), start_new_session=True
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
