"""Fusion of the BM25 and dense rankings, tested as the pure functions they are."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from askhist.retrieval import (
    FUSION_METHODS,
    Query,
    RetrievalSettings,
    Retriever,
    best_first,
    fuse_rrf,
    fuse_weighted,
    minmax,
    top_positive,
)

pytestmark = pytest.mark.unit


def test_rrf_adds_one_over_k_plus_rank_from_each_ranking():
    fused = fuse_rrf([[10, 20, 30], [30, 10]], k=60)
    assert fused[10] == pytest.approx(1 / 61 + 1 / 62)
    assert fused[30] == pytest.approx(1 / 63 + 1 / 61)
    assert fused[20] == pytest.approx(1 / 62)
    # Found by both retrievers beats first place in one.
    assert [p for p, _ in best_first(fused)] == [10, 30, 20]


def test_rrf_of_one_ranking_keeps_its_order():
    ranking = [7, 3, 9, 1]
    assert [p for p, _ in best_first(fuse_rrf([ranking], k=5))] == ranking


def test_weighted_fusion_alpha_picks_between_the_two_rankings():
    candidates = np.array([1, 2, 3])
    dense = np.array([0.9, 0.5, 0.1], dtype=np.float32)
    bm25 = np.array([1.0, 4.0, 9.0], dtype=np.float32)
    assert [p for p, _ in best_first(fuse_weighted(candidates, dense, bm25, alpha=1.0))] == [1, 2, 3]
    assert [p for p, _ in best_first(fuse_weighted(candidates, dense, bm25, alpha=0.0))] == [3, 2, 1]
    half = fuse_weighted(candidates, dense, bm25, alpha=0.5)
    # Normalised: the first and last are each best on one side, worst on the other.
    assert half[1] == pytest.approx(0.5) and half[3] == pytest.approx(0.5)
    assert half[2] == pytest.approx(0.5 * 0.5 + 0.5 * 3 / 8)


def test_weighted_fusion_scores_stay_between_zero_and_one():
    rng = np.random.default_rng(0)
    candidates = np.arange(50)
    fused = fuse_weighted(candidates, rng.normal(size=50), rng.exponential(size=50) * 20, alpha=0.7)
    values = np.array(list(fused.values()))
    assert values.min() >= 0 and values.max() <= 1
    assert set(fused) == set(range(50))


def test_minmax_handles_empty_and_constant_scores():
    assert minmax(np.zeros(0)).size == 0
    assert minmax(np.full(4, 3.5)).tolist() == [1.0] * 4
    scaled = minmax(np.array([2.0, 6.0, 4.0]))
    assert scaled.tolist() == [0.0, 1.0, 0.5]


def test_ties_go_to_the_earlier_passage():
    assert best_first({5: 1.0, 2: 1.0, 9: 2.0}) == [(9, 2.0), (2, 1.0), (5, 1.0)]


def test_top_positive_keeps_only_positive_scores_best_first():
    scores = np.array([0.0, 3.0, -1.0, 5.0, 1.0, 3.0])
    assert top_positive(scores, depth=10).tolist() == [3, 1, 5, 4]
    assert top_positive(scores, depth=2).tolist() == [3, 1]
    assert top_positive(np.zeros(3), depth=2).size == 0


@pytest.mark.parametrize("fusion", FUSION_METHODS)
def test_every_fusion_ranks_distinct_passages_best_first(fake_assistant, fusion):
    index, encoder = fake_assistant.index, fake_assistant.encoder
    retriever = Retriever(index, encoder, RetrievalSettings(fusion=fusion))
    hits = retriever.search(Query("Lenin Enrolment party members"), k=8)
    assert 0 < len(hits) <= 8
    assert len({h.passage for h in hits}) == len(hits)
    assert all(a.score >= b.score for a, b in itertools.pairwise(hits))
    if fusion == "bm25":
        assert all(h.bm25_rank is not None and h.dense_rank is None for h in hits)
        scores = index.bm25.scores(retriever.query_tokens("Lenin Enrolment party members"))
        assert hits[0].passage == int(np.argmax(scores))
    if fusion == "dense":
        assert all(h.dense_rank is not None and h.bm25_rank is None for h in hits)


def test_unknown_fusion_is_refused_with_the_choices(fake_assistant):
    with pytest.raises(ValueError, match="unknown fusion 'max'; choose from rrf, weighted"):
        Retriever(fake_assistant.index, fake_assistant.encoder, RetrievalSettings(fusion="max"))
