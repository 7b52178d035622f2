"""The page at a phone's width (400 px) and a desktop's (1280 px), in Chromium.

Against the real ``askhist serve`` of the seeds: nothing widens the page after
a check, the tabs show their names, one inline message per error (gone after a
success, never a pop-up), an abstention opens its closest passage, a source's
"read the whole document" opens it in the Sources tab, and a chosen document
is shown where the reader is.

Against the app built in this process around a stand-in assistant, whose
answers are constructed: a contradicted source, disagreement notes, and a
document with an unterminated right-to-left override and a 100,000-character
word that must neither reorder nor widen the page.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from askhist.answer import Answer, AnswerSentence, Disagreement, PassageResult, Side
from askhist.claims import CONTRADICTED, SUPPORTED, ClaimReport, Evidence, SourceSupport
from askhist.cleaning import MAIN
from askhist.index import DocumentInfo

from .conftest import free_port

pytestmark = pytest.mark.browser

WIDTHS = (400, 1280)
CLAIM = "Stalin became General Secretary in 1922"
OFF_TOPIC = "What is the capital of France?"
TABS = ("Ask a question", "Check a claim", "Sources", "Add a document")


def _open(browser, url: str, width: int):
    page = browser.new_page(viewport={"width": width, "height": 850})
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("#chat-log .intro")
    return page


def _ask(page, question: str) -> None:
    turns = page.locator("#chat-log .turn").count()
    page.fill("#question-box textarea", question)
    page.click("#ask-button")
    page.wait_for_function("n => document.querySelectorAll('#chat-log .turn').length > n", arg=turns)


def _in_viewport(page, locator) -> bool:
    box = locator.bounding_box()
    size = page.viewport_size
    return (
        box is not None
        and 0 <= box["x"]
        and box["x"] + box["width"] <= size["width"] + 0.5
        and (0 <= box["y"] < size["height"])
    )


def _assert_placeholder_fits(page, selector: str) -> None:
    """The box's placeholder fits on its one line (it is not clipped)."""
    box = page.locator(selector)
    box.wait_for(state="visible")
    placeholder, width, room = box.evaluate(
        """(t) => {
          const style = getComputedStyle(t), ctx = document.createElement('canvas').getContext('2d');
          ctx.font = style.font;
          const room = t.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
          return [t.placeholder, ctx.measureText(t.placeholder).width, room];
        }"""
    )
    assert placeholder and width <= room, (placeholder, width, room)


def _page_width(page) -> int:
    return page.evaluate("document.documentElement.scrollWidth")


# Whether the letters of `word` inside an element are laid out left to right (its first
# letter left of its last): a right-to-left override leaking into the page reverses them.
LEFT_TO_RIGHT_JS = """([selector, word]) => {
  const el = document.querySelector(selector);
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  for (let node; (node = walker.nextNode()); ) {
    const at = node.textContent.indexOf(word);
    if (at < 0) continue;
    const x = (i) => { const r = document.createRange(); r.setStart(node, i); r.setEnd(node, i + 1);
                       return r.getBoundingClientRect().left; };
    return x(at) < x(at + word.length - 1);
  }
  return null;
}"""


# Whether the first `upper` inside an element is laid out above its first `lower` (one
# measurement, so a smooth scroll in progress cannot come between the two).
ABOVE_JS = """(el, [upper, lower]) =>
  el.querySelector(upper).getBoundingClientRect().bottom <= el.querySelector(lower).getBoundingClientRect().top"""


# ------------------------------------------------------------------ the real app


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda w: f"{w}px")
def real(request, server, browser):
    page = _open(browser, server.url, request.param)
    yield page
    page.close()


def test_tabs_show_their_names_and_the_claim_tab_fits_after_a_check(real):
    width = real.viewport_size["width"]
    for name in TABS:
        tab = real.get_by_role("tab", name=name)
        assert tab.is_visible() and _in_viewport(real, tab), name
    assert real.locator("button[aria-label='More tabs']").count() == 0
    _assert_placeholder_fits(real, "#question-box textarea")

    real.get_by_role("tab", name="Check a claim").click()
    _assert_placeholder_fits(real, "#claim-box textarea")
    real.fill("#claim-box textarea", CLAIM)
    real.click("#check-button")
    real.locator("#claim-report .claim-source").first.wait_for()
    assert _page_width(real) <= width
    real.locator("#claim-report details.show-source summary").first.click()
    real.locator("#claim-report .doc-box mark").first.wait_for(state="visible")
    assert _page_width(real) <= width
    real.evaluate("window.scrollTo(0, 0)")
    assert _in_viewport(real, real.locator("#check-button"))
    copy = real.locator("#claim-report button.copy").first
    copy.scroll_into_view_if_needed()
    assert _in_viewport(real, copy)


