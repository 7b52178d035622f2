"""Answers: choose verbatim sentences, cite them, or abstain.

Every sentence askhist shows is a span of a source file, scored against the
question by meaning (cosine of sentence and question vectors, both computed
ahead: sentence vectors at index time) and by words (the share of the
question's IDF weight the sentence covers). When the best sentence scores
below the abstention threshold, the assistant says the sources don't answer
and still shows the nearest passages.

Why this module is over 400 lines: it holds the answer's data classes and
its two scorers (today's features and the reader stage with its evidence
abstention), which share the candidate sentences and the selection step.
Moving the reader stage to its own module is the next split; it waits for
a boundary that does not need ``Scored``/``Reading`` in both directions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .chunking import is_statement
from .cleaning import MAIN, section_label
from .index import Index
from .reader import EVIDENCE_FEATURES, Reader, answerable_probability, combined_scores, evidence_features
from .reasons import CAUSE, WHY_QUESTION, reason_follows
from .retrieval import CONTEXT_WEIGHT, Hit, Query, Retriever
from .timing import Timings, stopwatch

NO_ANSWER = "The sources don't answer this question. The passages below are the closest they come."
NO_STATEMENT = (
    "The closest passages hold no sentence that could answer this (only titles, headings or questions). "
    "The passages below are the closest they come."
)
_YEAR = re.compile(r"\b1[0-9]{3}\b|\b20[0-9]{2}\b")
_WHEN_QUESTION = re.compile(r"\bwhen\b|\bwhat year\b|\bwhich year\b|\bhow long\b", re.IGNORECASE)


# The columns of ``Scorer.features``, one per way a sentence can answer a question:
#   dense        cosine of the sentence and the question
#   lexical      share of the question's word weight (IDF) the sentence covers
#   context      cosine of the passage around the sentence
#   unknown      share of question weight in words no source uses ("Yalta")
#   answer_type  a year for "when", a causal word for "why"/"how"
#   novelty      share of the sentence's words the question lacks
#   previous     cosine of the sentence before, in the same section ("He was..." after "Trotsky...")
#   related      1 for a snippet of another essay listed in the file
FEATURE_NAMES = ("dense", "lexical", "context", "unknown", "answer_type", "novelty", "previous", "related")


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

    abstain_below: float = 0.0
    max_sentences: int = 3
    keep_within: float = 0.85  # further sentences need this share of the best score
    candidate_passages: int = 5
    duplicate_overlap: float = 0.6
    claim_dense_weight: float = 0.4
    claim_lexical_weight: float = 0.6
    claim_supported: float = 0.55
    claim_partly: float = 0.47
    # A source contradicts a claim when one of its closest sentences (this
    # many, scoring at least claim_contradicted) states the claim's fact
    # otherwise (askhist.facts.conflict).
    claim_contradicted: float = 0.35  # dev: P .923 R .857 (0.30: P .80; 0.45: P 1.0 R .786)
    claim_contradiction_candidates: int = 3

    # With a reader (askhist.reader), fitted on dev by bench/reader_answer/fit.py (README, "Choices"):
    read_passages: int = 10  # passages whose statements are the reader's candidates
    read_top: int = 3  # candidates read: the best by today's score (the rest cannot win)
    # Combination: logistic(bias + w * reader logit + w' * today's score). Among the three best by today's
    # score, a higher one is slightly worse (it often restates the question): hence w' < 0.
    reader_weight: float = 0.245
    reader_today_weight: float = -0.880
    reader_bias: float = -1.191
    read_followups: bool = False  # on dev the reader chose no better than today for follow-ups (.59 = .59)
    read_previous_for_why: bool = False  # read why/how candidates with the sentence before them (dropped on dev)
    evidence_weights: tuple[float, ...] = (0.062, -0.092, 0.253, -1.269, 0.0)  # reader.EVIDENCE_FEATURES order
    evidence_bias: float = 0.155
    abstain_evidence_below: float = 0.392  # abstain below this probability (false abstention .05 on dev)
    # ... or when this share of the question's word weight is in words the collection never uses and the
    # reader's best logit is below abstain_unknown_logit (README, Choices).
    # A sentence the reader is this sure of is quoted whatever the evidence model says: the model's
    # margin weight is negative (fitted on dev), which declined the one answer of a one-document folder.
    answer_above_logit: float = 8.0
    abstain_unknown_share: float = 0.6  # dev: abstention .30 -> .40, false .029 -> .039
    abstain_unknown_logit: float = -6.0
    # A why/how answer whose sentence restates the question (covers this share of its word weight) and
    # gives no cause runs on into the next sentence, where essays give the reason (askhist.reasons).
    # Dev: why hit@1 .27 -> .68, all .51 -> .61; 10 of its 12 run-ons bring the answer (0.3: why .77, but 7
    # of 19 run-ons needless). README, Choices. Above 1: never.
    reason_min_coverage: float = 0.5
    # ... unless the reader scores the two sentences together below the first alone by more than this: a
    # next sentence about something else. Ties run on: the int8 logits move by about 0.1 with padding alone.
    reason_read_tolerance: float = 0.1
    promote_answer_passage: bool = True  # the best read sentence's passage is shown first (MaxP)
    claim_read_top: int = 3  # claim check: each source's candidates re-ranked by the reader
    claim_read_sources: int = 5  # ... for at most this many sources, the best supporting first

    def feature_weights(self) -> np.ndarray:
        """The weight of each of ``FEATURE_NAMES``, in that order (penalties negative)."""
        weights = {
            "dense": self.dense_weight,
            "lexical": self.lexical_weight,
            "context": self.context_weight,
            "unknown": -self.unknown_penalty,
            "answer_type": self.answer_type_weight,
            "novelty": self.novelty_weight,
            "previous": self.previous_weight,
            "related": -self.related_penalty,
        }
        return np.array([weights[name] for name in FEATURE_NAMES], dtype=np.float32)

    def claim_feature_weights(self) -> np.ndarray:
        """Claim support is judged on meaning and shared words only."""
        weights = {"dense": self.claim_dense_weight, "lexical": self.claim_lexical_weight}
        return np.array([weights.get(name, 0.0) for name in FEATURE_NAMES], dtype=np.float32)


@dataclass(frozen=True)
class AnswerSentence:
    """One quoted sentence of an answer, with its citation number. With
    ``runs_on``, the quote is the sentence and the one after it (a why/how
    question whose reason follows the sentence that restates it), and
    ``text`` spans both, exactly as the file has them."""

    text: str
    doc: str
    title: str
    start: int
    end: int
    citation: int
    location: str
    score: float
    section: str  # MAIN, or "related-N" for a snippet of another essay listed in the file
    paragraph: int  # 1-based paragraph number within the document
    runs_on: bool = False  # the quote includes the next sentence, which gives the reason


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
    section: str  # MAIN, or "related-N" for a snippet of another essay listed in the file
    paragraph: int  # 1-based paragraph number where the passage starts
    highlights: tuple[tuple[int, int], ...] = ()  # spans in file offsets


@dataclass(frozen=True)
class Side:
    """One value the sources give, with the citations that give it."""

    value: str
    citations: tuple[int, ...]


@dataclass(frozen=True)
class Disagreement:
    """The quoted sentences give different values for what was asked
    (``about``: "year" or "number"); sides are ordered majority first."""

    about: str
    sides: tuple[Side, ...]

    @property
    def summary(self) -> str:
        """The note that opens the answer: 'The sources disagree: 1924 [2][3]; 1922 [1].'"""
        sides = "; ".join(f"{s.value} " + "".join(f"[{c}]" for c in s.citations) for s in self.sides)
        return f"The sources disagree: {sides}."

    def to_dict(self) -> dict:
        return {"about": self.about, "sides": [{"value": s.value, "citations": list(s.citations)} for s in self.sides]}


@dataclass(frozen=True)
class Answer:
    """The assistant's reply to one question."""

    question: str
    abstained: bool
    sentences: tuple[AnswerSentence, ...]
    passages: tuple[PassageResult, ...]
    message: str = ""
    context: str = ""  # the earlier question a follow-up was read with ("" when it stands alone)
    referent: str = ""  # what the follow-up's "he", "that job" or ellipsis was resolved to
    resolved_context: str = ""  # the text the follow-up was searched with ("" when it stands alone)
    disagreement: Disagreement | None = None

    @property
    def text(self) -> str:
        """The answer as plain text with [n] markers."""
        if self.abstained:
            return self.message
        quoted = " ".join(f"{s.text} [{s.citation}]" for s in self.sentences)
        return f"{self.disagreement.summary} {quoted}" if self.disagreement else quoted

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
                    "section": p.section,
                    "paragraph": p.paragraph,
                }
                for p in self.passages
            ],
            "message": self.message,
            "context": self.context,
            "referent": self.referent,
            "resolved_context": self.resolved_context,
            "disagreement": self.disagreement.to_dict() if self.disagreement else None,
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
        "section": s.section,
        "paragraph": s.paragraph,
        "runs_on": s.runs_on,
    }


