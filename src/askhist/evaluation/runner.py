"""Running the assistant over a QA set and summarising what it did.

    from askhist.evaluation import load_qa, evaluate
    result = evaluate(assistant, load_qa("eval/qa.jsonl"), {"abstain_below": 0.4})
    print(result.overall["recall@5"], result.by_type["why"]["answer_hit@1"])

Questions go through ``assistant.ask`` (follow-ups with their history),
claims through ``assistant.check``. Every record keeps what was returned, so
the report can show what was retrieved instead of the gold evidence.

Why this module is over 400 lines: the question and claim records, their
summaries and the run that fills them change together whenever a metric is
added; the metrics themselves live in :mod:`askhist.evaluation.metrics`.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from ..assistant import Assistant, InputError, Settings
from ..claims import CONTRADICTED, PARTLY, SUPPORTED
from ..frontend import percentile
from ..retrieval import RetrievalSettings
from ..scoring import AnswerSettings
from .metrics import (
    RANK_DEPTH,
    RECALL_KS,
    covers,
    evidence_recall,
    is_hit,
    mean,
    precision_recall_f1,
    quote_spans,
    ranx_rank_metrics,
)
from .qa import RELATED_SUFFIX, QAItem, document_texts

Override = Settings | AnswerSettings | RetrievalSettings | dict | None


@dataclass
class QuestionRecord:
    """What the assistant did with one question, and how it scored."""

    id: str
    split: str
    type: str
    question: str
    history: list[str]
    answers: list[str]
    abstained: bool
    answer: dict | None  # the best sentence: text, doc, start, end, score
    passages: list[dict]  # top 10: doc, title, location, start, end, score, text, relevant
    covered_at: list[int | None]  # per gold quote: rank of the first passage covering it
    n_relevant: int  # passages of the whole collection covering a gold quote
    hit: bool | None  # best sentence overlaps gold evidence or holds a key phrase (None: unanswerable)
    hit_any: bool | None  # any sentence of the answer (up to 3) does
    citation_errors: list[str]
    n_spans: int
    latency_ms: float
    context: str = ""
    resolved_context: str = ""  # what a follow-up was searched with ("" when read on its own)
    self_contained: bool | None = None  # gold: a mid-conversation question that must not be rewritten
    mrr: float | None = None
    ndcg: float | None = None
    error: str = ""

    @property
    def answerable(self) -> bool:
        return self.type != "unanswerable"

    @property
    def ranked(self) -> bool:
        return bool(self.covered_at)

    def evidence_in_top(self, k: int) -> bool:
        return any(r is not None and r <= k for r in self.covered_at)


@dataclass
class ClaimRecord:
    id: str
    split: str
    claim: str
    sources: list[dict]  # key, title, predicted, gold, score, evidence
    citation_errors: list[str]
    n_spans: int
    latency_ms: float
    type: str = "claim"

    def counts(self, level: str | None = None) -> tuple[int, int, int]:
        """(tp, fp, fn) over this claim's sources; ``level`` "supported"
        counts only that level as positive (default: any support), and
        "contradicts" the sources that contradict the claim."""
        tp = fp = fn = 0
        for s in self.sources:
            if level == "contradicts":
                if s.get("gold_label") is None:
                    continue  # older claims label only supporting sources: the rest is unknown
                predicted, gold = s["predicted"] == CONTRADICTED, s["gold_label"] == "contradicts"
            elif level is None:
                predicted, gold = s["predicted"] in (SUPPORTED, PARTLY), s["gold"] is not None
            else:
                predicted, gold = s["predicted"] == level, s["gold"] == level
            tp += predicted and gold
            fp += predicted and not gold
            fn += gold and not predicted
        return tp, fp, fn


@dataclass
class EvalResult:
    name: str
    settings: dict
    questions: list[QuestionRecord]
    claims: list[ClaimRecord]
    overall: dict = field(default_factory=dict)
    by_type: dict[str, dict] = field(default_factory=dict)
    by_split: dict[str, dict] = field(default_factory=dict)

    def to_dict(self, records: bool = True) -> dict:
        out = {
            "name": self.name,
            "settings": self.settings,
            "overall": self.overall,
            "by_type": self.by_type,
            "by_split": self.by_split,
        }
        if records:
            out["questions"] = [dataclasses.asdict(q) for q in self.questions]
            out["claims"] = [dataclasses.asdict(c) for c in self.claims]
        return out


def summarise(questions: Sequence[QuestionRecord], claims: Sequence[ClaimRecord]) -> dict:
    """All metrics over a set of records (None where nothing was measured)."""
    ranked = [q for q in questions if q.ranked]
    out: dict = {"questions": len(questions), "ranked": len(ranked)}
    for k in RECALL_KS:
        out[f"recall@{k}"] = mean(evidence_recall(q.covered_at, k) for q in ranked)
    out["mrr@10"] = mean(q.mrr or 0.0 for q in ranked)
    out["ndcg@10"] = mean(q.ndcg or 0.0 for q in ranked)
    with_answers = [q for q in questions if q.hit is not None]
    out["answer_hit@1"] = mean(q.hit for q in with_answers)
    out["answer_hit@3"] = mean(bool(q.hit_any) for q in with_answers)
    unanswerable = [q for q in questions if not q.answerable]
    answerable = [q for q in questions if q.answerable]
    out["answerable"], out["unanswerable"] = len(answerable), len(unanswerable)
    out["abstention_rate"] = mean(q.abstained for q in unanswerable)
    out["false_abstention_rate"] = mean(q.abstained for q in answerable)
    # Counts, for the gate: a rate over 13 unanswerable questions has no room for one item of noise.
    out["missed_abstentions"] = sum(not q.abstained for q in unanswerable)
    out["false_abstentions"] = sum(q.abstained for q in answerable)
    tp, fp, fn = (sum(c.counts()[i] for c in claims) for i in range(3))
    prf = precision_recall_f1(tp, fp, fn) if claims else {"precision": None, "recall": None, "f1": None}
    out.update({f"claim_{k}": v for k, v in prf.items()})
    tp, fp, fn = (sum(c.counts("supported")[i] for c in claims) for i in range(3))
    out["claim_supported_f1"] = precision_recall_f1(tp, fp, fn)["f1"] if claims else None
    tp, fp, fn = (sum(c.counts("contradicts")[i] for c in claims) for i in range(3))
    contradiction = precision_recall_f1(tp, fp, fn) if claims else {"precision": None, "recall": None}
    out["contradiction_precision"], out["contradiction_recall"] = contradiction["precision"], contradiction["recall"]
    # A follow-up's self-contained question (gold) that was read as one anyway.
    standalone = [q for q in questions if q.self_contained]
    out["self_contained"] = len(standalone)
    out["wrongly_rewritten"] = sum(bool(q.resolved_context) for q in standalone)
    spans = sum(r.n_spans for r in [*questions, *claims])
    bad = sum(len(r.citation_errors) for r in [*questions, *claims])
    out["citation_exactness"] = (spans - bad) / spans if spans else None
    latencies = [q.latency_ms for q in questions]
    out["latency_p50_ms"] = percentile(latencies, 50)
    out["latency_p95_ms"] = percentile(latencies, 95)
    out["claims"] = len(claims)
    return out


def settings_with(base: Settings, override: Override) -> Settings:
    """``base`` with an override: whole settings objects, or a dict of
    RetrievalSettings / AnswerSettings field names to values."""
    if override is None:
        return base
    if isinstance(override, Settings):
        return override
    if isinstance(override, AnswerSettings):
        return dataclasses.replace(base, answer=override)
    if isinstance(override, RetrievalSettings):
        return dataclasses.replace(base, retrieval=override)
    retrieval_fields = {f.name for f in dataclasses.fields(RetrievalSettings)}
    answer_fields = {f.name for f in dataclasses.fields(AnswerSettings)}
    unknown = set(override) - retrieval_fields - answer_fields
    if unknown:
        raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
    retrieval = {k: v for k, v in override.items() if k in retrieval_fields}
    answer = {k: v for k, v in override.items() if k in answer_fields}
    return dataclasses.replace(
        base,
        retrieval=dataclasses.replace(base.retrieval, **retrieval),
        answer=dataclasses.replace(base.answer, **answer),
    )


class CachedEncoder:
    """An encoder that remembers the vectors of texts it has encoded, so
    ablation and calibration runs encode each question once. With
    ``reuse=False`` it only records (a timed run must pay for its encoding);
    set ``reuse`` afterwards to serve the recorded vectors."""

    def __init__(self, encoder, reuse: bool = True) -> None:
        self._encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}
        self.reuse = reuse

    def __getattr__(self, name: str):
        return getattr(self._encoder, name)

    def encode(self, texts: Sequence[str], **kwargs) -> np.ndarray:
        missing = [t for t in dict.fromkeys(texts) if not self.reuse or t not in self._vectors]
        if missing:
            for text, vector in zip(missing, self._encoder.encode(missing, **kwargs)):
                self._vectors[text] = vector
        if not texts:
            return self._encoder.encode(texts, **kwargs)
        return np.stack([self._vectors[t] for t in texts])


def variant(assistant: Assistant, override: Override, encoder=None) -> Assistant:
    """The same index and model with other settings: no re-indexing."""
    settings = settings_with(assistant.settings, override)
    encoder = encoder or assistant.encoder
    return Assistant(assistant.index, encoder, assistant.doc_dirs, settings, reader=assistant.reader)


class _Collection:
    """The texts on disk and the index's passage table, for relevance and citations."""

    def __init__(self, assistant: Assistant) -> None:
        self.index = assistant.index
        self.texts = document_texts(*assistant.doc_dirs) if assistant.doc_dirs else {}
        self.passage_ids = {(p.doc, p.start, p.end): i for i, p in enumerate(self.index.passages)}

    def passage_id(self, doc: str, start: int, end: int) -> str:
        return str(self.passage_ids.get((doc, start, end), f"{doc}:{start}-{end}"))

    def quote_spans(self, item: QAItem) -> list[tuple[str, list[tuple[int, int]]]]:
        return [(q.doc, quote_spans(self.texts.get(q.doc, ""), q.quote)) for q in item.evidence]

    def relevant_passages(self, quotes: list[tuple[str, list[tuple[int, int]]]]) -> set[str]:
        return {
            str(i)
            for i, p in enumerate(self.index.passages)
            if any(doc == p.doc and any(covers((p.start, p.end), s) for s in spans) for doc, spans in quotes)
        }

    def citation_errors(self, spans: list[tuple[str, int, int, str]]) -> list[str]:
        errors = []
        for doc, start, end, text in spans:
            on_disk = self.texts.get(doc)
            if on_disk is None:
                errors.append(f"{doc} is not on disk")
            elif on_disk[start:end] != text:
                errors.append(f"{doc} [{start}:{end}] does not reproduce {text[:60]!r}")
        return errors


