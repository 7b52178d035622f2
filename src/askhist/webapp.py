"""The web app: ``askhist serve``. A thin Gradio layer over :class:`askhist.Assistant`.

Four tabs: ask a question (chat with citations that open the source passage),
check a claim (for teachers), read the sources, add a document. Every piece
of document or user text goes through :func:`esc` (``html.escape``) before it
is put into the page; the HTML is built here, by hand, so nothing from a
source is ever rendered as markup. The Gradio API exposes two JSON endpoints,
``/ask`` and ``/check``.

Gradio (and the model) are imported inside functions only: importing this
module is cheap, and the rendering functions are plain Python, tested without
a browser.
"""

from __future__ import annotations

import html
import os
import re
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from .frontend import EXAMPLE_CLAIMS, EXAMPLE_QUESTIONS, load_assistant, log

MAX_UPLOAD_MB = 5
# Gradio refuses bigger request bodies itself; our own check gives the friendly message.
GRADIO_MAX_FILE_SIZE = "25mb"
# Questions and claims run the model: as many at once as there are cores (see README).
ANSWER_CONCURRENCY = 2
QUEUE_MAX_SIZE = 64

# --------------------------------------------------------------------------
# Rendering: plain functions from API objects to escaped HTML.
# --------------------------------------------------------------------------


def esc(text: object) -> str:
    """HTML-escape any text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def friendly_error(exc: BaseException) -> str:
    """An API error message as a sentence for the page."""
    message = str(exc).strip() or "something went wrong"
    return message[0].upper() + message[1:]


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the paragraph (text between blank lines) around a span."""
    lo = 0
    for match in re.finditer(r"\n[ \t\r\f\v\u00a0]*\n", text[:start]):
        lo = match.end()
    after = re.search(r"\n[ \t\r\f\v\u00a0]*\n", text[end:])
    hi = end + after.start() if after else len(text)
    return lo, hi


def context_span(text: str, start: int, end: int, min_chars: int = 300, max_chars: int = 900) -> tuple[int, int]:
    """The text around a span to show it in its place: its paragraph, grown by
    neighbouring paragraphs while short, cut at word boundaries when long."""
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    lo, hi = _paragraph_bounds(text, start, end)
    for _ in range(6):
        if hi - lo >= min_chars:
            break
        grown = False
        if lo > 0:
            lo = _paragraph_bounds(text, max(lo - 2, 0), max(lo - 2, 0))[0]
            grown = True
        if hi < len(text) and hi - lo < min_chars:
            hi = _paragraph_bounds(text, min(hi + 2, len(text)), min(hi + 2, len(text)))[1]
            grown = True
        if not grown:
            break
    if hi - lo > max_chars:
        room = max(0, max_chars - (end - start)) // 2
        if start - lo > room:
            cut = start - room
            space = text.find(" ", cut, start)
            lo = space + 1 if space >= 0 else cut
        if hi - end > room:
            cut = end + room
            space = text.rfind(" ", end, cut)
            hi = space if space >= 0 else cut
    return lo, hi


def highlighted(text: str, start: int, end: int, lo: int = 0, hi: int | None = None) -> str:
    """text[lo:hi], escaped, with text[start:end] in a <mark>, and "…" where it is cut."""
    hi = len(text) if hi is None else hi
    start, end = max(lo, start), min(hi, end)
    cut_before = lo > 0 and text[:lo].rstrip(" \t")[-1:] not in ("", "\n")
    cut_after = hi < len(text) and text[hi:].lstrip(" \t")[:1] not in ("", "\n", "\r")
    before = ("\u2026 " if cut_before else "") + text[lo:start]
    after = text[end:hi] + (" \u2026" if cut_after else "")
    return f"{esc(before)}<mark>{esc(text[start:end])}</mark>{esc(after)}"


def sentence_context(answer, sentence, text: str) -> tuple[int, int]:
    """The span to show around a cited sentence: the retrieved passage that
    holds it (content only, no page clutter), else its paragraph."""
    for passage in answer.passages:
        if passage.doc == sentence.doc and passage.start <= sentence.start and sentence.end <= passage.end:
            return passage.start, passage.end
    return context_span(text, sentence.start, sentence.end)


def is_related(location: str) -> bool:
    """Whether a location is inside the snippets of other essays listed at the
    end of a page (the core names those "snippet N of another essay ...")."""
    return location.startswith("snippet ")


