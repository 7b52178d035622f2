"""The manifest: what an index was built from and with, and when it is stale.

Every setting that shapes an index (format, model, chunking, tokenisation)
and a hash of every source document are recorded in the manifest; an index
whose manifest disagrees with the current documents or settings is rebuilt.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone

from ..bm25 import TokenizerParams
from ..chunking import ChunkingParams
from ..documents import Document

# 2: every generation stores the sentences' word sets (sentence_terms.npz);
# older indexes are rebuilt. 3: documents.json holds each document's origin
# (who uploaded it, when).
FORMAT_VERSION = 3
# What every manifest must hold, and of which type; anything else is damage.
MANIFEST_FIELDS = {
    "format_version": int,
    "model": str,
    "dimension": int,
    "chunking": dict,
    "tokenizer": dict,
    "documents": dict,
    "counts": dict,
}


def new_manifest(
    documents: Sequence[Document],
    encoder,
    chunking: ChunkingParams,
    tokenizer: TokenizerParams,
    passages: int,
    sentences: int,
    encoded_now: int,
) -> dict:
    """The manifest of an index being built (``build_seconds`` is added when it is written)."""
    return {
        "format_version": FORMAT_VERSION,
        "model": encoder.identity,
        "dimension": encoder.dimension,
        "chunking": chunking.to_dict(),
        "tokenizer": tokenizer.to_dict(),
        "documents": {d.doc_id: d.sha256 for d in documents},
        "counts": {"documents": len(documents), "passages": passages, "sentences": sentences},
        "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "encoded_now": encoded_now,
    }


def missing_fields(manifest: dict) -> list[str]:
    """The required fields a manifest lacks or holds with the wrong type ([] if none)."""
    return [key for key, kind in MANIFEST_FIELDS.items() if not isinstance(manifest.get(key), kind)]


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
