"""Index: passages, sentences, vectors and BM25 statistics on disk.

Layout of an index folder::

    index/
      current -> gen-<time>-<pid>/   symlink to the live generation
      gen-.../manifest.json          format, model, chunking, source hashes
      gen-.../documents.json         ids, titles, texts of the sources
      gen-.../spans.npz              passage and sentence spans
      gen-.../passages.faiss         passage vectors (inner product)
      gen-.../sentences.npy          sentence vectors (answer selection)
      gen-.../bm25.npz, bm25_vocabulary.json
      cache/                         embedding cache shared by generations
      .lock                          held while building

A build writes a new generation folder and then swaps the ``current``
symlink with one atomic rename, so a build that is interrupted (even by
SIGKILL) leaves the previous index intact, and readers never see half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path

import numpy as np

from .bm25 import BM25Index, TokenizerParams
from .chunking import ChunkingParams, Passage, Sentence, chunk_document
from .cleaning import MAIN
from .documents import Document
from .termsets import FILE_NAME as TERMS_FILE
from .termsets import SentenceTerms, WordSets
from .text import tokenize
from .timing import stopwatch
from .vectors import QUANTIZE_ABOVE, SCALES_FILE, Int8Vectors

FORMAT_VERSION = 1
CURRENT = "current"
GENERATION_FILES = (
    "manifest.json",
    "documents.json",
    "spans.npz",
    "passages.faiss",
    "sentences.npy",
    "bm25.npz",
    "bm25_vocabulary.json",
    "bm25_idf.npy",
)
# What every manifest must hold, and of which type; anything else is damage.
_MANIFEST_FIELDS = {
    "format_version": int,
    "model": str,
    "dimension": int,
    "chunking": dict,
    "tokenizer": dict,
    "documents": dict,
    "counts": dict,
}
ProgressFn = Callable[[str, int, int], None]  # (stage, done, total)


class IndexProblem(Exception):
    """Base class for index problems; the message is meant for users."""


class IndexMissing(IndexProblem):
    pass


class IndexCorrupt(IndexProblem):
    pass


@dataclass(frozen=True)
class DocumentInfo:
    """What the index keeps of a source document."""

    doc_id: str
    title: str
    description: str
    sha256: str
    text: str


@dataclass
class Index:
    """A loaded index: everything retrieval and answering need."""

    directory: Path
    manifest: dict
    documents: dict[str, DocumentInfo]
    passages: list[Passage]
    sentences: list[Sentence]
    passage_vectors: object  # faiss.Index
    sentence_vectors: np.ndarray  # an Int8Vectors above QUANTIZE_ABOVE sentences
    bm25: BM25Index
    terms: SentenceTerms | None = None  # None for indexes built before it existed

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
        rows = getattr(self.passages, "rows", None)
        if rows is not None:
            return rows[:, 5].copy(), rows[:, 6].copy()
        pairs = np.array([(p.first_sentence, p.last_sentence) for p in self.passages], dtype=np.int64).reshape(-1, 2)
        return pairs[:, 0].copy(), pairs[:, 1].copy()

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
    def sentence_terms(self) -> SentenceTerms:
        """Each sentence's distinct words (stored at index time)."""
        if self.terms is not None:
            return self.terms
        return SentenceTerms.build(self.tokens(s.text) for s in self.sentences)

    @cached_property
    def sentence_tokens(self) -> WordSets:
        """Each sentence's word set, for the lexical part of answer scoring."""
        return WordSets(self.sentence_terms)

    @cached_property
    def _sentence_doc_section(self) -> tuple[np.ndarray, np.ndarray]:
        """Per sentence: its document's number and whether it is main text."""
        rows = getattr(self.sentences, "rows", None)
        if rows is not None:
            sections = self.sentences.sections
            return rows[:, 0].copy(), np.array([s == MAIN for s in sections], dtype=bool)[rows[:, 4]]
        number = {doc: i for i, doc in enumerate(self.documents)}
        docs = np.array([number[s.doc] for s in self.sentences], dtype=np.int64)
        return docs, np.array([s.section == MAIN for s in self.sentences], dtype=bool)

    @cached_property
    def sentence_related(self) -> np.ndarray:
        """Per sentence: True for other essays' snippets listed in a file."""
        return ~self._sentence_doc_section[1]

    @cached_property
    def sentence_follows(self) -> np.ndarray:
        """Per sentence: True when the sentence before it is in the same
        document and section."""
        docs = self._sentence_doc_section[0]
        rows = getattr(self.sentences, "rows", None)
        if rows is not None:
            section = rows[:, 4]
        else:
            number: dict[str, int] = {}
            section = np.array([number.setdefault(s.section, len(number)) for s in self.sentences], dtype=np.int64)
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


