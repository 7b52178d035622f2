"""BM25 with rank-bm25's scoring, precomputed into a sparse matrix.

rank-bm25's ``get_scores`` loops over every passage in Python for every query
term. BM25's per-(term, passage) weight does not depend on the query, so it
is computed once at index time (with rank-bm25's own IDF, so the scores are
identical) and a query is a sum of a few sparse rows.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class TokenizerParams:
    """How text becomes BM25 tokens; recorded in the manifest."""

    stop_words: bool = True
    stem: str = "snowball"  # "none", "light" or "snowball": chosen on the dev questions

    def to_dict(self) -> dict:
        return {"stop_words": self.stop_words, "stem": self.stem}


class BM25Index:
    """BM25Okapi scores for a fixed corpus of tokenised passages."""

    def __init__(self, vocabulary: dict[str, int], weights: sparse.csr_matrix, idf: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.weights = weights  # (terms, passages): the BM25 weight of term in passage
        self.idf = idf  # per vocabulary row; also weighs words in answer selection
        # A word the corpus has never seen is as informative as the rarest one.
        self.unknown_idf = float(idf.max()) if len(idf) else 1.0
        self._by_initial: dict[str, list[str]] | None = None

    @classmethod
    def build(cls, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> BM25Index:
        """Compute term weights with rank_bm25.BM25Okapi's IDF and length norm."""
        from rank_bm25 import BM25Okapi

        if not corpus:
            return cls({}, sparse.csr_matrix((0, 0), dtype=np.float32), np.zeros(0, np.float32))
        # rank-bm25 divides by the average length; an all-empty corpus would be 0.
        safe = [doc if doc else [""] for doc in corpus]
        okapi = BM25Okapi(safe, k1=k1, b=b, epsilon=epsilon)
        vocabulary = {term: i for i, term in enumerate(sorted(okapi.idf))}
        rows, cols, values = [], [], []
        lengths = np.asarray(okapi.doc_len, dtype=np.float64)
        norm = k1 * (1 - b + b * lengths / okapi.avgdl)
        for col, freqs in enumerate(okapi.doc_freqs):
            for term, tf in freqs.items():
                rows.append(vocabulary[term])
                cols.append(col)
                values.append(okapi.idf[term] * tf * (k1 + 1) / (tf + norm[col]))
        weights = sparse.csr_matrix(
            (np.asarray(values, dtype=np.float32), (rows, cols)),
            shape=(len(vocabulary), len(corpus)),
        )
        idf = np.asarray([okapi.idf[t] for t in vocabulary], dtype=np.float32)
        return cls(vocabulary, weights, idf)

    def term_idf(self, token: str) -> float:
        row = self.vocabulary.get(token)
        return self.unknown_idf if row is None else float(self.idf[row])

    @property
    def size(self) -> int:
        return self.weights.shape[1]

    def scores(self, tokens: list[str]) -> np.ndarray:
        """BM25 score of every passage for a tokenised query (repeats count)."""
        counts: dict[int, int] = {}
        for token in tokens:
            row = self.vocabulary.get(token)
            if row is not None:
                counts[row] = counts.get(row, 0) + 1
        if not counts:
            return np.zeros(self.size, dtype=np.float32)
        rows = list(counts)
        factors = np.asarray([counts[r] for r in rows], dtype=np.float32)
        return np.asarray(self.weights[rows].T @ factors, dtype=np.float32).ravel()

    def correct_spelling(self, tokens: list[str]) -> list[str]:
        """Replace tokens that are not in the vocabulary by a close vocabulary
        word ("trotksy" -> "trotsky"), so students' typos still match."""
        if self._by_initial is None:
            self._by_initial = {}
            for term in self.vocabulary:
                if term[:1].isalpha():
                    self._by_initial.setdefault(term[0], []).append(term)
        out = []
        for token in tokens:
            if token in self.vocabulary or len(token) < 4 or not token.isalpha():
                out.append(token)
                continue
            candidates = self._by_initial.get(token[0], [])
            close = difflib.get_close_matches(token, candidates, n=1, cutoff=0.8)
            out.append(close[0] if close else token)
        return out

    def save(self, directory: Path) -> None:
        sparse.save_npz(directory / "bm25.npz", self.weights, compressed=False)
        np.save(directory / "bm25_idf.npy", self.idf)
        (directory / "bm25_vocabulary.json").write_text(json.dumps(self.vocabulary), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> BM25Index:
        weights = sparse.load_npz(directory / "bm25.npz").tocsr()
        vocabulary = json.loads((directory / "bm25_vocabulary.json").read_text(encoding="utf-8"))
        idf = np.load(directory / "bm25_idf.npy", allow_pickle=False)
        return cls(vocabulary, weights, idf)
