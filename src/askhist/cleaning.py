"""Cleaning: find the parts of a scraped page that are content.

Web scrapes carry site chrome ("Join now!", "1534 Words4 Pages"), truncation
marks ("... middle of paper ...") and lists of *other* essays' snippets
("You May Also Find These Documents Helpful"). Cleaning never edits text: it
returns the character spans that are content, each labelled with the section
it belongs to. Everything outside those spans is simply not indexed, so
offsets stay exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAIN = "main"
RELATED_PREFIX = "related-"

# Whole lines that are site chrome (matched against the stripped line).
_CHROME_LINE = re.compile(
    r"""^(?:
        join\ now!?
      | open\ document
      | authors?\ avatar
      | read\ more | show\ more | continue\ reading | sign\ up.* | log\ in
      | this\ is\ a\ preview\ of\ the\ whole\ essay\.?
      | \d[\d,]*\ ?words\ ?\d+\ ?pages?
      | -\ *\d[\d,]*\ ?words
      | -\ *\d+\ ?pages?
      | (?:good|better|powerful|great|best|satisfactory|decent|strong|average)\ essays?\ *-?
      | archives\ for\ category:.*
      | [-\u2013\u2014\u2022*_=~.\u2026 ]+
    )$""",
    re.IGNORECASE | re.VERBOSE,
)

# Marks a preview's truncation; the partial sentences on either side of it
# are cut too ("The Sovie... ... middle of paper ... ...e only factor.").
_MIDDLE_OF_PAPER = re.compile(r"\.\.\.\s*middle of paper\s*\.\.\.", re.IGNORECASE)
_PREVIEW_END = re.compile(r"^this is a preview of the whole essay", re.IGNORECASE)
_RELATED_HEADING = re.compile(
    r"^(?:you may also find these documents helpful|related (?:essays|documents)|similar essays)\s*:?$",
    re.IGNORECASE,
)
# End of the last complete sentence before a truncation.
_SENTENCE_END = re.compile(r"(?<!\.)[.!?](?!\.)[\"'\u201d\u2019)\]]*\s")


@dataclass(frozen=True)
class Segment:
    """A span of content with no skipped text inside it."""

    start: int
    end: int
    section: str  # "main", or "related-N" for the N-th snippet of another essay

    @property
    def is_related(self) -> bool:
        return self.section.startswith(RELATED_PREFIX)


def section_label(section: str) -> str:
    """How a section is named to users."""
    if section.startswith(RELATED_PREFIX):
        return f"snippet {section[len(RELATED_PREFIX) :]} of another essay (listed at the end)"
    return "main text"


def _lines(text: str) -> list[tuple[int, int]]:
    """(start, end) of each line, without its line break."""
    spans = []
    pos = 0
    for line in text.splitlines(keepends=True):
        body = line.rstrip("\r\n")
        spans.append((pos, pos + len(body)))
        pos += len(line)
    return spans


def strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    """The span without its leading and trailing whitespace."""
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _cut_partial_tail(text: str, start: int, end: int) -> int:
    """End of the last complete sentence in text[start:end] (start if none)."""
    last = start
    for m in _SENTENCE_END.finditer(text, start, end):
        last = m.end()
    return last


def _cut_partial_head(text: str, start: int, end: int) -> int:
    """Start of the first complete sentence in text[start:end] (end if none)."""
    m = _SENTENCE_END.search(text, start, end)
    return m.end() if m else end


def _split_truncations(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Remove '... middle of paper ...' marks and the partial sentences around them."""
    pieces = []
    cursor = start
    marks = list(_MIDDLE_OF_PAPER.finditer(text, start, end))
    for number, m in enumerate(marks):
        pieces.append((cursor, _cut_partial_tail(text, cursor, m.start())))
        # Look for the next sentence only up to the next mark: searching to the
        # end each time made a text with many marks quadratic.
        limit = marks[number + 1].start() if number + 1 < len(marks) else end
        cursor = _cut_partial_head(text, m.end(), limit)
    pieces.append((cursor, end))
    return [p for p in (strip_span(text, a, b) for a, b in pieces) if p[1] > p[0]]


def _ends_truncated(text: str, start: int, end: int) -> bool:
    tail = text[start:end].rstrip()
    return tail.endswith(("...", "\u2026"))


def content_segments(text: str) -> list[Segment]:
    """Spans of ``text`` that are content, in order, each with its section.

    Consecutive content lines join into one segment; a skipped line or mark
    ends it. Lines after a "You May Also Find These Documents Helpful"
    heading are other essays' snippets, one section per snippet.
    """
    lines = _lines(text)
    kinds = []  # per line: "blank", "chrome", "related-heading", "preview-end", "content"
    for start, end in lines:
        stripped = text[start:end].strip()
        if not stripped:
            kinds.append("blank")
        elif _RELATED_HEADING.match(stripped):
            kinds.append("related-heading")
        elif _PREVIEW_END.match(stripped):
            kinds.append("preview-end")
        elif _CHROME_LINE.match(stripped):
            kinds.append("chrome")
        else:
            kinds.append("content")

    # The next non-blank line's kind for each line, found in one backward pass
    # (looking ahead line by line made files with many lines quadratic).
    next_kinds: list[str | None] = [None] * len(kinds)
    following: str | None = None
    for i in range(len(kinds) - 1, -1, -1):
        next_kinds[i] = following
        if kinds[i] != "blank":
            following = kinds[i]

    segments: list[Segment] = []
    section = MAIN
    related_count = 0
    open_start: int | None = None
    open_end = 0
    new_snippet = False

    def close() -> None:
        nonlocal open_start
        if open_start is not None:
            for a, b in _split_truncations(text, open_start, open_end):
                segments.append(Segment(a, b, section))
        open_start = None

    for i, ((start, end), kind) in enumerate(zip(lines, kinds)):
        if kind == "content":
            if new_snippet:
                close()
                related_count += 1
                section = f"{RELATED_PREFIX}{related_count}"
                new_snippet = False
            line_end = end
            if next_kinds[i] == "preview-end" and _ends_truncated(text, start, end):
                # "As Stalin had ..." right before "This is a preview": a cut sentence.
                line_end = _cut_partial_tail(text, start, end)
            if open_start is None:
                open_start = start
            open_end = max(line_end, start)
            if line_end < end:
                close()
        elif kind == "blank":
            continue  # blank lines separate paragraphs, not segments
        else:
            close()
            if kind == "related-heading":
                new_snippet = True
            elif section != MAIN and kind == "chrome":
                new_snippet = True  # snippets are separated by "- 1472 Words" lines
    close()
    return [s for s in segments if s.end > s.start]
