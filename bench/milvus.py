"""``python -m bench.milvus``: ask latency and memory, embedded vs Milvus.

For each size, a recombined corpus is built as by the scaling bench (the
stand-in encoder), then two processes ask the same questions warm: one on
the embedded backend, one on the Milvus backend through Milvus Lite (a
file: the engine runs inside the process, so its memory counts there).
The first Milvus open writes the collections; that time is reported apart.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
from pathlib import Path

from .processes import BenchError, run_task
from .stats import peak_rss_mb, rss_mb
from .warm import CountingEncoder, measure_queries


def task_backend_warm(a: dict) -> dict:
    """Load the index, open the chosen backend, time ask warm."""
    from askhist import Assistant
    from askhist.assistant import Settings
    from askhist.embedding import Encoder
    from askhist.index import load_index
    from askhist.retrieval import RetrievalSettings, open_backend

    from .questions import load_questions

    index = load_index(Path(a["index"]))
    encoder = CountingEncoder(Encoder.load(a.get("model")))
    rss_before_backend = rss_mb()
    started = time.perf_counter()
    open_backend(index, a["backend"], a.get("milvus_uri", ""))  # the Milvus write happens here, once
    opened = time.perf_counter() - started
    settings = Settings(retrieval=RetrievalSettings(backend=a["backend"], milvus_uri=a.get("milvus_uri", "")))
    started = time.perf_counter()
    assistant = Assistant(index, encoder, [], settings)
    reopened = time.perf_counter() - started
    questions, claims, _ = load_questions(a.get("qa"))
    result = {
        "backend": a["backend"],
        "passages": len(index.passages),
        "sentences": len(index.sentences),
        "open_backend_first_seconds": round(opened, 3),  # Milvus: creating and filling the collections
        "open_backend_again_seconds": round(reopened, 3),  # Milvus: finding them complete
        "rss_before_backend_mb": rss_before_backend,
        "rss_after_open_mb": rss_mb(),
    }
    result.update(measure_queries(assistant, encoder, questions, claims[:0], a.get("reps", 1)))
    result["peak_rss_mb"] = peak_rss_mb()
    return result


def measure(sizes: tuple[int, ...], work: Path, docs: Path, qa: Path, model: str | None, log) -> list[dict]:
    from .corpus import make_corpus

    rows = []
    for size in sizes:
        corpus_dir = work / f"corpus-{size}"
        log(f"{size:,} passages: corpus and index")
        make_corpus(corpus_dir, size, seed=0, source=docs)
        index = corpus_dir / "index"
        run_task(
            "scale_build",
            {"docs": str(corpus_dir / "docs"), "index": str(index), "model": model, "seeds": str(docs),
             "table": str(work / "seed-sentence-vectors.npz")},
            timeout=1800,
        )
        common = {"index": str(index), "model": model, "qa": str(qa) if qa.is_file() else None, "reps": 1}
        for backend in ("embedded", "milvus"):
            log(f"{size:,} passages: ask on the {backend} backend")
            uri = str(work / f"milvus-{size}.db")
            shutil.rmtree(uri, ignore_errors=True)
            Path(uri).unlink(missing_ok=True)
            rows.append(run_task("backend_warm", {**common, "backend": backend, "milvus_uri": uri}, timeout=3600))
    return rows


def table(rows: list[dict]) -> str:
    """The README's table: one line per size and backend."""
    lines = [
        "| passages | sentences | backend | ask p50 ms | ask p95 ms | dense search p50 ms | bm25 p50 ms "
        "| first open s | peak RSS MB |",
        "|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        stages = r["ask_stages"]
        lines.append(
            f"| {r['passages']:,} | {r['sentences']:,} | {r['backend']} | {r['ask']['p50_ms']:.0f} "
            f"| {r['ask']['p95_ms']:.0f} | {stages.get('dense_search', {}).get('p50_ms', 0):.1f} "
            f"| {stages.get('bm25', {}).get('p50_ms', 0):.1f} | {r['open_backend_first_seconds']:.1f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.milvus", description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000", help="passages, comma-separated (default: 1000,10000)")
    parser.add_argument("--out", type=Path, default=Path("bench/results"), help="folder for milvus.json")
    parser.add_argument("--docs", type=Path, default=Path("seeds"))
    parser.add_argument("--qa", type=Path, default=Path("eval/qa.jsonl"))
    parser.add_argument("--model")
    args = parser.parse_args(argv)
    try:
        sizes = tuple(int(s) for s in args.sizes.split(","))
    except ValueError:
        print(f"bench: --sizes takes whole numbers separated by commas, not {args.sizes!r}", file=sys.stderr)
        return 2
    work = args.out / "work-milvus"
    work.mkdir(parents=True, exist_ok=True)
    try:
        rows = measure(sizes, work, args.docs, args.qa, args.model, lambda m: print(f"bench: {m}", file=sys.stderr))
    except BenchError as exc:
        print(f"bench: {exc}", file=sys.stderr)
        return 1
    (args.out / "milvus.json").write_text(json.dumps(rows, indent=1), encoding="utf-8")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
