"""The web app's page: Gradio components wired to :mod:`askhist.web.handlers`,
and ``askhist serve``.

Four tabs: ask a question (chat with citations that open the source passage),
check a claim (for teachers), read the sources, add a document. The page's
own events are private; the Gradio API exposes two JSON endpoints, ``/ask``
and ``/check``. The style and the page script are package data
(``static/app.css``, ``static/app.js``), read once when this module loads.
"""

import os
import sys
import threading
from collections.abc import Sequence
from importlib import resources
from pathlib import Path

import gradio as gr
from starlette.middleware import Middleware

from ..assistant import MAX_QUESTION_CHARS, Assistant, InputError
from ..callbacks import LogFn
from ..follow import follow
from ..frontend import EXAMPLE_CLAIMS, EXAMPLE_QUESTIONS, load_assistant, log
from ..uploads import recover_interrupted
from . import handlers, render
from .attempts import KeyAttempts
from .limits import RequestLimits

# Gradio refuses bigger files itself; the upload check gives the friendly message.
# How many files one request may carry is bounded by limits.MAX_UPLOAD_REQUEST_BYTES.
GRADIO_MAX_FILE_SIZE = "25mb"
# Gradio keeps uploaded files in its cache; the app copies them at once, so
# delete them (every 5 minutes, those older than 10) rather than keep them for hours.
GRADIO_CACHE_CLEANUP = (300, 600)
TEACHER_KEY_ENV = "ASKHIST_TEACHER_KEY"
# Questions and claims run the model: as many at once as there are cores (see README).
ANSWER_CONCURRENCY = 2
QUEUE_MAX_SIZE = 64
# Gradio keeps per-session state; API clients without a session each add one.
# Bound it so a long day of API calls cannot grow the server towards Gradio's
# default of 10,000 sessions.
STATE_SESSION_CAPACITY = 1000


def _static(name: str) -> str:
    """A file of the package's static/ folder."""
    return (resources.files(__package__) / "static" / name).read_text(encoding="utf-8")


CSS = _static("app.css")
JS_ON_LOAD = _static("app.js")


def _html_block(value: str = "", **kwargs) -> gr.HTML:
    """An HTML block of askhist's output, with the page script (static/app.js) running in it."""
    return gr.HTML(value, js_on_load=JS_ON_LOAD, elem_classes=["askhist-html"], **kwargs)