def _ask_record(assistant: Assistant, item: QAItem, collection: _Collection) -> QuestionRecord:
    quotes = collection.quote_spans(item)
    started = time.perf_counter()
    error = ""
    try:
        answer = assistant.ask(item.question, history=list(item.history), top_k=RANK_DEPTH)
    except InputError as exc:
        answer, error = None, str(exc)
    latency = (time.perf_counter() - started) * 1000
    passages = []
    covered_at: list[int | None] = [None] * len(quotes)
    for rank, p in enumerate(answer.passages if answer else (), start=1):
        relevant = False
        for n, (doc, spans) in enumerate(quotes):
            if doc == p.doc and any(covers((p.start, p.end), s) for s in spans):
                relevant = True
                covered_at[n] = covered_at[n] or rank
        passages.append(
            {
                "id": collection.passage_id(p.doc, p.start, p.end),
                "doc": p.doc,
                "title": p.title,
                "location": p.location,
                "start": p.start,
                "end": p.end,
                "score": round(float(p.score), 6),
                "text": p.text,
                "relevant": relevant,
            }
        )
    best = answer.sentences[0] if answer and answer.sentences and not answer.abstained else None

    def right(sentence) -> bool:
        return is_hit(sentence.doc, sentence.start, sentence.end, sentence.text, quotes, item.answers)

    abstained = answer is None or answer.abstained
    spans = [(s.doc, s.start, s.end, s.text) for s in (answer.sentences if answer else ())]
    spans += [(p["doc"], p["start"], p["end"], p["text"]) for p in passages]
    return QuestionRecord(
        id=item.id,
        split=item.split,
        type=item.type,
        question=item.question,
        history=list(item.history),
        answers=list(item.answers),
        abstained=abstained,
        answer=None
        if best is None
        else {"text": best.text, "doc": best.doc, "start": best.start, "end": best.end, "score": best.score},
        passages=passages,
        covered_at=covered_at,
        n_relevant=len(collection.relevant_passages(quotes)) if quotes else 0,
        hit=None if not item.answerable else (best is not None and right(best)),
        hit_any=None if not item.answerable else (not abstained and any(right(s) for s in answer.sentences)),
        citation_errors=collection.citation_errors(spans),
        n_spans=len(spans),
        latency_ms=latency,
        context=answer.context if answer else "",
        resolved_context=answer.resolved_context if answer else "",
        self_contained=item.self_contained,
        error=error,
    )


