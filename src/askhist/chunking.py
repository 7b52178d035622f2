"""Chunking: sentences and overlapping passages with exact character spans.

Sentences are found with rules tuned to these texts rather than a trained
splitter: abbreviations ("Gen. Secretary", "govt. dept.s"), initials
("I. Deutscher"), date ranges ("1922-1924") and bracketed sources
("(Nicolai Sukhanov-1922)") must not end a sentence. Passages pack whole
sentences up to a word budget that fits MiniLM's 256 word-piece window, and
overlap by one sentence so that no sentence loses its neighbour's context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cleaning import Segment, content_segments, strip_span

# Lowercased words that are followed by a period without ending a sentence.
ABBREVIATIONS = frozenset(
    """gen govt dept depts mr mrs ms dr prof st sr jr vs cf e.g i.e viz vol pp
    ch col lt capt sgt rev hon gov sen rep corp inc ltd co jan feb mar apr jun jul aug
    sep sept oct nov dec ca approx fig ed eds trans u.s u.k u.s.s.r comrade""".split()
)
# Candidate sentence ends: terminal punctuation, optional closing quotes or
# brackets, then whitespace.
_BOUNDARY = re.compile(r"(?:[.!?]+|\u2026)[\"'\u201d\u2019)\]]*(?=\s)")
_STARTS_SENTENCE = re.compile(r"\s+[\"'\u201c\u2018(\[]*[A-Z0-9\u00c0-\u024f\u0400-\u04ff]")
_WORD_BEFORE = re.compile(r"([\w.]+)\.$")
_HAS_WORD = re.compile(r"\w")
_QUESTION_START = re.compile(
    r"^(?:why|how|what|who|whom|when|where|which|did|does|do|is|are|was|were|can|could)\b", re.IGNORECASE
)
# "Why did Stalin rather than Trotsky emerge as the leader…." is a title asked as a question, full stop or
# not: an essay's statement does not open on a question word and its verb. ("What was…" can open one.)
_ASKED = re.compile(
    r"^(?:why|how|when|where|who|which)\s+(?:did|does|do|was|were|is|are|can|could|would|should|has|have|had)\b",
    re.IGNORECASE,
)

MAX_SENTENCE_CHARS = 600  # longer "sentences" (lists, no punctuation) are cut at a space


@dataclass(frozen=True)
class ChunkingParams:
    """Parameters recorded in the index manifest: changing one rebuilds it."""

    max_words: int = 110
    overlap_sentences: int = 1

    def to_dict(self) -> dict:
        return {"max_words": self.max_words, "overlap_sentences": self.overlap_sentences}


@dataclass(frozen=True)
class Sentence:
    """One sentence of a document: ``document.text[start:end] == text``."""

    doc: str
    start: int
    end: int
    text: str
    paragraph: int  # 1-based paragraph number within the document
    section: str  # "main" or "related-N"


def is_statement(sentence: Sentence) -> bool:
    """Whether a sentence can stand as an answer: not a title, heading or
    question (one that opens "Why did…", "How was…" is a question even with a full stop).

    Lines without end punctuation are often real sentences in notes ("Stalin
    began to build his support base long before Lenin's death"), so only a
    document's first line or a capitalised heading is taken for a title.
    """
    text = sentence.text.strip()
    words = text.split()
    if len(words) < 4 or text.endswith("?") or text.endswith(":") or _ASKED.match(text):
        return False
    if not text.endswith((".", "!", '"', "\u201d", "\u2019", ")", "\u2026")):
        capitalised = sum(w[:1].isupper() for w in words) / len(words)
        if sentence.paragraph == 1 or capitalised > 0.6 or _QUESTION_START.match(text):
            return False
    return True


@dataclass(frozen=True)
class Passage:
    """A run of whole sentences: ``document.text[start:end] == text``.

    ``first_sentence``/``last_sentence`` index the sentence list of the
    document set the passage was made with (the index's sentence table).
    """

    doc: str
    start: int
    end: int
    text: str
    paragraph: int
    section: str
    first_sentence: int
    last_sentence: int


def _is_abbreviation(text: str, seg_start: int, dot: int) -> bool:
    """Whether the period at ``dot`` belongs to an abbreviation or initial."""
    m = _WORD_BEFORE.search(text, max(seg_start, dot - 20), dot + 1)
    if not m:
        return False
    word = m.group(1).lower().rstrip(".")
    if word in ABBREVIATIONS:
        return True
    # A single capital letter is an initial: "I. Deutscher", "J. Stalin".
    token = m.group(1)
    return len(token) == 1 and token.isupper()


def _paragraph_spans(text: str, segment: Segment) -> list[tuple[int, int]]:
    """Paragraphs inside a segment: its non-blank lines.

    These scrapes put one paragraph on each line; a hard-wrapped file (lines
    around 80 characters) is treated as blank-line-separated blocks instead.
    """
    body = text[segment.start : segment.end]
    lines = [ln for ln in re.split(r"\r\n?|\n", body) if ln.strip()]
    wrapped = len(lines) >= 4 and sum(40 <= len(ln) <= 100 for ln in lines) >= 0.7 * len(lines)
    separator = re.compile(r"\n\s*\n" if wrapped else r"\n")
    # Windows "\r\n" and old Mac "\r" end lines too; both replacements keep every offset.
    body = body.replace("\r\n", " \n").replace("\r", "\n")
    spans = []
    pos = segment.start
    for m in separator.finditer(body):
        spans.append((pos, segment.start + m.start()))
        pos = segment.start + m.end()
    spans.append((pos, segment.end))
    return [(a, b) for a, b in (strip_span(text, *span) for span in spans) if b > a]


def _cut_long(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Cut a span longer than MAX_SENTENCE_CHARS at spaces (hard cut if none)."""
    pieces = []
    while end - start > MAX_SENTENCE_CHARS:
        limit = start + MAX_SENTENCE_CHARS
        cut = text.rfind(" ", start + MAX_SENTENCE_CHARS // 2, limit)
        cut = cut if cut > start else limit
        pieces.append((start, cut))
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if end > start:
        pieces.append((start, end))
    return pieces


def split_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Sentence spans of ``text[start:end]`` (a paragraph), whitespace-trimmed."""
    spans = []
    cursor = start
    for m in _BOUNDARY.finditer(text, start, end):
        if not _STARTS_SENTENCE.match(text, m.end(), end):
            continue
        last = m.end() - 1
        while text[last] in "\"'\u201d\u2019)]":
            last -= 1
        if text[last] == "." and text[last - 1 : last + 1] != ".." and _is_abbreviation(text, start, last):
            continue
        spans.append((cursor, m.end()))
        cursor = m.end()
    spans.append((cursor, end))
    out = []
    for a, b in (strip_span(text, *span) for span in spans):
        if b > a and _HAS_WORD.search(text, a, b):
            out.extend(_cut_long(text, a, b))
    return out


def document_sentences(doc_id: str, text: str) -> list[Sentence]:
    """All content sentences of a document, in order."""
    sentences = []
    paragraph = 0
    for segment in content_segments(text):
        for p_start, p_end in _paragraph_spans(text, segment):
            paragraph += 1
            for a, b in split_sentences(text, p_start, p_end):
                sentences.append(Sentence(doc_id, a, b, text[a:b], paragraph, segment.section))
    return sentences


def _word_count(text: str) -> int:
    return len(text.split())


def make_passages(text: str, sentences: list[Sentence], first_id: int, params: ChunkingParams) -> list[Passage]:
    """Pack one document's sentences into overlapping passages.

    ``first_id`` is the position of ``sentences[0]`` in the global sentence
    table. A passage never spans two sections or skipped text between
    segments: the sentences it packs must be contiguous content.
    """
    passages: list[Passage] = []
    i = 0
    n = len(sentences)
    while i < n:
        j = i
        words = _word_count(sentences[i].text)
        while j + 1 < n and _joinable(text, sentences[j], sentences[j + 1]):
            extra = _word_count(sentences[j + 1].text)
            if words + extra > params.max_words:
                break
            words += extra
            j += 1
        first, last = sentences[i], sentences[j]
        passages.append(
            Passage(
                doc=first.doc,
                start=first.start,
                end=last.end,
                text=text[first.start : last.end],
                paragraph=first.paragraph,
                section=first.section,
                first_sentence=first_id + i,
                last_sentence=first_id + j,
            )
        )
        if j + 1 >= n:
            break
        if not _joinable(text, sentences[j], sentences[j + 1]):
            i = j + 1
        else:
            i = max(i + 1, j + 1 - params.overlap_sentences)
    return passages


def _joinable(text: str, a: Sentence, b: Sentence) -> bool:
    """Whether b directly continues a: same section and nothing skipped between."""
    if a.section != b.section:
        return False
    gap = text[a.end : b.start]
    return gap.strip() == ""


def chunk_document(
    doc_id: str, text: str, first_id: int, params: ChunkingParams
) -> tuple[list[Sentence], list[Passage]]:
    """Sentences and passages of one document."""
    sentences = document_sentences(doc_id, text)
    return sentences, make_passages(text, sentences, first_id, params)