def location(sentence_or_passage) -> str:
    """Where a span is, for a citation: paragraph, and for snippets of other
    essays, which snippet."""
    where = f"paragraph {sentence_or_passage.paragraph}"
    if sentence_or_passage.section != MAIN:
        return f"{section_label(sentence_or_passage.section)}, {where}"
    return where


class Scorer:
    """Scores sentences against a query by meaning and by words."""

    def __init__(self, index: Index, retriever: Retriever, settings: AnswerSettings) -> None:
        self.index = index
        self.retriever = retriever
        self.settings = settings

    def weighted_terms(self, query: Query) -> dict[str, float]:
        """Query words with their IDF; a follow-up's context words weigh
        ``CONTEXT_WEIGHT`` as much, as they do in retrieval."""
        bm25 = self.index.bm25
        weights: dict[str, float] = {}
        for token in self.retriever.query_tokens(query.text):
            weights[token] = bm25.term_idf(token)
        if query.context:
            for token in self.retriever.query_tokens(query.context):
                weights.setdefault(token, CONTEXT_WEIGHT * bm25.term_idf(token))
        return weights

    def features(
        self,
        sentence_ids: list[int],
        vector: np.ndarray,
        terms: dict[str, float],
        context: np.ndarray | None = None,
        question: str = "",
    ) -> np.ndarray:
        """One row per sentence, one column per name in ``FEATURE_NAMES``."""
        n = len(sentence_ids)
        if not n:
            return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
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
        cue = _YEAR if _WHEN_QUESTION.search(question) else CAUSE if WHY_QUESTION.search(question) else None
        answer_type = np.zeros(n) if cue is None else [float(bool(cue.search(sentences[i].text))) for i in ids]
        novelty = (sizes - shared) / np.maximum(1, sizes)
        follows = self.index.sentence_follows[ids]  # the previous sentence is in the same section
        previous = np.zeros(n, dtype=np.float32)
        if follows.any():
            previous[follows] = self.index.sentence_vectors[ids[follows] - 1] @ vector
        related = self.index.sentence_related[ids]
        columns = {
            "dense": dense,
            "lexical": lexical,
            "context": context if context is not None else np.zeros(n),
            "unknown": np.full(n, unknown),
            "answer_type": answer_type,
            "novelty": novelty,
            "previous": previous,
            "related": related,
        }
        return np.column_stack([columns[name] for name in FEATURE_NAMES]).astype(np.float32)

    def score(
        self,
        sentence_ids: list[int],
        vector: np.ndarray,
        terms: dict[str, float],
        context: np.ndarray | None = None,
        question: str = "",
    ) -> np.ndarray:
        """Weighted sum of ``features``."""
        return self.features(sentence_ids, vector, terms, context, question) @ self.settings.feature_weights()