def _claim_record(assistant: Assistant, item: QAItem, collection: _Collection) -> ClaimRecord:
    started = time.perf_counter()
    report = assistant.check(item.question)
    latency = (time.perf_counter() - started) * 1000
    sources: dict[str, dict] = {}
    spans = []
    for s in report.sources:
        key = s.doc if s.section == "main" else s.doc + RELATED_SUFFIX
        evidence = None
        if s.evidence is not None:
            evidence = {"text": s.evidence.text, "start": s.evidence.start, "end": s.evidence.end}
            spans.append((s.doc, s.evidence.start, s.evidence.end, s.evidence.text))
        sources[key] = {
            "key": key,
            "title": s.title,
            "predicted": s.support,
            "gold": item.gold_support(key),
            "gold_label": item.supports.get(key),  # supported, partly, contradicts, silent or None
            "score": round(float(s.score), 6),
            "evidence": evidence,
            "note": s.note,
        }
    for key in item.supports:  # a gold source the check did not report at all
        level = item.gold_support(key)
        if level is None and item.supports.get(key) != "contradicts":
            continue
        sources.setdefault(
            key,
            {
                "key": key,
                "title": "",
                "predicted": "not found",
                "gold": level,
                "gold_label": item.supports.get(key),
                "score": None,
                "evidence": None,
            },
        )
    return ClaimRecord(
        id=item.id,
        split=item.split,
        claim=item.question,
        sources=list(sources.values()),
        citation_errors=collection.citation_errors(spans),
        n_spans=len(spans),
        latency_ms=latency,
    )


