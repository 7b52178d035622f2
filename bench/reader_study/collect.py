"""Collect, per question, today's answer and every candidate sentence of the
top passages with today's score and the reader's scores (the slow part of the
study; analyse.py works from its output).

    PYTHONPATH=src python bench/reader_study/collect.py seeds   # eval/qa.jsonl on seeds/
    PYTHONPATH=src python bench/reader_study/collect.py squad   # the SQuAD 2.0 sample (askhist squad first)

Writes data/reader_study/<name>.json. Retrieval is the current pipeline's,
through the public API (Assistant, Retriever, Scorer).
"""

from __future__ import annotations

import json
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

from askhist import Assistant
from askhist.answer import reader_question
from askhist.chunking import is_statement
from askhist.evaluation.metrics import covers, quote_spans
from askhist.evaluation.qa import load_qa
from askhist.reader import Reader
from askhist.retrieval import Query, Retriever
from askhist.scoring import Scorer
from askhist.text import normalize

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "data" / "reader_study"
DEPTH = 10  # passages whose sentences are read
WHY_HOW = re.compile(r"\bwhy\b|\bhow\b|\breasons?\b|\bexplain\b", re.IGNORECASE)
DATASETS = {
    "seeds": (ROOT / "seeds", ROOT / "data" / "seeds_index", ROOT / "eval" / "qa.jsonl"),
    "squad": (ROOT / "data/squad/docs", ROOT / "data/squad/index", ROOT / "data/squad/qa.jsonl"),
}
SQUAD_SAMPLE = (200, 100)  # answerable, unanswerable questions read (CPU budget of the study)


def phrase_hit(sentence: str, phrases: list[str]) -> bool:
    """A key phrase inside the sentence on word boundaries ("Mao" is not in "Maoist")."""
    text = " ".join(normalize(sentence).split())
    for phrase in phrases:
        p = " ".join(normalize(phrase).split())
        if p and re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text):
            return True
    return False


def quote_hit(doc: str, start: int, end: int, quotes: list[tuple[str, list[tuple[int, int]]]]) -> bool:
    """The sentence and a gold quote overlap by at least half of the shorter."""
    for qdoc, spans in quotes:
        for a, b in spans:
            overlap = min(end, b) - max(start, a)
            if qdoc == doc and overlap > 0 and overlap >= 0.5 * min(end - start, b - a):
                return True
    return False


def collect_item(assistant: Assistant, reader: Reader, item, texts: dict[str, str], read_context: bool) -> dict:
    index = assistant.index
    retriever = Retriever(index, assistant.encoder, assistant.settings.retrieval)  # the same as ask() uses
    started = time.perf_counter()
    answer = assistant.ask(item.question, history=list(item.history))
    ask_ms = 1000 * (time.perf_counter() - started)
    query = Query(item.question, "")
    vector = retriever.query_vector(query)
    hits = retriever.search(query, k=DEPTH, vector=vector)
    quotes = [(q.doc, quote_spans(texts[q.doc], q.quote)) for q in item.evidence]
    passages = [index.passages[h.passage] for h in hits]
    relevant = [
        any(doc == p.doc and any(covers((p.start, p.end), span) for span in spans) for doc, spans in quotes)
        for p in passages
    ]
    candidates, ranks, context = [], [], []
    for rank, (hit, passage) in enumerate(zip(hits, passages)):
        cosine = float(index.passage_vectors.reconstruct(hit.passage) @ vector)
        for sid in range(passage.first_sentence, passage.last_sentence + 1):
            if sid not in candidates and is_statement(index.sentences[sid]):
                candidates.append(sid)
                ranks.append(rank)
                context.append(cosine)
    scorer = Scorer(index, retriever, assistant.settings.answer)
    features = scorer.features(
        candidates, vector, scorer.weighted_terms(query), np.array(context, dtype=np.float32), query.text
    )
    today = features @ assistant.settings.answer.feature_weights()
    question = reader_question(query)
    sentences = [index.sentences[s].text for s in candidates]
    follows = index.sentence_follows
    before = [index.sentences[s - 1].text if follows[s] else None for s in candidates]
    after = [
        index.sentences[s + 1].text if s + 1 < len(index.sentences) and follows[s + 1] else None for s in candidates
    ]
    started = time.perf_counter()
    reader_scores = reader.score(question, sentences)
    read_ms = 1000 * (time.perf_counter() - started)
    variants = {}
    if read_context:
        variants = {
            "prev": reader.score(question, sentences, before=before).tolist(),
            "next": reader.score(question, sentences, after=after).tolist(),
            "both": reader.score(question, sentences, before=before, after=after).tolist(),
        }
    best = answer.sentences[0] if answer.sentences and not answer.abstained else None
    return {
        "id": item.id,
        "split": item.split,
        "type": item.type,
        "question": item.question,
        "answerable": item.answerable,
        "answers": list(item.answers),
        "ask_ms": ask_ms,
        "read_ms": read_ms,
        "today": {
            "abstained": answer.abstained,
            "text": best.text if best else "",
            "hit": bool(best) and phrase_hit(best.text, item.answers),
            "quote_hit": bool(best) and quote_hit(best.doc, best.start, best.end, quotes),
            "score": best.score if best else None,
        },
        "relevant": relevant,
        "candidates": [
            {
                "sid": sid,
                "rank": rank,
                "text": s.text,
                "features": features[i].tolist(),
                "today": float(today[i]),
                "reader": float(reader_scores[i]),
                **{f"reader_{k}": v[i] for k, v in variants.items()},
                "hit": phrase_hit(s.text, item.answers),
                "quote_hit": quote_hit(s.doc, s.start, s.end, quotes),
            }
            for i, (sid, rank) in enumerate(zip(candidates, ranks))
            for s in [index.sentences[sid]]
        ],
    }


def main() -> None:
    name = sys.argv[1]
    docs, index_dir, qa = DATASETS[name]
    # Questions that stand alone, as in bench/reader_answer/collect.py (follow-ups: askhist eval).
    items = [i for i in load_qa(qa) if not i.is_claim and not i.history]
    if name == "squad":
        rng = random.Random(0)
        answerable = [i for i in items if i.answerable]
        unanswerable = [i for i in items if not i.answerable]
        items = rng.sample(answerable, SQUAD_SAMPLE[0]) + rng.sample(unanswerable, SQUAD_SAMPLE[1])
    assistant = Assistant.load(docs=docs, index_dir=index_dir)
    reader = Reader.load()
    texts = {path.name: path.read_text(encoding="utf-8") for path in Path(docs).glob("*.txt")}
    records = []
    for n, item in enumerate(items, start=1):
        read_context = name == "seeds" or bool(WHY_HOW.search(item.question))
        records.append(collect_item(assistant, reader, item, texts, read_context))
        if n % 20 == 0:
            print(f"{name}: {n}/{len(items)}", file=sys.stderr, flush=True)
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{name}.json").write_text(json.dumps(records), encoding="utf-8")
    print(f"wrote {OUT / f'{name}.json'}: {len(records)} questions")


if __name__ == "__main__":
    main()
