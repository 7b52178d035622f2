"""Answers: choose verbatim sentences, cite them, or abstain; check claims.

Every sentence askhist shows is a span of a source file, scored against the
question by meaning (cosine of sentence and question vectors, both computed
ahead: sentence vectors at index time) and by words (the share of the
question's IDF weight the sentence covers). When the best sentence scores
below the abstention threshold, the assistant says the sources don't answer
and still shows the nearest passages.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field

import numpy as np

from .chunking import Sentence
from .cleaning import MAIN, section_label
from .index import Index
from .retrieval import Hit, Query, Retriever

SUPPORTED = "supported"
PARTLY = "partly supported"
NOT_FOUND = "not found"
NO_ANSWER = "The sources don't answer this question. The passages below are the closest they come."
NO_STATEMENT = (
    "The closest passages hold no sentence that could answer this (only titles, headings or questions). "
    "The passages below are the closest they come."
)
_QUESTION_START = re.compile(
    r"^(?:why|how|what|who|whom|when|where|which|did|does|do|is|are|was|were|can|could)\b", re.IGNORECASE
)
_NUMBER = re.compile(r"\b\d{3,4}\b")
_YEAR = re.compile(r"\b1[0-9]{3}\b|\b20[0-9]{2}\b")
_WHEN_QUESTION = re.compile(r"\bwhen\b|\bwhat year\b|\bwhich year\b|\bhow long\b", re.IGNORECASE)
_WHY_QUESTION = re.compile(r"\bwhy\b|\bhow\b|\breasons?\b|\bexplain\b", re.IGNORECASE)
# Generic causal cues only: words picked from the evaluation's answers would score the test set, not causes.
_CAUSE = re.compile(
    r"\b(?:because|since|due to|owing to|led to|leads? to|leading to|results?|resulted|as a result|reasons?|"
    r"so that|therefore|thus|hence|caused|causes|consequently)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AnswerSettings:
    """Scoring weights and thresholds, calibrated on the dev questions
    (see README, "How the thresholds were chosen")."""

    dense_weight: float = 0.4
    lexical_weight: float = 0.4
    context_weight: float = 0.0  # cosine of the passage around the sentence
    unknown_penalty: float = 1.0  # per share of question weight in words no source uses
    answer_type_weight: float = 0.1  # a year for "when", a causal word for "why"/"how"
    novelty_weight: float = 0.1  # favour sentences that add words the question lacks
    previous_weight: float = 0.0  # cosine of the sentence before: "He was..." after "Trotsky..."
    related_penalty: float = 0.0  # snippets of other essays rank below a source's own text

    def claim_weights(self) -> np.ndarray:
        """Claim support is judged on meaning and shared words only."""
        weights = np.zeros(8, dtype=np.float32)
        weights[:2] = (self.claim_dense_weight, self.claim_lexical_weight)
        return weights

    def weights(self) -> np.ndarray:
        """Weights of the columns of ``Scorer.features``, in order."""
        return np.array(
            [
                self.dense_weight,
                self.lexical_weight,
                self.context_weight,
                -self.unknown_penalty,
                self.answer_type_weight,
                self.novelty_weight,
                self.previous_weight,
                -self.related_penalty,
            ],
            dtype=np.float32,
        )

    abstain_below: float = 0.0
    max_sentences: int = 3
    keep_within: float = 0.85  # further sentences need this share of the best score
    candidate_passages: int = 5
    duplicate_overlap: float = 0.6
    claim_dense_weight: float = 0.4
    claim_lexical_weight: float = 0.6
    claim_supported: float = 0.55
    claim_partly: float = 0.47


@dataclass(frozen=True)
class AnswerSentence:
    """One quoted sentence of an answer, with its citation number."""

    text: str
    doc: str
    title: str
    start: int
    end: int
    citation: int
    location: str
    score: float


@dataclass(frozen=True)
class PassageResult:
    """A retrieved passage, with the answer's sentences inside it to highlight."""

    doc: str
    title: str
    start: int
    end: int
    text: str
    score: float
    location: str
    highlights: tuple[tuple[int, int], ...] = ()  # spans in file offsets


