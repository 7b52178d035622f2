"""The search-backend boundary: tie-breaking shared by every backend, the
choice of backend, and Milvus staying out of the embedded path."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from askhist.index.search import EmbeddedSearch, best_first_ids, top_ids
from askhist.retrieval import Query, RetrievalSettings, Retriever, open_backend


def test_ties_go_to_the_lower_id_even_at_the_cut():
    ids = np.array([9, 4, 7, 2, 5])
    scores = np.array([0.5, 0.9, 0.5, 0.5, 0.1], dtype=np.float32)
    for _ in range(3):  # a partial sort must not pick an arbitrary one of the tied
        assert top_ids(ids, scores, 2)[0].tolist() == [4, 2]
    assert top_ids(ids, scores, 3)[0].tolist() == [4, 2, 7]


def test_dense_scores_equal_to_six_decimals_are_a_tie():
    ids = np.array([8, 3])
    scores = np.array([0.27716812, 0.27716809], dtype=np.float32)
    assert best_first_ids(ids, scores, 2)[0].tolist() == [8, 3]
    assert best_first_ids(ids, scores, 2, decimals=6)[0].tolist() == [3, 8]


def test_embedded_bm25_scores_are_the_index_s_own(fake_assistant):
    index = fake_assistant.index
    retriever = Retriever(index, fake_assistant.encoder)
    query = retriever.sparse_query(Query("Lenin Enrolment party members"))
    ids, scores = EmbeddedSearch(index).bm25(query, depth=5)
    full = index.bm25.scores(retriever.query_tokens("Lenin Enrolment party members"))
    np.testing.assert_allclose(scores, full[ids], rtol=1e-6)
    assert scores[0] == pytest.approx(full.max())
    np.testing.assert_allclose(EmbeddedSearch(index).bm25_for(query, ids[::-1]), full[ids[::-1]], rtol=1e-6)


def test_a_follow_up_counts_its_context_words_at_half_weight(fake_assistant):
    retriever = Retriever(fake_assistant.index, fake_assistant.encoder)
    alone = retriever.sparse_query(Query("Lenin"))
    follow_up = retriever.sparse_query(Query("Lenin", context="Lenin"))
    assert alone and {row: 1.5 * n for row, n in alone.items()} == follow_up


def test_an_unknown_backend_is_refused_with_the_choices(fake_assistant):
    with pytest.raises(ValueError, match="unknown search backend 'solr'; choose from embedded, milvus"):
        open_backend(fake_assistant.index, "solr")
    with pytest.raises(ValueError, match="unknown search backend"):
        Retriever(fake_assistant.index, fake_assistant.encoder, RetrievalSettings(backend="solr"))


def test_the_embedded_backend_never_imports_milvus():
    code = (
        "import sys\n"
        "import askhist.assistant, askhist.retrieval, askhist.follow, askhist.frontend\n"
        "assert 'pymilvus' not in sys.modules and 'milvus_lite' not in sys.modules, 'milvus imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