_RELATED_LOCATION = re.compile(r"^snippet (\d+) of another essay \(listed at the end\), paragraph (\d+)$")


def plain_location(location: str) -> str:
    """A location in words a student understands ("paragraph 4"; snippets of
    other essays are said to be someone else's writing)."""
    match = _RELATED_LOCATION.match(location)
    if match:
        return f"paragraph {match.group(2)}, in a snippet of someone else's essay listed at the end of the page"
    return location


def where_words(title: str, location: str) -> str:
    """Which document and where in it, in plain words (escaped HTML)."""
    where = (
        f"<span class='src-title'>{esc(title)}</span> <span class='loc'>\u2014 {esc(plain_location(location))}</span>"
    )
    if is_related(location):
        where += " <span class='tag-other'>other writer</span>"
    return where


_OPENING_QUOTES = "\u201c\"\u2018'\u00ab"
_CLOSING_QUOTES = "\u201d\"\u2019'\u00bb"


def quoted(text: str) -> str:
    """Text in quotation marks, unless it is already a quotation (no doubled marks)."""
    stripped = text.strip()
    if stripped[:1] in _OPENING_QUOTES and stripped[-1:] in _CLOSING_QUOTES:
        return stripped
    return f"\u201c{stripped}\u201d"


def citation_line(quote: str, title: str, location: str, doc_id: str, start: int, end: int) -> str:
    """A citation to paste into work: “quote” — Title, paragraph 4 (file.txt, characters 120–245)."""
    return f"{quoted(quote)} \u2014 {title}, {location} ({doc_id}, characters {start}\u2013{end})"


def intro_html() -> str:
    return (
        "<div class='intro'>"
        "<p class='intro-title'>Ask a question about the history sources.</p>"
        "<p>Answers are made only of <b>sentences copied word for word</b> from the documents in the "
        "<i>Sources</i> tab. The number after each sentence, like <span class='cite-demo'>[1]</span>, "
        "shows where it comes from: click it to read the sentence in its place.</p>"
        "<p>If the sources don't cover your question, askhist says so instead of guessing.</p>"
        "</div>"
    )


def conversation_html(turns: Sequence[dict]) -> str:
    if not turns:
        return intro_html()
    return "<div class='conversation'>" + "".join(t["html"] for t in turns) + "</div>"


def render_answer(turn: int, answer, document: Callable[[str], object]) -> str:
    """One question and its answer. ``document(doc_id)`` gives a document
    with ``.text`` and ``.title`` (Assistant.document)."""
    parts = [
        f"<article class='turn' id='turn-{turn}'>",
        f"<div class='bubble user'><div class='who'>You asked</div><div class='q'>{esc(answer.question)}</div></div>",
        "<div class='bubble bot'><div class='who'>From the sources</div>",
    ]
    if answer.context:
        parts.append(
            f"<p class='followup'>Read as a follow-up to your earlier question \u201c{esc(answer.context)}\u201d.</p>"
        )
    if answer.abstained:
        parts.append(
            "<p class='no-answer'><b>The sources don't answer this question.</b> "
            "askhist only repeats what the documents say, so it won't guess. "
            "These are the passages that come closest \u2014 they may still help:</p>"
        )
        for number, passage in enumerate(answer.passages[:3], start=1):
            parts.append(
                f"<details class='source nearest' id='ask-{turn}-p{number}'>"
                f"<summary>{where_words(passage.title, passage.location)}</summary>"
                f"<div class='passage'>{esc(passage.text)}</div>"
                f"<div class='ref'>File {esc(passage.doc)}, characters {passage.start}\u2013{passage.end}</div>"
                "</details>"
            )
    else:
        parts.append("<ul class='answer-list'>")
        for s in answer.sentences:
            parts.append(
                f"<li><span class='quote'>{esc(quoted(s.text))}</span> "
                f"<a class='cite' href='#ask-{turn}-{s.citation}' data-target='ask-{turn}-{s.citation}' "
                f"title='Show where this sentence comes from'>[{s.citation}]</a></li>"
            )
        parts.append("</ul>")
        parts.append("<p class='where-title'>Where these sentences come from \u2014 click one to read it:</p>")
        for s in answer.sentences:
            doc = document(s.doc)
            lo, hi = sentence_context(answer, s, doc.text)
            parts.append(
                f"<details class='source' id='ask-{turn}-{s.citation}'>"
                f"<summary><span class='num'>[{s.citation}]</span> {where_words(s.title, s.location)}</summary>"
                f"<div class='passage'>{highlighted(doc.text, s.start, s.end, lo, hi)}</div>"
                f"<div class='ref'>File {esc(s.doc)}, characters {s.start}\u2013{s.end}. "
                "You can read the whole document in the Sources tab.</div>"
                "</details>"
            )
    parts.append("</div></article>")
    return "".join(parts)


