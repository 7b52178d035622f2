"""Properties of cleaning and chunking on arbitrary text.

Whatever a file holds, content_segments, document_sentences and
chunk_document never crash, and every span they report reproduces the text
exactly: offsets are the contract the citations and highlights rely on.
"""

from __future__ import annotations

import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from askhist.chunking import MAX_SENTENCE_CHARS, ChunkingParams, chunk_document, document_sentences
from askhist.cleaning import MAIN, RELATED_PREFIX, content_segments

# Any character except surrogates (text read from files never has them),
# astral ones (emoji, CJK extension B) included.
_ANY_CHAR = st.characters(exclude_categories=("Cs",))
_WORDS = st.sampled_from(
    [
        *"Stalin Trotsky Lenin Gen. Secretary govt. I. Deutscher 1922-1924 Comrade (Sukhanov-1922)".split(),
        *["Сталин", "斯大林", "𝔖𝔱𝔞𝔩𝔦𝔫", "😀", "e.g.", "U.S.S.R."],
    ]
)
_MARKS = st.sampled_from(
    [
        ".",
        "!",
        "?",
        "...",
        "…",
        ". . .",
        "?!",
        "”",
        ".”",
        '."',
        ")",
        "...)",
        " ... middle of paper ... ",
        "... middle of paper ...",
        "...middle of paper...",
    ]
)
_LINES = st.sampled_from(
    [
        "You May Also Find These Documents Helpful",
        "you may also find these documents helpful:",
        "Related Essays",
        "This is a preview of the whole essay",
        "Join now!",
        "- 1472 Words",
        "- 6 Pages",
        "1534 Words4 Pages",
        "Good Essays",
        "Read More",
        "-",
        "***",
        "......",
        "…………",
        "",
        "   ",
    ]
)
_BREAKS = st.sampled_from(["\n", "\r\n", "\r", "\n\n", "\r\n\r\n", "\u2028", "\x0c", "\x85"])


@st.composite
def _sentence_like(draw) -> str:
    words = draw(st.lists(_WORDS, min_size=1, max_size=12))
    return " ".join(words) + draw(_MARKS)


@st.composite
def _line(draw) -> str:
    kind = draw(st.integers(0, 9))
    if kind <= 3:
        return " ".join(draw(st.lists(_sentence_like(), min_size=1, max_size=6)))
    if kind == 4:
        return draw(_LINES)
    if kind == 5:
        return draw(st.text(_ANY_CHAR, max_size=60))
    if kind == 6:  # a very long line: no punctuation, or no spaces at all
        word = draw(_WORDS)
        count = draw(st.integers(100, 400))
        return (word + " ") * count if draw(st.booleans()) else word * count
    if kind == 7:
        return draw(st.text(st.sampled_from(".!?…-–—*_=~ \"'”)("), min_size=1, max_size=40))  # only punctuation
    if kind == 8:
        return "... " * draw(st.integers(1, 80)) + draw(_sentence_like())  # many ellipses
    return draw(st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=30)) + draw(_MARKS)


@st.composite
def documents(draw) -> str:
    lines = draw(st.lists(_line(), max_size=30))
    out = ""
    for line in lines:
        out += line + draw(_BREAKS)
    return out if draw(st.booleans()) else out.rstrip()


_FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _check_segments(text: str) -> list:
    segments = content_segments(text)
    for segment in segments:
        assert 0 <= segment.start < segment.end <= len(text)
        body = text[segment.start : segment.end]
        assert body == body.strip(), "segments are whitespace-trimmed"
        assert segment.section == MAIN or segment.section.startswith(RELATED_PREFIX)
        assert "middle of paper" not in body.lower()
    for a, b in itertools.pairwise(segments):
        assert a.end <= b.start
    return segments


def _check_chunks(text: str, params: ChunkingParams) -> None:
    segments = _check_segments(text)
    sentences, passages = chunk_document("doc.txt", text, 0, params)
    assert sentences == document_sentences("doc.txt", text)
    for s in sentences:
        assert 0 <= s.start < s.end <= len(text)
        assert text[s.start : s.end] == s.text
        assert len(s.text) <= MAX_SENTENCE_CHARS
        # Inside one content segment, with that segment's section.
        assert any(g.start <= s.start and s.end <= g.end and g.section == s.section for g in segments)
    for a, b in itertools.pairwise(sentences):
        assert a.end <= b.start, "sentences are ordered and do not overlap"
        assert a.paragraph <= b.paragraph
    covered = set()
    for p in passages:
        assert 0 <= p.start < p.end <= len(text)
        assert text[p.start : p.end] == p.text
        inside = sentences[p.first_sentence : p.last_sentence + 1]
        assert inside and p.start == inside[0].start and p.end == inside[-1].end
        assert {s.section for s in inside} == {p.section}, "a passage never crosses a section boundary"
        assert sum(len(s.text.split()) for s in inside) <= params.max_words or len(inside) == 1
        covered.update(range(p.first_sentence, p.last_sentence + 1))
    assert covered == set(range(len(sentences))), "every sentence is inside some passage"
    for a, b in itertools.pairwise(passages):
        assert a.start <= b.start and a.first_sentence <= b.first_sentence


@_FAST
@given(documents(), st.integers(5, 120))
def test_structured_text_keeps_the_offset_invariant(text, max_words):
    _check_chunks(text, ChunkingParams(max_words=max_words))


@_FAST
@given(st.text(_ANY_CHAR, max_size=400))
def test_any_unicode_text_keeps_the_offset_invariant(text):
    _check_chunks(text, ChunkingParams(max_words=20))


@settings(max_examples=40, deadline=None)
@given(st.sampled_from(["\n", "\r\n", "\r"]), st.lists(_sentence_like(), min_size=1, max_size=8))
def test_line_endings_do_not_change_the_sentences(newline, parts):
    def sentences(text):  # a sentence may run over a line break, which differs
        return [(" ".join(s.text.split()), s.paragraph) for s in document_sentences("a", text)]

    assert sentences(newline.join(parts)) == sentences("\n".join(parts))


def test_pathological_inputs_stay_fast():
    import time

    cases = [
        "x" * 200_000,  # one word, no spaces
        "Stalin " * 50_000,  # no punctuation
        "." * 100_000,  # only punctuation
        "... " * 50_000,
        "... middle of paper ... " * 5_000,  # this was quadratic too
        "Gen. " * 40_000,
        "\n".join(f"Line {i}." for i in range(50_000)),  # many lines: this was quadratic
        "\r".join(f"Line {i}." for i in range(20_000)),
        "You May Also Find These Documents Helpful\n" * 5_000,
    ]
    for text in cases:
        started = time.perf_counter()
        sentences, passages = chunk_document("big.txt", text, 0, ChunkingParams())
        assert time.perf_counter() - started < 10, text[:40]
        assert all(text[s.start : s.end] == s.text for s in sentences)
        assert all(text[p.start : p.end] == p.text for p in passages)
