"""Answers and claim reports say where each span is as data: ``section`` and
``paragraph`` on every sentence, passage and piece of evidence, equal to the
chunker's, with exact offsets, and in the JSON."""

from __future__ import annotations

import pytest

from askhist.answer import location
from askhist.cleaning import MAIN

# The last two are answered partly from the snippets of other essays listed in a seed page.
QUESTIONS = (
    "Why did Trotsky lose the power struggle?",
    "How did being General Secretary help Stalin?",
    "What happened at Lenin's funeral?",
    "What did Lenin's testament say about Stalin?",
    "How many people died in the Gulags?",
)
CLAIMS = ("Stalin became General Secretary in 1922", "Trotsky missed Lenin's funeral")


@pytest.fixture(scope="module")
def chunks(assistant):
    """The index's sentences and passages by (document, start, end)."""
    index = assistant.index
    return {(s.doc, s.start): s for s in index.sentences}, {(p.doc, p.start, p.end): p for p in index.passages}


def test_answer_sentences_and_passages_carry_the_chunkers_section_and_paragraph(assistant, chunks):
    sentences, passages = chunks
    seen_sections = set()
    for question in QUESTIONS:
        answer = assistant.ask(question)
        for s in answer.sentences:
            text = assistant.document(s.doc).text
            assert text[s.start : s.end] == s.text
            chunk = sentences[(s.doc, s.start)]
            # A quote is one sentence, or (runs_on, runs_back) two sentences of a section that follow each other.
            following = [n for n in assistant.index.sentences if n.doc == s.doc and n.start > chunk.start]
            assert s.end == (min(following, key=lambda n: n.start).end if s.runs_on or s.runs_back else chunk.end)
            assert (s.section, s.paragraph) == (chunk.section, chunk.paragraph)
            assert s.location == location(chunk)
            seen_sections.add(s.section)
            holders = [p for p in answer.passages if p.doc == s.doc and p.start <= s.start and s.end <= p.end]
            for p in holders:  # a passage starts in the paragraph of its first sentence
                assert p.section == s.section and p.paragraph <= s.paragraph
        for p in answer.passages:
            assert assistant.document(p.doc).text[p.start : p.end] == p.text
            chunk = passages[(p.doc, p.start, p.end)]
            assert (p.section, p.paragraph) == (chunk.section, chunk.paragraph)
            assert p.location == location(chunk)
        data = answer.to_dict()
        assert [(d["section"], d["paragraph"]) for d in data["sentences"]] == [
            (s.section, s.paragraph) for s in answer.sentences
        ]
        assert [(d["section"], d["paragraph"]) for d in data["passages"]] == [
            (p.section, p.paragraph) for p in answer.passages
        ]
    # Both kinds were checked, or the test proves less than it says.
    assert MAIN in seen_sections and any(section != MAIN for section in seen_sections)


def test_claim_evidence_carries_the_chunkers_section_and_paragraph(assistant, chunks):
    sentences, _ = chunks
    checked = 0
    for claim in CLAIMS:
        report = assistant.check(claim)
        for source, data in zip(report.sources, report.to_dict()["sources"]):
            evidence = source.evidence
            if evidence is None:
                continue
            assert assistant.document(source.doc).text[evidence.start : evidence.end] == evidence.text
            chunk = sentences[(source.doc, evidence.start)]
            assert evidence.end == chunk.end
            assert (evidence.section, evidence.paragraph) == (chunk.section, chunk.paragraph)
            assert (source.section == MAIN) == (evidence.section == MAIN)
            assert (data["evidence"]["section"], data["evidence"]["paragraph"]) == (chunk.section, chunk.paragraph)
            checked += 1
    assert checked