def error_turn_html(turn: int, question: str, message: str) -> str:
    return (
        f"<article class='turn' id='turn-{turn}'>"
        f"<div class='bubble user'><div class='who'>You asked</div><div class='q'>{esc(question)}</div></div>"
        f"<div class='bubble bot problem'><div class='who'>askhist</div><p>{esc(message)}</p></div></article>"
    )


_BADGES = {
    "supported": ("supported", "Supported"),
    "partly supported": ("partly", "Partly supported"),
    "not found": ("notfound", "Not found"),
}


def render_claim_report(report, document: Callable[[str], object]) -> str:
    """Every source's stance on a claim, with quote, location, citation and source view."""
    counts = {key: 0 for key in _BADGES}
    for source in report.sources:
        counts[source.support] = counts.get(source.support, 0) + 1
    parts = [
        "<div class='claim-report'>",
        f"<p class='claim-head'>Claim: <q>{esc(report.claim)}</q></p>",
        "<p class='claim-summary'>"
        f"<span class='badge supported'>{counts['supported']} supported</span> "
        f"<span class='badge partly'>{counts['partly supported']} partly supported</span> "
        f"<span class='badge notfound'>{counts['not found']} not found</span> "
        "\u2014 one row per source. <i>Supported</i> means a sentence in the source says the same thing.</p>",
    ]
    for number, source in enumerate(report.sources, start=1):
        css, label = _BADGES.get(source.support, ("notfound", source.support))
        doc = document(source.doc)
        parts.append(f"<section class='claim-source {css}'>")
        parts.append(
            f"<div class='claim-row'><span class='badge {css}'>{esc(label)}</span> "
            f"<span class='src-title'>{esc(source.title)}</span></div>"
        )
        if source.section != "main":
            parts.append(
                "<p class='related-note'>These are short snippets of <b>other people's essays</b>, listed at the "
                f"end of \u201c{esc(doc.title)}\u201d. They are not part of that essay: cite them with care.</p>"
            )
        if source.note:
            parts.append(f"<p class='note'>Careful: this source {esc(source.note)}.</p>")
        evidence = source.evidence
        if evidence is None:
            parts.append("<p class='nothing'>No sentence in this source says this.</p>")
        else:
            line = citation_line(evidence.text, doc.title, evidence.location, source.doc, evidence.start, evidence.end)
            lo, hi = context_span(doc.text, evidence.start, evidence.end, min_chars=1500, max_chars=6000)
            parts.append(
                f"<blockquote class='best'>{esc(quoted(evidence.text))}</blockquote>"
                f"<p class='loc-line'>Found in {esc(plain_location(evidence.location))}.</p>"
                f"<div class='cite-line'><span class='cite-label'>Citation</span><code>{esc(line)}</code>"
                f"<button type='button' class='copy' data-copy='{esc(line)}'>Copy citation</button></div>"
                f"<details class='show-source' id='claim-{number}'><summary>Show in source</summary>"
                f"<div class='doc-box'>{highlighted(doc.text, evidence.start, evidence.end, lo, hi)}</div></details>"
            )
        parts.append("</section>")
    parts.append("</div>")
    return "".join(parts)


def _words(text: str) -> str:
    return f"{len(text.split()):,} words"


def render_document_list(documents: Sequence) -> str:
    """The collection as cards; a card's button opens the document (see JS_ON_LOAD)."""
    parts = [f"<p class='doc-count'>{len(documents)} documents \u2014 click one to read it.</p><ol class='doc-list'>"]
    for doc in documents:
        uploaded = "/" in doc.doc_id
        parts.append(
            f"<li class='doc-card'><button type='button' class='open-doc' data-doc='{esc(doc.doc_id)}'>"
            f"<span class='src-title'>{esc(doc.title)}</span>"
            f"{' <span class=tag-upload>added by upload</span>' if uploaded else ''}</button>"
            + (f"<div class='desc'>{esc(doc.description)}</div>" if doc.description else "")
            + f"<div class='meta'>File {esc(doc.doc_id)} \u00b7 {_words(doc.text)}</div></li>"
        )
    parts.append("</ol>")
    return "".join(parts)