def _tokens_overlap(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


def should_abstain(scores: np.ndarray, abstain_below: float) -> bool:
    """Whether to say the sources don't answer: the best candidate sentence
    scores below the threshold. No candidate at all (passages of only titles
    or questions) is an abstention whatever the threshold."""
    return not len(scores) or float(scores.max()) < abstain_below


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
    timings: Timings | None = None,
    reader: Reader | None = None,
) -> Answer:
    """Retrieve passages for a query and answer with cited sentences (or abstain).

    With a ``reader``, the best candidates by today's score are read by the
    cross-encoder, which chooses the answer and decides abstention; without
    (and for follow-ups, unless ``read_followups``), today's score does both.
    ``timings``, if given, gets the seconds of each stage added in (see
    ``Retriever.search``, plus answer_selection and reading).
    """
    checker = reader  # reads a why/how quote with its next sentence, follow-ups too (``reason_after``)
    if query.context and not settings.read_followups:
        reader = None
    with stopwatch(timings, "query_encoding"):
        vector = retriever.query_vector(query)
    depth = settings.read_passages if reader is not None else settings.candidate_passages
    hits = retriever.search(query, k=max(top_k, depth), vector=vector, timings=timings)
    with stopwatch(timings, "answer_selection"):
        scored = score_candidates(query, vector, hits[:depth], index, retriever, settings)
    if reader is None:
        with stopwatch(timings, "answer_selection"):
            abstained = should_abstain(scored.scores, settings.abstain_below)
            chosen = [] if abstained else select_sentences(index, scored.candidates, scored.scores, settings)
        with stopwatch(timings if checker is not None else None, "reading"):  # no "reading" stage without a reader
            runs_on = reason_after(query, chosen, scored, index, settings, checker)
        return _answer(question, query, index, hits, chosen, abstained, bool(len(scored.scores)), top_k, runs_on)
    with stopwatch(timings, "reading"):
        reading = read(query, scored, index, reader, settings)
    with stopwatch(timings, "answer_selection"):
        # The evidence model decides; a question much of whose words the
        # collection never uses ("Who won the 1954 World Cup?") is declined
        # too when the reader finds nothing that answers it either.
        top = reading.features[EVIDENCE_FEATURES.index("top")] if reading.read else -np.inf
        abstained = bool(
            not reading.read
            or (reading.probability < settings.abstain_evidence_below and top < settings.answer_above_logit)
            or (
                scored.unknown >= settings.abstain_unknown_share
                and top < settings.abstain_unknown_logit
            )
        )
        chosen = [] if abstained else select_sentences(index, reading.read, reading.combined, settings)
        if settings.promote_answer_passage and reading.read:
            hits = promote(hits, index, reading.read[int(np.argmax(reading.combined))])
        with stopwatch(timings, "reading"):
            read_logits = dict(zip(reading.read, reading.logits.tolist()))
            runs_on = reason_after(query, chosen, scored, index, settings, checker, read_logits)
        return _answer(question, query, index, hits, chosen, abstained, bool(reading.read), top_k, runs_on)


