"""Offsets are sacred: every span askhist reports is ``file_text[start:end]``.

Checked through the whole pipeline (file -> documents -> index -> answer and
claim check), on the seed essays and on generated files.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import SEEDS, build_fake_assistant

pytestmark = pytest.mark.unit

_WORDS = st.sampled_from(
    "Stalin Trotsky Lenin Bukharin Gen. Secretary 1922 1924 party U.S.S.R. Сталин 斯大林 😀 café (Sukhanov)".split()
)
_ENDS = st.sampled_from([".", "!", "?", "...", "…", ".”", '."', ")", ""])
_GAPS = st.sampled_from([" ", "  ", "\n", "\r\n", "\n\n", "\r\n\r\n", "\t", "\u00a0"])
_SENTENCE = st.builds(lambda words, end: " ".join(words) + end, st.lists(_WORDS, min_size=1, max_size=12), _ENDS)
_FILE = st.lists(st.tuples(_SENTENCE, _GAPS), min_size=1, max_size=25).map(lambda parts: "".join(map("".join, parts)))


def file_texts(folder: Path) -> dict[str, str]:
    """Each .txt file's text exactly as on disk (bytes decoded, line endings kept)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes().decode("utf-8") for p in folder.rglob("*.txt")}


def assert_spans_reproduce_the_files(assistant, texts: dict[str, str], question: str) -> None:
    index = assistant.index
    for item in [*index.sentences, *index.passages]:
        assert texts[item.doc][item.start : item.end] == item.text
    answer = assistant.ask(question)
    for s in answer.sentences:
        assert texts[s.doc][s.start : s.end] == s.text
    for p in answer.passages:
        assert texts[p.doc][p.start : p.end] == p.text
        for start, end in p.highlights:
            assert p.start <= start < end <= p.end
    for source in assistant.check(question.rstrip("?")).sources:
        if source.evidence is not None:
            ev = source.evidence
            assert texts[source.doc][ev.start : ev.end] == ev.text


def test_every_span_of_the_seed_essays_is_a_slice_of_its_file(fake_assistant):
    texts = file_texts(SEEDS)
    assert set(texts) == set(fake_assistant.index.documents)
    assert_spans_reproduce_the_files(fake_assistant, texts, "Why did Trotsky lose the power struggle?")


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(_FILE, min_size=1, max_size=3))
def test_every_span_of_generated_files_is_a_slice_of_its_file(files):
    with tempfile.TemporaryDirectory() as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        for number, text in enumerate(files):
            (docs / f"doc{number}.txt").write_bytes(text.encode("utf-8"))
        assistant = build_fake_assistant(docs, Path(tmp) / "index")
        assert_spans_reproduce_the_files(assistant, file_texts(docs), "What did Stalin do in 1922?")
