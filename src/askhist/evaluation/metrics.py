"""Metric functions. Pure: no model, no index; tested on hand-made cases.

Rank metrics are per question, over the passages the assistant returned
(best first), each marked relevant or not:

* evidence recall@k: the share of the item's gold quotes covered by the top
  k passages (own code: ranx's recall counts relevant *passages*, and one
  quote in the sentence two overlapping passages share would count twice);
* MRR@10 and nDCG@10 (binary relevance, ideal = every relevant passage of
  the collection): ranx's kernels, checked in the tests against the plain
  functions below.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence

from ..text import normalize

RECALL_KS = (1, 3, 5, 10)
RANK_DEPTH = 10
MIN_QUOTE_SHARE = 0.5  # a passage covers a quote when it holds at least half of it


def quote_spans(text: str, quote: str) -> list[tuple[int, int]]:
    """Every occurrence of a quote in a file's text, as [start, end) spans."""
    spans = []
    start = text.find(quote)
    while quote and start >= 0:
        spans.append((start, start + len(quote)))
        start = text.find(quote, start + 1)
    return spans


def covers(passage: tuple[int, int], quote: tuple[int, int], share: float = MIN_QUOTE_SHARE) -> bool:
    """Whether a passage span holds at least ``share`` of a quote span."""
    overlap = min(passage[1], quote[1]) - max(passage[0], quote[0])
    return overlap > 0 and overlap >= share * (quote[1] - quote[0]) - 1e-9


def _folded(text: str) -> str:
    return " ".join(normalize(text).split())


def contains_phrase(sentence: str, phrases: Iterable[str]) -> bool:
    """Whether a sentence contains any key phrase as whole words (case, curly
    quotes, dashes and spacing aside): "Stalin" is not in "Stalinism"."""
    text = _folded(sentence)
    return any(re.search(rf"(?<!\w){re.escape(_folded(p))}(?!\w)", text) for p in phrases if p.strip())


QuoteSpans = Sequence[tuple[str, Sequence[tuple[int, int]]]]  # per gold quote: (doc, its spans in the file)


def overlaps_quote(doc: str, start: int, end: int, quotes: QuoteSpans) -> bool:
    """Whether a span shares at least one character with a gold quote of the same file."""
    return any(doc == d and any(start < b and a < end for a, b in spans) for d, spans in quotes)


def is_hit(doc: str, start: int, end: int, text: str, quotes: QuoteSpans, phrases: Sequence[str]) -> bool:
    """A right answer sentence: it overlaps gold evidence or holds a key phrase as whole words."""
    return overlaps_quote(doc, start, end, quotes) or contains_phrase(text, phrases)


def evidence_recall(covered_at: Sequence[int | None], k: int) -> float:
    """Share of quotes first covered within the top k (covered_at: 1-based rank or None)."""
    if not covered_at:
        return 0.0
    return sum(1 for r in covered_at if r is not None and r <= k) / len(covered_at)


def reciprocal_rank(relevant: Sequence[bool], depth: int = RANK_DEPTH) -> float:
    """Plain-Python MRR of one ranking; ranx computes the reported figure."""
    for rank, rel in enumerate(relevant[:depth], start=1):
        if rel:
            return 1.0 / rank
    return 0.0


def ndcg(relevant: Sequence[bool], n_relevant: int, depth: int = RANK_DEPTH) -> float:
    """Plain-Python binary nDCG of one ranking; ranx computes the reported figure."""
    dcg = sum(1.0 / math.log2(rank + 1) for rank, rel in enumerate(relevant[:depth], start=1) if rel)
    ideal = sum(1.0 / math.log2(rank + 1) for rank in range(1, min(n_relevant, depth) + 1))
    return dcg / ideal if ideal else 0.0


def ranx_rank_metrics(
    rankings: dict[str, list[str]], qrels: dict[str, set[str]], depth: int = RANK_DEPTH
) -> dict[str, dict[str, float]]:
    """Per query MRR@depth and nDCG@depth, computed by ranx.

    ``rankings``: query -> retrieved passage ids, best first; ``qrels``:
    query -> every relevant passage id in the collection. Queries without
    relevant passages are left out.

    ranx's metric kernels are called on padded arrays rather than through
    its Qrels/Run containers: those build numba typed dicts, which JIT-compile
    on every run (10-30 s); the kernels are compiled once and cached on disk.
    """
    queries = [q for q in rankings if qrels.get(q)]
    if not queries:
        return {}
    import warnings

    import numpy as np

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # numba's type-safety warnings on first compile
        from ranx.metrics import ndcg as ranx_ndcg
        from ranx.metrics import reciprocal_rank as ranx_rr

    number: dict[str, int] = {}
    for q in queries:
        for pid in [*rankings[q], *sorted(qrels[q])]:
            number.setdefault(pid, len(number))
    width = max(1, *(len(rankings[q]) for q in queries))
    run = np.zeros((len(queries), width, 2))
    run[:, :, 0] = -1  # padding: an id never relevant, score 0
    rel_width = max(len(qrels[q]) for q in queries)
    rel = np.zeros((len(queries), rel_width, 2))
    rel[:, :, 0] = -2  # padding: relevance 0, dropped by ranx
    for i, q in enumerate(queries):
        for j, pid in enumerate(rankings[q]):
            run[i, j] = (number[pid], len(rankings[q]) - j)
        for j, pid in enumerate(sorted(qrels[q])):
            rel[i, j] = (number[pid], 1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        mrr, ndcg_ = ranx_rr(rel, run, depth), ranx_ndcg(rel, run, depth)
    return {q: {f"mrr@{depth}": float(mrr[i]), f"ndcg@{depth}": float(ndcg_[i])} for i, q in enumerate(queries)}


def precision_recall_f1(tp: int, fp: int, fn: int) -> dict[str, float | None]:
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    if precision is None or recall is None:
        f1 = None
    else:
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def mean(values: Iterable[float | bool]) -> float | None:
    values = [float(v) for v in values]
    return sum(values) / len(values) if values else None
