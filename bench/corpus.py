"""The scaling corpus: many documents made from the seed essays' sentences,
and a stand-in encoder that gives them vectors without running the model.

``make_corpus`` shuffles the seed collection's sentences (statements of six
words or more, as askhist's own chunker splits them) into new documents:
4-12 paragraphs of 2-6 sentences each, one paragraph per line, chosen with
``random.Random(seed)``, so the same arguments always write the same files.
Documents are added until askhist's chunker counts the requested number of
passages. Every sentence is real text; the combinations are new, so every
passage is new.

``SyntheticEncoder`` makes index builds at 10k-100k passages take seconds
instead of hours on 2 cores: each seed sentence is encoded once by the real
model, a sentence gets its seed sentence's vector, and a passage gets the
normalised mean of its sentences' vectors (the bench tells it the sentence
ranges of each passage through ``remember_passages``). Anything it does not
know is encoded by the real model. What is measured at scale is then the
index and query path, with encoding measured separately (the encoder's
throughput on the real seed texts).
"""

from __future__ import annotations

import json
import random
import shutil
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from askhist.chunking import ChunkingParams, Passage, Sentence, chunk_document
from askhist.documents import load_documents
from askhist.embedding import FAST_MAX_TEXTS
from askhist.index import chunk_documents

CORPUS_FORMAT = 1
MIN_WORDS = 6


def seed_sentences(docs: Path) -> list[str]:
    """The seed collection's sentences that can stand alone, in file order, unique."""
    sentences, _ = chunk_documents(load_documents(docs), ChunkingParams())
    seen: dict[str, None] = {}
    for s in sentences:
        text = s.text
        if "\n" in text or len(text.split()) < MIN_WORDS or not text.endswith((".", "!", '"', "\u201d")):
            continue
        seen.setdefault(text, None)
    return list(seen)


def _document(rng: random.Random, pool: list[str]) -> str:
    paragraphs = []
    for _ in range(rng.randint(4, 12)):
        paragraphs.append(" ".join(rng.sample(pool, rng.randint(2, 6))))
    return "\n".join(paragraphs) + "\n"


def make_corpus(out: Path, passages: int, *, seed: int = 0, source: Path = Path("seeds")) -> dict:
    """Write a corpus of about ``passages`` passages to ``out`` (reused when
    it already holds the same corpus). Returns its description."""
    out = Path(out)
    pool = seed_sentences(source)
    wanted = {"format": CORPUS_FORMAT, "passages_target": passages, "seed": seed, "pool": len(pool)}
    info_path = out / "corpus.json"
    if info_path.exists():
        info = json.loads(info_path.read_text(encoding="utf-8"))
        if {k: info.get(k) for k in wanted} == wanted:
            return info
    if out.exists():
        shutil.rmtree(out)
    docs_dir = out / "docs"
    docs_dir.mkdir(parents=True)
    rng = random.Random(seed)
    params = ChunkingParams()
    counted = sentences = 0
    titles = {}
    number = 0
    while counted < passages:
        text = _document(rng, pool)
        name = f"essay_{number:06d}.txt"
        doc_sentences, doc_passages = chunk_document(name, text, 0, params)
        (docs_dir / name).write_text(text, encoding="utf-8")
        titles[name] = {"title": f"Recombined essay {number}", "description": "bench corpus (seed sentences)"}
        counted += len(doc_passages)
        sentences += len(doc_sentences)
        number += 1
    (docs_dir / "sources.json").write_text(json.dumps(titles), encoding="utf-8")
    info = {**wanted, "documents": number, "passages": counted, "sentences": sentences}
    info_path.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return info


def one_document(seed: int, source: Path = Path("seeds")) -> str:
    """One more recombined document (for the bench's add-a-document case)."""
    return _document(random.Random(seed), seed_sentences(source))


class SyntheticEncoder:
    """Vectors for the scaling corpus from a table of sentence vectors.

    Quacks like :class:`askhist.embedding.Encoder` (identity, dimension,
    model, encode). ``seconds`` is the time spent inside ``encode``.
    """

    def __init__(self, real, table: dict[str, np.ndarray]) -> None:
        self.real = real
        self.model, self.identity, self.dimension = real.model, real.identity, real.dimension
        self.table = table
        self.passages: dict[str, tuple[str, ...]] = {}
        self.encoded_by_model = 0
        self.seconds = 0.0

    def remember_passages(self, sentences: Sequence[Sentence], passages: Sequence[Passage]) -> None:
        for p in passages:
            self.passages[p.text] = tuple(s.text for s in sentences[p.first_sentence : p.last_sentence + 1])

    def encode(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        started = time.perf_counter()
        needed = {t for t in texts if t not in self.table and t not in self.passages}
        for text in texts:
            for part in self.passages.get(text, ()):
                if part not in self.table:
                    needed.add(part)
        if needed:
            ordered = sorted(needed)
            self.encoded_by_model += len(ordered)
            for text, vector in zip(ordered, _encode(self.real, ordered)):
                self.table[text] = vector
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        for row, text in enumerate(texts):
            parts = self.passages.get(text)
            if parts is None or text in self.table:
                out[row] = self.table[text]
            else:
                mean = np.mean([self.table[p] for p in parts], axis=0)
                out[row] = mean / max(float(np.linalg.norm(mean)), 1e-9)
        self.seconds += time.perf_counter() - started
        return out


def _encode(encoder, texts: list[str]) -> np.ndarray:
    """Encode in batches small enough for the NumPy encoder: a few hundred
    sentences do not justify importing torch (seconds) in every bench task."""
    parts = [encoder.encode(texts[i : i + FAST_MAX_TEXTS]) for i in range(0, len(texts), FAST_MAX_TEXTS)]
    return np.concatenate(parts) if parts else np.zeros((0, encoder.dimension), dtype=np.float32)


def sentence_table(encoder, docs: Path, cache: Path) -> dict[str, np.ndarray]:
    """Real vectors of the seed sentences, encoded once and kept in ``cache``."""
    pool = seed_sentences(docs)
    if cache.exists():
        with np.load(cache, allow_pickle=False) as data:
            table = {str(k): v for k, v in zip(data["texts"], data["vectors"])}
        if all(t in table for t in pool):
            return table
    vectors = _encode(encoder, pool)
    cache.parent.mkdir(parents=True, exist_ok=True)
    np.savez(cache, texts=np.array(pool), vectors=vectors)
    return dict(zip(pool, vectors))
