"""The Milvus backend (on Milvus Lite) searches like the embedded one: the
same top passages for every evaluation question, under every fusion, and
the same answers; its collections carry the index's exact offsets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from askhist.retrieval import FUSION_METHODS, Query, RetrievalSettings, Retriever

pytest.importorskip("pymilvus")
pytest.importorskip("milvus_lite")

QA = Path(__file__).resolve().parents[2] / "eval" / "qa.jsonl"


def eval_queries() -> list[Query]:
    rows = [json.loads(line) for line in QA.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [Query(r["question"], r["history"][-1] if r.get("history") else "") for r in rows]


@pytest.fixture(scope="module")
def milvus_uri(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("milvus") / "askhist.db")


@pytest.mark.parametrize("fusion", FUSION_METHODS)
def test_milvus_gives_the_embedded_top_passages_for_every_eval_question(assistant, milvus_uri, fusion):
    index, encoder = assistant.index, assistant.encoder
    embedded = Retriever(index, encoder, RetrievalSettings(fusion=fusion))
    milvus = Retriever(index, encoder, RetrievalSettings(fusion=fusion, backend="milvus", milvus_uri=milvus_uri))
    differing = []
    for query in eval_queries():
        vector = embedded.query_vector(query)
        a, b = embedded.search(query, k=10, vector=vector), milvus.search(query, k=10, vector=vector)
        if [h.passage for h in a] != [h.passage for h in b]:
            differing.append(query.text)
        else:
            np.testing.assert_allclose([h.score for h in a], [h.score for h in b], rtol=1e-4, atol=1e-5)
    assert not differing, f"{len(differing)} questions ranked differently, e.g. {differing[:3]}"


def test_milvus_answers_equal_the_embedded_answers(assistant, milvus_uri):
    from askhist import Assistant
    from askhist.assistant import Settings

    settings = Settings(retrieval=RetrievalSettings(backend="milvus", milvus_uri=milvus_uri))
    other = Assistant(assistant.index, assistant.encoder, assistant.doc_dirs, settings)
    for query in eval_queries()[:25]:
        a, b = assistant.ask(query.text).to_dict(), other.ask(query.text).to_dict()
        # Fused passage scores differ in the last float32 bits (another engine's sums); all else is equal.
        scores_a = [p.pop("score") for p in a["passages"]]
        scores_b = [p.pop("score") for p in b["passages"]]
        np.testing.assert_allclose(scores_a, scores_b, rtol=1e-4, atol=1e-5)
        assert a == b


def test_milvus_rows_hold_the_exact_offsets_of_the_index(assistant, milvus_uri):
    from askhist.index.milvus import ALIAS, client_for

    index = assistant.index
    client = client_for(milvus_uri)
    Retriever(index, assistant.encoder, RetrievalSettings(backend="milvus", milvus_uri=milvus_uri))
    name = client.describe_alias(alias=ALIAS)["collection_name"]
    rows = client.query(name, filter="id < 40", output_fields=["id", "doc", "start", "end"])
    assert len(rows) == min(40, len(index.passages))
    for row in rows:
        passage = index.passages[row["id"]]
        text = index.documents[row["doc"]].text
        assert text[row["start"] : row["end"]] == passage.text


def test_a_missing_uri_is_a_one_line_error(assistant, monkeypatch):
    from askhist.index import IndexProblem

    monkeypatch.delenv("ASKHIST_MILVUS_URI", raising=False)
    with pytest.raises(IndexProblem, match="needs --milvus-uri or ASKHIST_MILVUS_URI"):
        Retriever(assistant.index, assistant.encoder, RetrievalSettings(backend="milvus"))


def test_passages_whose_bm25_weights_are_all_zero_are_stored_and_never_found(tmp_path, encoder):
    """Milvus refuses empty sparse vectors; in a two-document collection every
    word is in one of two documents, so every IDF, hence every weight, is 0."""
    from askhist.documents import load_documents
    from askhist.index import build_index
    from askhist.index.milvus import MilvusSearch

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "words.txt").write_text("Lenin founded the Bolshevik party in 1903.\n", encoding="utf-8")
    (docs / "none.txt").write_text("And so it was.\n", encoding="utf-8")  # stop words only
    index = build_index(load_documents(docs), encoder, tmp_path / "index")
    assert not index.bm25.weights.data.any()
    search = MilvusSearch.open(index, str(tmp_path / "m.db"))
    assert search.complete()
    embedded = Retriever(index, encoder)
    query = embedded.sparse_query(Query("Who founded the Bolshevik party?"))
    assert query and search.bm25(query, 10)[0].tolist() == embedded.backend.bm25(query, 10)[0].tolist() == []