def stale_reasons(
    manifest: dict,
    documents: Sequence[Document],
    model_identity: str,
    chunking: ChunkingParams,
    tokenizer: TokenizerParams,
) -> list[str]:
    """Why an index no longer matches the sources or settings ([] if it does)."""
    reasons = []
    if manifest.get("format_version") != FORMAT_VERSION:
        reasons.append(f"index format {manifest.get('format_version')} is not the current {FORMAT_VERSION}")
    if manifest.get("model") != model_identity:
        reasons.append(f"embedding model changed ({manifest.get('model')} -> {model_identity})")
    if manifest.get("chunking") != chunking.to_dict():
        reasons.append("chunking parameters changed")
    if manifest.get("tokenizer") != tokenizer.to_dict():
        reasons.append("BM25 tokenisation changed")
    indexed = manifest.get("documents", {})
    current = {d.doc_id: d.sha256 for d in documents}
    added = sorted(set(current) - set(indexed))
    removed = sorted(set(indexed) - set(current))
    changed = sorted(k for k in set(current) & set(indexed) if current[k] != indexed[k])
    for label, names in (("added", added), ("removed", removed), ("changed", changed)):
        if names:
            shown = ", ".join(names[:3]) + (f" and {len(names) - 3} more" if len(names) > 3 else "")
            reasons.append(f"{len(names)} document(s) {label}: {shown}")
    return reasons


