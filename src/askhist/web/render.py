"""HTML for the web app: plain functions from the assistant's answers, claim
reports and documents to page fragments.

The HTML is built here by hand, and every piece of document or user text goes
through :func:`esc` (``html.escape``) on the way in, so nothing from a source
is ever rendered as markup; shown text also goes in a ``<bdi>`` (:func:`iso`),
so a stray right-to-left override in a document cannot reorder the page. Where a sentence is (its section and paragraph)
comes from the answer's structured fields, never from re-reading the core's
location text.

Why this module is over 400 lines: every fragment of the page is escaped
and isolated in one place, so that a review of what reaches the browser is
a review of this file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

from ..answer import Answer, AnswerSentence, Disagreement
from ..claims import CONTRADICTED, NOT_FOUND, PARTLY, SUPPORTED, ClaimReport, SourceSupport
from ..cleaning import MAIN
from ..index import DocumentInfo
from ..uploads import MAX_UPLOAD_BYTES, AddResult, allowed_types

# Document id -> the document, or None when the collection no longer has it.
DocumentLookup = Callable[[str], DocumentInfo | None]

# CSS class and label of each support level, in the order the summary counts them.
_BADGES = {
    SUPPORTED: ("supported", "Supported"),
    PARTLY: ("partly", "Partly supported"),
    CONTRADICTED: ("contradicted", "Contradicted"),
    NOT_FOUND: ("notfound", "Not found"),
}
_OPENING_QUOTES = "\u201c\"\u2018'\u00ab"
_CLOSING_QUOTES = "\u201d\"\u2019'\u00bb"
_BLANK_LINE = re.compile(r"\n[ \t\r\f\v\u00a0]*\n")
# The words a follow-up's referent stands in for, to show "(he = Stalin)".
_PRONOUN = re.compile(r"\b(?:he|him|his|she|her|hers|they|them|their|theirs|that \w+|this \w+)\b", re.IGNORECASE)


def esc(text: object) -> str:
    """HTML-escape any text (quotes too, so it is safe inside attributes)."""
    return html.escape(str(text), quote=True)


def iso(text: object) -> str:
    """Escaped text from a document (or a user) in its own bidirectional
    isolate: an unterminated right-to-left override in it cannot reorder the
    page's own words around it."""
    return f"<bdi>{esc(text)}</bdi>"


def friendly_error(exc: BaseException) -> str:
    """An API error message as a sentence for the page."""
    message = str(exc).strip() or "something went wrong"
    return message[0].upper() + message[1:]


# --------------------------------------------------------------------------
# Where a span is, and the text around it.
# --------------------------------------------------------------------------


def _paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """Start and end of the paragraph (text between blank lines) around a span."""
    lo = 0
    for match in _BLANK_LINE.finditer(text[:start]):
        lo = match.end()
    after = _BLANK_LINE.search(text[end:])
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
    return f"<bdi>{esc(before)}<mark>{esc(text[start:end])}</mark>{esc(after)}</bdi>"


def sentence_context(answer: Answer, sentence: AnswerSentence, text: str) -> tuple[int, int]:
    """The span to show around a cited sentence: the retrieved passage that
    holds it (content only, no page clutter), else its paragraph."""
    for passage in answer.passages:
        if passage.doc == sentence.doc and passage.start <= sentence.start and sentence.end <= passage.end:
            return passage.start, passage.end
    return context_span(text, sentence.start, sentence.end)


def plain_location(section: str, paragraph: int) -> str:
    """Where a span is, in words a student understands ("paragraph 4"); the
    snippets of other essays listed at the end of a page are said to be
    someone else's writing."""
    where = f"paragraph {paragraph}"
    if section != MAIN:
        where += ", in a snippet of someone else's essay listed at the end of the page"
    return where


def where_words(title: str, section: str, paragraph: int) -> str:
    """Which document and where in it, in plain words (escaped HTML)."""
    where = (
        f"<span class='src-title'>{iso(title)}</span> "
        f"<span class='loc'>\u2014 {esc(plain_location(section, paragraph))}</span>"
    )
    if section != MAIN:
        where += " <span class='tag-other'>other writer</span>"
    return where


def quoted(text: str) -> str:
    """Text in quotation marks, unless it is already a quotation (no doubled marks)."""
    stripped = text.strip()
    if stripped[:1] in _OPENING_QUOTES and stripped[-1:] in _CLOSING_QUOTES:
        return stripped
    return f"\u201c{stripped}\u201d"


def iso_quoted(text: str) -> str:
    """:func:`quoted` as HTML, the quotation marks outside the text's isolate (where the page puts them)."""
    stripped = text.strip()
    if stripped[:1] in _OPENING_QUOTES and stripped[-1:] in _CLOSING_QUOTES:
        return iso(stripped)
    return f"\u201c{iso(stripped)}\u201d"


