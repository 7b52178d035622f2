"""The benchmark runs end to end (``python -m bench --quick``, as CI does)
and reports sane figures; plus the performance changes it measures keep
results the same.

No timing assertions: CI machines are too noisy for them.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _positive(value) -> bool:
    return isinstance(value, (int, float)) and value > 0


@pytest.fixture(scope="module")
def quick_results(tmp_path_factory) -> dict:
    out = tmp_path_factory.mktemp("bench")
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(out), "--docs", str(ROOT / "seeds")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert "| measure | askhist | naive baseline |" in done.stdout
    return json.loads((out / "bench.json").read_text(encoding="utf-8"))


def test_quick_bench_reports_every_section(quick_results):
    r = quick_results
    assert r["quick"] is True
    for key in ("machine", "build", "warm", "baseline", "cold_cli", "scaling", "targets", "bench_seconds"):
        assert key in r, key
    assert [entry["target_passages"] for entry in r["scaling"]] == [1000]


def test_quick_bench_latencies_are_positive(quick_results):
    warm, baseline = quick_results["warm"], quick_results["baseline"]
    for result in (warm, baseline):
        assert result["ask"]["n"] > 0
        assert _positive(result["ask"]["p50_ms"])
        assert result["ask"]["p95_ms"] >= result["ask"]["p50_ms"]
    for result in (warm, baseline):  # askhist's own timings, and the baseline's under the same names
        for stage in ("query_encoding", "bm25", "dense_search", "fusion", "answer_selection", "total"):
            assert result["ask_stages"][stage]["n"] == result["ask"]["n"]
            assert result["ask_stages"][stage]["p50_ms"] >= 0
    for stage in ("query_encoding", "claim_scoring", "total"):
        assert warm["check_stages"][stage]["n"] == warm["check"]["n"]
    assert _positive(warm["check"]["p50_ms"])
    assert _positive(warm["peak_rss_mb"])
    assert warm["concurrent"]["questions_per_second"] > 0


def test_quick_bench_build_and_incremental_update(quick_results):
    build = quick_results["build"]
    assert build["passages"] > 0 and build["texts_encoded"] > 0
    assert _positive(build["build_seconds"]) and _positive(build["raw_encode_seconds"])
    assert _positive(build["build_over_raw_encoder"])
    assert set(build["build_stages"]) == {"chunking", "encoding", "bm25", "writing"}
    assert sum(build["build_stages"].values()) <= build["build_seconds"]
    added = build["add_document"]
    # Only the new document's texts are encoded when it is added; the rest come from the cache.
    assert added["only_new_texts_encoded"] is True
    assert 0 < added["encoded_now"] <= added["new_passages"] + added["new_sentences"]
    assert added["reused_from_cache"] == build["texts_encoded"]  # every text of the seeds, from the cache


def test_quick_bench_cold_start_scaling_and_guards(quick_results):
    r = quick_results
    assert _positive(r["cold_cli"]["seconds"]) and _positive(r["cold_cli"]["peak_rss_mb"])
    entry = r["scaling"][0]
    assert entry["build"]["passages"] >= 1000
    assert _positive(entry["build"]["build_seconds_excluding_encoding"])
    assert entry["build"]["build_stages"]["encoding"] >= entry["build"]["synthetic_vector_seconds"]
    assert _positive(entry["query"]["ask"]["p50_ms"]) and _positive(entry["query"]["peak_rss_mb"])
    assert _positive(entry["baseline"]["ask"]["p50_ms"])
    work = r["warm"]["per_query_work"]
    assert work["bm25_statistics_built_during_queries"] == 0
    assert work["max_texts_encoded_per_ask"] <= 2
    names = {t["target"] for t in r["targets"]}
    assert "warm ask p50 (seed collection)" in names
    serve = r.get("cold_serve", {})
    if "http_ready_seconds" in serve:
        assert _positive(serve["http_ready_seconds"])


def test_corpus_is_deterministic(tmp_path):
    from bench.corpus import make_corpus

    a = make_corpus(tmp_path / "a", 200, seed=3, source=ROOT / "seeds")
    b = make_corpus(tmp_path / "b", 200, seed=3, source=ROOT / "seeds")
    assert a == b and a["passages"] >= 200
    files = sorted(p.name for p in (tmp_path / "a" / "docs").iterdir())
    assert files == sorted(p.name for p in (tmp_path / "b" / "docs").iterdir())
    for name in files:
        assert (tmp_path / "a" / "docs" / name).read_bytes() == (tmp_path / "b" / "docs" / name).read_bytes()


def test_numpy_encoder_matches_sentence_transformers(encoder):
    """Questions are encoded in NumPy; the index by sentence-transformers.
    Both must give the same vectors."""
    from askhist.chunking import ChunkingParams
    from askhist.documents import load_documents
    from askhist.embedding import Encoder
    from askhist.index import chunk_documents

    sentences, passages = chunk_documents(load_documents(ROOT / "seeds"), ChunkingParams())
    texts = ["Why did Trotsky lose?", "", "“Curly” quotes — dashes, café, 日本", "word " * 400]
    texts += [p.text for p in passages[:20]] + [s.text for s in sentences[:40]]
    fast = Encoder.load()
    assert fast._fast is not None, "the packaged model should use the NumPy encoder"
    quick = np.concatenate([fast.encode(texts[i : i + 4]) for i in range(0, len(texts), 4)])
    reference = Encoder.load(fast=False).encode(texts)
    assert quick.dtype == np.float32 and quick.shape == reference.shape
    assert np.abs(quick - reference).max() < 1e-5


def test_loading_the_encoder_does_not_import_torch():
    code = "import sys; from askhist.embedding import Encoder; Encoder.load(); print('torch' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr[-2000:]


def test_build_encodes_in_length_order_but_keeps_text_order(encoder):
    from askhist.index import encode_batches

    texts = ["short one", "a much longer text " * 20, "middle length text here", "x"]
    together = encode_batches(encoder, texts, None, batch_size=2)
    for text, vector in zip(texts, together):
        assert np.abs(vector - encoder.encode([text])[0]).max() < 1e-5


def test_quick_bench_measures_serve_memory_and_the_server_keeps_none_of_the_build(quick_results):
    first, restart = quick_results["serve_memory"]["first_start"], quick_results["serve_memory"]["restart"]
    assert _positive(first["children_peak_rss_mb"]) and _positive(first["server_peak_rss_mb"])
    assert first["server_peak_rss_mb"] < first["children_peak_rss_mb"]  # the build's memory was the child's
    assert restart["children_peak_rss_mb"] == 0  # nothing to build on a restart
    assert _positive(restart["server_peak_rss_mb"]) and _positive(restart["rss_mb"])