def render_document(doc) -> str:
    if doc is None:
        return "<p class='placeholder'>Click a document in the list to read it here.</p>"
    return (
        "<article class='doc-view'>"
        f"<h2>{esc(doc.title)}</h2>"
        + (f"<p class='desc'>{esc(doc.description)}</p>" if doc.description else "")
        + f"<p class='meta'>File {esc(doc.doc_id)} \u00b7 {_words(doc.text)}</p>"
        f"<div class='doc-text'>{esc(doc.text)}</div></article>"
    )


def render_upload_result(result) -> str:
    parts = []
    if result.added:
        titles = ", ".join(f"\u201c{esc(title)}\u201d" for _, title in result.added)
        parts.append(
            f"<p class='ok'><b>Added {titles}.</b> You can ask about it now, and read it in the Sources tab.</p>"
        )
    for note in result.notes:
        parts.append(f"<p class='note'>Note: {esc(note)}</p>")
    for message in result.refused:
        parts.append(f"<p class='problem'><b>Not added:</b> {esc(friendly_error(Exception(message)))}</p>")
    return "".join(parts) or "<p class='note'>No file was uploaded.</p>"


def problem_html(message: str) -> str:
    return f"<p class='problem'>{esc(message)}</p>"


def upload_help_html() -> str:
    from .uploads import allowed_types

    return (
        "<div class='upload-help'><p>Add your own document to the collection. It is checked, saved and "
        "indexed right away, and kept when the app restarts.</p><ul>"
        f"<li>File types: {esc(allowed_types())}</li>"
        f"<li>Up to {MAX_UPLOAD_MB} MB per file; it must contain text (not a scanned picture)</li>"
        "<li>A file with the same name or the same text as a document already here is refused</li>"
        "</ul></div>"
    )


# --------------------------------------------------------------------------
# The page.
# --------------------------------------------------------------------------

