"""The index's data model: a loaded index and what it is made of.

Passages and sentences are rows of integer span tables (document, start,
end, paragraph, section[, first and last sentence]); their text is always
sliced from the document, so ``document.text[start:end] == text`` holds by
construction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np

from ..bm25 import BM25Index, TokenizerParams
from ..chunking import is_statement
from ..cleaning import MAIN
from ..termsets import SentenceTerms, WordSets
from ..text import tokenize

# Columns of the span tables: sentences have the first five, passages all seven.
DOC, START, END, PARAGRAPH, SECTION, PASSAGE_FIRST, PASSAGE_LAST = range(7)
SENTENCE_COLUMNS = 5
PASSAGE_COLUMNS = 7


class IndexProblem(Exception):
    """Base class for index problems; the message is meant for users."""


class IndexMissing(IndexProblem):
    """No index has been built in the folder yet."""


class IndexCorrupt(IndexProblem):
    """The index on disk is damaged or incomplete; a rebuild heals it."""


@dataclass(frozen=True)
class DocumentInfo:
    """What the index keeps of a source document."""

    doc_id: str
    title: str
    description: str
    sha256: str
    text: str
    origin: str = ""  # "uploaded by a teacher on 2026-12-07"; "" for the collection's own files


@dataclass
class Index:
    """A loaded index: everything retrieval and answering need."""

    directory: Path
    manifest: dict
    documents: dict[str, DocumentInfo]
    passages: SpanTable  # of Passage
    sentences: SpanTable  # of Sentence
    passage_vectors: object  # faiss.Index
    sentence_vectors: np.ndarray  # an Int8Vectors above QUANTIZE_ABOVE sentences
    bm25: BM25Index
    sentence_terms: SentenceTerms  # each sentence's distinct words, stored at build time

    @property
    def model_identity(self) -> str:
        return self.manifest["model"]

    @property
    def tokenizer(self) -> TokenizerParams:
        return TokenizerParams(**self.manifest["tokenizer"])

    @cached_property
    def sentence_passage(self) -> np.ndarray:
        """For each sentence, the first passage containing it (-1 if none)."""
        first, last = self._passage_ranges
        sentence = np.arange(len(self.sentences))
        # Passages are in sentence order: the first one that ends at or after
        # a sentence contains it, if it also starts at or before it.
        owner = np.searchsorted(last, sentence, side="left")
        found = owner < len(last)
        found[found] = first[owner[found]] <= sentence[found]
        return np.where(found, owner, -1)

    @cached_property
    def _passage_ranges(self) -> tuple[np.ndarray, np.ndarray]:
        """Per passage: its first and last sentence."""
        rows = self.passages.rows
        return rows[:, PASSAGE_FIRST].copy(), rows[:, PASSAGE_LAST].copy()

    def passage_sentence_ids(self, passage_ids: np.ndarray) -> np.ndarray:
        """The sentences of some passages, in order, each once."""
        first, last = self._passage_ranges
        if not len(passage_ids):
            return np.zeros(0, dtype=np.int64)
        ids = np.asarray(passage_ids, dtype=np.int64)
        starts, sizes = first[ids], last[ids] - first[ids] + 1
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        return np.unique(np.repeat(starts, sizes) + offsets)

    @cached_property
    def sentence_tokens(self) -> WordSets:
        """Each sentence's word set, for the lexical part of answer scoring."""
        return WordSets(self.sentence_terms)

    @cached_property
    def _sentence_doc_section(self) -> tuple[np.ndarray, np.ndarray]:
        """Per sentence: its document's number and whether it is main text."""
        rows, sections = self.sentences.rows, self.sentences.sections
        return rows[:, DOC].copy(), np.array([s == MAIN for s in sections], dtype=bool)[rows[:, SECTION]]

    @cached_property
    def statement_mask(self) -> np.ndarray:
        """Per sentence: whether it can stand as an answer or evidence
        (``chunking.is_statement``), worked out once per loaded index."""
        return np.fromiter((is_statement(s) for s in self.sentences), dtype=bool, count=len(self.sentences))

    @cached_property
    def sentence_related(self) -> np.ndarray:
        """Per sentence: True for other essays' snippets listed in a file."""
        return ~self._sentence_doc_section[1]

    @cached_property
    def sentence_follows(self) -> np.ndarray:
        """Per sentence: True when the sentence before it is in the same
        document and section."""
        docs = self._sentence_doc_section[0]
        section = self.sentences.rows[:, SECTION]
        follows = np.zeros(len(docs), dtype=bool)
        follows[1:] = (docs[1:] == docs[:-1]) & (section[1:] == section[:-1])
        return follows

    @cached_property
    def sentence_groups(self) -> list[tuple[str, str, np.ndarray]]:
        """(document, "main" or "related", sentence ids) for every source of
        the claim check, in document order."""
        docs, main = self._sentence_doc_section
        key = docs * 2 + (~main)
        order = np.argsort(key, kind="stable")
        bounds = np.flatnonzero(np.diff(key[order])) + 1
        doc_ids = list(self.documents)
        groups = []
        for part in np.split(order, bounds) if len(order) else []:
            k = int(key[part[0]])
            groups.append((doc_ids[k // 2], MAIN if k % 2 == 0 else "related", part))
        return groups

    def tokens(self, text: str) -> list[str]:
        """Tokenise text the way this index's BM25 corpus was tokenised."""
        params = self.tokenizer
        return tokenize(text, stop_words=params.stop_words, stem=params.stem)


class SpanTable(Sequence):
    """The index's sentences or passages, each made on access from its row
    of the span table. At 100k passages a list of 460k objects took ~5 s to
    load and ~250 MB; questions touch a few dozen of them."""

    def __init__(self, rows: np.ndarray, sections: list[str], make: Callable[[list[int]], object]) -> None:
        self.rows = rows
        self.sections = sections
        self._make = make

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self._make(r) for r in self.rows[i].tolist()]
        return self._make(self.rows[i].tolist())

    def __iter__(self):
        make = self._make
        for start in range(0, len(self.rows), 4096):
            for r in self.rows[start : start + 4096].tolist():
                yield make(r)
