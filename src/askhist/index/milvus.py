"""The Milvus search backend: a loaded index's BM25 weights and vectors in Milvus.

Each index version gets two collections, ``askhist_p_<version>`` (passages:
askhist's own BM25 weights as a sparse vector, the dense vector, document
and offsets) and ``askhist_s_<version>`` (sentences: dense vector, passage,
document and offsets). The version is a hash of what the manifest says
shapes the index, so app servers with the same documents and settings share
one pair. A pair is complete when it holds every row (written with upserts,
so a killed or repeated writer leaves nothing doubled); only then does the
alias ``askhist`` move to it, and a server only searches a complete pair, so
no one ever searches a half-written collection. Text and offsets for
citations stay in the loaded index (see README, Deployment).

URI: a file path opens Milvus Lite (one process per file); ``http://host:port``
a Milvus server (Standalone, Distributed, or Milvus Lite's ``server``).
"""

from __future__ import annotations

import hashlib
import json
import os

import numpy as np

from .model import DOC, END, START, Index, IndexProblem
from .search import DENSE_DECIMALS, MILVUS_URI_ENV, TIE_MARGIN, SparseQuery, best_first_ids

ALIAS = "askhist"
_BATCH = 1000  # rows per upsert: well under gRPC's message limit at 384 dimensions


class MilvusProblem(IndexProblem):
    """Milvus is not installed, not reachable, or holds something unexpected."""


def index_version(manifest: dict) -> str:
    """What identifies an index's content: the manifest without build times."""
    keep = {k: manifest[k] for k in ("format_version", "model", "dimension", "chunking", "tokenizer", "documents")}
    return hashlib.sha256(json.dumps(keep, sort_keys=True).encode()).hexdigest()[:16]


def published_version(uri: str = "") -> str | None:
    """The index version the alias points at (None before any is published)."""
    try:
        name = client_for(uri).describe_alias(alias=ALIAS)["collection_name"]
    except MilvusProblem:
        raise
    except Exception:  # pymilvus: the alias does not exist yet
        return None
    return name.removeprefix("askhist_p_")


def client_for(uri: str):
    """A client for a URI. Milvus Lite opens its file once per process and
    pymilvus shares that one engine between the clients of a path."""
    uri = uri or os.environ.get(MILVUS_URI_ENV, "")
    if not uri:
        raise MilvusProblem(f"the Milvus backend needs --milvus-uri or {MILVUS_URI_ENV}")
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise MilvusProblem("the Milvus backend needs the milvus extra: pip install 'askhist[milvus]'") from None
    try:
        return MilvusClient(uri)
    except Exception as exc:  # pymilvus raises several types for one cause
        raise MilvusProblem(f"cannot open Milvus at {uri}: {exc}") from None


def _sparse_rows(index: Index) -> list[dict[int, float]]:
    """Each passage's BM25 weights, keyed by vocabulary row."""
    by_passage = index.bm25.weights.T.tocsr()
    # Milvus refuses an empty sparse vector; this row is no word, so no query matches it.
    no_word = {len(index.bm25.vocabulary): 1.0}
    return [
        {t: w for t, w in zip(by_passage.indices[a:b].tolist(), by_passage.data[a:b].tolist()) if w} or no_word
        for a, b in zip(by_passage.indptr[:-1], by_passage.indptr[1:])
    ]