@dataclass(frozen=True)
class Answer:
    """The assistant's reply to one question."""

    question: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...]
    passages: tuple[PassageResult, ...]
    message: str = ""
    context: str = ""  # the earlier question a follow-up was read with

    @property
    def text(self) -> str:
        """The answer as plain text with [n] markers."""
        if self.abstained:
            return self.message
        return " ".join(f"{s.text} [{s.citation}]" for s in self.sentences)

    def to_dict(self) -> dict:
        best = self.sentences[0] if self.sentences and not self.abstained else None
        return {
            "question": self.question,
            "abstained": self.abstained,
            "answer": None
            if best is None
            else {"text": best.text, "doc": best.doc, "start": best.start, "end": best.end},
            "sentences": [] if self.abstained else [_sentence_dict(s) for s in self.sentences],
            "passages": [
                {
                    "doc": p.doc,
                    "title": p.title,
                    "start": p.start,
                    "end": p.end,
                    "text": p.text,
                    "score": round(p.score, 6),
                    "location": p.location,
                }
                for p in self.passages
            ],
            "message": self.message,
            "context": self.context,
        }


def _sentence_dict(s: AnswerSentence) -> dict:
    return {
        "text": s.text,
        "doc": s.doc,
        "title": s.title,
        "start": s.start,
        "end": s.end,
        "citation": s.citation,
        "location": s.location,
        "score": round(s.score, 6),
    }


@dataclass(frozen=True)
class Evidence:
    text: str
    start: int
    end: int
    location: str


@dataclass(frozen=True)
class SourceSupport:
    """How one source stands towards a claim."""

    doc: str
    title: str
    section: str  # "main", or "related" for other essays' snippets listed in the file
    support: str
    score: float
    evidence: Evidence | None
    note: str = ""

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 6)
        return d


@dataclass(frozen=True)
class ClaimReport:
    claim: str
    sources: tuple[SourceSupport, ...] = field(default=())

    def to_dict(self) -> dict:
        return {"claim": self.claim, "sources": [s.to_dict() for s in self.sources]}


def location(sentence_or_passage) -> str:
    """Where a span is, for a citation: paragraph, and for snippets of other
    essays, which snippet."""
    where = f"paragraph {sentence_or_passage.paragraph}"
    if sentence_or_passage.section != MAIN:
        return f"{section_label(sentence_or_passage.section)}, {where}"
    return where


def is_statement(sentence: Sentence) -> bool:
    """Whether a sentence can stand as an answer: not a title, heading or question.

    Lines without end punctuation are often real sentences in notes ("Stalin
    began to build his support base long before Lenin's death"), so only a
    document's first line or a capitalised heading is taken for a title.
    """
    text = sentence.text.strip()
    words = text.split()
    if len(words) < 4 or text.endswith("?") or text.endswith(":"):
        return False
    if not text.endswith((".", "!", '"', "\u201d", "\u2019", ")", "\u2026")):
        capitalised = sum(w[:1].isupper() for w in words) / len(words)
        if sentence.paragraph == 1 or capitalised > 0.6 or _QUESTION_START.match(text):
            return False
    return True


