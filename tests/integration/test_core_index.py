"""The on-disk index: manifest, staleness, atomic rebuilds, BM25 equivalence."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from askhist import Assistant
from askhist.bm25 import BM25Index, TokenizerParams
from askhist.chunking import ChunkingParams
from askhist.documents import load_documents
from askhist.index import CURRENT, FORMAT_VERSION, build_index, load_index, load_manifest, stale_reasons

from .conftest import SEEDS


def test_manifest_records_sources_model_and_parameters(seed_index_dir, encoder):
    manifest = load_manifest(seed_index_dir)
    assert manifest["format_version"] == FORMAT_VERSION
    assert manifest["model"] == encoder.identity
    assert manifest["chunking"] == ChunkingParams().to_dict()
    assert manifest["tokenizer"] == TokenizerParams().to_dict()
    assert len(manifest["documents"]) == 5
    assert all(len(h) == 64 for h in manifest["documents"].values())
    assert (seed_index_dir / CURRENT).is_symlink()


def test_loaded_index_is_consistent(seed_index_dir):
    index = load_index(seed_index_dir)
    assert index.passage_vectors.ntotal == len(index.passages)
    assert index.sentence_vectors.shape == (len(index.sentences), 384)
    norms = np.linalg.norm(index.sentence_vectors, axis=1)
    assert np.allclose(norms, 1.0, atol=1e-3)
    for p in index.passages:
        assert index.documents[p.doc].text[p.start : p.end] == p.text


def test_stale_reasons_name_what_changed(seeds_copy, seed_index_dir, encoder):
    manifest = load_manifest(seed_index_dir)
    docs = load_documents(seeds_copy)
    assert stale_reasons(manifest, docs, encoder.identity, ChunkingParams(), TokenizerParams()) == []
    (seeds_copy / "002_ff0f80d5a52c10e2.txt").write_text("Changed text about Stalin.", encoding="utf-8")
    (seeds_copy / "new.md").write_text("# New\nA new document.", encoding="utf-8")
    reasons = stale_reasons(
        manifest, load_documents(seeds_copy), "other-model", ChunkingParams(max_words=50), TokenizerParams()
    )
    text = " | ".join(reasons)
    assert "embedding model changed" in text
    assert "chunking parameters changed" in text
    assert "1 document(s) added: new.md" in text
    assert "1 document(s) changed: 002_ff0f80d5a52c10e2.txt" in text


def test_stale_index_is_rebuilt_on_load_with_a_message(seeds_copy, seed_index_dir, tmp_path, encoder):
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    (seeds_copy / "extra.txt").write_text(
        "Kliment Voroshilov commanded the cavalry of the Red Army in Tsaritsyn.", encoding="utf-8"
    )
    messages: list[str] = []
    assistant = Assistant.load(seeds_copy, index_dir, log=messages.append, encoder=encoder)
    assert any("1 document(s) added: extra.txt" in m for m in messages)
    manifest = assistant.index.manifest
    assert "extra.txt" in manifest["documents"]
    # Only the new document's texts were encoded; the rest came from the cache.
    assert 0 < manifest["encoded_now"] <= 3
    answer = assistant.ask("Who commanded the cavalry in Tsaritsyn?")
    assert answer.sentences[0].doc == "extra.txt"
    # A second load finds it fresh and says nothing.
    messages.clear()
    Assistant.load(seeds_copy, index_dir, log=messages.append, encoder=encoder)
    assert not any("Building" in m for m in messages)


class _FailingEncoder:
    def __init__(self, real):
        self.identity, self.dimension, self.model = real.identity, real.dimension, real.model

    def encode(self, texts, **kwargs):
        raise RuntimeError("simulated crash while encoding")


def test_failed_build_leaves_previous_index_live(seeds_copy, seed_index_dir, tmp_path, encoder):
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    before = load_manifest(index_dir)
    (seeds_copy / "extra.txt").write_text("Something entirely new about Tomsky.", encoding="utf-8")
    with pytest.raises(RuntimeError, match="simulated crash"):
        build_index(load_documents(seeds_copy), _FailingEncoder(encoder), index_dir)
    assert load_manifest(index_dir) == before
    assert load_index(index_dir).passage_vectors.ntotal == before["counts"]["passages"]
    assert len(list(index_dir.glob("gen-*"))) == 1


def test_corrupt_index_is_rebuilt_with_a_clear_reason(seeds_copy, seed_index_dir, tmp_path, encoder):
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    generation = index_dir / (index_dir / CURRENT).readlink()
    (generation / "passages.faiss").write_bytes(b"garbage")
    messages: list[str] = []
    seed_bytes = {p.name: p.read_bytes() for p in seeds_copy.iterdir()}
    assistant = Assistant.load(seeds_copy, index_dir, log=messages.append, encoder=encoder)
    assert any("damaged" in m for m in messages), messages
    assert assistant.ask("Who was Trotsky?").passages
    assert seed_bytes == {p.name: p.read_bytes() for p in seeds_copy.iterdir()}


def test_sparse_bm25_matches_rank_bm25_exactly():
    from rank_bm25 import BM25Okapi

    from askhist.text import tokenize

    corpus = [
        tokenize(s)
        for s in [
            "Stalin became General Secretary in 1922.",
            "Trotsky led the Red Army and was exiled.",
            "The Lenin Enrolment doubled party membership; Stalin gained supporters.",
            "Bukharin led the Right Opposition against forced grain seizures.",
            "Stalin Stalin Stalin and the Politburo.",
        ]
    ]
    ours = BM25Index.build(corpus)
    reference = BM25Okapi(corpus)
    for query in (["stalin"], ["trotsky", "army"], ["stalin", "stalin", "politburo"], ["unknown"]):
        assert np.allclose(ours.scores(query), reference.get_scores(query), atol=1e-5)


def test_spelling_correction_maps_typos_to_corpus_words():
    index = BM25Index.build([["trotsky", "exiled"], ["stalin", "secretary"]])
    assert index.correct_spelling(["trotksy", "secretry", "yalta", "of"]) == ["trotsky", "secretary", "yalta", "of"]


def test_documents_json_holds_exact_source_text(seed_index_dir):
    generation = seed_index_dir / (seed_index_dir / CURRENT).readlink()
    stored = json.loads((generation / "documents.json").read_text(encoding="utf-8"))
    for entry in stored:
        assert (SEEDS / entry["doc"]).read_text(encoding="utf-8") == entry["text"]