def build_app(
    assistant: Assistant,
    upload_dir: Path,
    log: LogFn = lambda message: None,
    teacher_key: str | None = None,
    discarded: Sequence[str] = (),
) -> gr.Blocks:
    """The Gradio Blocks app for one loaded assistant. Documents can be added
    and removed only with ``teacher_key`` (never without one); ``discarded``
    names the files of an upload that a restart rolled back."""
    upload_dir = Path(upload_dir)
    uploads_enabled = bool(teacher_key)

    # ----- chat: the state is the list of the conversation's answers -----
    def shown(view: handlers.ChatView) -> tuple:
        return (
            view.page,
            list(view.turns),
            view.question,
            view.notice,
            gr.update(visible=view.examples_visible),
            gr.update(visible=not view.examples_visible),
        )

    def chat_turn(question: str, turns: list) -> tuple:
        return shown(handlers.ask(assistant, question, turns))

    def example_turn(question: str):
        return lambda turns: chat_turn(question, turns)

    def new_conversation() -> tuple:
        return shown(handlers.conversation(assistant, ()))

    # ----- claim -----
    def claim_report(claim: str) -> str:
        return handlers.check(assistant, claim)

    # ----- sources -----
    def open_document(event: gr.EventData) -> str:
        # The card's button sends {"doc": id} (static/app.js); a request without it shows the placeholder.
        try:
            doc_id = event.doc
        except (AttributeError, TypeError):
            doc_id = None
        return handlers.show_document(assistant, doc_id)

    # ----- uploads -----
    def upload_shown(view: handlers.UploadView) -> tuple:
        unchanged = gr.update()
        return (
            view.status,
            None,
            unchanged if view.document_list is None else view.document_list,
            unchanged if view.viewer is None else view.viewer,
            unchanged if view.removable is None else gr.update(choices=list(view.removable), value=None),
        )

    attempts = KeyAttempts()  # wrong teacher keys per client address (web/attempts.py)

    def client_of(request: gr.Request | None) -> str:
        client = getattr(request, "client", None)
        return str(getattr(client, "host", "") or "")

    def upload(files, key, request: gr.Request, progress=gr.Progress()) -> tuple:
        paths = [files] if isinstance(files, (str, Path)) else list(files or [])

        def report(stage: str, done: int, total: int) -> None:
            progress((done, total), desc=f"Updating the index ({stage} new passages)", unit="texts")

        if paths:
            progress(0, desc="Checking the file")
        return upload_shown(
            handlers.upload(
                assistant,
                upload_dir,
                paths,
                key,
                teacher_key,
                log=log,
                progress=report,
                attempts=attempts,
                client=client_of(request),
            )
        )

    def remove(doc_id, key, request: gr.Request) -> tuple:
        return upload_shown(
            handlers.remove(
                assistant, upload_dir, doc_id, key, teacher_key, log=log, attempts=attempts, client=client_of(request)
            )
        )

    def removable_choices():
        return gr.update(choices=list(handlers.removable(assistant, upload_dir)), value=None)

    # ----- JSON API -----
    document = handlers.lookup(assistant)

    def with_origins(rows: list[dict]) -> list[dict]:
        """As on the page, each quote from an uploaded document says where it came from ("" otherwise)."""
        for row in rows:
            doc = document(row["doc"])
            row["origin"] = doc.origin if doc is not None else ""
        return rows

    def api_ask(question: str, history: list[str] | None = None) -> dict:
        """Answer a question with quoted, cited sentences (or abstain). `history`: earlier questions, oldest first."""
        try:
            # Types and sizes are checked by Assistant.ask: a wrong one is an InputError, never a traceback.
            result = assistant.ask(question, history=history).to_dict()
            with_origins(result["sentences"])
            with_origins(result["passages"])
            return result
        except InputError as exc:
            raise gr.Error(render.friendly_error(exc), print_exception=False) from None

    def api_check(claim: str) -> dict:
        """Which sources support a claim, each with its best sentence."""
        try:
            result = assistant.check(claim).to_dict()
            with_origins(result["sources"])
            return result
        except InputError as exc:
            raise gr.Error(render.friendly_error(exc), print_exception=False) from None

    private = {"api_visibility": "private"}
    answer_group = {"concurrency_id": "answer", "concurrency_limit": ANSWER_CONCURRENCY}

    with gr.Blocks(title="askhist \u2014 ask the history sources", delete_cache=GRADIO_CACHE_CLEANUP) as demo:
        gr.HTML(
            "<div class='askhist-header'><h1>askhist</h1>"
            "<p>Ask questions about the history sources. Every answer is quoted from the documents, "
            "with a number showing where it comes from.</p></div>",
            js_on_load=None,
        )
        # Tabs wrap onto a second row on a phone rather than hide behind an unlabelled menu.
        with gr.Tabs(overflow_behavior="wrap"):
            with gr.Tab("Ask a question", id="ask", elem_id="tab-ask"):
                turns = gr.State([])
                # Apart from the example chips, and only once there is a conversation to leave.
                with gr.Row(elem_id="new-chat-row"):
                    reset = gr.Button(
                        "\u21ba Start a new conversation",
                        size="sm",
                        variant="secondary",
                        elem_id="new-chat",
                        scale=0,
                        min_width=0,
                        visible=False,
                    )
                chat = _html_block(render.intro_html(), elem_id="chat-log")
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False,
                        container=False,
                        placeholder="Type a question",
                        elem_id="question-box",
                        scale=6,
                        max_length=MAX_QUESTION_CHARS,
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask-button")
                chat_notice = _html_block("", elem_id="chat-notice")
                with gr.Column(elem_id="examples") as examples:
                    gr.HTML("<span id='examples-label'>Not sure what to ask? Try one of these:</span>")
                    with gr.Row():
                        example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLE_QUESTIONS]
                outputs = [chat, turns, question, chat_notice, examples, reset]
                asked = {**private, **answer_group, "show_progress": "minimal"}
                question.submit(chat_turn, [question, turns], outputs, **asked)
                ask_button.click(chat_turn, [question, turns], outputs, **asked)
                for button, text in zip(example_buttons, EXAMPLE_QUESTIONS):
                    button.click(example_turn(text), [turns], outputs, **asked)
                reset.click(new_conversation, None, outputs, **private)

            with gr.Tab("Check a claim", id="check", elem_id="tab-check"):
                gr.HTML(
                    "<p class='askhist-html'>For teachers: paste a claim to see, source by source, whether it "
                    "is <b>supported</b>, <b>partly supported</b>, <b>contradicted</b> or <b>not found</b>, with the "
                    "best quote and a citation to copy.</p>"
                )
                with gr.Row(equal_height=True):
                    claim = gr.Textbox(
                        show_label=False,
                        container=False,
                        placeholder="Paste a claim to check",
                        elem_id="claim-box",
                        scale=6,
                        max_length=MAX_QUESTION_CHARS,
                    )
                    check_button = gr.Button("Check", variant="primary", scale=1, min_width=90, elem_id="check-button")
                gr.Examples([[c] for c in EXAMPLE_CLAIMS], inputs=[claim], label="Example claims")
                report = _html_block("", elem_id="claim-report")
                checked = {**private, **answer_group, "show_progress": "minimal"}
                claim.submit(claim_report, [claim], [report], **checked)
                check_button.click(claim_report, [claim], [report], **checked)

            with gr.Tab("Sources", id="sources", elem_id="tab-sources"):
                gr.HTML("<p class='askhist-html'>These are the documents askhist answers from.</p>")
                with gr.Row():
                    with gr.Column(scale=2):
                        doc_list = _html_block(handlers.document_list(assistant), elem_id="doc-list")
                    with gr.Column(scale=3, elem_id="doc-view-column"):
                        viewer = _html_block(render.render_document(None), elem_id="doc-view")
                doc_list.click(open_document, None, [viewer], **private, show_progress="hidden")

            with gr.Tab("Add a document", id="add", elem_id="tab-add"):
                gr.HTML(render.upload_help_html())
                gr.HTML(render.teacher_access_html(uploads_enabled, discarded), elem_id="teacher-access")
                key = gr.Textbox(
                    label="Teacher key",
                    type="password",
                    max_length=200,
                    elem_id="teacher-key",
                    interactive=uploads_enabled,
                )
                files = gr.File(
                    label="Drop a file here or click to choose",
                    file_count="multiple",
                    type="filepath",
                    elem_id="upload-box",
                    interactive=uploads_enabled,
                )
                upload_status = _html_block("", elem_id="upload-status")
                with gr.Row(equal_height=True):
                    remove_choice = gr.Dropdown(
                        choices=list(handlers.removable(assistant, upload_dir)),
                        value=None,
                        label="Remove an uploaded document",
                        elem_id="remove-choice",
                        interactive=uploads_enabled,
                        scale=4,
                    )
                    remove_button = gr.Button(
                        "Remove", variant="stop", elem_id="remove-button", interactive=uploads_enabled, scale=1
                    )
                changed = [upload_status, files, doc_list, viewer, remove_choice]
                collection = {**private, "concurrency_id": "upload", "concurrency_limit": 1}
                files.upload(upload, [files, key], changed, **collection)
                remove_button.click(remove, [remove_choice, key], changed, **collection)

        gr.api(api_ask, api_name="ask", **answer_group)
        gr.api(api_check, api_name="check", **answer_group)
        # The page always starts with the current collection (uploads made by others included).
        demo.load(lambda: handlers.document_list(assistant), None, [doc_list], **private)
        demo.load(removable_choices, None, [remove_choice], **private)
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo


