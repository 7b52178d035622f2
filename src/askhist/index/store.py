"""The index on disk: generations, the live link, the build lock, loading.

Layout of an index folder::

    index/
      current -> gen-<time>-<pid>/   symlink to the live generation
      gen-.../manifest.json          format, model, chunking, source hashes
      gen-.../documents.json         ids, titles, texts of the sources
      gen-.../spans.npz              passage and sentence spans
      gen-.../passages.faiss         passage vectors (inner product)
      gen-.../sentences.npy          sentence vectors (answer selection)
      gen-.../bm25.npz, bm25_vocabulary.json, bm25_idf.npy
      gen-.../sentence_terms.npz     each sentence's distinct words
      cache/                         embedding cache shared by generations
      .lock                          held while building

A build writes a new generation folder and then swaps the ``current``
symlink with one atomic rename, so a build that is interrupted (even by
SIGKILL) leaves the previous index intact, and readers never see half of one.
Loading checks every file and raises IndexCorrupt with the reason; the
assistant then rebuilds.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from ..bm25 import BM25Index
from ..chunking import Passage, Sentence
from ..documents import Document
from ..termsets import FILE_NAME as TERMS_FILE
from ..termsets import SentenceTerms
from ..vectors import QUANTIZE_ABOVE, SCALES_FILE, Int8Vectors
from .manifest import missing_fields
from .model import (
    PASSAGE_COLUMNS,
    PASSAGE_FIRST,
    PASSAGE_LAST,
    SENTENCE_COLUMNS,
    DocumentInfo,
    Index,
    IndexCorrupt,
    IndexMissing,
    SpanTable,
)

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
    TERMS_FILE,
)


def new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder; its name sorts after every earlier one."""
    generation = index_dir / f"gen-{datetime.now(timezone.utc):%Y%m%dT%H%M%S%f}-{os.getpid()}"
    generation.mkdir()
    return generation


def atomic_write_text(path: Path, text: str) -> None:
    """Write a file so that readers see the old or the new text, never half."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_generation(
    folder: Path,
    manifest: dict,
    documents: Sequence[Document],
    passages: list[Passage],
    sentences: list[Sentence],
    passage_vectors: np.ndarray,
    sentence_vectors: np.ndarray,
    bm25: BM25Index,
    terms: SentenceTerms,
) -> None:
    """Write every file of a generation into ``folder`` and flush them to disk."""
    import faiss

    docs = [
        {
            "doc": d.doc_id,
            "title": d.title,
            "description": d.description,
            "sha256": d.sha256,
            "text": d.text,
            "origin": d.origin,
        }
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
    terms.save(folder)
    # Data must be on disk before the symlink swap makes it live.
    for path in folder.iterdir():
        with open(path, "rb") as handle:
            os.fsync(handle.fileno())


def publish(index_dir: Path, generation: Path) -> None:
    """Make a written generation the live one, with one atomic rename."""
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


def remove_old_generations(index_dir: Path, keep: str) -> None:
    """Remove generations older than ``keep`` that are not live."""
    live = live_generation(index_dir)
    for path in index_dir.glob("gen-*"):
        if path.name not in (keep, live) and path.is_dir():
            # Another process may be building into a newer folder right now:
            # only remove generations older than ours.
            if path.name < keep:
                shutil.rmtree(path, ignore_errors=True)


def live_generation(index_dir: Path) -> str | None:
    """The folder name ``current`` points to (None if it is no link)."""
    link = index_dir / CURRENT
    return os.readlink(link) if link.is_symlink() else None


def remove_leftovers(index_dir: Path) -> list[str]:
    """Remove what interrupted builds (even SIGKILLed ones) left behind:
    generation folders that are not live, temporary links and cache files.
    Only call it while holding ``index_lock``. Returns the names removed."""
    index_dir = Path(index_dir)
    live = live_generation(index_dir)
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
    folder = generation_folder(Path(index_dir))
    try:
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise IndexCorrupt(f"index at {index_dir} has no manifest.json") from None
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index manifest at {index_dir} is unreadable ({exc})") from None
    if not isinstance(manifest, dict):
        raise IndexCorrupt(f"index manifest at {index_dir} is not a JSON object")
    wrong = missing_fields(manifest)
    if wrong:
        raise IndexCorrupt(f"index manifest at {index_dir} is damaged (missing or invalid: {', '.join(wrong)})")
    return manifest


def generation_folder(index_dir: Path) -> Path:
    """The live generation's folder. Raises IndexMissing or IndexCorrupt."""
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
    folder = generation_folder(index_dir)
    for name in GENERATION_FILES:
        if not (folder / name).is_file():
            raise IndexCorrupt(f"index at {index_dir} is incomplete: {name} is missing")
    try:
        docs = json.loads((folder / "documents.json").read_text(encoding="utf-8"))
        documents = {
            d["doc"]: DocumentInfo(d["doc"], d["title"], d["description"], d["sha256"], d["text"], d["origin"])
            for d in docs
        }
        with np.load(folder / "spans.npz", allow_pickle=False) as spans:
            passage_rows, sentence_rows, sections = spans["passages"], spans["sentences"], spans["sections"]
        doc_ids = [d["doc"] for d in docs]
        sections = [str(s) for s in sections]
        texts = [documents[d].text for d in doc_ids]
        for rows, width in ((sentence_rows, SENTENCE_COLUMNS), (passage_rows, PASSAGE_COLUMNS)):
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
        terms = SentenceTerms.load(folder)
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
        or not _ranges_valid(passage_rows[:, PASSAGE_FIRST], passage_rows[:, PASSAGE_LAST], len(sentences))
        or len(terms) != len(sentences)
    ):
        raise IndexCorrupt(f"index at {index_dir} is damaged (its files disagree on sizes)")
    return Index(index_dir, manifest, documents, passages, sentences, passage_vectors, sentence_vectors, bm25, terms)


def _ranges_valid(first: np.ndarray, last: np.ndarray, sentences: int) -> bool:
    return bool(np.all((0 <= first) & (first <= last) & (last < sentences)))
