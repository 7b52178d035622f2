"""Two app servers on one Milvus: an upload through one is answerable through
the other within FOLLOW_DELAY seconds. Milvus runs as Milvus Lite's gRPC
server; each app server is its own process with its own local index folder
(as on separate machines) and the shared document and upload folders."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import askhist
from tests.conftest import SEEDS, stop_process

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

FOLLOW_DELAY = 30.0  # seconds; measured ~ a few (README, Deployment)
FACT = "The Zorbulan accord was signed at Velmar in 1931 by the northern councils."
QUESTION = "When was the Zorbulan accord signed?"

# One app server: reads commands on stdin ("ask", "upload <path>"), answers in JSON lines.
WORKER = r"""
import json, sys, threading
from pathlib import Path
from askhist import Assistant
from askhist.assistant import Settings
from askhist.follow import follow
from askhist.retrieval import RetrievalSettings
from askhist.uploads import add_files

docs, uploads, index, uri, question = sys.argv[1:6]
settings = Settings(retrieval=RetrievalSettings(backend="milvus", milvus_uri=uri))
assistant = Assistant.load(docs=[docs, uploads], index_dir=index, settings=settings)
follow(assistant, threading.Event(), interval=0.5)
print(json.dumps({"ready": True}), flush=True)
for line in sys.stdin:
    command, _, arg = line.strip().partition(" ")
    if command == "ask":
        answer = assistant.ask(question)
        print(json.dumps({"docs": [s.doc for s in answer.sentences]}), flush=True)
    elif command == "upload":
        result = add_files(assistant, Path(uploads), [arg])
        print(json.dumps({"added": result.added, "refused": result.refused}), flush=True)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, "the Milvus Lite server exited"
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise AssertionError("the Milvus Lite server did not start")


def command(process: subprocess.Popen, line: str) -> dict:
    process.stdin.write(line + "\n")
    process.stdin.flush()
    return json.loads(process.stdout.readline())


def test_an_upload_through_one_server_is_answered_by_the_other(tmp_path, seed_index_dir):
    port = free_port()
    milvus = subprocess.Popen(
        [sys.executable, "-m", "milvus_lite", "server", "--data-dir", str(tmp_path / "milvus"),
         "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    servers = []
    # The workers import this checkout's askhist, whatever the caller's PYTHONPATH.
    source_root = str(Path(askhist.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([source_root, os.environ.get("PYTHONPATH", "")])}
    try:
        wait_for_port(port, milvus)
        uploads = tmp_path / "uploads"
        uploads.mkdir()
        for name in ("a", "b"):  # each server its own index folder, started from the seed index
            shutil.copytree(seed_index_dir, tmp_path / f"index-{name}", symlinks=True)
            args = [str(SEEDS), str(uploads), str(tmp_path / f"index-{name}"), f"http://127.0.0.1:{port}", QUESTION]
            with (tmp_path / f"{name}.log").open("w") as log:  # the worker's stderr, to read when it fails
                servers.append(subprocess.Popen(
                    [sys.executable, "-c", WORKER, *args],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True, env=env,
                ))
        a, b = servers
        assert json.loads(a.stdout.readline()) == {"ready": True}
        assert json.loads(b.stdout.readline()) == {"ready": True}
        new_doc = "uploads/zorbulan.txt"
        assert new_doc not in command(b, "ask")["docs"]

        source = tmp_path / "zorbulan.txt"
        source.write_text(f"The Zorbulan accord\n\n{FACT} It ended a decade of border quarrels.\n", encoding="utf-8")
        added = command(a, f"upload {source}")
        assert added["refused"] == [] and [doc for doc, _ in added["added"]] == [new_doc]
        uploaded = time.monotonic()
        assert new_doc in command(a, "ask")["docs"]
        while new_doc not in command(b, "ask")["docs"]:
            assert time.monotonic() - uploaded < FOLLOW_DELAY, "the other server never answered from the upload"
            time.sleep(0.25)
        print(f"answerable through the other server {time.monotonic() - uploaded:.1f} s after the upload")
    finally:
        for process in servers:
            process.stdin.close()
            stop_process(process)
        stop_process(milvus)