CSS = """
.gradio-container {max-width: 1040px !important; margin: 0 auto !important}
.tab-container {flex-wrap: wrap !important}  /* the tab names wrap on a phone instead of widening the page */
.askhist-header h1 {font-size: 1.7rem; margin: .2rem 0 0}
.askhist-header p {margin: .25rem 0 0; font-size: 1.05rem; color: var(--body-text-color); opacity: .8}
.askhist-html {font-size: 1rem; line-height: 1.55; color: var(--body-text-color)}
.askhist-html p {margin: .35rem 0}
.intro {padding: 1rem 1.2rem; border: 1px dashed var(--border-color-primary); border-radius: 12px;
  background: var(--background-fill-secondary)}
.intro .intro-title {font-size: 1.15rem; font-weight: 700}
.cite-demo {font-weight: 700; color: var(--color-accent)}
.turn {margin: 0 0 1.4rem}
.bubble {border-radius: 14px; padding: .7rem 1rem}
.bubble.user {background: var(--color-accent-soft); margin-left: auto; width: fit-content; max-width: 80%}
.bubble.bot {background: var(--background-fill-secondary); border: 1px solid var(--border-color-primary);
  margin-top: .6rem}
.bubble.problem {border-color: #d97706}
.who {font-size: .75rem; font-weight: 700; text-transform: uppercase; letter-spacing: .05em;
  color: var(--body-text-color-subdued)}
.q {font-size: 1.05rem}
.followup {font-size: .9rem; font-style: italic; color: var(--body-text-color-subdued)}
.answer-list {list-style: none; padding: 0; margin: .4rem 0 .6rem}
.answer-list li {margin: .45rem 0; font-size: 1.05rem}
a.cite {display: inline-block; font-weight: 700; font-size: .85rem; line-height: 1.4; padding: 0 .35rem;
  border-radius: 6px; background: var(--color-accent); color: #fff !important; text-decoration: none;
  cursor: pointer; vertical-align: 1px}
a.cite:hover, a.cite:focus {filter: brightness(1.15); outline: 2px solid var(--color-accent); outline-offset: 1px}
.where-title {font-size: .9rem; font-weight: 600; margin-top: .6rem !important}
details.source {border: 1px solid var(--border-color-primary); border-radius: 10px; margin: .4rem 0;
  background: var(--background-fill-primary)}
details.source > summary {cursor: pointer; padding: .45rem .75rem}
details.source[open] > summary {border-bottom: 1px solid var(--border-color-primary)}
details.source.flash {outline: 3px solid var(--color-accent)}
.num {font-weight: 700; color: var(--color-accent)}
.src-title {font-weight: 600}
.loc {color: var(--body-text-color); opacity: .72}
.tag-other, .tag-upload {font-size: .72rem; font-weight: 700; padding: .05rem .4rem; border-radius: 6px;
  background: #fef3c7; color: #92400e; white-space: nowrap}
.tag-upload {background: #e0e7ff; color: #3730a3}
.passage {white-space: pre-wrap; padding: .6rem .85rem; font-size: .97rem}
.askhist-html mark {background: #fde68a; color: #1c1917; padding: .05rem .15rem; border-radius: 3px;
  box-shadow: 0 0 0 1px #f59e0b}
.ref {font-size: .8rem; color: var(--body-text-color-subdued); padding: 0 .85rem .6rem}
.no-answer {background: #fff7ed; color: #7c2d12; border-radius: 8px; padding: .5rem .75rem}
.problem {color: #b91c1c; font-weight: 600}
.ok {color: #166534}
.note {color: #92400e}
.claim-head {font-size: 1.1rem}
.claim-summary {font-size: .95rem}
.claim-source {border: 1px solid var(--border-color-primary); border-left-width: 6px; border-radius: 10px;
  padding: .6rem .9rem; margin: .7rem 0; background: var(--background-fill-primary)}
.claim-source.supported {border-left-color: #16a34a}
.claim-source.partly {border-left-color: #d97706}
.claim-source.notfound {border-left-color: #9ca3af}
.claim-row {display: flex; gap: .6rem; align-items: baseline; flex-wrap: wrap}
.badge {display: inline-block; font-size: .8rem; font-weight: 700; padding: .1rem .5rem; border-radius: 999px;
  white-space: nowrap}
.badge.supported {background: #dcfce7; color: #14532d}
.badge.partly {background: #fef3c7; color: #78350f}
.badge.notfound {background: #e5e7eb; color: #374151}
.related-note {font-size: .9rem; background: #fef3c7; color: #78350f; border-radius: 8px; padding: .35rem .6rem}
.nothing {color: var(--body-text-color-subdued); font-style: italic}
blockquote.best {margin: .5rem 0; padding: .2rem .8rem; border-left: 3px solid var(--border-color-accent);
  font-size: 1.03rem}
.loc-line {font-size: .9rem}
.cite-line {display: flex; gap: .5rem; align-items: center; margin: .4rem 0}
.cite-line code {flex: 1; font-family: inherit; font-size: .85rem; white-space: normal; padding: .35rem .6rem;
  border-radius: 6px; border: 1px dashed var(--border-color-primary); background: var(--background-fill-secondary);
  user-select: all}
button.copy {font-size: .8rem; padding: .3rem .7rem; border-radius: 8px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--background-fill-secondary);
  color: var(--body-text-color); white-space: nowrap}
details.show-source > summary {cursor: pointer; color: var(--color-accent); font-weight: 600}
.doc-box {position: relative; white-space: pre-wrap; max-height: 22rem; overflow-y: auto; margin-top: .4rem;
  padding: .6rem .85rem; border: 1px solid var(--border-color-primary); border-radius: 8px; font-size: .95rem}
.doc-count {font-weight: 600}
.doc-list {list-style: none; padding: 0; margin: 0}
.doc-card {margin: 0 0 .6rem; padding: .55rem .75rem; border: 1px solid var(--border-color-primary);
  border-radius: 10px; background: var(--background-fill-primary)}
.doc-card.selected {border-color: var(--color-accent); box-shadow: 0 0 0 1px var(--color-accent)}
button.open-doc {all: unset; cursor: pointer; display: block; color: var(--color-accent)}
button.open-doc:hover .src-title, button.open-doc:focus .src-title {text-decoration: underline}
.doc-card .desc {font-size: .9rem; margin: .2rem 0}
#doc-view-column {position: sticky; top: .5rem; align-self: flex-start}
.doc-view {padding: .4rem .9rem .6rem; border: 1px solid var(--border-color-primary); border-radius: 10px;
  background: var(--background-fill-primary)}
.cite-label {font-size: .75rem; font-weight: 700; text-transform: uppercase; color: var(--body-text-color-subdued)}
.meta {font-size: .8rem; color: var(--body-text-color-subdued)}
.doc-view h2 {font-size: 1.3rem; margin: .2rem 0}
.doc-text {white-space: pre-wrap; border-top: 1px solid var(--border-color-primary); padding-top: .6rem;
  margin-top: .5rem; max-height: 70vh; overflow-y: auto}
.placeholder {color: var(--body-text-color-subdued); font-style: italic}
#examples-label {font-size: .9rem; color: var(--body-text-color-subdued)}
"""

