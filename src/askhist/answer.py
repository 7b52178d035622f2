"""Answers: choose verbatim sentences, cite them, or abstain.

The candidates are the statements of the top passages, scored by today's
score (:mod:`askhist.scoring`); with a reader, the best of them are read by
the cross-encoder, which picks the answer and, with the evidence model,
decides whether to abstain. A why/how answer whose sentence restates the
question runs on into the next sentence (:mod:`askhist.reasons`). Every
sentence askhist shows is a span of a source file; when it abstains it
still shows the nearest passages.

Why this module is over 400 lines: it holds the answer's data classes (and
their JSON) beside the reader stage, the run-on, a follow-up's repeat read
again and the selection, which build them; today's score moved to
:mod:`askhist.scoring`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import conversation
from .asked import event_words, noun_unstated, value_unstated
from .chunking import is_statement
from .cleaning import MAIN, section_label
from .facts import answer_kind, only_listed, values
from .index import Index
from .reader import EVIDENCE_FEATURES, Reader, answerable_probability, combined_scores, evidence_features
from .reasons import (
    WHY_QUESTION,
    asks_for_reason,
    asks_why,
    defined_term,
    defines,
    explains_before,
    gives_reason,
    reason_follows,
    refers_back,
    value_follows,
)
from .retrieval import Hit, Query, Retriever
from .scoring import FEATURE_NAMES, AnswerSettings, Scorer
from .stance import someone_else_does
from .timing import Timings, stopwatch

NO_ANSWER = "The sources don't answer this question. The passages below are the closest they come."
NO_STATEMENT = (
    "The closest passages hold no sentence that could answer this (only titles, headings or questions). "
    "The passages below are the closest they come."
)
__all__ = ["FEATURE_NAMES", "AnswerSettings", "Scorer"]  # today's score, from askhist.scoring, as before


@dataclass(frozen=True)
class AnswerSentence:
    """One quoted sentence of an answer, with its citation number. With
    ``runs_on``, the quote is the sentence and the one after it (a why/how
    question whose reason follows the sentence that restates it); with
    ``runs_back``, the one before it and the sentence ("This was a threat
    to Stalin" after the threat). ``text`` spans both, exactly as the file
    has them."""

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
    runs_back: bool = False  # the quote starts with the sentence before, which gives the reason


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
        "runs_back": s.runs_back,
    }


def location(sentence_or_passage) -> str:
    """Where a span is, for a citation: paragraph, and for snippets of other
    essays, which snippet."""
    where = f"paragraph {sentence_or_passage.paragraph}"
    if sentence_or_passage.section != MAIN:
        return f"{section_label(sentence_or_passage.section)}, {where}"
    return where


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
    follow_up: conversation.Reading | None = None,
) -> Answer:
    """Retrieve passages for a query and answer with cited sentences (or abstain).

    With a ``reader``, the best candidates by today's score are read by the
    cross-encoder, which chooses the answer and decides abstention; without
    (and for follow-ups, unless ``read_followups``), today's score does both;
    then, for a ``follow_up`` (its reading in the conversation) whose best
    sentence repeats the earlier answer, the reader decides whether another
    is quoted first (:func:`reread_repeat`).
    ``timings``, if given, gets the seconds of each stage added in (see
    ``Retriever.search``, plus answer_selection and reading).
    """
    checker = reader  # reads a why/how quote with its neighbour, follow-ups too (``reason_span``)
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
            span = reason_span(query, chosen, scored, index, settings, checker)
            if span is None and follow_up is not None and checker is not None:
                reread = reread_repeat(chosen, scored, index, follow_up, checker, settings)
                if reread != chosen:
                    chosen, span = reread, reason_span(query, reread, scored, index, settings, checker)
        return _answer(question, query, index, hits, chosen, abstained, bool(len(scored.scores)), top_k, span)
    with stopwatch(timings, "reading"):
        reading = read(query, scored, index, reader, settings)
    with stopwatch(timings, "answer_selection"):
        # The evidence model decides, unless the reader is sure enough for the
        # kind of question (``reader_is_sure``); a question much of whose
        # words the collection never uses ("Who won the 1954 World Cup?") is
        # declined too when the reader finds nothing that answers it either.
        top = reading.features[EVIDENCE_FEATURES.index("top")] if reading.read else -np.inf
        best = reading.read[int(np.argmax(reading.combined))] if reading.read else -1
        chosen_text = index.sentences[best].text if reading.read else ""
        # ... and when the chosen sentence does not say what was asked, unless the reader is sure: its year
        # is another event's, and the event asked about is one the collection never names ("In what year
        # was Bukharin executed?" → "Lenin's death in 1924 ... Bukharin ...").
        doubtful = reading.probability < settings.abstain_evidence_below or (
            bool(reading.read) and unstated_answer(query.text, index, best, settings) is not None
        )
        abstained = bool(
            not reading.read
            or (doubtful and not reader_is_sure(query.text, chosen_text, float(top), settings))
            or (scored.unknown >= settings.abstain_unknown_share and top < settings.abstain_unknown_logit)
        )
        chosen = [] if abstained else select_sentences(index, reading.read, reading.combined, settings)
        if settings.promote_answer_passage and reading.read:
            hits = promote(hits, index, reading.read[int(np.argmax(reading.combined))])
        with stopwatch(timings, "reading"):
            read_logits = dict(zip(reading.read, reading.logits.tolist()))
            span = reason_span(query, chosen, scored, index, settings, checker, read_logits)
        return _answer(question, query, index, hits, chosen, abstained, bool(reading.read), top_k, span)


def unstated_answer(question: str, index: Index, sentence_id: int, settings: AnswerSettings) -> str | None:
    """Why the sentence ``sentence_id``, read with its neighbours in the same
    section, does not say what ``question`` asks, or None: "noun" when it
    names no such thing as a "which <noun>" question asks for
    (:func:`askhist.asked.noun_unstated`), "value" when a "when"/"how many"
    question's value is another event's (:func:`askhist.asked.value_unstated`).
    With ``abstain_unnamed_event``, only when the collection never uses a
    word of what was asked (the sources cannot date an execution they never
    mention); with ``abstain_unstated``, whatever the collection names."""
    if not (settings.abstain_unstated or settings.abstain_unnamed_event):
        return None
    sentence = index.sentences[sentence_id].text
    before, after = (
        index.sentences[sentence_id + step].text if _neighbour_statement(index, sentence_id, step) else None
        for step in (-1, +1)
    )
    if noun_unstated(question, (sentence, before, after), settings.unstated_min_share):
        why = "noun"
    elif value_unstated(question, sentence, after):
        why = "value"
    else:
        return None
    if settings.abstain_unstated:
        return why
    # As written, not spelling-corrected: the correction would take "deported" for "dept".
    vocabulary = index.bm25.vocabulary
    named = any(t in vocabulary for word in event_words(question) for t in index.tokens(word))
    return None if named else why


def reread_repeat(
    chosen: list[tuple[int, float]],
    scored: Scored,
    index: Index,
    follow_up: conversation.Reading,
    reader: Reader,
    settings: AnswerSettings,
) -> list[tuple[int, float]]:
    """A follow-up's chosen sentences, with another quoted first when the
    best one repeats a sentence the earlier answer quoted and the reader
    reads another better. The earlier question, leaned on, pulls its own
    answer to the top ("what was his support base?" after "Who filled the
    role of Napoleon in 1922-1924?" → "In 1922-1924, the role of Napoleon
    was most clearly filled by Leon Trotsky." again), yet that sentence
    often answers the follow-up too ("did that job actually give him much
    power?"), and leaving it out lost more than it won (README, Choices).
    So the reader decides: it reads the ``followup_repeat_read`` best
    candidates with the question as understood ("what was Trotsky's
    support base?"), and another wins only when read as answering (above
    ``followup_repeat_floor``) and above the repeat by
    ``followup_repeat_margin``. A "when" follow-up of a "when" question
    asks for another year: candidates giving no year the earlier answer did
    not give are passed over, the repeat too. (A quote that runs on into
    the next sentence brings something new: the caller leaves it alone.)"""
    if not chosen or settings.followup_repeat_read <= 0:
        return chosen
    best = chosen[0][0]
    earlier = follow_up.earlier_answer
    if not earlier or index.sentences[best].text not in earlier:
        return chosen
    new_year = (
        settings.followup_new_year
        and answer_kind(follow_up.question) == "year"
        and answer_kind(follow_up.follows) == "year"
    )
    given = _years(earlier)
    read_ids: list[int] = []
    for position in np.argsort(-scored.scores, kind="stable").tolist():
        if len(read_ids) >= settings.followup_repeat_read:
            break
        sid = scored.candidates[position]
        if not (new_year and _years(index.sentences[sid].text) <= given):
            read_ids.append(sid)
    logits = reader.score(follow_up.resolved, [index.sentences[s].text for s in read_ids]).tolist()
    bar = settings.followup_repeat_floor
    if best in read_ids:
        bar = max(bar, logits[read_ids.index(best)] + settings.followup_repeat_margin)
    others = [(logit, sid) for logit, sid in zip(logits, read_ids) if sid != best]
    if not others:
        return chosen
    logit, sid = max(others, key=lambda other: other[0])  # a tie goes to the better by today's score
    if logit <= bar:
        return chosen
    score = float(scored.scores[scored.candidates.index(sid)])
    return [(sid, score), *(c for c in chosen if c[0] != sid)][: settings.max_sentences]


def _years(text: str) -> set[int | float]:
    return {v.value for v in values(text) if v.kind == "year"}


def reader_is_sure(question: str, sentence: str, top: float, settings: AnswerSettings) -> bool:
    """Whether the reader's logit ``top`` for the chosen ``sentence`` answers
    the question whatever the evidence model says: at ``answer_above_logit``
    for any question; at ``answer_why_above_logit`` for a "why" question,
    which takes its fact for granted (the model's negative margin weight
    declined sentences the reader alone read as answering); at
    ``answer_definition_above_logit`` for a "what is X?" question when the
    sentence says what X is ('"Bonapartism," that is, ...')."""
    if top >= settings.answer_above_logit:
        return True
    if top >= settings.answer_why_above_logit and asks_why(question):
        return True
    term = defined_term(question)
    return top >= settings.answer_definition_above_logit and term is not None and defines(sentence, term)


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


def reader_question(query: Query) -> str:
    """What the reader reads a query as: a follow-up with the question it
    follows, as it was searched."""
    return f"{query.context} {query.text}" if query.context else query.text


def read(query: Query, scored: Scored, index: Index, reader: Reader, settings: AnswerSettings) -> Reading:
    """Read the ``read_top`` best candidates by today's score with the
    cross-encoder and combine its logits with today's score."""
    order = reading_order(query.text, scored, index, settings.read_top)
    read_ids = [scored.candidates[i] for i in order]
    if not read_ids:
        return Reading([], np.zeros(0), np.zeros(0), np.zeros(0), 0.0)
    question = reader_question(query)
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
    after = read_ids[best] + 1  # its value may be in the next sentence ("This caused an influx of 500,000...")
    features = evidence_features(
        query.text,
        logits,
        best,
        index.sentences[read_ids[best]].text,
        float(scored.lexical[order[best]]),
        float(today[best]),
        index.sentences[after].text if _neighbour_statement(index, read_ids[best], +1) else None,
    )
    probability = answerable_probability(features, settings.evidence_weights, settings.evidence_bias)
    return Reading(read_ids, logits, combined, features, probability)


def reading_order(question: str, scored: Scored, index: Index, wanted: int) -> list[int]:
    """Positions of the ``wanted`` candidates to read: the best by today's
    score, except that for a question asking for a year or number, a
    sentence whose asked event belongs to someone else is passed over
    ("However, in 1924, Lenin died and Josef Stalin assumed leadership" for
    "In what year did Stalin die?": it matches every word, and the reader
    reads a year and a death, but the year is Lenin's;
    :func:`askhist.stance.someone_else_does`; only for values: for other
    questions a co-subject, "Beyoncé and her mother Tina opened", is no one
    else, SQuAD dev, README "Choices"), and for a why/how question, a
    sentence naming the people it asks about only in a list of everyone
    ("a bitter struggle between Stalin, Trotsky, Zinoviev, Kamenev and
    Bukharin" for "How did Zinoviev and Kamenev help Stalin?";
    :func:`askhist.facts.only_listed`). Passed-over sentences are read only
    when too few others are left."""
    value = answer_kind(question) is not None
    reason = asks_for_reason(question)
    chosen: list[int] = []
    passed: list[int] = []
    for position in np.argsort(-scored.scores, kind="stable").tolist():
        if len(chosen) >= wanted:
            break
        text = index.sentences[scored.candidates[position]].text
        elsewhere = (value and someone_else_does(question, text)) or (reason and only_listed(question, text))
        (passed if elsewhere else chosen).append(position)
    return (chosen + passed)[:wanted]


def reason_span(
    query: Query,
    chosen: list[tuple[int, float]],
    scored: Scored,
    index: Index,
    settings: AnswerSettings,
    reader: Reader | None = None,
    read_logits: dict[int, float] | None = None,
) -> tuple[int, int] | None:
    """The first and last sentence ids of the best chosen sentence's quote
    when a neighbour likely gives the reason a why/how question asks for: the
    best sentence restates the question (:func:`askhist.reasons.reason_follows`),
    or, whatever it covers, the next sentence points back at it and gives a
    cause (:func:`askhist.reasons.explains_before`), and the neighbour is a
    statement of the same section. The sentence before
    when the best one points back at it ("This was a threat to Stalin...");
    else a neighbour that gives a cause ("Thus, ...") when just one does;
    else the sentence after, unless the reader, if any, reads the two worse
    than the first alone ("How did being General Secretary help Stalin?" is
    answered by its first sentence; the next one is about something else).
    ``read_logits`` are the logits of sentences it has read already. None
    when the quote is the sentence alone."""
    if not chosen:
        return None
    best = chosen[0][0]
    first = index.sentences[best]
    after = (best, best + 1) if _neighbour_statement(index, best, +1) else None
    if after and settings.value_runs_on and value_follows(query.text, first.text, index.sentences[best + 1].text):
        return after
    coverage = float(scored.lexical[scored.candidates.index(best)])
    if not reason_follows(query.text, first.text, coverage, settings.reason_min_coverage):
        # "…supervise the Lenin Enrolment… This was advantageous to Stalin because…": whatever it covers.
        explained = (
            after
            and settings.reason_min_coverage <= 1  # above 1: never run on
            and explains_before(query.text, first.text, index.sentences[best + 1].text)
        )
        return after if explained else None
    back = (best - 1, best) if settings.reason_looks_back and _neighbour_statement(index, best, -1) else None
    if back and refers_back(first.text):
        return back
    causal = [
        span
        for span, other in ((back, best - 1), (after, best + 1))
        if span and gives_reason(index.sentences[other].text)
    ]
    if len(causal) == 1:
        return causal[0]  # "because", "thus"...: the reason, whatever the reader reads
    if after is None or reader is None:
        return after
    question = reader_question(query)
    known = (read_logits or {}).get(best)
    alone = known if known is not None else float(reader.score(question, [first.text])[0])
    both = index.documents[first.doc].text[first.start : index.sentences[best + 1].end]
    together = float(reader.score(question, [both])[0])
    return None if together < alone - settings.reason_read_tolerance else after


def _neighbour_statement(index: Index, sentence_id: int, step: int) -> bool:
    """The sentence ``step`` (+1 or -1) away is a statement of the same section."""
    other = sentence_id + step
    if not 0 <= other < len(index.sentences):
        return False
    follows = index.sentence_follows[max(sentence_id, other)]
    return bool(follows) and is_statement(index.sentences[other])


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
    span: tuple[int, int] | None = None,
) -> Answer:
    """The answer for the chosen sentences (none when abstaining); with
    ``span``, the first quote covers those sentences (the best chosen one
    and its neighbour that gives the reason)."""
    if span is not None:
        chosen = [chosen[0], *(c for c in chosen[1:] if not span[0] <= c[0] <= span[1])]
    sentences = []
    for number, (sid, score) in enumerate(chosen, start=1):
        s = index.sentences[sid]
        first, last = span if number == 1 and span is not None else (sid, sid)
        start, end = index.sentences[first].start, index.sentences[last].end
        sentences.append(
            AnswerSentence(
                text=index.documents[s.doc].text[start:end],
                doc=s.doc,
                title=index.documents[s.doc].title,
                start=start,
                end=end,
                citation=number,
                location=location(index.sentences[first]),
                score=score,
                section=s.section,
                paragraph=index.sentences[first].paragraph,
                runs_on=last != sid,
                runs_back=first != sid,
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