def test_one_inline_message_per_error_gone_after_a_success(real):
    real.get_by_role("tab", name="Ask a question").click()
    real.fill("#question-box textarea", "???")
    real.click("#ask-button")
    real.locator("#chat-notice .problem").wait_for()
    real.wait_for_timeout(500)  # a pop-up would be up by now
    assert real.locator(".problem:visible").count() == 1
    assert real.locator(".toast-body").count() == 0

    _ask(real, "When did Stalin become General Secretary?")
    real.wait_for_function("() => !document.querySelector('#chat-notice .problem')")
    assert real.locator(".problem:visible").count() == 0 and real.locator(".toast-body").count() == 0

    real.get_by_role("tab", name="Check a claim").click()
    real.fill("#claim-box textarea", "   ")
    real.click("#check-button")
    real.locator("#claim-report .problem").wait_for()
    assert real.locator(".problem:visible").count() == 1 and real.locator(".toast-body").count() == 0
    real.fill("#claim-box textarea", CLAIM)
    real.click("#check-button")
    real.locator("#claim-report .claim-source").first.wait_for()
    assert real.locator(".problem:visible").count() == 0


def test_an_abstention_shows_the_closest_passage_open(real):
    real.get_by_role("tab", name="Ask a question").click()
    _ask(real, OFF_TOPIC)
    turn = real.locator("#chat-log .turn").last
    assert "don't answer this question" in turn.inner_text()
    nearest = turn.locator("details.nearest")
    assert nearest.count() >= 2
    assert turn.locator("details.nearest[open]").count() == 1
    assert nearest.first.get_attribute("open") is not None
    assert nearest.first.locator(".passage").is_visible()


def test_new_conversation_is_not_an_example_chip(real):
    reset = real.locator("#new-chat")
    assert reset.is_visible()  # there is a conversation by now
    assert real.locator("#examples").is_hidden()
    chip_style = "b => [getComputedStyle(b).backgroundColor, getComputedStyle(b).borderTopStyle]"
    assert reset.evaluate(chip_style) == ["rgba(0, 0, 0, 0)", "none"]
    real.click("#new-chat")
    real.locator("#chat-log .intro").wait_for()
    assert real.locator("#examples").is_visible() and reset.is_hidden()
    example = real.locator("#examples button").first
    assert example.evaluate(chip_style) != ["rgba(0, 0, 0, 0)", "none"]


def test_a_source_footer_opens_the_document_in_the_sources_tab(real):
    _ask(real, "Why did Trotsky lose the power struggle?")
    turn = real.locator("#chat-log .turn").last
    turn.locator("a.cite").first.click()
    button = turn.locator("details.source[open] button.open-source").first
    doc = button.get_attribute("data-doc")
    button.click()
    real.wait_for_function(
        "d => { const v = document.querySelector('#doc-view .doc-view'); return v && v.dataset.doc === d; }", arg=doc
    )
    assert real.get_by_role("tab", name="Sources").get_attribute("aria-selected") == "true"
    real.wait_for_timeout(300)
    assert _in_viewport(real, real.locator("#doc-view .doc-view h2"))
    assert real.locator("#doc-list .doc-card.selected button.open-doc").get_attribute("data-doc") == doc


def test_a_chosen_document_is_shown_where_the_reader_is(real):
    real.get_by_role("tab", name="Sources").click()
    cards = real.locator("#doc-list button.open-doc")
    for index in (cards.count() - 1, 0, cards.count() - 2):
        card = cards.nth(index)
        card.scroll_into_view_if_needed()
        doc = card.get_attribute("data-doc")
        card.click()
        real.wait_for_function(
            "d => { const v = document.querySelector('#doc-view .doc-view'); return v && v.dataset.doc === d; }",
            arg=doc,
        )
        real.wait_for_timeout(300)
        assert _in_viewport(real, real.locator("#doc-view .doc-view h2")), doc
        assert real.locator("#doc-view .doc-text").evaluate("t => t.scrollTop") == 0


# ------------------------------------------------------------------ constructed answers

RLO = "\u202e"
LONG_WORD = "x" * 100_000
TITLE = f"Notes {RLO}on 1938"
DOC_TEXT = (
    f"{TITLE}\n\nWith the death of Lenin in 1924, the struggle for the succession began {RLO}in earnest.\n\n"
    f"In 1922 Lenin was ill. The archive code was {LONG_WORD} and nobody could read it.\n"
)
QUOTE = "With the death of Lenin in 1924, the struggle for the succession began \u202ein earnest."
LONG_QUOTE = f"The archive code was {LONG_WORD} and nobody could read it."


def _span(text: str) -> tuple[int, int]:
    start = DOC_TEXT.index(text)
    return start, start + len(text)