# Runs once per HTML block: citation numbers open their source, copy buttons
# copy, "show in source" scrolls to the highlighted sentence, and a new
# answer scrolls into view. Event delegation, so it survives re-renders.
JS_ON_LOAD = """
element.addEventListener('click', (event) => {
  const cite = event.target.closest('a.cite');
  if (cite) {
    event.preventDefault();
    const box = element.querySelector('#' + CSS.escape(cite.dataset.target || ''));
    if (box) {
      box.open = true;
      box.classList.remove('flash');
      void box.offsetWidth;
      box.classList.add('flash');
      setTimeout(() => box.classList.remove('flash'), 1500);
      box.scrollIntoView({block: 'nearest', behavior: 'smooth'});
    }
    return;
  }
  const open = event.target.closest('button.open-doc');
  if (open) {
    element.querySelectorAll('.doc-card.selected').forEach((card) => card.classList.remove('selected'));
    open.closest('.doc-card').classList.add('selected');
    trigger('click', {doc: open.dataset.doc || ''});
    return;
  }
  const copy = event.target.closest('button.copy');
  if (copy) {
    const text = copy.dataset.copy || '';
    const done = () => {
      copy.textContent = 'Copied';
      setTimeout(() => { copy.textContent = 'Copy citation'; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done, () => {});
    } else {
      const area = document.createElement('textarea');
      area.value = text; document.body.appendChild(area); area.select();
      try { document.execCommand('copy'); done(); } catch (e) {}
      area.remove();
    }
  }
});
element.addEventListener('toggle', (event) => {
  const d = event.target;
  if (d.tagName !== 'DETAILS' || !d.open) return;
  const mark = d.querySelector('.doc-box mark');
  if (mark) {
    const box = mark.closest('.doc-box');
    box.scrollTop = Math.max(0, mark.offsetTop - box.clientHeight / 3);
  }
}, true);
let turns = element.querySelectorAll('.turn').length;
new MutationObserver(() => {
  const all = element.querySelectorAll('.turn');
  if (all.length > turns) all[all.length - 1].scrollIntoView({block: 'start', behavior: 'smooth'});
  turns = all.length;
}).observe(element, {childList: true, subtree: true});
"""


def _html_block(value: str = "", **kwargs):
    import gradio as gr

    return gr.HTML(value, js_on_load=JS_ON_LOAD, elem_classes=["askhist-html"], **kwargs)