@dataclass(frozen=True)
class Scored:
    """The candidate sentences of the top passages with today's score and word coverage."""

    candidates: list[int]
    scores: np.ndarray
    lexical: np.ndarray
    unknown: float = 0.0  # share of the question's word weight in words the collection never uses


@dataclass(frozen=True)
class Reading:
    """What the reader made of the best candidates: ``read`` are sentence ids,
    ``logits`` the reader's, ``combined`` the probability each answers, and
    ``probability`` that the best of them answers the question."""

    read: list[int]
    logits: np.ndarray
    combined: np.ndarray
    features: np.ndarray  # reader.EVIDENCE_FEATURES of the best read sentence
    probability: float


def score_candidates(
    query: Query, vector: np.ndarray, hits: list[Hit], index: Index, retriever: Retriever, settings: AnswerSettings
) -> Scored:
    """Today's score of every statement of the given passages."""
    scorer = Scorer(index, retriever, settings)
    candidates: list[int] = []
    context: list[float] = []
    seen: set[int] = set()
    for hit in hits:
        passage = index.passages[hit.passage]
        passage_cosine = float(index.passage_vectors.reconstruct(hit.passage) @ vector)
        for sid in range(passage.first_sentence, passage.last_sentence + 1):
            if sid not in seen and is_statement(index.sentences[sid]):
                seen.add(sid)
                candidates.append(sid)
                context.append(passage_cosine)
    features = scorer.features(
        candidates, vector, scorer.weighted_terms(query), np.array(context, dtype=np.float32), query.text
    )
    lexical = features[:, FEATURE_NAMES.index("lexical")] if len(candidates) else np.zeros(0)
    unknown = float(features[0, FEATURE_NAMES.index("unknown")]) if len(candidates) else 0.0
    return Scored(candidates, features @ settings.feature_weights(), lexical, unknown)