def _atomic_write_text(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


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

    Callers that may run concurrently should hold ``index_lock`` (the CLI
    and the app do, through ``ensure_index``). The manifest records what the
    build did: ``encoded_now`` texts encoded and ``reused_from_cache``, and
    ``stage_seconds`` of chunking, encoding (with the cache), bm25 and
    writing, within ``build_seconds``.
    """
    started = time.perf_counter()
    stages: dict[str, float] = {}
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    with stopwatch(stages, "chunking"):
        sentences, passages = chunk_documents(documents, chunking)

    from .embedding import EmbeddingCache

    with stopwatch(stages, "encoding"):
        cache = EmbeddingCache(index_dir / "cache", encoder.identity)
        texts = [p.text for p in passages] + [s.text for s in sentences]
        vectors, encoded = cache.encode(texts, lambda missing: _encode_batches(encoder, missing, progress))
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

    manifest = {
        "format_version": FORMAT_VERSION,
        "model": encoder.identity,
        "dimension": encoder.dimension,
        "chunking": chunking.to_dict(),
        "tokenizer": tokenizer.to_dict(),
        "documents": {d.doc_id: d.sha256 for d in documents},
        "counts": {"documents": len(documents), "passages": len(passages), "sentences": len(sentences)},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "encoded_now": encoded,
        "reused_from_cache": len(set(texts)) - encoded,  # distinct texts whose vectors were cached
    }
    generation = index_dir / f"gen-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    generation.mkdir()
    try:
        with stopwatch(stages, "writing"):
            _write_generation(
                generation, manifest, documents, passages, sentences, passage_vectors, sentence_vectors, bm25, terms
            )
        manifest["stage_seconds"] = {stage: round(seconds, 3) for stage, seconds in stages.items()}
        manifest["build_seconds"] = round(time.perf_counter() - started, 3)
        _atomic_write_text(generation / "manifest.json", json.dumps(manifest, indent=1))
        _publish(index_dir, generation)
    except BaseException:
        shutil.rmtree(generation, ignore_errors=True)
        raise
    try:
        cache.save(keep={_key(t) for t in texts})
    except OSError:
        pass  # the new index is live; a cache that cannot be written only costs re-encoding
    _remove_old_generations(index_dir, keep=generation.name)
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
    from .embedding import text_key

    return text_key(text)


def _encode_batches(encoder, texts: list[str], progress: ProgressFn | None, batch_size: int = 64) -> np.ndarray:
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


def _write_generation(
    folder: Path,
    manifest: dict,
    documents: Sequence[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    bm25: BM25Index,
    terms: SentenceTerms | None = None,
) -> None:
    import faiss

    docs = [
        {"doc": d.doc_id, "title": d.title, "description": d.description, "sha256": d.sha256, "text": d.text}
        for d in documents
    ]
    (folder / "documents.json").write_text(json.dumps(docs, ensure_ascii=False), encoding="utf-8")
    doc_number = {d.doc_id: i for i, d in enumerate(documents)}
    sections = sorted({p.section for p in passages} | {s.section for s in sentences})
    section_number = {s: i for i, s in enumerate(sections)}
    np.savez(
        folder / "spans.npz",
        passages=np.array(
            [
                [
                    doc_number[p.doc],
                    p.start,
                    p.end,
                    p.paragraph,
                    section_number[p.section],
                    p.first_sentence,
                    p.last_sentence,
                ]
                for p in passages
            ],
            dtype=np.int64,
        ).reshape(-1, 7),
        sentences=np.array(
            [[doc_number[s.doc], s.start, s.end, s.paragraph, section_number[s.section]] for s in sentences],
            dtype=np.int64,
        ).reshape(-1, 5),
        sections=np.array(sections, dtype=str),
    )
    flat = faiss.IndexFlatIP(manifest["dimension"])
    if len(passage_vectors):
        flat.add(np.ascontiguousarray(passage_vectors, dtype=np.float32))
    faiss.write_index(flat, str(folder / "passages.faiss"))
    if len(sentence_vectors) > QUANTIZE_ABOVE:  # large collections: int8, a quarter of the memory
        compact = Int8Vectors.quantize(sentence_vectors)
        np.save(folder / "sentences.npy", compact.codes)
        np.save(folder / SCALES_FILE, compact.scales)
    else:
        np.save(folder / "sentences.npy", np.ascontiguousarray(sentence_vectors, dtype=np.float32))
    bm25.save(folder)
    if terms is not None:
        terms.save(folder)
    # Data must be on disk before the symlink swap makes it live.
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


def _publish(index_dir: Path, generation: Path) -> None:
    link = index_dir / f"{CURRENT}.tmp-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(generation.name)
    current = index_dir / CURRENT
    if current.is_dir() and not current.is_symlink():
        # An index copied without symlinks has a real folder here, which a
        # link cannot replace: move it aside as an old generation (removed below).
        os.replace(current, index_dir / f"gen-0-moved-{os.getpid()}")
    os.replace(link, current)


def _remove_old_generations(index_dir: Path, keep: str) -> None:
    live = _live_generation(index_dir)
    for path in index_dir.glob("gen-*"):
        if path.name not in (keep, live) and path.is_dir():
            # Another process may be building into a newer folder right now:
            # only remove generations older than ours.
            if path.name < keep:
                shutil.rmtree(path, ignore_errors=True)


def _live_generation(index_dir: Path) -> str | None:
    link = index_dir / CURRENT
    return os.readlink(link) if link.is_symlink() else None


def remove_leftovers(index_dir: Path) -> list[str]:
    """Remove what interrupted builds (even SIGKILLed ones) left behind:
    generation folders that are not live, temporary links and cache files.
    Only call it while holding ``index_lock``. Returns the names removed."""
    index_dir = Path(index_dir)
    live = _live_generation(index_dir)
    live = Path(live).name if live else None
    removed = []
    candidates = [
        *index_dir.glob("gen-*"),
        *index_dir.glob(f"{CURRENT}.tmp-*"),
        *(index_dir / "cache").glob("*.tmp-*"),
    ]
    for path in candidates:
        if path.name == live:
            continue
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
        removed.append(path.name)
    return removed


def index_lock(index_dir: Path, timeout: float = -1):
    """An inter-process lock serialising builds of one index folder."""
    from filelock import FileLock

    Path(index_dir).mkdir(parents=True, exist_ok=True)
    return FileLock(str(Path(index_dir) / ".lock"), timeout=timeout)


def load_manifest(index_dir: Path) -> dict:
    """The live generation's manifest. Raises IndexMissing or IndexCorrupt."""
    folder = _generation_folder(Path(index_dir))
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"index at {index_dir} has no manifest.json") from None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index manifest at {index_dir} is unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index manifest at {index_dir} is not a JSON object")
    wrong = [key for key, kind in _MANIFEST_FIELDS.items() if not isinstance(manifest.get(key), kind)]
    if wrong:
        raise IndexCorrupt(f"index manifest at {index_dir} is damaged (missing or invalid: {', '.join(wrong)})")
    return manifest


