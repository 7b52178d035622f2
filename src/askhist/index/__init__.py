"""The index: passages, sentences, vectors and BM25 statistics, on disk and loaded.

Modules: ``model`` (the loaded index and its errors), ``manifest`` (what an
index was built with, and when it is stale), ``store`` (generations on disk,
the build lock, loading and validation), ``build`` (chunk, embed, publish).
"""

from .build import build_index, chunk_documents, encode_batches
from .manifest import FORMAT_VERSION, stale_reasons
from .model import DocumentInfo, Index, IndexCorrupt, IndexMissing, IndexProblem, SpanTable
from .store import CURRENT, GENERATION_FILES, index_lock, load_index, load_manifest, remove_leftovers

__all__ = [
    "CURRENT",
    "FORMAT_VERSION",
    "GENERATION_FILES",
    "DocumentInfo",
    "Index",
    "IndexCorrupt",
    "IndexMissing",
    "IndexProblem",
    "SpanTable",
    "build_index",
    "chunk_documents",
    "encode_batches",
    "index_lock",
    "load_index",
    "load_manifest",
    "remove_leftovers",
    "stale_reasons",
]