class Scorer:
    """Scores sentences against a query by meaning and by words."""

    def __init__(self, index: Index, retriever: Retriever, settings: AnswerSettings) -> None:
        self.index = index
        self.retriever = retriever
        self.settings = settings

    def weighted_terms(self, query: Query) -> dict[str, float]:
        """Query words with their IDF, context words at half weight."""
        bm25 = self.index.bm25
        weights: dict[str, float] = {}
        for token in self.retriever.query_tokens(query.text):
            weights[token] = bm25.term_idf(token)
        if query.context:
            for token in self.retriever.query_tokens(query.context):
                weights.setdefault(token, 0.5 * bm25.term_idf(token))
        return weights

    def features(
        self,
        sentence_ids: list[int],
        vector: np.ndarray,
        terms: dict[str, float],
        context: np.ndarray | None = None,
        question: str = "",
    ) -> np.ndarray:
        """One row per sentence: [cosine to the question, share of the
        question's word weight covered, cosine of the surrounding passage,
        share of question weight in words no source uses ("Yalta"), answer
        type match (a year for "when", a causal word for "why"/"how"), share
        of new words, cosine of the previous sentence of the same section,
        1 for a snippet of another essay]."""
        n = len(sentence_ids)
        if not n:
            return np.zeros((0, 8), dtype=np.float32)
        ids = np.asarray(sentence_ids, dtype=np.int64)
        dense = self.index.sentence_vectors[ids] @ vector
        total = sum(terms.values()) or 1.0
        # Word overlaps from the index's per-sentence word table (vectorised:
        # the claim check scores every sentence of the collection).
        covered, shared, sizes = self.index.sentence_terms.overlap(ids, terms)
        lexical = covered / total
        vocabulary = self.index.bm25.vocabulary
        unknown = sum(w for t, w in terms.items() if t not in vocabulary) / total
        sentences = self.index.sentences
        cue = _YEAR if _WHEN_QUESTION.search(question) else _CAUSE if _WHY_QUESTION.search(question) else None
        answer_type = np.zeros(n) if cue is None else [float(bool(cue.search(sentences[i].text))) for i in ids]
        novelty = (sizes - shared) / np.maximum(1, sizes)
        follows = self.index.sentence_follows[ids]  # the previous sentence is in the same section
        previous = np.zeros(n, dtype=np.float32)
        if follows.any():
            previous[follows] = self.index.sentence_vectors[ids[follows] - 1] @ vector
        related = self.index.sentence_related[ids]
        return np.column_stack(
            [
                dense,
                lexical,
                context if context is not None else np.zeros(n),
                np.full(n, unknown),
                answer_type,
                novelty,
                previous,
                related,
            ]
        ).astype(np.float32)

    def score(
        self,
        sentence_ids: list[int],
        vector: np.ndarray,
        terms: dict[str, float],
        context: np.ndarray | None = None,
        question: str = "",
    ) -> np.ndarray:
        """Weighted sum of ``features``."""
        return self.features(sentence_ids, vector, terms, context, question) @ self.settings.weights()


def _tokens_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def select_sentences(
    index: Index, candidates: list[int], scores: np.ndarray, settings: AnswerSettings
) -> list[tuple[int, float]]:
    """The best 1-3 sentences, without near-duplicates (sources repeat each other)."""
    order = np.argsort(-scores, kind="stable")
    chosen: list[tuple[int, float]] = []
    chosen_tokens: list[frozenset[str]] = []
    best = float(scores[order[0]]) if len(order) else 0.0
    # Relative to |best| so that the rule also holds when scores are negative.
    floor = best - (1 - settings.keep_within) * abs(best)
    for position in order:
        sid, score = candidates[position], float(scores[position])
        if len(chosen) >= settings.max_sentences or score < floor:
            break
        tokens = index.sentence_tokens[sid]
        if any(_tokens_overlap(tokens, other) >= settings.duplicate_overlap for other in chosen_tokens):
            continue
        chosen.append((sid, score))
        chosen_tokens.append(tokens)
    return chosen


def answer_question(
    question: str,
    query: Query,
    index: Index,
    retriever: Retriever,
    settings: AnswerSettings,
    top_k: int = 5,
) -> Answer:
    """Retrieve passages for a query and answer with cited sentences (or abstain)."""
    vector = retriever.query_vector(query)
    hits = retriever.search(query, k=max(top_k, settings.candidate_passages), vector=vector)
    scorer = Scorer(index, retriever, settings)
    candidates: list[int] = []
    context: list[float] = []
    seen: set[int] = set()
    for hit in hits[: settings.candidate_passages]:
        passage = index.passages[hit.passage]
        passage_cosine = float(index.passage_vectors.reconstruct(hit.passage) @ vector)
        for sid in range(passage.first_sentence, passage.last_sentence + 1):
            if sid not in seen and is_statement(index.sentences[sid]):
                seen.add(sid)
                candidates.append(sid)
                context.append(passage_cosine)
    scores = scorer.score(
        candidates, vector, scorer.weighted_terms(query), np.array(context, dtype=np.float32), query.text
    )
    # No candidate at all (passages of only titles or questions) is an abstention whatever the threshold.
    abstained = not len(scores) or float(scores.max()) < settings.abstain_below
    chosen = [] if abstained else select_sentences(index, candidates, scores, settings)

    sentences = tuple(
        AnswerSentence(
            text=s.text,
            doc=s.doc,
            title=index.documents[s.doc].title,
            start=s.start,
            end=s.end,
            citation=number,
            location=location(s),
            score=score,
        )
        for number, (s, score) in enumerate(((index.sentences[sid], score) for sid, score in chosen), start=1)
    )
    passages = tuple(_passage_result(index, hit, sentences) for hit in hits[:top_k])
    return Answer(
        question=question,
        abstained=abstained,
        sentences=sentences,
        passages=passages,
        message=(NO_ANSWER if len(scores) else NO_STATEMENT) if abstained else "",
        context=query.context,
    )