def _generation_folder(index_dir: Path) -> Path:
    link = index_dir / CURRENT
    if not link.is_symlink() and not link.exists():
        raise IndexMissing(f"no index built yet in {index_dir}")
    folder = index_dir / os.readlink(link) if link.is_symlink() else link
    if not folder.is_dir():
        raise IndexCorrupt(f"index at {index_dir} points to a missing folder ({folder.name})")
    return folder


def load_index(index_dir: Path) -> Index:
    """Load the live index. Raises IndexMissing or IndexCorrupt with a reason."""
    import faiss

    index_dir = Path(index_dir)
    manifest = load_manifest(index_dir)
    folder = _generation_folder(index_dir)
    for name in GENERATION_FILES:
        if not (folder / name).is_file():
            raise IndexCorrupt(f"index at {index_dir} is incomplete: {name} is missing")
    try:
        docs = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        documents = {
            d["doc"]: DocumentInfo(d["doc"], d["title"], d["description"], d["sha256"], d["text"]) for d in docs
        }
        with np.load(folder / "spans.npz", allow_pickle=False) as spans:
            passage_rows, sentence_rows, sections = spans["passages"], spans["sentences"], spans["sections"]
        doc_ids = [d["doc"] for d in docs]
        sections = [str(s) for s in sections]
        texts = [documents[d].text for d in doc_ids]
        for rows, width in ((sentence_rows, 5), (passage_rows, 7)):
            if rows.ndim != 2 or rows.shape[1] != width or not np.issubdtype(rows.dtype, np.integer):
                raise ValueError("span table has the wrong shape")
            if len(rows) and not (
                0 <= rows[:, 0].min() <= rows[:, 0].max() < len(doc_ids)
                and 0 <= rows[:, 4].min() <= rows[:, 4].max() < len(sections)
            ):
                raise ValueError("span table names a missing document or section")
        sentences = SpanTable(
            sentence_rows,
            sections,
            lambda r: Sentence(doc_ids[r[0]], r[1], r[2], texts[r[0]][r[1] : r[2]], r[3], sections[r[4]]),
        )
        passages = SpanTable(
            passage_rows,
            sections,
            lambda r: Passage(doc_ids[r[0]], r[1], r[2], texts[r[0]][r[1] : r[2]], r[3], sections[r[4]], r[5], r[6]),
        )
        passage_vectors = faiss.read_index(str(folder / "passages.faiss"))
        sentence_vectors = np.load(folder / "sentences.npy", allow_pickle=False)
        if sentence_vectors.dtype == np.int8:
            sentence_vectors = Int8Vectors(sentence_vectors, np.load(folder / SCALES_FILE, allow_pickle=False))
        bm25 = BM25Index.load(folder)
        terms = SentenceTerms.load(folder) if (folder / TERMS_FILE).is_file() else None
    except FileNotFoundError as exc:
        raise IndexCorrupt(f"index at {index_dir} is incomplete: {Path(exc.filename or '?').name} is missing") from None
    except Exception as exc:  # any damaged file: numpy, faiss, scipy and json raise different types
        raise IndexCorrupt(f"index at {index_dir} is damaged ({type(exc).__name__}: {exc})") from None
    expected = manifest.get("counts", {})
    if (
        passage_vectors.ntotal != len(passages)
        or len(sentence_vectors) != len(sentences)
        or bm25.size != len(passages)
        or expected.get("passages") != len(passages)
        or expected.get("sentences") != len(sentences)
    ):
        raise IndexCorrupt(f"index at {index_dir} is damaged (its files disagree on the number of passages)")
    dimension = manifest["dimension"]
    if (
        passage_vectors.d != dimension
        or sentence_vectors.ndim != 2
        or sentence_vectors.shape[1] != dimension
        or not isinstance(bm25.vocabulary, dict)
        or not len(bm25.idf) == len(bm25.vocabulary) == bm25.weights.shape[0]
        or not _ranges_valid(passage_rows[:, 5], passage_rows[:, 6], len(sentences))
        or (terms is not None and len(terms) != len(sentences))
    ):
        raise IndexCorrupt(f"index at {index_dir} is damaged (its files disagree on sizes)")
    return Index(index_dir, manifest, documents, passages, sentences, passage_vectors, sentence_vectors, bm25, terms)


def _ranges_valid(first: np.ndarray, last: np.ndarray, sentences: int) -> bool:
    return bool(np.all((0 <= first) & (first <= last) & (last < sentences)))


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
