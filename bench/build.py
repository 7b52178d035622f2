"""Index builds, timed by what the build records in its manifest
(``stage_seconds``, ``encoded_now``, ``reused_from_cache``):

* the seed collection from an empty embedding cache, beside the raw encoder
  on the same texts; then one added document, which must encode only its
  texts that the index did not hold already;
* a scaling corpus, with the stand-in encoder of :mod:`bench.corpus`.
"""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

from .stats import peak_rss_mb

ADDED_DOCUMENT = "zz_added_by_bench.txt"


def _texts(index) -> set[str]:
    """The distinct texts an index holds vectors of (its cache keeps exactly these)."""
    return {p.text for p in index.passages} | {s.text for s in index.sentences}


def task_build(a: dict) -> dict:
    """Build the seed index from scratch, beside the raw encoder on the same
    texts; then add one document and check only its texts are encoded."""
    from askhist.chunking import ChunkingParams
    from askhist.documents import load_documents
    from askhist.embedding import Encoder
    from askhist.index import build_index, chunk_documents

    work = Path(a["work"])
    docs, index_dir = work / "docs", work / "index"
    for path in (docs, index_dir):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(a["docs"], docs)
    documents = load_documents(docs)

    started = time.perf_counter()
    encoder = Encoder.load(a.get("model"))
    encoder.encode(["warm up"] * 9)  # loads sentence-transformers, as a build does
    model_seconds = time.perf_counter() - started

    sentences, passages = chunk_documents(documents, ChunkingParams())
    texts = list(dict.fromkeys([p.text for p in passages] + [s.text for s in sentences]))

    def raw_encoder() -> float:
        started = time.perf_counter()
        encoder.encode(texts, batch_size=64)
        return time.perf_counter() - started

    # The raw encoder runs before and after the build (the first large batch
    # pays one-off costs); the ceiling is the faster of the two.
    raw_runs = [raw_encoder()]
    started = time.perf_counter()
    manifest = build_index(documents, encoder, index_dir).manifest
    build_seconds = time.perf_counter() - started
    raw_runs.append(raw_encoder())
    raw_seconds = min(raw_runs)
    passages_built = manifest["counts"]["passages"]
    return {
        "documents": len(documents),
        "passages": passages_built,
        "sentences": manifest["counts"]["sentences"],
        "texts_encoded": manifest["encoded_now"],
        "model_load_seconds": round(model_seconds, 3),
        "raw_encode_seconds": round(raw_seconds, 3),
        "raw_encode_runs": [round(t, 3) for t in raw_runs],
        "raw_texts_per_second": round(len(texts) / raw_seconds, 1),
        "build_seconds": round(build_seconds, 3),
        "build_stages": manifest["stage_seconds"],
        # After the manifest is written: publishing, saving the cache, loading the new index.
        "publish_and_load_seconds": round(build_seconds - manifest["build_seconds"], 3),
        "passages_per_second": round(passages_built / build_seconds, 1),
        "texts_per_second": round(manifest["encoded_now"] / build_seconds, 1),
        "build_over_raw_encoder": round(build_seconds / raw_seconds, 3),
        "add_document": add_document(work, encoder, a.get("seed", 7)),
        "peak_rss_mb": peak_rss_mb(),
    }


def add_document(work: Path, encoder, seed: int) -> dict:
    """Add a recombined essay with a new sentence per paragraph to a copy of
    the seed index (which stays as it is for the other measurements)."""
    from askhist import Assistant
    from askhist.index import load_index

    from .corpus import one_document

    docs, index_dir = work / "add-docs", work / "add-index"
    for path in (docs, index_dir):
        shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(work / "docs", docs)
    shutil.copytree(work / "index", index_dir, symlinks=True)
    new_text = "".join(
        f"{line} The benchmark added paragraph {n} of this essay.\n"
        for n, line in enumerate(one_document(seed, docs).splitlines(), start=1)
    )
    (docs / ADDED_DOCUMENT).write_text(new_text, encoding="utf-8")
    assistant = Assistant(load_index(index_dir), encoder, [docs])
    before = _texts(assistant.index)
    started = time.perf_counter()
    reasons = assistant.refresh()
    seconds = time.perf_counter() - started
    after = assistant.index
    expected = len(_texts(after) - before)
    added = after.manifest
    return {
        "rebuild_reasons": reasons,
        "seconds": round(seconds, 3),
        "new_passages": sum(p.doc == ADDED_DOCUMENT for p in after.passages),
        "new_sentences": sum(s.doc == ADDED_DOCUMENT for s in after.sentences),
        "encoded_now": added["encoded_now"],
        "reused_from_cache": added["reused_from_cache"],
        "expected_new_texts": expected,
        "only_new_texts_encoded": added["encoded_now"] == expected,
        "stage_seconds": added["stage_seconds"],
    }


def task_scale_build(a: dict) -> dict:
    """Build the index of a scaling corpus with the stand-in encoder; its
    encoding stage is left out of the build time that is compared."""
    from askhist.chunking import ChunkingParams
    from askhist.documents import load_documents
    from askhist.embedding import Encoder
    from askhist.index import build_index, chunk_documents

    from .corpus import SyntheticEncoder, sentence_table

    docs, index_dir = Path(a["docs"]), Path(a["index"])
    shutil.rmtree(index_dir, ignore_errors=True)
    real = Encoder.load(a.get("model"))
    encoder = SyntheticEncoder(real, sentence_table(real, Path(a["seeds"]), Path(a["table"])))
    started = time.perf_counter()
    documents = load_documents(docs)
    read_seconds = time.perf_counter() - started
    # The stand-in encoder gives a passage the mean of its sentences' vectors:
    # it is told the passages first (the chunker is deterministic).
    encoder.remember_passages(*chunk_documents(documents, ChunkingParams()))
    started = time.perf_counter()
    manifest = build_index(documents, encoder, index_dir).manifest
    total = time.perf_counter() - started
    stages = manifest["stage_seconds"]
    generation = index_dir / os.readlink(index_dir / "current")
    return {
        "documents": len(documents),
        "passages": manifest["counts"]["passages"],
        "sentences": manifest["counts"]["sentences"],
        "read_documents_seconds": round(read_seconds, 3),
        "build_seconds_with_synthetic_vectors": round(total, 3),
        "synthetic_vector_seconds": round(encoder.seconds, 3),
        "build_seconds_excluding_encoding": round(total - stages["encoding"], 3),
        "build_stages": stages,
        "publish_and_load_seconds": round(total - manifest["build_seconds"], 3),
        "texts_encoded_by_model": encoder.encoded_by_model,
        "index_mb": round(sum(p.stat().st_size for p in generation.iterdir()) / 2**20, 1),
        "cache_mb": round(sum(p.stat().st_size for p in (index_dir / "cache").iterdir()) / 2**20, 1),
        "peak_rss_mb": peak_rss_mb(),
    }