def build_app(assistant, upload_dir: Path, log: Callable[[str], None] = lambda message: None):
    """The Gradio Blocks app for one loaded assistant."""
    import gradio as gr

    from .assistant import InputError
    from .documents import DocumentError
    from .uploads import add_files

    upload_dir = Path(upload_dir)

    def document(doc_id: str):
        return assistant.document(doc_id)

    # ----- chat -----
    def chat_turn(question: str, turns: list[dict]):
        turns = list(turns or [])
        history = [t["question"] for t in turns if t.get("answered")]
        try:
            answer = assistant.ask(question, history=history)
        except InputError as exc:
            message = friendly_error(exc)
            _warn(message)
            return conversation_html(turns), turns, question, problem_html(message), gr.update()
        turns.append(
            {"question": answer.question, "answered": True, "html": render_answer(len(turns), answer, document)}
        )
        return conversation_html(turns), turns, "", "", gr.update(visible=False)

    def new_conversation():
        return intro_html(), [], "", "", gr.update(visible=True)

    # ----- claim -----
    def claim_report(claim: str):
        try:
            report = assistant.check(claim)
        except InputError as exc:
            message = friendly_error(exc)
            _warn(message)
            return problem_html(message)
        return render_claim_report(report, document)

    # ----- sources -----
    def show_document(doc_id: str | None):
        if not doc_id:
            return render_document(None)
        try:
            return render_document(assistant.document(str(doc_id)))
        except InputError as exc:
            return problem_html(friendly_error(exc))

    def open_document(event):
        data = getattr(event, "_data", None)
        return show_document(data.get("doc") if isinstance(data, dict) else None)

    # A real class, not a string: this module uses postponed annotations and gradio is imported locally.
    open_document.__annotations__ = {"event": gr.EventData}

    # ----- uploads -----
    def upload(files, progress=gr.Progress()):
        paths = [files] if isinstance(files, (str, Path)) else list(files or [])
        unchanged = (gr.update(), gr.update())
        if not paths:
            return render_upload_result(_empty_result()), None, *unchanged

        def report(stage: str, done: int, total: int) -> None:
            progress((done, total), desc=f"Updating the index ({stage} new passages)", unit="texts")

        progress(0, desc="Checking the file")
        try:
            result = add_files(assistant, upload_dir, paths, log=log, progress=report)
        except DocumentError as exc:
            message = friendly_error(exc)
            _warn(message)
            return problem_html(message), None, *unchanged
        for message in result.refused:
            _warn(friendly_error(Exception(message)))
        if not result.added:
            return render_upload_result(result), None, *unchanged
        new_doc = result.added[0][0]
        return (
            render_upload_result(result),
            None,
            render_document_list(assistant.documents()),
            show_document(new_doc),
        )

    # ----- JSON API -----
    def api_ask(question: str, history: list[str] | None = None) -> dict:
        """Answer a question with quoted, cited sentences (or abstain). `history`: earlier questions, oldest first."""
        try:
            return assistant.ask(question, history=list(history or [])).to_dict()
        except InputError as exc:
            raise gr.Error(friendly_error(exc)) from None

    def api_check(claim: str) -> dict:
        """Which sources support a claim, each with its best sentence."""
        try:
            return assistant.check(claim).to_dict()
        except InputError as exc:
            raise gr.Error(friendly_error(exc)) from None

    private = {"api_visibility": "private"}
    answer_group = {"concurrency_id": "answer", "concurrency_limit": ANSWER_CONCURRENCY}

    with gr.Blocks(title="askhist \u2014 ask the history sources", delete_cache=(3600, 3600)) as demo:
        gr.HTML(
            "<div class='askhist-header'><h1>askhist</h1>"
            "<p>Ask questions about the history sources. Every answer is quoted from the documents, "
            "with a number showing where it comes from.</p></div>",
            js_on_load=None,
        )
        with gr.Tabs():
            with gr.Tab("Ask a question", id="ask", elem_id="tab-ask"):
                turns = gr.State([])
                chat = _html_block(intro_html(), elem_id="chat-log")
                with gr.Row(equal_height=True):
                    question = gr.Textbox(
                        show_label=False,
                        container=False,
                        placeholder="Type a question, e.g. Why did Trotsky lose the power struggle?",
                        elem_id="question-box",
                        scale=6,
                        max_length=2000,
                        autofocus=True,
                    )
                    ask_button = gr.Button("Ask", variant="primary", scale=1, min_width=90, elem_id="ask-button")
                chat_notice = _html_block("", elem_id="chat-notice")
                with gr.Column(elem_id="examples") as examples:
                    gr.HTML("<span id='examples-label'>Not sure what to ask? Try one of these:</span>")
                    with gr.Row():
                        example_buttons = [gr.Button(q, size="sm", variant="secondary") for q in EXAMPLE_QUESTIONS]
                with gr.Row():
                    reset = gr.Button(
                        "Start a new conversation",
                        size="sm",
                        variant="secondary",
                        elem_id="new-chat",
                        scale=0,
                        min_width=230,
                    )
                outputs = [chat, turns, question, chat_notice, examples]
                question.submit(
                    chat_turn, [question, turns], outputs, **private, **answer_group, show_progress="minimal"
                )
                ask_button.click(
                    chat_turn, [question, turns], outputs, **private, **answer_group, show_progress="minimal"
                )
                for button, text in zip(example_buttons, EXAMPLE_QUESTIONS):
                    button.click(
                        lambda state, text=text: chat_turn(text, state),
                        [turns],
                        outputs,
                        **private,
                        **answer_group,
                        show_progress="minimal",
                    )
                reset.click(new_conversation, None, outputs, **private)

            with gr.Tab("Check a claim", id="check", elem_id="tab-check"):
                gr.HTML(
                    "<p class='askhist-html'>For teachers: paste a claim to see, source by source, whether it "
                    "is <b>supported</b>, <b>partly supported</b> or <b>not found</b>, with the best quote and "
                    "a citation to copy.</p>"
                )
                with gr.Row(equal_height=True):
                    claim = gr.Textbox(
                        show_label=False,
                        container=False,
                        placeholder="Paste a claim, e.g. Stalin became General Secretary in 1922",
                        elem_id="claim-box",
                        scale=6,
                        max_length=2000,
                    )
                    check_button = gr.Button("Check", variant="primary", scale=1, min_width=90, elem_id="check-button")
                gr.Examples([[c] for c in EXAMPLE_CLAIMS], inputs=[claim], label="Example claims")
                report = _html_block("", elem_id="claim-report")
                claim.submit(claim_report, [claim], [report], **private, **answer_group, show_progress="minimal")
                check_button.click(claim_report, [claim], [report], **private, **answer_group, show_progress="minimal")

            with gr.Tab("Sources", id="sources", elem_id="tab-sources"):
                gr.HTML("<p class='askhist-html'>These are the documents askhist answers from.</p>")
                with gr.Row():
                    with gr.Column(scale=2):
                        doc_list = _html_block(render_document_list(assistant.documents()), elem_id="doc-list")
                    with gr.Column(scale=3, elem_id="doc-view-column"):
                        viewer = _html_block(render_document(None), elem_id="doc-view")
                doc_list.click(open_document, None, [viewer], **private, show_progress="hidden")

            with gr.Tab("Add a document", id="add", elem_id="tab-add"):
                gr.HTML(upload_help_html())
                files = gr.File(
                    label="Drop a file here or click to choose",
                    file_count="multiple",
                    type="filepath",
                    elem_id="upload-box",
                )
                upload_status = _html_block("", elem_id="upload-status")
                files.upload(
                    upload,
                    [files],
                    [upload_status, files, doc_list, viewer],
                    **private,
                    concurrency_id="upload",
                    concurrency_limit=1,
                )

        gr.api(api_ask, api_name="ask", **answer_group)
        gr.api(api_check, api_name="check", **answer_group)
        # The page always starts with the current collection (uploads made by others included).
        demo.load(lambda: render_document_list(assistant.documents()), None, [doc_list], **private)
    demo.queue(default_concurrency_limit=ANSWER_CONCURRENCY, max_size=QUEUE_MAX_SIZE)
    return demo


