"""The web app without a browser: upload checks, safe file names, HTML escaping,
source context, the event handlers, and the Gradio app's API endpoints."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
import threading
from dataclasses import dataclass, replace
from html.parser import HTMLParser
from pathlib import Path

import pytest

from askhist.answer import Answer, AnswerSentence, Disagreement, PassageResult, Side
from askhist.assistant import InputError
from askhist.claims import CONTRADICTED, NOT_FOUND, PARTLY, SUPPORTED, ClaimReport, Evidence, SourceSupport
from askhist.cleaning import MAIN
from askhist.documents import DocumentError
from askhist.uploads import (
    MAX_NAME_CHARS,
    AddResult,
    PreparedUpload,
    UploadError,
    add_files,
    check_not_duplicate,
    remove_stale_temp_files,
    safe_filename,
    save_upload,
    validate_upload,
)
from askhist.web import handlers
from askhist.web.render import (
    citation_line,
    context_span,
    conversation_html,
    esc,
    highlighted,
    intro_html,
    plain_location,
    problem_html,
    quoted,
    render_answer,
    render_claim_report,
    render_document,
    render_document_list,
    render_upload_result,
)

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">\''
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]*$")


# ---------------------------------------------------------------- safe names


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("essay.txt", "essay.txt"),
        ("My Essay (final).TXT", "My Essay _final.txt"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("..\\..\\windows\\evil.md", "evil.md"),
        ("/absolute/path/notes.md", "notes.md"),
        ("C:\\Users\\kid\\homework.docx", "homework.docx"),
        (".hidden.txt", "hidden.txt"),
        ("...dots.pdf", "dots.pdf"),
        ("Écrit été.txt", "Ecrit ete.txt"),
        ("a<b>c|d?.txt", "a_b_c_d.txt"),
        ("nul\x00byte.txt", "nul_byte.txt"),
        ("tab\tand  spaces.txt", "tab and spaces.txt"),
        ("noextension", "noextension"),
    ],
)
def test_safe_filename(name, expected):
    assert safe_filename(name) == expected


@pytest.mark.parametrize("name", [".txt", "../.txt", "///", "....", "<>|.md", ""])
def test_safe_filename_refuses_names_with_nothing_left(name):
    with pytest.raises(UploadError, match="rename the file"):
        safe_filename(name)


def test_safe_filename_is_bounded_and_keeps_its_extension():
    name = safe_filename("x" * 500 + ".docx")
    assert len(name) <= MAX_NAME_CHARS
    assert name.endswith(".docx")


@pytest.mark.parametrize("name", ["../a.txt", "a/../../b.md", "~/.ssh/id.txt", "CON.txt", " spaced .txt", "-rf.txt"])
def test_safe_names_stay_inside_the_folder(name, tmp_path):
    safe = safe_filename(name)
    assert SAFE_NAME.match(safe), safe
    assert (tmp_path / safe).resolve().parent == tmp_path.resolve()


# ---------------------------------------------------------------- validation


def test_validate_accepts_text_and_keeps_bytes():
    upload = validate_upload(b"A short text about Olga.\n", "olga.txt")
    assert upload.name == "olga.txt"
    assert upload.text.startswith("A short text")
    assert upload.data == b"A short text about Olga.\n"


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"", "empty.txt", "is empty"),
        (b"   \n\n  ", "blank.txt", "no text"),
        (b"hello", "virus.exe", r"\.exe files can't be added"),
        (b"hello", "README", "files without an extension"),
        (b"hello", "page.html", r"\.html files can't be added"),
        (b"\x00\x01\x02binary", "image.txt", "binary"),
        (b"not a pdf at all", "fake.pdf", "cannot read this PDF"),
        (b"not a zip", "fake.docx", "cannot read this Word document"),
    ],
)
def test_validate_refuses_with_a_clear_message(data, name, message):
    with pytest.raises(DocumentError, match=message) as info:
        validate_upload(data, name)
    assert name in str(info.value)  # the message says which file


def test_validate_refuses_big_files():
    with pytest.raises(UploadError, match=r"too big \(1\.0 MB\); the limit is 512 KB"):
        validate_upload(b"a" * (1024 * 1024), "big.txt", max_bytes=512 * 1024)


def test_validate_reads_docx():
    import docx

    document = docx.Document()
    document.add_paragraph("Olga Ilyina kept the card index.")
    buffer = io.BytesIO()
    document.save(buffer)
    upload = validate_upload(buffer.getvalue(), "olga.docx")
    assert "Olga Ilyina kept the card index." in upload.text


def _minimal_pdf(text: str) -> bytes:
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def test_validate_reads_pdf():
    upload = validate_upload(_minimal_pdf("Olga Ilyina kept the card index."), "olga.pdf")
    assert "Olga Ilyina kept the card index." in upload.text


@dataclass
class FakeDoc:
    doc_id: str
    title: str
    text: str
    sha256: str = ""
    description: str = ""
    origin: str = ""


def test_duplicate_names_are_refused_whatever_the_case():
    upload = validate_upload(b"Entirely new text about someone.", "Essay.TXT")
    existing = [FakeDoc("uploads/essay.txt", "An essay", "Other words.", "x")]
    with pytest.raises(UploadError, match="already in the collection"):
        check_not_duplicate(upload, existing)


def test_duplicate_content_is_refused_and_named():
    upload = validate_upload(b"Stalin was General Secretary.\n", "copy.txt")
    existing = [FakeDoc("002.txt", "The Rise of Stalin", "Stalin  was General\nSecretary.", "x")]
    with pytest.raises(UploadError, match=r"same text as “The Rise of Stalin” \(002\.txt\)"):
        check_not_duplicate(upload, existing)
    same_bytes = [FakeDoc("other.md", "Other", "different text", upload.sha256)]
    with pytest.raises(UploadError, match="same text"):
        check_not_duplicate(upload, same_bytes)


def test_new_documents_pass_the_duplicate_check():
    upload = validate_upload(b"Entirely new text about someone.", "new.txt")
    check_not_duplicate(upload, [FakeDoc("002.txt", "The Rise of Stalin", "Other words.", "x")])


# ---------------------------------------------------------------- saving


def _prepared(name: str, data: bytes) -> PreparedUpload:
    return validate_upload(data, name)


def test_save_writes_the_file_and_leaves_no_temp_file(tmp_path):
    path = save_upload(tmp_path / "uploads", _prepared("a.txt", b"Some words here."))
    assert path == tmp_path / "uploads" / "a.txt"
    assert path.read_bytes() == b"Some words here."
    assert sorted(p.name for p in path.parent.iterdir()) == ["a.txt"]
    assert os.stat(path).st_mode & 0o444 == 0o444


def test_save_never_overwrites(tmp_path):
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "a.txt").write_bytes(b"the original")
    with pytest.raises(UploadError, match="already in the uploads folder"):
        save_upload(folder, _prepared("a.txt", b"a replacement"))
    assert (folder / "a.txt").read_bytes() == b"the original"
    assert sorted(p.name for p in folder.iterdir()) == ["a.txt"]


def test_stale_temp_files_are_removed(tmp_path):
    (tmp_path / ".upload-abc.part").write_bytes(b"half")
    (tmp_path / "keep.txt").write_bytes(b"whole")
    remove_stale_temp_files(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


class FakeAssistant:
    def __init__(self, docs=(), fail: Exception | None = None):
        self.docs = list(docs)
        self.fail = fail
        self.refreshed = 0
        self.collection_lock = threading.RLock()

    def documents(self):
        return list(self.docs)

    def document(self, doc_id):
        return next(d for d in self.docs if d.doc_id == doc_id)

    def refresh(self, log=None, progress=None):
        self.refreshed += 1
        if self.fail:
            raise self.fail
        return ["changed"]


def test_add_files_reports_each_file(tmp_path):
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "good.txt").write_bytes(b"Olga Ilyina kept the card index.")
    (incoming / "empty.txt").write_bytes(b"")
    (incoming / "dup.txt").write_bytes(b"Already here.")
    (incoming / "big.txt").write_bytes(b"a" * 2048)
    assistant = FakeAssistant([FakeDoc("seed.txt", "Seed", "Already here.", "x")])
    folder = tmp_path / "data" / "uploads"
    paths = [incoming / n for n in ("good.txt", "empty.txt", "dup.txt", "big.txt")]
    result = add_files(assistant, folder, paths, max_bytes=1024)
    assert result.added == [("uploads/good.txt", "good.txt")]  # the fake has no title: the file name stands in
    assert len(result.refused) == 3
    assert any("empty" in m for m in result.refused)
    assert any("same text" in m for m in result.refused)
    assert any("too big" in m for m in result.refused)
    assert assistant.refreshed == 1
    assert sorted(p.name for p in folder.iterdir()) == ["good.txt", "sources.json"]  # sources.json: its origin


def test_add_files_refuses_the_same_file_twice_in_one_batch(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"Same words.")
    (tmp_path / "b.txt").write_bytes(b"Same words.")
    result = add_files(FakeAssistant(), tmp_path / "uploads", [tmp_path / "a.txt", tmp_path / "b.txt"])
    assert [doc for doc, _ in result.added] == ["uploads/a.txt"]
    assert "same text" in result.refused[0]


def test_add_files_removes_new_files_when_the_index_update_fails(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"Words that will not be indexed.")
    folder = tmp_path / "uploads"
    folder.mkdir()
    (folder / "old.txt").write_bytes(b"An earlier upload.")
    assistant = FakeAssistant(fail=RuntimeError("disk full"))
    with pytest.raises(UploadError, match=r"nothing was changed .*disk full"):
        add_files(assistant, folder, [tmp_path / "a.txt"])
    assert sorted(p.name for p in folder.iterdir()) == ["old.txt"]


def test_add_files_with_nothing_valid_does_not_touch_the_index(tmp_path):
    (tmp_path / "x.exe").write_bytes(b"MZ")
    assistant = FakeAssistant()
    result = add_files(assistant, tmp_path / "uploads", [tmp_path / "x.exe"])
    assert result.added == [] and assistant.refreshed == 0
    assert ".exe files can't be added" in result.refused[0]


def test_upload_joins_a_real_index_encoding_only_the_new_passages(tmp_path, seed_index_dir, encoder, seeds_copy):
    from askhist import Assistant
    from askhist.index import load_index

    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    folder = tmp_path / "data" / "uploads"
    assistant = Assistant(load_index(index_dir), encoder, [seeds_copy, folder])
    before = assistant.index.manifest["counts"]["documents"]
    source = tmp_path / "olga.txt"
    source.write_text(
        "Olga Petrovna Ilyina worked as a typist in the secretariat. "
        "In 1925 Ilyina rebuilt the card index of party members for the General Secretary.\n",
        encoding="utf-8",
    )
    result = add_files(assistant, folder, [source])
    assert result.added == [("uploads/olga.txt", assistant.document("uploads/olga.txt").title)]
    manifest = assistant.index.manifest
    assert manifest["counts"]["documents"] == before + 1
    assert 0 < manifest["encoded_now"] <= 6  # the new passage and sentences only
    answer = assistant.ask("What did Olga Ilyina rebuild in 1925?")
    assert not answer.abstained
    assert answer.sentences[0].doc == "uploads/olga.txt"


# ---------------------------------------------------------------- escaping


def _assert_inert(page: str) -> None:
    assert "<script" not in page
    assert "<img" not in page
    assert 'onerror="' not in page
    assert "&lt;script&gt;" in page


def _answer(
    text: str = f"The quote {EVIL} is here.", section: str = MAIN, question: str = f"Question {EVIL}?"
) -> tuple[Answer, dict]:
    doc_text = f"Before it. {text} After it."
    start = doc_text.index(text)
    sentence = AnswerSentence(
        text, "evil.txt", f"Title {EVIL}", start, start + len(text), 1, "paragraph 1", 0.9, section, 1
    )
    passage = PassageResult("evil.txt", f"Title {EVIL}", 0, len(doc_text), doc_text, 0.5, "paragraph 1", section, 1)
    answer = Answer(question, False, (sentence,), (passage,), context=f"earlier {EVIL}")
    docs = {"evil.txt": FakeDoc("evil.txt", f"Title {EVIL}", doc_text, "x", f"Description {EVIL}")}
    return answer, docs


def test_esc_escapes_quotes_for_attributes():
    assert esc("a'b\"c<d>&") == "a&#x27;b&quot;c&lt;d&gt;&amp;"


def test_answers_escape_question_quote_title_and_source_text():
    answer, docs = _answer()
    page = render_answer(0, answer, docs.get)
    _assert_inert(page)
    assert "<mark>The quote &lt;script&gt;" in page
    assert page.count("&lt;script&gt;") >= 5  # question, context, quote, title, passage


def test_abstained_answers_escape_nearest_passages():
    answer, docs = _answer()
    abstained = Answer(answer.question, True, (), answer.passages, message="no")
    page = render_answer(3, abstained, docs.get)
    _assert_inert(page)
    assert "don't answer this question" in page


def _evidence(answer: Answer, section: str = MAIN) -> Evidence:
    s = answer.sentences[0]
    return Evidence(s.text, s.start, s.end, "paragraph 1", section, s.paragraph)


def test_claim_report_escapes_everything_including_the_copy_attribute():
    answer, docs = _answer()
    evidence = _evidence(answer)
    report = ClaimReport(
        f"Claim {EVIL}",
        (
            SourceSupport("evil.txt", f"Title {EVIL}", MAIN, SUPPORTED, 0.9, evidence),
            SourceSupport("evil.txt", "Other essays", "related", PARTLY, 0.5, evidence, note=f"gives {EVIL}"),
            SourceSupport("evil.txt", f"Title {EVIL}", MAIN, NOT_FOUND, 0.1, None),
        ),
    )
    page = render_claim_report(report, docs.__getitem__)
    _assert_inert(page)
    copy_attributes = re.findall(r"data-copy='([^']*)'", page)
    assert len(copy_attributes) == 2
    assert all("<" not in value and "'" not in value for value in copy_attributes)
    assert "other people's essays" in page
    assert "1 supported" in page and "1 partly supported" in page and "1 not found" in page


def test_documents_and_messages_are_escaped():
    answer, docs = _answer()
    for page in (
        render_document_list(list(docs.values())),
        render_document(docs["evil.txt"]),
        problem_html(f"Problem {EVIL}"),
        render_upload_result(AddResult(added=[("x", f"T {EVIL}")], refused=[f"R {EVIL}"], notes=[f"N {EVIL}"])),
        conversation_html([answer], docs.get),
    ):
        _assert_inert(page)


# ---------------------------------------------------------------- where a sentence is


def test_plain_location_names_other_writers():
    assert plain_location(MAIN, 4) == "paragraph 4"
    related = plain_location("related-3", 23)
    assert related.startswith("paragraph 23") and "someone else's essay" in related


def test_where_a_sentence_is_comes_from_its_fields_not_its_location_text():
    # The location text says the opposite of the fields: the page must follow the fields.
    answer, docs = _answer()
    s, p = answer.sentences[0], answer.passages[0]
    related = replace(
        answer,
        sentences=(replace(s, section="related-2", paragraph=7, location="paragraph 1"),),
        passages=(replace(p, section="related-2", paragraph=7),),
    )
    main = replace(answer, sentences=(replace(s, location="snippet 2 of another essay, paragraph 9"),))
    assert "tag-other" not in render_answer(0, main, docs.get)
    assert "paragraph 1</span>" in render_answer(0, main, docs.get)
    page = render_answer(0, related, docs.get)
    assert "tag-other" in page and "paragraph 7, in a snippet of someone else" in page
    nearest = render_answer(0, replace(related, abstained=True, sentences=()), docs.get)
    assert "tag-other" in nearest and "paragraph 7, in a snippet" in nearest

    report = ClaimReport(
        "c", (SourceSupport("evil.txt", "T", "related", SUPPORTED, 0.9, _evidence(related, "related-2")),)
    )
    page = render_claim_report(report, docs.__getitem__)
    assert "Found in paragraph 7, in a snippet of someone else" in page
    assert "related-note" in page


def test_an_earlier_turn_whose_file_changed_shows_only_its_quote():
    answer, docs = _answer()
    changed = {"evil.txt": replace(docs["evil.txt"], text="Entirely different text now, longer than before.")}
    for lookup in (changed.get, {}.get):
        page = render_answer(0, answer, lookup)
        assert f"<div class='passage'><mark><bdi>{esc(answer.sentences[0].text)}</bdi></mark></div>" in page
        _assert_inert(page)


# ---------------------------------------------------------------- source context


def test_highlighted_marks_exactly_the_span():
    text = "First paragraph.\n\nOne. Two <b>. Three.\n\nLast."
    start = text.index("Two")
    end = start + len("Two <b>.")
    html = highlighted(text, start, end, *context_span(text, start, end, min_chars=1, max_chars=100))
    assert "<mark>Two &lt;b&gt;.</mark>" in html
    assert html.startswith("<bdi>One.") and html.endswith("Three.</bdi>")


def test_context_grows_short_paragraphs_and_cuts_long_ones():
    text = "Intro.\n\nShort one.\n\nNext paragraph here."
    start = text.index("Short")
    lo, hi = context_span(text, start, start + 10, min_chars=30)
    assert text[lo:hi].startswith("Intro.") and text[lo:hi].endswith("here.")
    long = " ".join(f"word{i}" for i in range(2000))
    start = long.index("word1000")
    lo, hi = context_span(long, start, start + 8, max_chars=200)
    assert hi - lo <= 200 and lo <= start and hi >= start + 8
    html = highlighted(long, start, start + 8, lo, hi)
    assert html.startswith("<bdi>\u2026 ") and html.endswith(" \u2026</bdi>")


def test_citation_line_and_quotes():
    line = citation_line("Stalin won.", "The Rise", "paragraph 4", "file.txt", 120, 245)
    assert line == "“Stalin won.” — The Rise, paragraph 4 (file.txt, characters 120–245)"
    assert quoted("“Already quoted.”") == "“Already quoted.”"


# ---------------------------------------------------------------- the event handlers


class StubAssistant(FakeAssistant):
    """Answers every question with a copy of ``answer`` and records the history it was given."""

    def __init__(self, answer: Answer, docs):
        super().__init__(docs)
        self.answer = answer
        self.histories: list[list[str]] = []

    def document(self, doc_id):
        for doc in self.docs:
            if doc.doc_id == doc_id:
                return doc
        raise InputError(f"no document named {doc_id!r} in the collection")

    def ask(self, question, history=None):
        if not question.strip(" ?"):
            raise InputError("the question has no words in it")
        self.histories.append(list(history or []))
        return replace(self.answer, question=question)

    def check(self, claim):
        if not claim.strip():
            raise InputError("please type a claim: it is empty")
        return ClaimReport(claim, ())


def _stub() -> StubAssistant:
    answer, docs = _answer()
    return StubAssistant(answer, list(docs.values()))


def test_a_conversation_is_its_answers_rendered_on_demand():
    assistant = _stub()
    first = handlers.ask(assistant, "First question?", [])
    second = handlers.ask(assistant, "Second question?", first.turns)
    assert [turn.question for turn in second.turns] == ["First question?", "Second question?"]
    assert all(isinstance(turn, Answer) for turn in second.turns)
    assert [[a.question for a in h] for h in assistant.histories] == [[], ["First question?"]]  # earlier answers
    assert second.page == conversation_html(second.turns, assistant.document)
    assert "id='turn-1'" in second.page and "ask-1-1" in second.page
    assert (second.question, second.notice, second.examples_visible) == ("", "", False)
    assert handlers.conversation(assistant, ()).page == intro_html()
    assert handlers.conversation(assistant, ()).examples_visible


def test_a_refused_question_keeps_the_conversation_and_says_why():
    assistant = _stub()
    before = handlers.ask(assistant, "First question?", [])
    view = handlers.ask(assistant, "???", before.turns)
    assert view.turns == before.turns and view.page == before.page
    assert view.question == "???"
    assert view.notice == problem_html("The question has no words in it")
    after = handlers.ask(assistant, "Second question?", view.turns)
    assert after.notice == "" and len(after.turns) == 2  # the message is gone once a question succeeds


def test_claim_and_document_handlers():
    assistant = _stub()
    page = handlers.check(assistant, "Stalin became General Secretary in 1922")
    assert "claim-report" in page and "problem" not in page
    assert handlers.check(assistant, "  ") == problem_html("Please type a claim: it is empty")
    assert handlers.show_document(assistant, "evil.txt") == render_document(assistant.document("evil.txt"))
    assert handlers.show_document(assistant, None) == render_document(None)
    assert "No document named" in handlers.show_document(assistant, "missing.txt")


def test_upload_handler_reports_and_refreshes_the_lists(tmp_path):
    assistant = _stub()
    assert handlers.upload(assistant, tmp_path / "uploads", [], "k", "k").status == render_upload_result(AddResult())
    (tmp_path / "x.exe").write_bytes(b"MZ")
    refused = handlers.upload(assistant, tmp_path / "uploads", [tmp_path / "x.exe"], "k", "k")
    assert refused.document_list is None and refused.viewer is None
    assert "Not added" in refused.status and ".exe files can&#x27;t be added" in refused.status
    assert refused.status.count("class='problem'") == 1  # said once, in the page: no pop-up besides


def test_the_handlers_and_renderers_load_without_gradio():
    code = "import sys, askhist.web.handlers, askhist.web.render; sys.exit('gradio' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


# ---------------------------------------------------------------- the app


def test_app_exposes_named_ask_and_check_endpoints(tmp_path):
    from askhist.web.app import ANSWER_CONCURRENCY, QUEUE_MAX_SIZE, build_app

    demo = build_app(_stub(), tmp_path / "uploads")
    endpoints = demo.get_api_info()["named_endpoints"]
    assert set(endpoints) == {"/ask", "/check"}  # the UI's own events stay private
    assert [p["parameter_name"] for p in endpoints["/ask"]["parameters"]] == ["question", "history"]
    assert demo._queue.max_size == QUEUE_MAX_SIZE
    assert demo._queue.default_concurrency_limit == ANSWER_CONCURRENCY


def test_the_app_is_launched_with_the_limits():
    from askhist.web.app import launch_options
    from askhist.web.limits import RequestLimits

    middleware = launch_options(uploads_enabled=False)["app_kwargs"]["middleware"]
    assert [m.cls for m in middleware] == [RequestLimits]
    assert middleware[0].kwargs == {"uploads_enabled": False}


def test_the_page_style_and_script_are_the_packaged_static_files():
    from askhist.web import app

    static = Path(app.__file__).parent / "static"
    assert app.launch_options()["css"] == (static / "app.css").read_text(encoding="utf-8")
    assert app.JS_ON_LOAD == (static / "app.js").read_text(encoding="utf-8")
    assert ".askhist-html" in app.CSS and "a.cite" in app.JS_ON_LOAD


# ---------------------------------------------------------------- disagreement, contradiction, follow-ups


def _contradicting_report() -> tuple[ClaimReport, dict]:
    text = "Lenin fell ill in 1922. With the death of Lenin in 1924, the struggle began."
    quote = "With the death of Lenin in 1924, the struggle began."
    start = text.index(quote)
    docs = {"a.txt": FakeDoc("a.txt", "Blog notes", text), "b.txt": FakeDoc("b.txt", "Snippet", text)}
    contra = Evidence(quote, start, start + len(quote), "paragraph 1", MAIN, 1)
    agree = Evidence("Lenin fell ill in 1922.", 0, 23, "paragraph 1", MAIN, 1)
    report = ClaimReport(
        "Lenin died in 1922",
        (
            SourceSupport("b.txt", "Snippet", MAIN, SUPPORTED, 0.8, agree),
            SourceSupport("a.txt", "Blog notes", "related", CONTRADICTED, 0.7, contra, note="gives 1924, not 1922"),
        ),
    )
    return report, docs


def test_a_contradicting_source_has_its_badge_its_quote_first_and_its_note():
    report, docs = _contradicting_report()
    page = render_claim_report(report, docs.__getitem__)
    card = page[page.index("claim-source contradicted") :]
    assert "<span class='badge contradicted'>Contradicted</span>" in card
    quote = card.index("With the death of Lenin in 1924")
    assert quote < card.index("gives 1924, not 1922") and quote < card.index("other people's essays")
    assert "</blockquote><p class='contra-note'>This source <bdi>gives 1924, not 1922</bdi>.</p>" in card
    assert "<blockquote class='best'>\u201c<bdi>With the death" in card  # the marks are the page's, outside
    assert "1 contradicted" in page
    assert page.index("The sources disagree on this claim") < page.index("claim-source")


def test_no_disagreement_note_or_contradicted_count_when_no_source_contradicts():
    report, docs = _contradicting_report()
    agreeing = replace(report, sources=report.sources[:1])
    page = render_claim_report(agreeing, docs.__getitem__)
    assert not agreeing.disagreement
    assert "disagree" not in page and "contradicted</span>" not in page
    assert "1 supported" in page and "0 not found" in page


def test_an_answer_that_disagrees_says_so_above_its_quotes_with_working_citations():
    answer, docs = _answer()
    disagreeing = replace(
        answer, disagreement=Disagreement("year", (Side("1924", (1, 2)), Side(f"1922 {EVIL}", (3,)))), context=""
    )
    page = render_answer(4, disagreeing, docs.get)
    _assert_inert(page)
    note = page[page.index("class='disagree'") : page.index("class='answer-list'")]
    assert "The sources disagree on the year:" in note
    assert re.findall(r"data-target='(ask-4-\d)'", note) == ["ask-4-1", "ask-4-2", "ask-4-3"]
    assert note.index("1924") < note.index("1922")  # majority first, as given
    assert "disagree" not in render_answer(4, answer, docs.get)


def test_a_follow_up_names_what_its_pronoun_was_read_as():
    answer, docs = _answer(question="Why did he lose?")
    page = render_answer(1, replace(answer, context="Who was Trotsky?", referent="Trotsky"), docs.get)
    assert "Read as a follow-up to your earlier question \u201c<bdi>Who was Trotsky?</bdi>\u201d" in page
    assert "(<bdi>he</bdi> = <bdi>Trotsky</bdi>)" in page
    elliptical = replace(answer, question="And in 1926?", context="What did Trotsky do in 1925?")
    page = render_answer(1, replace(elliptical, referent="What did Trotsky do in 1926?"), docs.get)
    assert "(read as \u201c<bdi>What did Trotsky do in 1926?</bdi>\u201d)" in page
    assert "followup" not in render_answer(1, replace(answer, context=""), docs.get)


def test_an_abstention_opens_the_closest_passage_only():
    answer, docs = _answer()
    passages = tuple(replace(answer.passages[0], paragraph=n) for n in (1, 2, 3))
    page = render_answer(0, Answer("q", True, (), passages, message="no"), docs.get)
    opened = re.findall(r"<details class='source nearest' id='ask-0-p(\d)'( open)?>", page)
    assert opened == [("1", " open"), ("2", ""), ("3", "")]


def test_every_source_footer_has_a_button_that_opens_the_document():
    answer, docs = _answer()
    page = render_answer(0, answer, docs.get)
    assert re.findall(r"<button type='button' class='open-source' data-doc='([^']*)'>", page) == ["evil.txt"]
    assert "Read the whole document in the Sources tab</button>" in page


class _Bidi(HTMLParser):
    """Every text node with a right-to-left override, and whether a <bdi> holds it."""

    def __init__(self):
        super().__init__()
        self.depth = 0
        self.found: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        self.depth += tag == "bdi"

    def handle_endtag(self, tag):
        self.depth -= tag == "bdi"

    def handle_data(self, data):
        if RLO in data:
            self.found.append((data, self.depth > 0))


RLO = "\u202e"


def test_document_text_is_isolated_so_an_override_cannot_flip_the_page():
    answer, docs = _answer(text=f"In 1938 {RLO}the archive was sealed.", question=f"Why {RLO}1938?")
    doc = docs["evil.txt"]
    docs = {"evil.txt": replace(doc, title=f"Notes {RLO}on 1938", description=f"About {RLO}it")}
    answer = replace(answer, context=f"Earlier {RLO}question", referent=f"Stalin{RLO}")
    s = answer.sentences[0]
    evidence = Evidence(s.text, s.start, s.end, "paragraph 1", MAIN, 1)
    report = ClaimReport(
        f"Claim {RLO}1938",
        (
            SourceSupport(
                "evil.txt", f"Notes {RLO}on 1938", "related", CONTRADICTED, 0.9, evidence, note=f"gives {RLO}"
            ),
        ),
    )
    nearest = replace(answer, abstained=True, sentences=())
    pages = [
        render_answer(0, answer, docs.get),
        render_answer(0, nearest, docs.get),
        render_answer(0, replace(answer, disagreement=Disagreement("year", (Side(f"19{RLO}38", (1,)),))), docs.get),
        render_claim_report(report, docs.__getitem__),
        render_document_list(list(docs.values())),
        render_document(docs["evil.txt"]),
        render_upload_result(AddResult(added=[("x", f"T {RLO}")], refused=[f"R {RLO}"], notes=[f"N {RLO}"])),
    ]
    for page in pages:
        parser = _Bidi()
        parser.feed(page)
        assert parser.found, page
        assert all(inside for _, inside in parser.found), [text for text, inside in parser.found if not inside]