class MilvusSearch:
    """``SearchBackend`` over one index version's pair of collections."""

    exact_sentences = True  # FLAT: every sentence is scored

    def __init__(self, client, index: Index, version: str) -> None:
        self.client = client
        self.index = index
        self.passages = f"askhist_p_{version}"
        self.sentences = f"askhist_s_{version}"

    @classmethod
    def open(cls, index: Index, uri: str = "") -> MilvusSearch:
        """Search this index in Milvus, writing its collections first if no
        complete pair for its version exists yet, then pointing the alias at it."""
        client = client_for(uri)
        search = cls(client, index, index_version(index.manifest))
        if not search.complete():
            search.write()
        for name in (search.passages, search.sentences):
            client.load_collection(name)
        search.publish()
        return search

    def _count(self, name: str) -> int:
        if not self.client.has_collection(name):
            return -1
        self.client.load_collection(name)
        return int(self.client.query(name, filter="", output_fields=["count(*)"])[0]["count(*)"])

    def complete(self) -> bool:
        """Whether both collections hold every passage and sentence of the index."""
        return self._count(self.passages) == len(self.index.passages) and self._count(
            self.sentences
        ) == len(self.index.sentences)

    def write(self) -> None:
        """Create (if needed) and fill both collections; sentences first, so a
        complete passage collection implies its sentences were written."""
        from pymilvus import DataType, MilvusClient

        index, client = self.index, self.client
        dim = int(index.manifest["dimension"])
        doc_ids = list(index.documents)
        for name, sparse in ((self.sentences, False), (self.passages, True)):
            if client.has_collection(name):
                continue
            schema = MilvusClient.create_schema(auto_id=False, enable_dynamic_field=False)
            schema.add_field("id", DataType.INT64, is_primary=True)
            schema.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
            schema.add_field("doc", DataType.VARCHAR, max_length=1024)
            schema.add_field("start", DataType.INT64)
            schema.add_field("end", DataType.INT64)
            params = client.prepare_index_params()
            params.add_index(field_name="dense", index_type="FLAT", metric_type="IP")
            if sparse:
                schema.add_field("bm25", DataType.SPARSE_FLOAT_VECTOR)
                params.add_index(field_name="bm25", index_type="SPARSE_INVERTED_INDEX", metric_type="IP")
            else:
                schema.add_field("passage", DataType.INT64)
            try:
                client.create_collection(name, schema=schema, index_params=params)
            except Exception:  # another server may have created it first: fine, upserts are idempotent
                if not client.has_collection(name):
                    raise

        vectors = index.sentence_vectors
        owner = index.sentence_passage
        rows = index.sentences.rows
        for a in range(0, len(rows), _BATCH):
            block = np.asarray(vectors[a : a + _BATCH], dtype=np.float32)
            batch = [
                {"id": a + i, "dense": block[i].tolist(), "doc": doc_ids[r[DOC]], "start": r[START], "end": r[END],
                 "passage": int(owner[a + i])}
                for i, r in enumerate(rows[a : a + _BATCH].tolist())
            ]
            client.upsert(self.sentences, batch)
        sparse_rows = _sparse_rows(index)
        prows = index.passages.rows
        pvectors = index.passage_vectors
        for a in range(0, len(prows), _BATCH):
            block = pvectors.reconstruct_n(a, min(_BATCH, len(prows) - a))
            batch = [
                {"id": a + i, "dense": block[i].tolist(), "bm25": sparse_rows[a + i], "doc": doc_ids[r[DOC]],
                 "start": r[START], "end": r[END]}
                for i, r in enumerate(prows[a : a + _BATCH].tolist())
            ]
            client.upsert(self.passages, batch)
        for name in (self.sentences, self.passages):
            client.flush(name)
        if not self.complete():
            raise MilvusProblem(f"Milvus did not keep every row of {self.passages}; rebuild to retry")

    def publish(self) -> None:
        """Point the alias at this pair, then drop versions older than the one before."""
        client = self.client
        try:
            previous = client.describe_alias(alias=ALIAS)["collection_name"]
        except Exception:  # no alias yet
            previous = None
        if previous == self.passages:
            return
        if previous is not None:
            client.alter_alias(collection_name=self.passages, alias=ALIAS)
        else:
            try:
                client.create_alias(collection_name=self.passages, alias=ALIAS)
            except Exception:  # another server created it in between: move it
                client.alter_alias(collection_name=self.passages, alias=ALIAS)
        # Servers still on the previous version keep searching it until they refresh.
        keep = {self.passages, self.sentences}
        if previous:
            keep |= {previous, previous.replace("askhist_p_", "askhist_s_", 1)}
        for name in client.list_collections():
            if name.startswith(("askhist_p_", "askhist_s_")) and name not in keep:
                client.drop_collection(name)

    def _search(self, name: str, field: str, data, depth: int, flt: str = "") -> tuple[np.ndarray, np.ndarray]:
        limit = depth + TIE_MARGIN if not flt else depth
        if limit <= 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        try:
            hits = self.client.search(
                name, data=[data], anns_field=field, limit=min(limit, 16384), filter=flt,
                search_params={"metric_type": "IP"}, output_fields=["id"],
            )[0]
        except Exception as exc:  # a server gone, a collection dropped: one line for the user
            raise MilvusProblem(f"Milvus search in {name} failed: {exc}") from None
        ids = np.array([h["id"] for h in hits], dtype=np.int64)
        scores = np.array([h["distance"] for h in hits], dtype=np.float32)
        return ids, scores

    def bm25(self, query: SparseQuery, depth: int) -> tuple[np.ndarray, np.ndarray]:
        if not query:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        ids, scores = self._search(self.passages, "bm25", query, depth)
        keep = scores > 0
        return best_first_ids(ids[keep], scores[keep], depth)

    def bm25_for(self, query: SparseQuery, passage_ids: np.ndarray) -> np.ndarray:
        out = np.zeros(len(passage_ids), dtype=np.float32)
        if not query or not len(passage_ids):
            return out
        ids, scores = self._search(
            self.passages, "bm25", query, len(passage_ids), f"id in {[int(p) for p in passage_ids]}"
        )
        found = dict(zip(ids.tolist(), scores.tolist()))
        return np.array([found.get(int(p), 0.0) for p in passage_ids], dtype=np.float32)

    def dense_passages(self, vector: np.ndarray, depth: int) -> tuple[np.ndarray, np.ndarray]:
        ids, scores = self._search(self.passages, "dense", vector.tolist(), min(depth, len(self.index.passages)))
        return best_first_ids(ids, scores, depth, DENSE_DECIMALS)

    def dense_for(self, vector: np.ndarray, passage_ids: np.ndarray) -> np.ndarray:
        if not len(passage_ids):
            return np.zeros(0, dtype=np.float32)
        ids, scores = self._search(
            self.passages, "dense", vector.tolist(), len(passage_ids), f"id in {[int(p) for p in passage_ids]}"
        )
        found = dict(zip(ids.tolist(), scores.tolist()))
        return np.array([found[int(p)] for p in passage_ids], dtype=np.float32)

    def dense_sentences(
        self, vector: np.ndarray, depth: int, passage_ids: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        # A sentence shared by two overlapping passages is filtered by its id, not its first passage.
        flt = "" if passage_ids is None else f"id in {self.index.passage_sentence_ids(passage_ids).tolist()}"
        ids, scores = self._search(self.sentences, "dense", vector.tolist(), depth, flt)
        keep = scores > 0
        return best_first_ids(ids[keep], scores[keep], depth, DENSE_DECIMALS)