def _warn(message: str) -> None:
    """A warning toast. Gradio renders toast text as (sanitised) HTML, so escape it:
    messages can hold a file name, which may contain markup."""
    import gradio as gr

    gr.Warning(esc(message))


def _empty_result():
    from .uploads import AddResult

    return AddResult()


def launch_options() -> dict:
    """Arguments for ``demo.launch`` besides host and port."""
    import gradio as gr

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
        # Gradio keeps per-session state; API clients without a session each
        # add one (~80 KB measured). Bound it so a long day of API calls
        # cannot grow the server towards Gradio's default of 10,000 sessions.
        "state_session_capacity": 1000,
    }


def _warm_up(assistant) -> None:
    try:
        assistant.ask(EXAMPLE_QUESTIONS[0])
    except Exception:  # a warm-up must never take the server down
        pass


def serve(args) -> int:
    """``askhist serve``: load (or build) the index, then start the web app."""
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    from .uploads import remove_stale_temp_files

    upload_dir = Path(args.data) / "uploads"
    upload_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_files(upload_dir)
    assistant = load_assistant(args)  # the documents and the uploads folder
    log(f"{len(assistant.documents())} documents ready; uploads are kept in {upload_dir}")
    demo = build_app(assistant, upload_dir, log=log)
    demo.launch(server_name=args.host, server_port=args.port, prevent_thread_lock=True, quiet=True, **launch_options())
    print(f"askhist is ready: open {demo.local_url} in your browser (Ctrl+C to stop)", flush=True)
    # The first query pays for lazy set-up in torch; pay it now rather than on a student's first question.
    threading.Thread(target=_warm_up, args=(assistant,), daemon=True).start()
    sys.stdout.flush()
    try:
        demo.block_thread()
    except KeyboardInterrupt:
        pass
    finally:
        demo.close()
    return 0
