"""Does batching change the int8 reader's scores, and what does each way cost?

Scores the seed dev questions against sentences of the seed essays one pair
per run (as askhist.reader does) and in padded batches of 8 and 32, and
prints the largest score differences and the milliseconds per pair.

    PYTHONPATH=src python bench/reader_study/batching.py
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from askhist.chunking import document_sentences
from askhist.reader import Reader

ROOT = Path(__file__).resolve().parents[2]


def batched(reader: Reader, question: str, texts: list[str], size: int) -> np.ndarray:
    """Scores from padded batches of ``size`` pairs."""
    tokenizer = reader._tokenizer  # a study of the reader's internals, not a use of them
    out = []
    for start in range(0, len(texts), size):
        encodings = tokenizer.encode_batch([(question, t) for t in texts[start : start + size]])
        width = max(len(e.ids) for e in encodings)
        fields = (("input_ids", "ids"), ("attention_mask", "attention_mask"), ("token_type_ids", "type_ids"))
        feed = {
            name: np.array([getattr(e, attr) + [0] * (width - len(e.ids)) for e in encodings], dtype=np.int64)
            for name, attr in fields
        }
        out.append(reader._session.run(None, feed)[0][:, 0])
    return np.concatenate(out)


def main() -> None:
    reader = Reader.load()
    items = [json.loads(line) for line in (ROOT / "eval/qa.jsonl").open()]
    questions = [i["question"] for i in items if i["split"] == "dev" and i["type"] != "claim"][:12]
    sentences = []
    for path in sorted((ROOT / "seeds").glob("*.txt")):
        sentences += [s.text for s in document_sentences(path.name, path.read_text(encoding="utf-8"))]
    texts = [s for s in sentences if len(s.split()) >= 4][:40]
    timings: dict[str, float] = {"one pair per run": 0.0, "batch 8": 0.0, "batch 32": 0.0}
    diffs: dict[str, list[float]] = {"batch 8": [], "batch 32": []}
    ranks_changed = {"batch 8": 0, "batch 32": 0}
    for question in questions:
        started = time.perf_counter()
        single = reader.score(question, texts)
        timings["one pair per run"] += time.perf_counter() - started
        for size in (8, 32):
            name = f"batch {size}"
            started = time.perf_counter()
            scores = batched(reader, question, texts, size)
            timings[name] += time.perf_counter() - started
            diffs[name] += list(np.abs(scores - single))
            ranks_changed[name] += int(np.argmax(scores) != np.argmax(single))
    pairs = len(questions) * len(texts)
    print(f"{len(questions)} questions x {len(texts)} sentences = {pairs} pairs")
    for name, seconds in timings.items():
        line = f"{name:18s} {1000 * seconds / pairs:6.2f} ms/pair"
        if name in diffs:
            d = np.array(diffs[name])
            line += (
                f"   |diff| mean {d.mean():.3f} p95 {np.percentile(d, 95):.3f} max {d.max():.3f}"
                f"   top-1 changed for {ranks_changed[name]}/{len(questions)} questions"
            )
        print(line)


if __name__ == "__main__":
    main()
