"""Collect, per question, the candidates the answer stage could read, with
today's score, the reader's logit and whether each is a right answer
(fit.py chooses the reader settings from this, on dev only).

    PYTHONPATH=src python bench/reader_answer/collect.py seeds
    PYTHONPATH=src python bench/reader_answer/collect.py squad   # askhist squad ... --out data/squad first

Writes data/reader_answer/<name>.json. For 5 and 10 candidate passages, the
10 best candidates by today's score are read (every read-top N <= 10 is a
prefix of them); why/how questions are also read with the sentence before.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

from askhist import Assistant
from askhist.answer import reader_question, score_candidates
from askhist.evaluation.metrics import is_hit, quote_spans
from askhist.evaluation.qa import document_texts, load_qa
from askhist.reasons import WHY_QUESTION
from askhist.retrieval import Query, Retriever

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "reader_answer"
DATASETS = {
    "seeds": (ROOT / "seeds", ROOT / "index", ROOT / "eval" / "qa.jsonl"),
    "squad": (ROOT / "data/squad/docs", ROOT / "data/squad/index", ROOT / "data/squad/qa.jsonl"),
}
SQUAD_SAMPLE = (300, 150)  # answerable, unanswerable questions read (CPU budget)
READ = 10


def collect_item(assistant: Assistant, item, texts: dict[str, str]) -> dict:
    index, reader = assistant.index, assistant.reader
    settings = assistant.settings.answer
    retriever = Retriever(index, assistant.encoder, assistant.settings.retrieval)
    query = Query(item.question, "")
    vector = retriever.query_vector(query)
    hits = retriever.search(query, k=10, vector=vector)
    quotes = [(q.doc, quote_spans(texts[q.doc], q.quote)) for q in item.evidence]
    question = reader_question(query)
    logits: dict[int, float] = {}
    previous: dict[int, float] = {}
    configs = {}
    for depth in (5, 10):
        scored = score_candidates(query, vector, hits[:depth], index, retriever, settings)
        order = sorted(range(len(scored.candidates)), key=lambda i: -scored.scores[i])[:READ]
        rows = []
        for i in order:
            sid = scored.candidates[i]
            s = index.sentences[sid]
            if sid not in logits:
                logits[sid] = float(reader.score(question, [s.text])[0])
                if WHY_QUESTION.search(query.text):
                    before = index.sentences[sid - 1].text if index.sentence_follows[sid] else None
                    previous[sid] = float(reader.score(question, [s.text], before=[before])[0])
            rows.append(
                {
                    "sid": sid,
                    "text": s.text,
                    "today": float(scored.scores[i]),
                    "lexical": float(scored.lexical[i]),
                    "reader": logits[sid],
                    "reader_prev": previous.get(sid),
                    "hit": bool(item.answerable and is_hit(s.doc, s.start, s.end, s.text, quotes, item.answers)),
                    "passage": next(
                        r
                        for r, h in enumerate(hits)
                        if index.passages[h.passage].first_sentence <= sid <= index.passages[h.passage].last_sentence
                    ),
                }
            )
        configs[str(depth)] = rows
    relevant = [
        any(
            doc == index.passages[h.passage].doc
            and any(index.passages[h.passage].start < b and a < index.passages[h.passage].end for a, b in spans)
            for doc, spans in quotes
        )
        for h in hits
    ]
    return {
        "id": item.id,
        "split": item.split,
        "type": item.type,
        "question": item.question,
        "query": query.text,
        "answerable": item.answerable,
        "relevant": relevant,
        "configs": configs,
    }


def main() -> None:
    name = sys.argv[1]
    docs, index_dir, qa = DATASETS[name]
    # Questions that stand alone: follow-ups are answered by today's score (``read_followups`` = False), and how
    # one is read in its conversation is askhist.conversation's, measured by ``askhist eval``.
    items = [i for i in load_qa(qa) if not i.is_claim and not i.history]
    if name == "squad":
        rng = random.Random(0)
        answerable = [i for i in items if i.answerable]
        unanswerable = [i for i in items if not i.answerable]
        items = rng.sample(answerable, SQUAD_SAMPLE[0]) + rng.sample(unanswerable, SQUAD_SAMPLE[1])
    assistant = Assistant.load(docs=docs, index_dir=index_dir)
    texts = document_texts(docs)
    records = []
    for n, item in enumerate(items, start=1):
        records.append(collect_item(assistant, item, texts))
        if n % 25 == 0:
            print(f"{name}: {n}/{len(items)}", file=sys.stderr, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(records), encoding="utf-8")
    print(f"wrote {OUT / f'{name}.json'}: {len(records)} questions")


if __name__ == "__main__":
    main()
