"""Each sentence's distinct words, computed at index time, as a sparse table.

Answer selection and the claim check ask, per sentence: which of the
question's words does it contain, and how many words has it? Tokenising
(normalising, stemming) every sentence again at load or per query cost 24 s
and ~270 MB of Python sets at 100k passages; the build tokenises the
sentences anyway (BM25 passages are made of them), so it stores the answer:
a CSR table (sentences x words, one entry per distinct word) and its
vocabulary, in ``sentence_terms.npz``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np

FILE_NAME = "sentence_terms.npz"


class SentenceTerms:
    """Distinct words per sentence: ``indices[indptr[i]:indptr[i + 1]]`` are
    sentence i's word ids in ``vocabulary``."""

    def __init__(self, vocabulary: list[str], indptr: np.ndarray, indices: np.ndarray) -> None:
        self.vocabulary = vocabulary
        self.word_id = {word: i for i, word in enumerate(vocabulary)}
        self.indptr = indptr
        self.indices = indices
        self.sizes = np.diff(indptr)

    def __len__(self) -> int:
        return len(self.indptr) - 1

    @classmethod
    def build(cls, token_lists: Iterable[Sequence[str]]) -> SentenceTerms:
        word_id: dict[str, int] = {}
        indices: list[int] = []
        indptr = [0]
        for tokens in token_lists:
            for word in dict.fromkeys(tokens):
                indices.append(word_id.setdefault(word, len(word_id)))
            indptr.append(len(indices))
        return cls(list(word_id), np.asarray(indptr, dtype=np.int64), np.asarray(indices, dtype=np.int32))

    def save(self, folder: Path) -> None:
        np.savez(
            folder / FILE_NAME,
            vocabulary=np.asarray(self.vocabulary, dtype=str),
            indptr=self.indptr,
            indices=self.indices,
        )

    @classmethod
    def load(cls, folder: Path) -> SentenceTerms:
        with np.load(folder / FILE_NAME, allow_pickle=False) as data:
            return cls(data["vocabulary"].tolist(), data["indptr"], data["indices"])

    def words(self, sentence: int) -> frozenset[str]:
        vocabulary = self.vocabulary
        return frozenset(
            vocabulary[j] for j in self.indices[self.indptr[sentence] : self.indptr[sentence + 1]].tolist()
        )

    def overlap(self, sentence_ids: Sequence[int] | np.ndarray, terms: dict[str, float]) -> tuple[np.ndarray, ...]:
        """For each sentence: the summed weight of the ``terms`` it contains,
        how many of them it contains, and its number of distinct words."""
        ids = np.asarray(sentence_ids, dtype=np.int64)
        sizes = self.sizes[ids]
        covered = np.zeros(len(ids), dtype=np.float64)
        shared = np.zeros(len(ids), dtype=np.float64)
        columns = [(self.word_id[t], w) for t, w in terms.items() if t in self.word_id]
        if not columns or not len(ids):
            return covered, shared, sizes
        weight = np.zeros(len(self.vocabulary), dtype=np.float64)
        member = np.zeros(len(self.vocabulary), dtype=bool)
        for column, w in columns:
            weight[column] = w
            member[column] = True
        if len(ids) == len(self) and np.array_equal(ids, np.arange(len(ids))):
            words, rows = self.indices, np.repeat(np.arange(len(ids)), sizes)
        else:  # gather the rows' entries
            starts = self.indptr[ids]
            rows = np.repeat(np.arange(len(ids)), sizes)
            offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
            words = self.indices[starts[rows] + offsets]
        hits = member[words]
        covered = np.bincount(rows[hits], weights=weight[words[hits]], minlength=len(ids))
        shared = np.bincount(rows[hits], minlength=len(ids)).astype(np.float64)
        return covered, shared, sizes


class WordSets(Sequence):
    """``index.sentence_tokens[i]``: sentence i's words as a frozenset, made
    on access from the table (no list of 360k sets kept in memory)."""

    def __init__(self, terms: SentenceTerms) -> None:
        self._terms = terms

    def __len__(self) -> int:
        return len(self._terms)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._terms.words(j) for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        return self._terms.words(i)