def citation_line(quote: str, title: str, location: str, doc_id: str, start: int, end: int) -> str:
    """A citation to paste into work: “quote” — Title, paragraph 4 (file.txt, characters 120–245)."""
    return f"{quoted(quote)} \u2014 {title}, {location} ({doc_id}, characters {start}\u2013{end})"


def citation_html(quote: str, title: str, location: str, doc_id: str, start: int, end: int) -> str:
    """:func:`citation_line` as HTML to show, with the quote, title and file name isolated."""
    return f"{iso_quoted(quote)} \u2014 {iso(title)}, {esc(location)} ({iso(doc_id)}, characters {start}\u2013{end})"


# --------------------------------------------------------------------------
# Ask a question.
# --------------------------------------------------------------------------


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


def conversation_html(turns: Sequence[Answer], document: DocumentLookup) -> str:
    """The whole conversation, rendered from its answers (the intro when there are none)."""
    if not turns:
        return intro_html()
    return "<div class='conversation'>" + "".join(render_answer(n, a, document) for n, a in enumerate(turns)) + "</div>"


def _source_text(answer: Answer, sentence: AnswerSentence, document: DocumentLookup) -> str:
    """A cited sentence highlighted in its passage. An earlier turn may cite a
    file that has changed since; then only the quoted sentence is shown."""
    doc = document(sentence.doc)
    text = doc.text if doc is not None else ""
    if text[sentence.start : sentence.end] != sentence.text:
        return f"<mark>{iso(sentence.text)}</mark>"
    return highlighted(text, sentence.start, sentence.end, *sentence_context(answer, sentence, text))


def origin_html(doc: DocumentInfo | None) -> str:
    """Where an uploaded document came from ("uploaded by a teacher on …"), shown
    next to every quote from it; "" for the collection's own documents."""
    origin = doc.origin if doc is not None else ""
    return f" <span class='origin'>({esc(origin)})</span>" if origin else ""


def followup_html(answer: Answer) -> str:
    """How a follow-up was read: the earlier question, and what its "he" or
    "that job" was taken to mean ("" for a question that stands alone)."""
    if not answer.context:
        return ""
    line = f"Read as a follow-up to your earlier question \u201c{iso(answer.context)}\u201d"
    if answer.referent:
        pronoun = _PRONOUN.search(answer.question)
        if pronoun and pronoun.group().lower() != answer.referent.lower():
            line += f" ({iso(pronoun.group())} = {iso(answer.referent)})"
        else:
            line += f" (read as \u201c{iso(answer.referent)}\u201d)"
    return f"<p class='followup'>{line}.</p>"


def _cite(turn: int, citation: int) -> str:
    return (
        f"<a class='cite' href='#ask-{turn}-{citation}' data-target='ask-{turn}-{citation}' "
        f"title='Show where this sentence comes from'>[{citation}]</a>"
    )


def disagreement_html(turn: int, disagreement: Disagreement | None) -> str:
    """The note "The sources disagree on the year: 1924 [1][2]; 1922 [3]", majority first, with working citations."""
    if disagreement is None or not disagreement.sides:
        return ""
    about = f" on the {esc(disagreement.about)}" if disagreement.about else ""
    sides = "; ".join(
        f"<b>{iso(side.value)}</b> " + "".join(_cite(turn, n) for n in side.citations) for side in disagreement.sides
    )
    return f"<p class='disagree'><b>The sources disagree{about}:</b> {sides}</p>"


def _open_source_button(doc_id: str) -> str:
    """A button that opens a document in the Sources tab (static/app.js)."""
    return (
        f"<button type='button' class='open-source' data-doc='{esc(doc_id)}'>"
        "Read the whole document in the Sources tab</button>"
    )