def read(query: Query, scored: Scored, index: Index, reader: Reader, settings: AnswerSettings) -> Reading:
    """Read the ``read_top`` best candidates by today's score with the
    cross-encoder and combine its logits with today's score."""
    order = np.argsort(-scored.scores, kind="stable")[: settings.read_top]
    read_ids = [scored.candidates[i] for i in order]
    if not read_ids:
        return Reading([], np.zeros(0), np.zeros(0), np.zeros(0), 0.0)
    # A follow-up is read with the question it follows, as it was searched.
    question = f"{query.context} {query.text}" if query.context else query.text
    before = None
    if settings.read_previous_for_why and WHY_QUESTION.search(query.text):
        follows = index.sentence_follows
        before = [index.sentences[s - 1].text if follows[s] else None for s in read_ids]
    logits = reader.score(question, [index.sentences[s].text for s in read_ids], before=before)
    today = scored.scores[order]
    combined = combined_scores(
        logits, today, settings.reader_weight, settings.reader_today_weight, settings.reader_bias
    )
    best = int(np.argmax(combined))
    features = evidence_features(
        query.text,
        logits,
        best,
        index.sentences[read_ids[best]].text,
        float(scored.lexical[order[best]]),
        float(today[best]),
    )
    probability = answerable_probability(features, settings.evidence_weights, settings.evidence_bias)
    return Reading(read_ids, logits, combined, features, probability)


def reason_after(
    query: Query,
    chosen: list[tuple[int, float]],
    scored: Scored,
    index: Index,
    settings: AnswerSettings,
    reader: Reader | None = None,
    read_logits: dict[int, float] | None = None,
) -> int | None:
    """The sentence after the best chosen one when it likely gives the reason
    a why/how question asks for: the best one restates the question
    (:func:`askhist.reasons.reason_follows`), the next statement is in the
    same section, and the reader, if any, scores the two together above the
    first alone ("How did being General Secretary help Stalin?" is answered
    by its first sentence; the next one is about something else);
    ``read_logits`` are the logits of sentences it has read already. None
    otherwise."""
    if not chosen:
        return None
    best = chosen[0][0]
    following = best + 1
    if following >= len(index.sentences) or not index.sentence_follows[following]:
        return None
    if not is_statement(index.sentences[following]):
        return None
    first = index.sentences[best]
    coverage = float(scored.lexical[scored.candidates.index(best)])
    if not reason_follows(query.text, first.text, coverage, settings.reason_min_coverage):
        return None
    if reader is not None:
        question = f"{query.context} {query.text}" if query.context else query.text
        both = index.documents[first.doc].text[first.start : index.sentences[following].end]
        known = (read_logits or {}).get(best)
        alone = known if known is not None else float(reader.score(question, [first.text])[0])
        together = float(reader.score(question, [both])[0])
        if together < alone - settings.reason_read_tolerance:
            return None
    return following


def promote(hits: list[Hit], index: Index, sentence_id: int) -> list[Hit]:
    """The passages with the one holding ``sentence_id`` moved first (MaxP from
    the read sentences: the others keep their fused order)."""
    sentence = index.sentences[sentence_id]
    for position, hit in enumerate(hits):
        p = index.passages[hit.passage]
        if p.first_sentence <= sentence_id <= p.last_sentence and p.doc == sentence.doc:
            return [hit, *hits[:position], *hits[position + 1 :]]
    return hits


def _answer(
    question: str,
    query: Query,
    index: Index,
    hits: list[Hit],
    chosen: list[tuple[int, float]],
    abstained: bool,
    had_candidates: bool,
    top_k: int,
    runs_on: int | None = None,
) -> Answer:
    """The answer for the chosen sentences (none when abstaining); with
    ``runs_on``, the first quote runs on through that sentence."""
    if runs_on is not None:
        chosen = [chosen[0], *(c for c in chosen[1:] if c[0] != runs_on)]
    sentences = []
    for number, (sid, score) in enumerate(chosen, start=1):
        s = index.sentences[sid]
        end = index.sentences[runs_on].end if number == 1 and runs_on is not None else s.end
        sentences.append(
            AnswerSentence(
                text=index.documents[s.doc].text[s.start : end],
                doc=s.doc,
                title=index.documents[s.doc].title,
                start=s.start,
                end=end,
                citation=number,
                location=location(s),
                score=score,
                section=s.section,
                paragraph=s.paragraph,
                runs_on=end != s.end,
            )
        )
    sentences = tuple(sentences)
    passages = tuple(_passage_result(index, hit, sentences) for hit in hits[:top_k])
    return Answer(
        question=question,
        abstained=abstained,
        sentences=sentences,
        passages=passages,
        message=(NO_ANSWER if had_candidates else NO_STATEMENT) if abstained else "",
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
        section=p.section,
        paragraph=p.paragraph,
        highlights=highlights,
    )