def _passage_result(index: Index, hit: Hit, sentences: tuple[AnswerSentence, ...]) -> PassageResult:
    p = index.passages[hit.passage]
    highlights = tuple((s.start, s.end) for s in sentences if s.doc == p.doc and p.start <= s.start and s.end <= p.end)
    return PassageResult(
        doc=p.doc,
        title=index.documents[p.doc].title,
        start=p.start,
        end=p.end,
        text=p.text,
        score=hit.score,
        location=location(p),
        highlights=highlights,
    )


# Sentences scored per slice in the claim check: bounds the temporary copies
# of sentence vectors (32k x 384 floats = 48 MB) at any collection size.
_CLAIM_SLICE = 32_768


def _statements(index: Index) -> np.ndarray:
    """``is_statement`` of every sentence, worked out once per loaded index."""
    mask = getattr(index, "_statement_mask", None)
    if mask is None:
        mask = np.fromiter((is_statement(s) for s in index.sentences), dtype=bool, count=len(index.sentences))
        index._statement_mask = mask
    return mask


def check_claim(claim: str, index: Index, retriever: Retriever, settings: AnswerSettings) -> ClaimReport:
    """For every source, whether it supports the claim and its best sentence.

    Snippets of other essays listed inside a file are a source of their own
    (section "related"), never credited to the host essay.
    """
    query = Query(claim)
    vector = retriever.query_vector(query)
    scorer = Scorer(index, retriever, settings)
    terms = scorer.weighted_terms(query)
    # Every sentence is scored at once (in slices, to bound memory), then each
    # source's best statement is picked: the sources and which sentences are
    # statements are worked out once per loaded index, not per claim.
    weights = settings.claim_weights()
    count = len(index.sentences)
    every = [
        scorer.features(np.arange(start, min(start + _CLAIM_SLICE, count)), vector, terms) @ weights
        for start in range(0, count, _CLAIM_SLICE)
    ]
    all_scores = np.concatenate(every) if every else np.zeros(0)
    statement = _statements(index)  # a title or a question is no evidence for a claim
    claim_numbers = set(_NUMBER.findall(claim))
    results = []
    for doc_id, section, group in index.sentence_groups:
        sids = group[statement[group]]
        if len(sids):
            scores = all_scores[sids]
            best = int(np.argmax(scores))
            sentence = index.sentences[int(sids[best])]
            score = float(scores[best])
            support, note = _support_level(score, claim_numbers, sentence.text, settings)
            title = index.documents[doc_id].title
            if section != MAIN:
                title = f"Other essays' snippets listed in \u201c{title}\u201d"
            evidence = (
                Evidence(sentence.text, sentence.start, sentence.end, location(sentence))
                if support != NOT_FOUND or note
                else None
            )
            results.append(SourceSupport(doc_id, title, section, support, score, evidence, note))
    rank = {SUPPORTED: 0, PARTLY: 1, NOT_FOUND: 2}
    results.sort(key=lambda r: (rank[r.support], -r.score))
    return ClaimReport(claim, tuple(results))


def _support_level(score: float, claim_numbers: set[str], evidence: str, settings: AnswerSettings) -> tuple[str, str]:
    """Support level from the score; a sentence that gives other dates than
    the claim does not support it, and the note says so."""
    if score < settings.claim_partly:
        return NOT_FOUND, ""
    evidence_numbers = set(_NUMBER.findall(evidence))
    missing = claim_numbers - evidence_numbers
    if missing and evidence_numbers - claim_numbers:
        others = ", ".join(sorted(evidence_numbers - claim_numbers))
        return NOT_FOUND, f"gives {others}, not {', '.join(sorted(missing))}"
    if missing:
        return PARTLY, ""
    return (SUPPORTED if score >= settings.claim_supported else PARTLY), ""