def evaluate(
    assistant: Assistant,
    items: Sequence[QAItem],
    settings_override: Override = None,
    *,
    name: str = "default",
    claims: bool = True,
    encoder=None,
) -> EvalResult:
    """Ask every question (and check every claim) and compute the metrics,
    overall, per question type and per split."""
    target = variant(assistant, settings_override, encoder) if settings_override or encoder else assistant
    collection = _Collection(target)
    questions = [i for i in items if not i.is_claim]
    # The first call pays one-off costs (thread pools, caches): keep it out of the latencies.
    target.ask("Which sources cover this collection?")
    question_records = [_ask_record(target, item, collection) for item in questions]
    claim_records = [_claim_record(target, i, collection) for i in items if i.is_claim] if claims else []
    qrels = {q.id: collection.relevant_passages(collection.quote_spans(i)) for q, i in zip(question_records, questions)}
    ranks = ranx_rank_metrics({q.id: [p["id"] for p in q.passages] for q in question_records if q.ranked}, qrels)
    for q in question_records:
        if q.id in ranks:
            q.mrr, q.ndcg = ranks[q.id]["mrr@10"], ranks[q.id]["ndcg@10"]
    settings = target.settings
    result = EvalResult(
        name=name,
        settings={"retrieval": dataclasses.asdict(settings.retrieval), "answer": dataclasses.asdict(settings.answer)},
        questions=question_records,
        claims=claim_records,
    )
    result.overall = summarise(question_records, claim_records)
    types = sorted({r.type for r in [*question_records, *claim_records]})
    result.by_type = {
        t: summarise([q for q in question_records if q.type == t], [c for c in claim_records if c.type == t])
        for t in types
    }
    result.by_split = {
        s: summarise([q for q in question_records if q.split == s], [c for c in claim_records if c.split == s])
        for s in sorted({r.split for r in [*question_records, *claim_records]})
    }
    return result


ABLATION_VARIANTS: tuple[tuple[str, dict], ...] = (
    ("bm25", {"fusion": "bm25"}),
    ("dense", {"fusion": "dense"}),
    ("rrf", {"fusion": "rrf"}),
    ("weighted a=0.3", {"fusion": "weighted", "alpha": 0.3}),
    ("weighted a=0.5", {"fusion": "weighted", "alpha": 0.5}),
    ("weighted a=0.7", {"fusion": "weighted", "alpha": 0.7}),
)


def ablation(
    assistant: Assistant,
    items: Sequence[QAItem],
    variants: Sequence[tuple[str, Override]] = ABLATION_VARIANTS,
    encoder=None,
    default: EvalResult | None = None,
) -> list[EvalResult]:
    """The questions under each retrieval variant (claims don't depend on
    fusion, so they are skipped). Question vectors are computed once. A
    variant equal to the assistant's own settings reuses ``default``."""
    encoder = encoder or CachedEncoder(assistant.encoder)
    results = []
    for name, override in variants:
        if default is not None and settings_with(assistant.settings, override) == assistant.settings:
            results.append(dataclasses.replace(default, name=f"{name} (default)"))
        else:
            results.append(evaluate(assistant, items, override, name=name, claims=False, encoder=encoder))
    return results