class ConstructedAssistant:
    """What the page needs of an assistant, answering with constructed results."""

    def __init__(self):
        self.doc = DocumentInfo("notes.txt", TITLE, f"About {RLO}it", "0" * 64, DOC_TEXT)

    def documents(self):
        return [self.doc]

    def document(self, doc_id):
        return self.doc

    def ask(self, question, history=None):
        sentences = []
        for number, text in enumerate((QUOTE, "In 1922 Lenin was ill.", QUOTE), start=1):
            start, end = _span(text)
            sentences.append(AnswerSentence(text, "notes.txt", TITLE, start, end, number, "paragraph 2", 0.9, MAIN, 2))
        passage = PassageResult("notes.txt", TITLE, 0, len(DOC_TEXT), DOC_TEXT, 0.9, "paragraph 1", MAIN, 1)
        disagreement = Disagreement("year", (Side("1924", (1, 3)), Side("1922", (2,))))
        return Answer(
            question,
            False,
            tuple(sentences),
            (passage,),
            disagreement=disagreement,
            context="Who led the party after 1922?" if history else "",
            referent="Stalin" if history else "",
        )

    def check(self, claim):
        start, end = _span(QUOTE)
        contra = Evidence(QUOTE, start, end, "paragraph 3", MAIN, 3)
        start, end = _span(LONG_QUOTE)
        long = Evidence(LONG_QUOTE, start, end, "paragraph 5", MAIN, 5)
        return ClaimReport(
            claim,
            (
                SourceSupport("notes.txt", TITLE, MAIN, SUPPORTED, 0.8, long),
                SourceSupport("notes.txt", TITLE, MAIN, CONTRADICTED, 0.7, contra, note="gives 1924, not 1922"),
            ),
        )


@pytest.fixture(scope="module")
def constructed_url(tmp_path_factory):
    from askhist.web.app import build_app, launch_options

    demo = build_app(ConstructedAssistant(), Path(tmp_path_factory.mktemp("uploads")))
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **launch_options())
    yield f"http://127.0.0.1:{port}/"
    demo.close()


@pytest.fixture(scope="module", params=WIDTHS, ids=lambda w: f"{w}px")
def constructed(request, constructed_url, browser):
    page = _open(browser, constructed_url, request.param)
    yield page
    page.close()


def test_a_contradicted_source_and_the_disagreement_in_the_claim_tab(constructed):
    constructed.get_by_role("tab", name="Check a claim").click()
    constructed.fill("#claim-box textarea", "Lenin died in 1922")
    constructed.click("#check-button")
    card = constructed.locator("#claim-report .claim-source.contradicted")
    card.wait_for()
    assert card.locator(".badge").inner_text() == "Contradicted"
    colours = card.evaluate("c => getComputedStyle(c).borderLeftColor")
    assert colours != constructed.locator("#claim-report .claim-source.supported").evaluate(
        "c => getComputedStyle(c).borderLeftColor"
    )
    lines = card.inner_text().split("\n")
    assert lines.index(next(x for x in lines if "death of Lenin in 1924" in x)) < lines.index(
        "This source gives 1924, not 1922."
    )
    note = constructed.locator("#claim-report .disagree")
    assert "The sources disagree on this claim" in note.inner_text()
    assert constructed.locator("#claim-report").evaluate(ABOVE_JS, [".disagree", ".claim-source"])


def test_an_override_and_a_huge_word_in_a_document_leave_the_page_intact(constructed):
    width = constructed.viewport_size["width"]
    constructed.get_by_role("tab", name="Check a claim").click()
    constructed.fill("#claim-box textarea", "Lenin died in 1922")
    constructed.click("#check-button")
    constructed.locator("#claim-report .claim-source").first.wait_for()
    assert _page_width(constructed) <= width
    for card in constructed.locator("#claim-report .claim-source").all():
        copy = card.locator("button.copy")
        copy.scroll_into_view_if_needed()
        assert _in_viewport(constructed, copy)
    # The citation line holds the quote and the title, both with the override, then the page's own words.
    code = "#claim-report .claim-source.contradicted .cite-line code"
    assert constructed.evaluate(LEFT_TO_RIGHT_JS, [code, "characters"]) is True

    constructed.get_by_role("tab", name="Ask a question").click()
    _ask(constructed, "When did Lenin die?")
    turn = "#chat-log .turn:last-of-type"
    constructed.locator(f"{turn} a.cite").first.click()
    # The summary holds the title (with the override), then "— paragraph 2".
    assert constructed.evaluate(LEFT_TO_RIGHT_JS, [f"{turn} details.source[open] summary", "paragraph"]) is True
    assert _page_width(constructed) <= width

    constructed.get_by_role("tab", name="Sources").click()
    constructed.locator("#doc-list button.open-doc").first.click()
    constructed.locator("#doc-view .doc-view").wait_for()
    assert _page_width(constructed) <= width


def test_an_answer_that_disagrees_says_so_above_its_quotes(constructed):
    constructed.get_by_role("tab", name="Ask a question").click()
    _ask(constructed, "When did Lenin die?")
    _ask(constructed, "What did he do then?")
    turn = constructed.locator("#chat-log .turn").last
    note = turn.locator(".disagree")
    assert note.inner_text() == "The sources disagree on the year: 1924 [1][3]; 1922 [2]"
    assert turn.evaluate(ABOVE_JS, [".disagree", ".answer-list"])
    assert "(he = Stalin)" in turn.locator(".followup").inner_text()
    note.locator("a.cite", has_text="[2]").click()
    opened = turn.locator("details.source[open]")
    opened.first.wait_for()
    assert opened.first.locator(".num").inner_text() == "[2]"
