"""Cleaning and chunking on the real seeds, and the offset invariant."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from askhist.chunking import ChunkingParams, chunk_document, split_sentences
from askhist.cleaning import MAIN, content_segments
from askhist.documents import load_documents

from .conftest import SEEDS

CHROME = [
    "Join now!",
    "Open Document",
    "Authors Avatar",
    "1534 Words",
    "Words4 Pages",
    "- 1472 Words",
    "Good Essays -",
    "This is a preview of the whole essay",
    "middle of paper",
    "Archives for category",
    "You May Also Find These Documents Helpful",
]


def _seed_chunks():
    for doc in load_documents(SEEDS):
        sentences, passages = chunk_document(doc.doc_id, doc.text, 0, ChunkingParams())
        yield doc, sentences, passages


def test_offsets_reproduce_text_for_every_seed_sentence_and_passage():
    total = 0
    for doc, sentences, passages in _seed_chunks():
        assert sentences and passages
        for item in [*sentences, *passages]:
            assert doc.text[item.start : item.end] == item.text
            total += 1
    assert total > 300


def test_site_chrome_is_never_indexed():
    for _doc, sentences, passages in _seed_chunks():
        for item in [*sentences, *passages]:
            for chrome in CHROME:
                assert chrome not in item.text, (chrome, item.text[:80])


def test_truncated_preview_fragments_are_cut():
    texts = [s.text for _d, sentences, _p in _seed_chunks() for s in sentences]
    assert not any(t.endswith("The Sovie...") or t == "The Sovie..." for t in texts)
    assert not any("e only factor" in t for t in texts)
    assert not any(t.startswith("As Stalin had") for t in texts)
    # ...while the complete sentences around the cut stay.
    assert "Loyalty and self-interest have many sources." in texts
    assert any(t.startswith("Rykov was named as Lenin's successor") for t in texts)


def test_other_essays_snippets_are_labelled_not_the_host_essays():
    doc = next(d for d in load_documents(SEEDS) if d.doc_id.startswith("003_"))
    sentences, _ = chunk_document(doc.doc_id, doc.text, 0, ChunkingParams())
    heading = doc.text.index("You May Also Find These Documents Helpful")
    for s in sentences:
        assert (s.section == MAIN) == (s.start < heading), s.text[:60]
    lenin_1922 = next(s for s in sentences if "In 1922, when Vladimir Lenin died" in s.text)
    assert lenin_1922.section.startswith("related-")
    # Each snippet is its own section: 15 snippets of other essays.
    assert len({s.section for s in sentences if s.section != MAIN}) == 15


def test_abbreviations_initials_and_dates_do_not_split_sentences():
    texts = [s.text for _d, sentences, _p in _seed_chunks() for s in sentences]
    for fragment in ["Gen. Secretary", "govt. dept.s", "I. Deutscher", "1922-1924", "(Nicolai Sukhanov-1922)"]:
        assert any(fragment in t for t in texts), fragment
    text = "He met Gen. Smith and I. Deutscher in 1922-1924. Then he left."
    spans = split_sentences(text, 0, len(text))
    assert [text[a:b] for a, b in spans] == ["He met Gen. Smith and I. Deutscher in 1922-1924.", "Then he left."]


def test_passages_fit_the_model_window_and_overlap():
    params = ChunkingParams()
    for _doc, sentences, passages in _seed_chunks():
        for p in passages:
            multi = p.last_sentence > p.first_sentence
            assert not multi or len(p.text.split()) <= params.max_words
        # Consecutive multi-sentence passages of a paragraph run share one sentence.
        for a, b in itertools.pairwise(passages):
            if a.section == b.section and b.first_sentence <= a.last_sentence:
                assert b.first_sentence == a.last_sentence
        covered = {i for p in passages for i in range(p.first_sentence, p.last_sentence + 1)}
        assert covered == set(range(len(sentences)))


def test_segments_are_inside_the_text_and_ordered():
    for doc in load_documents(SEEDS):
        segments = content_segments(doc.text)
        for a, b in itertools.pairwise(segments):
            assert a.end <= b.start
        assert all(0 <= s.start < s.end <= len(doc.text) for s in segments)


# Text assembled from the seeds' own hard cases: quotes, ellipses, chrome lines.
_PIECES = st.sampled_from(
    [
        "Stalin became Gen. Secretary in 1922.",
        " “Comrade Card-Index,” ",
        "I. Deutscher wrote (Nicolai Sukhanov-1922) this",
        "... middle of paper ...",
        "\n\nJoin now!\n",
        "\n- 1472 Words\n",
        "\nYou May Also Find These Documents Helpful\n-\n",
        "As Stalin had ...\nThis is a preview of the whole essay\n",
        "…",
        "?! ",
        "\r\n",
        "govt. dept.s)",
    ]
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(_PIECES, st.text(max_size=40)), max_size=25))
def test_offset_invariant_holds_for_any_text(parts):
    text = "".join(parts)
    sentences, passages = chunk_document("doc.txt", text, 0, ChunkingParams(max_words=20))
    for item in [*sentences, *passages]:
        assert 0 <= item.start < item.end <= len(text)
        assert text[item.start : item.end] == item.text
    for p in passages:
        inside = sentences[p.first_sentence : p.last_sentence + 1]
        assert p.start == inside[0].start and p.end == inside[-1].end
        assert {s.section for s in inside} == {p.section}
