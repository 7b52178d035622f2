"""What the web app does on each event, as plain functions: the assistant and
the session's state in, data and HTML out.

Nothing here knows Gradio (``app.py`` wires these functions to the page), so
every path runs in a unit test with a stand-in assistant. A conversation is
kept as data, the answers of its earlier turns, and rendered when shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ..answer import Answer
from ..assistant import Assistant, InputError
from ..callbacks import LogFn, ProgressFn
from ..documents import DocumentError
from ..index import DocumentInfo
from ..uploads import AddResult, UploadError, add_files, check_teacher_key, remove_file, uploaded_documents
from . import render
from .attempts import KeyAttempts


@dataclass(frozen=True)
class ChatView:
    """The "Ask a question" tab after an event."""

    turns: tuple[Answer, ...]  # the conversation so far, oldest first: the session's state
    page: str  # the conversation as HTML
    question: str = ""  # what stays in the question box: a refused question, to fix
    notice: str = ""  # HTML under the question box: why a question was refused (the only place it is said)

    @property
    def examples_visible(self) -> bool:
        """Example questions are offered on an empty conversation only; the
        "Start a new conversation" button on a started one, so the two never
        stand side by side."""
        return not self.turns


@dataclass(frozen=True)
class UploadView:
    """The "Add a document" tab after an upload; ``None`` leaves a part as it is.
    Refusals are said in ``status`` only (no pop-ups to linger over later results)."""

    status: str
    document_list: str | None = None
    viewer: str | None = None
    removable: tuple[tuple[str, str], ...] | None = None  # (label, doc id) of the uploads a teacher may remove


def lookup(assistant: Assistant) -> render.DocumentLookup:
    """``assistant.document`` for the renderers: None for a document the
    collection no longer has (an earlier turn may cite one)."""

    def document(doc_id: str) -> DocumentInfo | None:
        try:
            return assistant.document(doc_id)
        except InputError:
            return None

    return document


def conversation(assistant: Assistant, turns: Sequence[Answer]) -> ChatView:
    """A conversation as it stands (the intro when it is empty)."""
    turns = tuple(turns)
    return ChatView(turns, render.conversation_html(turns, lookup(assistant)))


def ask(assistant: Assistant, question: str, turns: Sequence[Answer]) -> ChatView:
    """Answer a question as the next turn of a conversation; the earlier
    answers are its history (what "he" means is read from them, nothing is
    answered again). A question that can't be asked leaves the conversation
    as it was and says why."""
    turns = tuple(turns)
    try:
        answer = assistant.ask(question, history=list(turns))
    except InputError as exc:
        message = render.friendly_error(exc)
        unchanged = conversation(assistant, turns)
        return ChatView(turns, unchanged.page, question, render.problem_html(message))
    return conversation(assistant, (*turns, answer))


def check(assistant: Assistant, claim: str) -> str:
    """The claim report as HTML, or why the claim can't be checked (in place of the report)."""
    try:
        report = assistant.check(claim)
    except InputError as exc:
        return render.problem_html(render.friendly_error(exc))
    return render.render_claim_report(report, assistant.document)


def show_document(assistant: Assistant, doc_id: object) -> str:
    """One document to read, the placeholder for none, or why it can't be shown."""
    if not doc_id:
        return render.render_document(None)
    try:
        return render.render_document(assistant.document(str(doc_id)))
    except InputError as exc:
        return render.problem_html(render.friendly_error(exc))


def document_list(assistant: Assistant) -> str:
    return render.render_document_list(assistant.documents())


def removable(assistant: Assistant, upload_dir: Path) -> tuple[tuple[str, str], ...]:
    """The uploaded documents a teacher may remove, as (label, doc id) choices."""
    return tuple(
        (f"{doc.title} ({doc.doc_id})", doc.doc_id) for doc in uploaded_documents(assistant.documents(), upload_dir)
    )


def check_key(key: object, teacher_key: str | None, attempts: KeyAttempts | None = None, client: str = "") -> None:
    """``uploads.check_teacher_key``, refused outright for a client that gave
    too many wrong keys lately (``attempts``); a wrong key is counted, the
    right one forgives."""
    if attempts is not None and teacher_key and (refusal := attempts.refusal(client)):
        raise UploadError(refusal)
    try:
        check_teacher_key(key, teacher_key)
    except UploadError:
        if attempts is not None and teacher_key and isinstance(key, str) and key:
            attempts.failed(client)
        raise
    if attempts is not None:
        attempts.succeeded(client)


def upload(
    assistant: Assistant,
    upload_dir: Path,
    paths: Sequence[str | Path],
    key: object,
    teacher_key: str | None,
    log: LogFn = lambda message: None,
    progress: ProgressFn | None = None,
    attempts: KeyAttempts | None = None,
    client: str = "",
) -> UploadView:
    """Add uploaded files to the collection, if ``key`` is the server's
    ``teacher_key`` (and ``client`` has not given too many wrong keys lately,
    see :mod:`askhist.web.attempts`). When one is added, the document list is
    redrawn and the first new document opened."""
    if not paths:
        return UploadView(render.render_upload_result(AddResult()))
    try:
        check_key(key, teacher_key, attempts, client)
        result = add_files(assistant, upload_dir, paths, log=log, progress=progress)
    except DocumentError as exc:
        return UploadView(render.problem_html(render.friendly_error(exc)))
    status = render.render_upload_result(result)
    if not result.added:
        return UploadView(status)
    first = result.added[0][0]
    return UploadView(
        status, document_list(assistant), show_document(assistant, first), removable(assistant, upload_dir)
    )


def remove(
    assistant: Assistant,
    upload_dir: Path,
    doc_id: object,
    key: object,
    teacher_key: str | None,
    log: LogFn = lambda message: None,
    attempts: KeyAttempts | None = None,
    client: str = "",
) -> UploadView:
    """Remove an uploaded document, if ``key`` is the server's ``teacher_key``
    (checked as for :func:`upload`)."""
    try:
        check_key(key, teacher_key, attempts, client)
        title = remove_file(assistant, upload_dir, doc_id, log=log)
    except DocumentError as exc:
        return UploadView(render.problem_html(render.friendly_error(exc)))
    status = f"<p class='ok'><b>Removed \u201c{render.esc(title)}\u201d.</b> It is no longer quoted in answers.</p>"
    return UploadView(status, document_list(assistant), render.render_document(None), removable(assistant, upload_dir))
