"""End to end: Debian's Chromium, driven by Playwright, uses `askhist serve`.

The server runs as a subprocess on a free port with a copy of the seeds, a
copy of the session's built index (so it starts without encoding anything)
and an empty data folder. The tests run in file order on one page: ask and
open a citation, ask a follow-up, check a claim, upload a document and ask
about it, upload an HTML-injection document and read it, and call the JSON
API. A missing Chromium is a failure, not a skip: CI installs it.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from .conftest import SEEDS, TEACHER_KEY

pytestmark = pytest.mark.browser

QUESTION = "Why did Trotsky lose the power struggle?"
FOLLOW_UP = "What about Bukharin?"
CLAIM = "Stalin became General Secretary in 1922"
# Made up for the test: no seed mentions Olga Ilyina.
NEW_DOCUMENT = (
    "Remembering Olga Ilyina\n\n"
    "Olga Petrovna Ilyina was born in Tver in 1898 and worked as a typist in the secretariat of the "
    "Central Committee. In 1925 Ilyina reorganised the party's card index so that the General Secretary "
    "could find the file of any official within minutes. Her colleagues remembered her as quiet, exact "
    "and unafraid of long hours.\n"
)
NEW_QUESTION = "What did Olga Ilyina reorganise in 1925?"
SCRIPT_TAG = "<script>window.__pwned=1</script>"
IMG_TAG = '<img src=x onerror="window.__pwned=1">'
INJECTION_DOCUMENT = (
    f"Notes with markup {SCRIPT_TAG}\n\n"
    f"This page was pasted from a website and still contains {IMG_TAG} inside its text. "
    "A history app must show such tags as plain text and never run them.\n"
)


@pytest.fixture(scope="module")
def page(server, browser):
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    page.set_default_timeout(60_000)
    page.goto(server.url)
    page.wait_for_selector("#chat-log .intro")
    yield page
    page.close()


def _ask(page, question: str) -> None:
    turns = page.locator("#chat-log .turn").count()
    page.fill("#question-box textarea", question)
    page.click("#ask-button")
    page.wait_for_function("n => document.querySelectorAll('#chat-log .turn').length > n", arg=turns)


STATUS_JS = """() => Array.from(document.querySelectorAll('#upload-status p'))
    .map((p) => p.innerText.trim()).join('\\n')"""


def _upload(page, path: Path, key: str = TEACHER_KEY) -> str:
    """Upload one file on the "Add a document" tab with a teacher key; the status message it gets."""
    page.get_by_role("tab", name="Add a document").click()
    page.fill("#teacher-key input", key)
    before = page.evaluate(STATUS_JS)
    page.set_input_files("#upload-box input[type=file]", str(path))
    page.wait_for_function(f"before => {{ const t = ({STATUS_JS})(); return t && t !== before; }}", arg=before)
    return page.evaluate(STATUS_JS)


def test_server_reused_the_index_and_printed_its_url(server):
    log = server.log.read_text(errors="replace")
    assert f"askhist is ready: open {server.url}" in log
    assert "Building the index" not in log


def test_ask_shows_a_cited_answer_and_the_citation_opens_the_source(page):
    _ask(page, QUESTION)
    turn = page.locator("#chat-log .turn").last
    assert QUESTION in turn.locator(".bubble.user").inner_text()
    citation = turn.locator("a.cite").first
    assert citation.inner_text() == "[1]"
    quote = turn.locator(".answer-list .quote").first.inner_text().strip('\u201c\u201d"')
    assert quote

    citation.click()
    source = turn.locator("details.source[open]").first
    mark = source.locator(".passage mark")
    mark.wait_for(state="visible")
    assert mark.inner_text().strip() in quote or quote in mark.inner_text()
    assert source.locator(".src-title").inner_text()  # the document's title
    assert re.search(r"paragraph \d+", source.locator("summary").inner_text())


def test_follow_up_questions_use_the_conversation(page):
    _ask(page, FOLLOW_UP)
    turns = page.locator("#chat-log .turn")
    assert turns.count() == 2
    latest = turns.last
    assert QUESTION in latest.locator(".followup").inner_text()
    assert "Bukharin" in latest.locator(".answer-list").inner_text()
    assert latest.locator("a.cite").count() >= 1


def test_bad_questions_get_a_friendly_message_and_the_app_keeps_working(page):
    page.fill("#question-box textarea", "???")
    page.click("#ask-button")
    page.locator("#chat-notice .problem").wait_for()
    assert "no words" in page.inner_text("#chat-notice")
    assert page.locator("#chat-log .turn").count() == 2


def test_claim_tab_lists_every_source_with_support_quote_and_citation(page):
    page.get_by_role("tab", name="Check a claim").click()
    page.fill("#claim-box textarea", CLAIM)
    page.click("#check-button")
    page.locator("#claim-report .claim-source").first.wait_for()
    sources = page.locator("#claim-report .claim-source")
    assert sources.count() >= 5  # every seed, plus the snippets of other essays listed in one of them
    first = sources.first
    assert first.locator(".badge").inner_text() == "Supported"
    assert "1922" in first.locator("blockquote").inner_text()
    line = first.locator(".cite-line code").inner_text()
    assert re.fullmatch(r"\u201c.+\u201d \u2014 .+, paragraph \d+ \(.+\.txt, characters \d+\u2013\d+\)", line), line
    first.locator("details.show-source summary").click()
    first.locator(".doc-box mark").wait_for(state="visible")
    assert "1922" in first.locator(".doc-box mark").inner_text()
    assert "other people's essays" in page.inner_text("#claim-report .related-note")
    badges = set(page.locator("#claim-report .claim-source .badge").all_inner_texts())
    assert badges <= {"Supported", "Partly supported", "Contradicted", "Not found"}


def test_uploaded_document_answers_a_question_no_seed_answers(page, server, tmp_path):
    source = tmp_path / "olga_ilyina.txt"
    source.write_text(NEW_DOCUMENT, encoding="utf-8")
    page.get_by_role("tab", name="Add a document").click()
    assert "Only teachers change the collection" in page.inner_text("#teacher-access")
    status = _upload(page, source, key="a student's guess")
    assert "teacher key is wrong" in status, status
    assert not (server.data / "uploads" / "olga_ilyina.txt").exists()
    status = _upload(page, source)
    assert "Added" in status and "Remembering Olga Ilyina" in status, status
    assert (server.data / "uploads" / "olga_ilyina.txt").read_text(encoding="utf-8") == NEW_DOCUMENT

    status = _upload(page, source)  # the same file again
    assert "Not added" in status and "already in the collection" in status, status
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    assert "the file is empty" in _upload(page, empty)
    assert sorted(p.name for p in (server.data / "uploads").iterdir()) == ["olga_ilyina.txt", "sources.json"]

    page.get_by_role("tab", name="Ask a question").click()
    _ask(page, NEW_QUESTION)
    turn = page.locator("#chat-log .turn").last
    assert "card index" in turn.locator(".answer-list").inner_text()
    turn.locator("a.cite").first.click()
    opened = turn.locator("details.source[open]").first
    opened.locator("mark").wait_for(state="visible")
    assert "Remembering Olga Ilyina" in opened.locator("summary").inner_text()
    assert "uploads/olga_ilyina.txt" in opened.inner_text()
    # Every quote from an upload says where it came from, next to its citation.
    assert re.search(r"uploaded by a teacher on \d{4}-\d{2}-\d{2}", opened.locator("summary .origin").inner_text())
    page.get_by_role("tab", name="Check a claim").click()
    page.fill("#claim-box textarea", "Olga Ilyina reorganised the party's card index in 1925")
    page.click("#check-button")
    row = page.locator("#claim-report .claim-source", has_text="Remembering Olga Ilyina").first
    row.wait_for()
    assert "uploaded by a teacher on" in row.locator(".claim-row .origin").inner_text()


def test_html_in_documents_and_questions_is_shown_as_text_and_never_runs(page, tmp_path):
    source = tmp_path / "pasted_page.txt"
    source.write_text(INJECTION_DOCUMENT, encoding="utf-8")
    status = _upload(page, source)
    assert "Added" in status and SCRIPT_TAG in status, status  # its title holds the script tag, as text

    evil_name = tmp_path / f"{IMG_TAG}.exe"  # a legal file name on Linux (Gradio drops its < and >)
    evil_name.write_bytes(b"MZ")
    status = _upload(page, evil_name)
    assert "onerror" in status and ".exe files can't be added" in status, status
    assert page.locator(".toast-body").count() == 0  # said once, in the page: no pop-up besides
    assert page.locator("#upload-status img").count() == 0

    page.get_by_role("tab", name="Sources").click()
    card = page.locator("#doc-list .doc-card", has_text="pasted_page.txt")
    card.locator("button.open-doc").click()
    viewer = page.locator("#doc-view .doc-text")
    viewer.wait_for()
    page.wait_for_function("() => document.querySelector('#doc-view').innerText.includes('pasted from a website')")
    text = page.inner_text("#doc-view")
    assert SCRIPT_TAG in text and IMG_TAG in text
    assert page.locator("#doc-view script, #doc-view img, #doc-list img").count() == 0

    page.get_by_role("tab", name="Ask a question").click()
    _ask(page, f"Which page still contains {IMG_TAG} in its text?")
    turn = page.locator("#chat-log .turn").last
    assert IMG_TAG in turn.locator(".bubble.user").inner_text()
    # The answer quotes the hostile sentence itself; its citation opens it in context.
    assert IMG_TAG in turn.locator(".answer-list").inner_text()
    turn.locator("a.cite").first.click()
    opened = turn.locator("details.source[open]").first
    opened.locator(".passage mark").wait_for(state="visible")
    assert IMG_TAG in opened.locator(".passage").inner_text()
    assert page.locator("#chat-log img, #chat-log script").count() == 0

    page.get_by_role("tab", name="Check a claim").click()
    page.fill("#claim-box textarea", "A page pasted from a website still contains an image tag inside its text")
    page.click("#check-button")
    hostile = page.locator("#claim-report .claim-source", has_text="pasted from a website")
    hostile.first.wait_for()
    assert IMG_TAG in hostile.first.locator("blockquote").inner_text()
    assert IMG_TAG in hostile.first.locator(".cite-line code").inner_text()
    hostile.first.locator("details.show-source summary").click()
    hostile.first.locator(".doc-box mark").wait_for(state="visible")
    assert SCRIPT_TAG in hostile.first.locator(".doc-box").inner_text()
    assert page.locator("#claim-report img, #claim-report script").count() == 0

    time.sleep(0.5)  # an onerror handler would have fired by now
    assert page.evaluate("typeof window.__pwned") == "undefined"


def test_json_api_endpoints_ask_and_check(server):
    from gradio_client import Client

    client = Client(server.url, verbose=False)
    answer = client.predict(QUESTION, [], api_name="/ask")
    assert answer["question"] == QUESTION and not answer["abstained"]
    assert answer["sentences"][0]["citation"] == 1
    assert all(s["origin"] == "" for s in answer["sentences"])  # the seeds were not uploaded
    report = client.predict(CLAIM, api_name="/check")
    assert report["claim"] == CLAIM and report["sources"][0]["support"] == "supported"
    with pytest.raises(Exception, match="empty"):
        client.predict("   ", api_name="/check")
    for history in (5, "Who was Trotsky?", {"q": QUESTION}):  # wrong types: the friendly message, no traceback
        with pytest.raises(Exception, match="history must be a list"):
            client.predict(QUESTION, history, api_name="/ask")
    assert "Traceback" not in server.log.read_text(errors="replace")


def test_a_teacher_removes_an_uploaded_document(page, server):
    page.get_by_role("tab", name="Add a document").click()
    page.fill("#teacher-key input", TEACHER_KEY)
    page.click("#remove-choice input")
    page.get_by_role("option", name=re.compile("olga_ilyina.txt")).click()
    before = page.evaluate(STATUS_JS)
    page.click("#remove-button")
    page.wait_for_function(f"before => {{ const t = ({STATUS_JS})(); return t && t !== before; }}", arg=before)
    assert "Removed" in page.evaluate(STATUS_JS)
    assert not (server.data / "uploads" / "olga_ilyina.txt").exists()
    assert (SEEDS / "sources.json").exists() and len(list(SEEDS.glob("*.txt"))) == 5
    page.get_by_role("tab", name="Sources").click()
    assert "olga_ilyina.txt" not in page.inner_text("#doc-list")