def render_answer(turn: int, answer: Answer, document: DocumentLookup) -> str:
    """One question and its answer; ``turn`` numbers it in the conversation (0 first)."""
    parts = [
        f"<article class='turn' id='turn-{turn}'>",
        f"<div class='bubble user'><div class='who'>You asked</div><div class='q'>{iso(answer.question)}</div></div>",
        "<div class='bubble bot'><div class='who'>From the sources</div>",
        followup_html(answer),
    ]
    if answer.abstained:
        parts.append(
            "<p class='no-answer'><b>The sources don't answer this question.</b> "
            "askhist only repeats what the documents say, so it won't guess. "
            "These are the passages that come closest \u2014 the closest is open, and they may still help:</p>"
        )
        for number, passage in enumerate(answer.passages[:3], start=1):
            parts.append(
                f"<details class='source nearest' id='ask-{turn}-p{number}'{' open' if number == 1 else ''}>"
                f"<summary>{where_words(passage.title, passage.section, passage.paragraph)}"
                f"{origin_html(document(passage.doc))}</summary>"
                f"<div class='passage'>{iso(passage.text)}</div>"
                f"<div class='ref'>File {iso(passage.doc)}, characters {passage.start}\u2013{passage.end}. "
                f"{_open_source_button(passage.doc)}</div>"
                "</details>"
            )
    else:
        parts.append(disagreement_html(turn, answer.disagreement))
        parts.append("<ul class='answer-list'>")
        for s in answer.sentences:
            parts.append(f"<li><span class='quote'>{iso_quoted(s.text)}</span> {_cite(turn, s.citation)}</li>")
        parts.append("</ul>")
        parts.append("<p class='where-title'>Where these sentences come from \u2014 click one to read it:</p>")
        for s in answer.sentences:
            parts.append(
                f"<details class='source' id='ask-{turn}-{s.citation}'>"
                f"<summary><span class='num'>[{s.citation}]</span> {where_words(s.title, s.section, s.paragraph)}"
                f"{origin_html(document(s.doc))}</summary>"
                f"<div class='passage'>{_source_text(answer, s, document)}</div>"
                f"<div class='ref'>File {iso(s.doc)}, characters {s.start}\u2013{s.end}. "
                f"{_open_source_button(s.doc)}</div>"
                "</details>"
            )
    parts.append("</div></article>")
    return "".join(parts)


def problem_html(message: str) -> str:
    return f"<p class='problem' role='alert'>{esc(message)}</p>"


# --------------------------------------------------------------------------
# Check a claim.
# --------------------------------------------------------------------------


def _claim_evidence(number: int, source: SourceSupport, doc: DocumentInfo, after_quote: str = "") -> str:
    """A source's best sentence: the quote (then ``after_quote``), where it is, a citation to copy, and
    the sentence in its place."""
    evidence = source.evidence
    if evidence is None:
        return "<p class='nothing'>No sentence in this source says this.</p>"
    line = citation_line(evidence.text, doc.title, evidence.location, source.doc, evidence.start, evidence.end)
    shown = citation_html(evidence.text, doc.title, evidence.location, source.doc, evidence.start, evidence.end)
    lo, hi = context_span(doc.text, evidence.start, evidence.end, min_chars=1500, max_chars=6000)
    return (
        f"<blockquote class='best'>{iso_quoted(evidence.text)}</blockquote>{after_quote}"
        f"<p class='loc-line'>Found in {esc(plain_location(evidence.section, evidence.paragraph))}.</p>"
        f"<div class='cite-line'><span class='cite-label'>Citation</span><code>{shown}</code>"
        f"<button type='button' class='copy' data-copy='{esc(line)}'>Copy citation</button></div>"
        f"<details class='show-source' id='claim-{number}'><summary>Show in source</summary>"
        f"<div class='doc-box'>{highlighted(doc.text, evidence.start, evidence.end, lo, hi)}</div></details>"
    )


def render_claim_report(report: ClaimReport, document: Callable[[str], DocumentInfo]) -> str:
    """Every source's stance on a claim, with quote, location, citation and source view.
    ``document`` is the collection the report was made from, so every source is in it.
    A contradicting source shows its contradicting quote first, then what it says instead."""
    counts = dict.fromkeys(_BADGES, 0)
    for source in report.sources:
        counts[source.support] = counts.get(source.support, 0) + 1
    summary = " ".join(
        f"<span class='badge {css}'>{counts[level]} {label.lower()}</span>"
        for level, (css, label) in _BADGES.items()
        if counts[level] or level != CONTRADICTED
    )
    parts = [
        "<div class='claim-report'>",
        f"<p class='claim-head'>Claim: <q>{iso(report.claim)}</q></p>",
    ]
    if report.disagreement:
        parts.append(
            "<p class='disagree'><b>The sources disagree on this claim:</b> some support it and some contradict "
            "it. Read the contradicting quotes before you rely on it.</p>"
        )
    parts.append(
        f"<p class='claim-summary'>{summary} "
        "\u2014 one row per source. <i>Supported</i> means a sentence in the source says the same thing; "
        "<i>contradicted</i> means it says something else about the same fact.</p>"
    )
    for number, source in enumerate(report.sources, start=1):
        css, label = _BADGES.get(source.support, (_BADGES[NOT_FOUND][0], source.support))
        doc = document(source.doc)
        parts.append(f"<section class='claim-source {css}'>")
        parts.append(
            f"<div class='claim-row'><span class='badge {css}'>{esc(label)}</span> "
            f"<span class='src-title'>{iso(source.title)}</span>{origin_html(doc)}</div>"
        )
        if source.support == CONTRADICTED:
            # What the source says instead comes first: its quote, then how it differs.
            differs = f"<p class='contra-note'>This source {iso(source.note)}.</p>" if source.note else ""
            parts.append(_claim_evidence(number, source, doc, differs))
        if source.section != MAIN:
            parts.append(
                "<p class='related-note'>These are short snippets of <b>other people's essays</b>, listed at the "
                f"end of \u201c{iso(doc.title)}\u201d. They are not part of that essay: cite them with care.</p>"
            )
        if source.support != CONTRADICTED:
            if source.note:
                parts.append(f"<p class='note'>Careful: this source {iso(source.note)}.</p>")
            parts.append(_claim_evidence(number, source, doc))
        parts.append("</section>")
    parts.append("</div>")
    return "".join(parts)


