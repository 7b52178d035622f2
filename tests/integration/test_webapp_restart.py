"""A real ``askhist serve`` started after an interrupted upload, without a
teacher key (issue 14, points 1 and 6): the half-added file does not appear,
the page says so, and nobody can add documents."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

from askhist.uploads import JOURNAL

from .conftest import SEEDS, stop_process


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_restart_discards_an_interrupted_upload_and_without_a_key_nobody_uploads(tmp_path, seed_index_dir):
    docs, index_dir, uploads = tmp_path / "docs", tmp_path / "index", tmp_path / "data" / "uploads"
    shutil.copytree(SEEDS, docs)
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    uploads.mkdir(parents=True)
    # What a server killed while updating the index for an upload leaves behind.
    (uploads / "half_added.txt").write_text("Olga Ilyina kept the card index of the party in 1925.")
    (uploads / "sources.json").write_text(json.dumps({"half_added.txt": {"uploaded_by": "a teacher"}}))
    (uploads / JOURNAL).write_text(json.dumps({"adding": ["half_added.txt"], "sources": None}))
    port = _free_port()
    url = f"http://127.0.0.1:{port}/"
    command = [sys.executable, "-m", "askhist.cli", "serve", "--docs", str(docs), "--index", str(index_dir)]
    command += ["--data", str(tmp_path / "data"), "--port", str(port)]
    env = {k: v for k, v in os.environ.items() if k != "ASKHIST_TEACHER_KEY"}
    env.update(GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", PYTHONUNBUFFERED="1")
    log = tmp_path / "server.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + 300
        while "askhist is ready" not in log.read_text(errors="replace"):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.3)
        text = log.read_text(errors="replace")
        assert "An upload was interrupted when the server stopped; not added: half_added.txt" in text
        assert "adding documents: turned off" in text
        assert sorted(p.name for p in uploads.iterdir()) == []
        with urllib.request.urlopen(url + "config", timeout=30) as response:
            config = response.read().decode("utf-8")
        assert "half_added.txt" in config and "were not added" not in config and "was not added" in config
        assert "Adding and removing documents is turned off on this server" in config
        request = urllib.request.Request(url + "gradio_api/upload", data=b"x", method="POST")
        try:
            urllib.request.urlopen(request, timeout=30)
            status = 200
        except urllib.error.HTTPError as exc:
            status = exc.code
        assert status == 403
    finally:
        stop_process(proc, timeout=30)
