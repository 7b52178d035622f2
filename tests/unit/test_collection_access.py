"""Who may change the shared collection, and what an uploaded document carries
(issue 14, points 1 and 6): the teacher key, the origin of every quote, removing
an upload, and an upload interrupted by a killed server."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from askhist.uploads import (
    JOURNAL,
    UPLOADS_OFF,
    UploadError,
    add_files,
    check_teacher_key,
    recover_interrupted,
    remove_file,
)
from askhist.web import handlers, render

from .conftest import SEEDS, build_fake_assistant

pytestmark = pytest.mark.unit

FALSE_CLAIM = "Stalin became General Secretary in 1925, not earlier."
KEY = "correct horse battery staple"


@pytest.fixture()
def school(tmp_path):
    """A copy of the seeds, an uploads folder and an assistant over both."""
    docs, uploads = tmp_path / "docs", tmp_path / "data" / "uploads"
    shutil.copytree(SEEDS, docs)
    uploads.mkdir(parents=True)
    from askhist.assistant import Assistant
    from askhist.documents import load_documents
    from askhist.index import build_index

    base = build_fake_assistant(docs, tmp_path / "index")
    index = build_index(load_documents(docs, uploads), base.encoder, tmp_path / "index")
    assistant = Assistant(index, base.encoder, [docs, uploads])
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    textbook = incoming / "Official history textbook.txt"
    textbook.write_text(f"Official history textbook\n\n{FALSE_CLAIM}\n")
    return assistant, docs, uploads, textbook


@pytest.mark.parametrize(
    ("given", "expected", "message"),
    [
        ("anything", None, "turned off"),
        ("anything", "", "turned off"),
        ("", KEY, "type the teacher key"),
        (None, KEY, "type the teacher key"),
        (5, KEY, "type the teacher key"),
        ("correct horse", KEY, "wrong"),
        (KEY + " ", KEY, "wrong"),
    ],
)
def test_changing_the_collection_needs_the_servers_teacher_key(given, expected, message):
    with pytest.raises(UploadError, match=message):
        check_teacher_key(given, expected)


def test_the_right_key_is_accepted():
    check_teacher_key(KEY, KEY)


def test_without_the_key_an_upload_changes_nothing(school):
    assistant, _, uploads, textbook = school
    for key, expected in (("guess", KEY), ("", KEY), ("guess", None)):
        view = handlers.upload(assistant, uploads, [textbook], key, expected)
        assert view.document_list is None and "class='problem'" in view.status
        assert not list(uploads.iterdir())
    assert "turned off" in handlers.upload(assistant, uploads, [textbook], "x", None).status.lower()
    assert "askhist serve --teacher-key" in UPLOADS_OFF
    report = assistant.check("Stalin became General Secretary in 1925")
    assert all(not s.doc.startswith("uploads/") for s in report.sources)


def test_every_quote_and_claim_row_from_an_upload_says_where_it_came_from(school):
    assistant, _, uploads, textbook = school
    view = handlers.upload(assistant, uploads, [textbook], KEY, KEY)
    assert view.document_list is not None, view.status
    doc = assistant.document("uploads/Official history textbook.txt")
    assert doc.origin.startswith("uploaded by a teacher on 20")
    metadata = json.loads((uploads / "sources.json").read_text())
    assert metadata["Official history textbook.txt"]["uploaded_by"] == "a teacher"
    answer = assistant.ask("When did Stalin become General Secretary?")
    quoted = [s for s in answer.sentences if s.doc == doc.doc_id]
    assert quoted, "the upload is not quoted; the test needs a question it answers"
    page = render.conversation_html((answer,), handlers.lookup(assistant))
    assert page.count(render.esc(doc.origin)) >= len(quoted)
    report = assistant.check("Stalin became General Secretary in 1925")
    rows = render.render_claim_report(report, assistant.document)
    assert render.esc(doc.origin) in rows
    seed = assistant.documents()[0]
    assert seed.origin == "" and render.origin_html(seed) == ""


def test_a_teacher_removes_an_upload_and_nothing_else_is_lost(school):
    assistant, docs, uploads, textbook = school
    seeds_before = sorted(p.name for p in docs.iterdir())
    handlers.upload(assistant, uploads, [textbook], KEY, KEY)
    doc_id = "uploads/Official history textbook.txt"
    assert [choice[1] for choice in handlers.removable(assistant, uploads)] == [doc_id]
    refused = handlers.remove(assistant, uploads, doc_id, "guess", KEY)
    assert "class='problem'" in refused.status and doc_id in {d.doc_id for d in assistant.documents()}
    view = handlers.remove(assistant, uploads, doc_id, KEY, KEY)
    assert "Removed" in view.status and view.removable == ()
    assert doc_id not in {d.doc_id for d in assistant.documents()}
    assert not (uploads / "Official history textbook.txt").exists()
    assert "Official history textbook.txt" not in json.loads((uploads / "sources.json").read_text())
    assert sorted(p.name for p in docs.iterdir()) == seeds_before
    assert len(assistant.documents()) == len([p for p in docs.iterdir() if p.suffix == ".txt"])
    assert all(s.doc != doc_id for s in assistant.ask("When did Stalin become General Secretary?").sentences)


def test_the_collections_own_documents_are_never_removed(school):
    assistant, docs, uploads, _ = school
    seed = assistant.documents()[0]
    with pytest.raises(UploadError, match="collection's own documents"):
        remove_file(assistant, uploads, seed.doc_id)
    with pytest.raises(UploadError, match="choose an uploaded document"):
        remove_file(assistant, uploads, "uploads/../../docs/" + seed.doc_id)
    with pytest.raises(UploadError, match="choose an uploaded document"):
        remove_file(assistant, uploads, 5)
    assert (docs / seed.doc_id).exists()


def test_a_failed_index_update_puts_a_removed_file_back(school, monkeypatch):
    assistant, _, uploads, textbook = school
    add_files(assistant, uploads, [textbook])
    metadata = (uploads / "sources.json").read_text()

    def broken(**kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(assistant, "refresh", broken)
    with pytest.raises(UploadError, match="could not be removed"):
        remove_file(assistant, uploads, "uploads/Official history textbook.txt")
    assert (uploads / "Official history textbook.txt").exists()
    assert (uploads / "sources.json").read_text() == metadata


KILLED_UPLOAD = textwrap.dedent(
    """
    import sys, threading, time
    from pathlib import Path
    from askhist.uploads import add_files

    class SlowAssistant:  # the index update is where a real upload spends its time
        collection_lock = threading.RLock()
        def documents(self):
            return []
        def refresh(self, log=None, progress=None):
            print("updating the index", flush=True)
            time.sleep(600)

    add_files(SlowAssistant(), Path(sys.argv[1]), [Path(sys.argv[2])])
    """
)


def test_an_upload_killed_midway_is_rolled_back_at_the_next_start_and_said(tmp_path):
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "sources.json").write_text('{"earlier.txt": {"uploaded_by": "a teacher"}}')
    (uploads / "earlier.txt").write_text("An earlier upload that finished.")
    source = tmp_path / "olga.txt"
    source.write_text("Olga Ilyina kept the card index of the party.")
    env_path = str(Path(__file__).resolve().parents[2] / "src")
    process = subprocess.Popen(
        [sys.executable, "-c", KILLED_UPLOAD, str(uploads), str(source)],
        stdout=subprocess.PIPE,
        text=True,
        env={"PYTHONPATH": env_path, "PATH": "/usr/bin:/bin"},
    )
    try:
        assert process.stdout.readline().strip() == "updating the index"
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait()
    assert (uploads / "olga.txt").exists()  # what the killed server left
    assert recover_interrupted(uploads) == ["olga.txt"]
    assert sorted(p.name for p in uploads.iterdir()) == ["earlier.txt", "sources.json"]
    assert json.loads((uploads / "sources.json").read_text()) == {"earlier.txt": {"uploaded_by": "a teacher"}}
    assert recover_interrupted(uploads) == []  # said once
    page = render.teacher_access_html(True, ["olga.txt"])
    assert "interrupted" in page and "olga.txt" in page


def test_a_finished_upload_leaves_no_journal(school):
    assistant, _, uploads, textbook = school
    add_files(assistant, uploads, [textbook])
    assert not (uploads / JOURNAL).exists()
    assert recover_interrupted(uploads) == []
    assert (uploads / "Official history textbook.txt").exists()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_too_many_wrong_keys_from_one_client_are_refused_for_a_while():
    from askhist.web.attempts import KeyAttempts

    clock = Clock()
    attempts = KeyAttempts(limit=3, window=600, clock=clock)
    for _ in range(3):
        with pytest.raises(UploadError, match="the teacher key is wrong"):
            handlers.check_key("guess", KEY, attempts, "10.0.0.7")
    # Now even the right key is refused from that client, with how long to wait...
    with pytest.raises(UploadError, match="too many wrong teacher keys from this device; try again in 10 minutes"):
        handlers.check_key(KEY, KEY, attempts, "10.0.0.7")
    handlers.check_key(KEY, KEY, attempts, "10.0.0.8")  # ... while other clients are not affected.
    clock.now += 541
    with pytest.raises(UploadError, match="try again in 1 minute;"):
        handlers.check_key(KEY, KEY, attempts, "10.0.0.7")
    clock.now += 60  # the first wrong key is now out of the window
    handlers.check_key(KEY, KEY, attempts, "10.0.0.7")
    # The right key forgave the earlier mistakes: three more are needed to be refused again.
    for _ in range(2):
        with pytest.raises(UploadError, match="the teacher key is wrong"):
            handlers.check_key("guess", KEY, attempts, "10.0.0.7")
    handlers.check_key(KEY, KEY, attempts, "10.0.0.7")


def test_an_empty_key_or_uploads_turned_off_are_not_counted_as_guesses():
    from askhist.web.attempts import KeyAttempts

    attempts = KeyAttempts(limit=1, window=600, clock=Clock())
    for _ in range(3):
        with pytest.raises(UploadError, match="type the teacher key"):
            handlers.check_key("", KEY, attempts, "c")
        with pytest.raises(UploadError, match="turned off"):
            handlers.check_key("guess", None, attempts, "c")
    handlers.check_key(KEY, KEY, attempts, "c")


def test_the_remembered_clients_are_bounded():
    from askhist.web.attempts import KeyAttempts

    clock = Clock()
    attempts = KeyAttempts(limit=1, window=600, clock=clock, max_clients=2)
    for client in ("a", "b", "c"):
        clock.now += 1
        attempts.failed(client)
    assert attempts.refusal("a") is None  # the oldest was forgotten
    assert attempts.refusal("b") and attempts.refusal("c")


def test_the_upload_handler_refuses_a_client_that_guessed_too_often(tmp_path):
    from askhist.web.attempts import KeyAttempts

    assistant = build_fake_assistant(SEEDS, tmp_path / "index")
    attempts = KeyAttempts(limit=2, window=600, clock=Clock())
    note = tmp_path / "note.txt"
    note.write_text("A note on the NEP.\n\nThe NEP was Lenin's New Economic Policy of 1921.\n", encoding="utf-8")
    for _ in range(2):
        view = handlers.upload(assistant, tmp_path / "up", [note], "guess", KEY, attempts=attempts, client="c")
        assert "teacher key is wrong" in view.status
    view = handlers.upload(assistant, tmp_path / "up", [note], KEY, KEY, attempts=attempts, client="c")
    assert "Too many wrong teacher keys" in view.status and not (tmp_path / "up" / "note.txt").exists()
    view = handlers.remove(assistant, tmp_path / "up", "x", KEY, KEY, attempts=attempts, client="c")
    assert "Too many wrong teacher keys" in view.status