# --------------------------------------------------------------------------
# Sources and uploads.
# --------------------------------------------------------------------------


def _words(text: str) -> str:
    return f"{len(text.split()):,} words"


def render_document_list(documents: Sequence[DocumentInfo]) -> str:
    """The collection as cards; a card's button opens the document (see static/app.js)."""
    parts = [f"<p class='doc-count'>{len(documents)} documents \u2014 click one to read it.</p><ol class='doc-list'>"]
    for doc in documents:
        uploaded = "/" in doc.doc_id
        parts.append(
            f"<li class='doc-card'><button type='button' class='open-doc' data-doc='{esc(doc.doc_id)}'>"
            f"<span class='src-title'>{iso(doc.title)}</span>"
            f"{' <span class=tag-upload>added by upload</span>' if uploaded else ''}</button>"
            + (f"<div class='desc'>{iso(doc.description)}</div>" if doc.description else "")
            + f"<div class='meta'>File {iso(doc.doc_id)} \u00b7 {_words(doc.text)}{origin_html(doc)}</div></li>"
        )
    parts.append("</ol>")
    return "".join(parts)


def render_document(doc: DocumentInfo | None) -> str:
    """One whole document to read, or a placeholder when none is chosen."""
    if doc is None:
        return "<p class='placeholder'>Click a document in the list to read it here.</p>"
    return (
        f"<article class='doc-view' data-doc='{esc(doc.doc_id)}'>"
        f"<h2>{iso(doc.title)}</h2>"
        + (f"<p class='desc'>{iso(doc.description)}</p>" if doc.description else "")
        + f"<p class='meta'>File {iso(doc.doc_id)} \u00b7 {_words(doc.text)}{origin_html(doc)}</p>"
        f"<div class='doc-text'>{iso(doc.text)}</div></article>"
    )


def render_upload_result(result: AddResult) -> str:
    """What happened to a batch of uploads, one message per file."""
    parts = []
    if result.added:
        titles = ", ".join(f"\u201c{iso(title)}\u201d" for _, title in result.added)
        parts.append(
            f"<p class='ok'><b>Added {titles}.</b> You can ask about it now, and read it in the Sources tab.</p>"
        )
    for note in result.notes:
        parts.append(f"<p class='note'>Note: {iso(note)}</p>")
    for message in result.refused:
        parts.append(f"<p class='problem'><b>Not added:</b> {iso(friendly_error(Exception(message)))}</p>")
    return "".join(parts) or "<p class='note'>No file was uploaded.</p>"


def upload_help_html() -> str:
    return (
        "<div class='upload-help'><p>Add your own document to the collection. It is checked, saved and "
        "indexed right away, and kept when the app restarts.</p><ul>"
        f"<li>File types: {esc(allowed_types())}</li>"
        f"<li>Up to {MAX_UPLOAD_BYTES // 2**20} MB per file; it must contain text (not a scanned picture)</li>"
        "<li>A file with the same name or the same text as a document already here is refused</li>"
        "</ul></div>"
    )


def teacher_access_html(enabled: bool, discarded: Sequence[str] = ()) -> str:
    """Who may change the collection, and any upload a restart discarded."""
    if enabled:
        parts = [
            "<p class='note' id='teacher-note'>Only teachers change the collection everyone is answered from: "
            "type the teacher key given when the server was started, then add or remove a document.</p>"
        ]
    else:
        parts = [
            "<p class='problem' id='teacher-note'>Adding and removing documents is turned off on this server. "
            "To turn it on, start it with <code>askhist serve --teacher-key KEY</code> "
            "(or set <code>ASKHIST_TEACHER_KEY</code>).</p>"
        ]
    if discarded:
        names = ", ".join(f"\u201c{esc(name)}\u201d" for name in discarded)
        was, it = ("was", "it") if len(discarded) == 1 else ("were", "them")
        parts.append(
            f"<p class='problem' id='discarded-note'><b>An upload was interrupted when the server stopped:</b> "
            f"{names} {was} not added. Add {it} again if you still want to.</p>"
        )
    return "".join(parts)
