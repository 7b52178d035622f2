"""Building an index: chunk, embed, compute BM25 and word sets, publish.

Only new texts are encoded: vectors of texts seen before come from the
embedding cache shared by generations.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..bm25 import BM25Index, TokenizerParams
from ..callbacks import ProgressFn
from ..chunking import ChunkingParams, Passage, Sentence, chunk_document
from ..documents import Document
from ..termsets import SentenceTerms
from ..text import tokenize
from ..timing import stopwatch
from .manifest import new_manifest
from .model import Index
from .store import (
    atomic_write_text,
    load_index,
    new_generation,
    publish,
    remove_old_generations,
    write_generation,
)


def chunk_documents(documents: Sequence[Document], chunking: ChunkingParams) -> tuple[list[Sentence], list[Passage]]:
    """Sentences and passages of all documents, numbered globally."""
    sentences: list[Sentence] = []
    passages: list[Passage] = []
    for doc in documents:
        doc_sentences, doc_passages = chunk_document(doc.doc_id, doc.text, len(sentences), chunking)
        sentences.extend(doc_sentences)
        passages.extend(doc_passages)
    return sentences, passages


def build_index(
    documents: Sequence[Document],
    encoder,
    index_dir: Path,
    *,
    chunking: ChunkingParams = ChunkingParams(),
    tokenizer: TokenizerParams = TokenizerParams(),
    progress: ProgressFn | None = None,
) -> Index:
    """Chunk, embed and index documents, then publish the result atomically.

    Callers that may run concurrently should hold ``index_lock`` (the
    assistant does, in ``open_index``). The manifest records what the build
    did: ``encoded_now`` texts encoded and ``reused_from_cache``, and
    ``stage_seconds`` of chunking, encoding (with the cache), bm25 and
    writing, within ``build_seconds``.
    """
    started = time.perf_counter()
    stages: dict[str, float] = {}
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with stopwatch(stages, "chunking"):
        sentences, passages = chunk_documents(documents, chunking)

    from ..embedding import EmbeddingCache

    with stopwatch(stages, "encoding"):
        cache = EmbeddingCache(index_dir / "cache", encoder.identity)
        texts = [p.text for p in passages] + [s.text for s in sentences]
        vectors, encoded = cache.encode(texts, lambda missing: encode_batches(encoder, missing, progress))
    if not len(texts):
        vectors = np.zeros((0, encoder.dimension), dtype=np.float32)
    passage_vectors = vectors[: len(passages)]
    sentence_vectors = vectors[len(passages) :]

    with stopwatch(stages, "bm25"):
        # Each sentence is tokenised once: a passage's tokens are its sentences'
        # (whitespace separates them), and the sentences' word sets are stored.
        sentence_tokens = [tokenize(s.text, **tokenizer.to_dict()) for s in sentences]
        bm25 = BM25Index.build([_passage_tokens(p, sentences, sentence_tokens, tokenizer) for p in passages])
        terms = SentenceTerms.build(sentence_tokens)

    manifest = new_manifest(documents, encoder, chunking, tokenizer, len(passages), len(sentences), encoded)
    manifest["reused_from_cache"] = len(set(texts)) - encoded  # distinct texts whose vectors were cached
    generation = new_generation(index_dir)
    try:
        with stopwatch(stages, "writing"):
            write_generation(
                generation, manifest, documents, passages, sentences, passage_vectors, sentence_vectors, bm25, terms
            )
        manifest["stage_seconds"] = {stage: round(seconds, 3) for stage, seconds in stages.items()}
        manifest["build_seconds"] = round(time.perf_counter() - started, 3)
        atomic_write_text(generation / "manifest.json", json.dumps(manifest, indent=1))
        publish(index_dir, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    try:
        cache.save(keep={_key(t) for t in texts})
    except OSError:
        pass  # the new index is live; a cache that cannot be written only costs re-encoding
    remove_old_generations(index_dir, keep=generation.name)
    del vectors, passage_vectors, sentence_vectors, cache  # not kept while the new index loads
    return load_index(index_dir)


def _passage_tokens(
    passage: Passage, sentences: list[Sentence], sentence_tokens: list[list[str]], tokenizer: TokenizerParams
) -> list[str]:
    """A passage's BM25 tokens: its sentences' tokens, in order. Where two
    sentences touch (a very long "sentence" cut without a space), a word may
    span them: then the passage text is tokenised itself."""
    first, last = passage.first_sentence, passage.last_sentence
    if any(sentences[i].end >= sentences[i + 1].start for i in range(first, last)):
        return tokenize(passage.text, **tokenizer.to_dict())
    return [token for i in range(first, last + 1) for token in sentence_tokens[i]]


def _key(text: str) -> str:
    from ..embedding import text_key

    return text_key(text)


def encode_batches(encoder, texts: list[str], progress: ProgressFn | None, batch_size: int = 64) -> np.ndarray:
    """Vectors of ``texts``, in their order, encoded in batches with progress."""
    # Longest first, as sentence-transformers orders one call's texts: each
    # batch then holds texts of similar length, with little padding (in file
    # order, passages and sentences mixed, a build took 1.3x the raw encoder).
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors = np.zeros((len(texts), encoder.dimension), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        vectors[rows] = encoder.encode([texts[i] for i in rows], batch_size=batch_size)
        if progress:
            progress("encoding", min(start + batch_size, len(texts)), len(texts))
    return vectors