def launch_options(uploads_enabled: bool = False) -> dict:
    """Arguments for ``demo.launch`` besides host and port. Gradio's own
    upload route is refused when the server takes no uploads."""
    theme = gr.themes.Soft(
        font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "Helvetica", "Arial", "sans-serif"],
        font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "Consolas", "monospace"],
    )
    return {
        "css": CSS,
        "theme": theme,
        "max_file_size": GRADIO_MAX_FILE_SIZE,
        "ssr_mode": False,
        "footer_links": ["api"],
        "show_error": True,
        "state_session_capacity": STATE_SESSION_CAPACITY,
        "app_kwargs": {"middleware": [Middleware(RequestLimits, uploads_enabled=uploads_enabled)]},
    }


def _warm_up(assistant: Assistant) -> None:
    try:
        assistant.ask(EXAMPLE_QUESTIONS[0])
    except Exception:  # a warm-up must never take the server down
        pass


def serve(args) -> int:
    """``askhist serve``: load (or build) the index, then start the web app."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    upload_dir = Path(args.data) / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    discarded = recover_interrupted(upload_dir)  # before the documents are read: never index a half-added upload
    if discarded:
        log(f"An upload was interrupted when the server stopped; not added: {', '.join(discarded)}")
    # The key comes from the command line or the environment, never from the page.
    teacher_key = getattr(args, "teacher_key", None) or os.environ.get(TEACHER_KEY_ENV) or None
    log(f"Loading the collection ({args.docs} and the uploads in {upload_dir}) and its index {args.index} ...")
    # A first start builds the index in a child process: this one never holds torch (see README, Performance).
    assistant = load_assistant(args, build_in_child=True)
    access = "with the teacher key" if teacher_key else f"turned off (no --teacher-key or {TEACHER_KEY_ENV})"
    log(f"{len(assistant.documents())} documents ready; starting the web server (adding documents: {access}) ...")
    demo = build_app(assistant, upload_dir, log=log, teacher_key=teacher_key, discarded=discarded)
    options = launch_options(uploads_enabled=bool(teacher_key))
    demo.launch(server_name=args.host, server_port=args.port, prevent_thread_lock=True, quiet=True, **options)
    print(f"askhist is ready: open {demo.local_url} in your browser (Ctrl+C to stop)", flush=True)
    # The first query pays for lazy set-up in torch; pay it now rather than on a student's first question.
    threading.Thread(target=_warm_up, args=(assistant,), daemon=True).start()
    follow(assistant, threading.Event(), log=log)  # uploads made through other servers (Milvus backend)
    sys.stdout.flush()
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0
