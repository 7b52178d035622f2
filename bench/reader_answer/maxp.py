"""Passage order with the reader (MaxP-lite) against today's fused order, on
the seeds' dev questions (``--split test`` to report test).

    PYTHONPATH=src python bench/reader_answer/maxp.py [--split dev|test]
"""

from __future__ import annotations

import argparse

from askhist import Assistant
from askhist.evaluation.qa import load_qa
from askhist.evaluation.runner import evaluate

METRICS = ("recall@1", "recall@5", "mrr@10", "answer_hit@1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--split", default="dev", choices=("dev", "test"))
    args = parser.parse_args()
    assistant = Assistant.load(docs="seeds", index_dir="index")
    items = [i for i in load_qa("eval/qa.jsonl") if i.split == args.split and not i.is_claim]
    print(f"| passage order ({args.split}, {len(items)} questions) | " + " | ".join(METRICS) + " |")
    print("|---|" + "---|" * len(METRICS))
    for label, promote in (("today's fused order", False), ("answer's passage first", True)):
        result = evaluate(assistant, items, {"promote_answer_passage": promote}, claims=False)
        cells = [f"{result.overall.get(m, float('nan')):.3f}" for m in METRICS]
        print(f"| {label} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
