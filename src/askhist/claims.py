"""Claim checking: for every source, whether it supports a claim, with its
best sentence as evidence.

A claim is scored against every statement of the collection by meaning and
shared words (the answer scorer's ``dense`` and ``lexical`` features, with
the claim weights); each source's best sentence decides its support level.
Whether a sentence states the claim's fact otherwise (another year, number
or person, or a "not") is one rule, ``askhist.stance.stance``: such a source
contradicts the claim; a sentence giving only other years or numbers than
the claim's (another event's, or a period around the claim's date) neither
supports nor contradicts it. A different year or number is looked for among
the sentences closest to the claim once its missing values are left out of
the score, since a sentence stating them otherwise cannot hold them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from .answer import location
from .cleaning import MAIN
from .facts import KINDS, values
from .index import Index
from .reader import Reader
from .retrieval import Query, Retriever
from .scoring import FEATURE_NAMES, AnswerSettings, Scorer
from .stance import OTHERWISE, UNSTATED, Stance, stance
from .timing import Timings, stopwatch

SUPPORTED = "supported"
PARTLY = "partly supported"
CONTRADICTED = "contradicted"
NOT_FOUND = "not found"
SUPPORT_LEVELS = (SUPPORTED, PARTLY, CONTRADICTED, NOT_FOUND)  # the report's order


@dataclass(frozen=True)
class Evidence:
    """The sentence of a source that best matches a claim."""

    text: str
    start: int
    end: int
    location: str
    section: str  # MAIN, or "related-N" for a snippet of another essay listed in the file
    paragraph: int


@dataclass(frozen=True)
class SourceSupport:
    """How one source stands towards a claim."""

    doc: str
    title: str
    section: str  # "main", or "related" for other essays' snippets listed in the file
    support: str
    score: float
    evidence: Evidence | None
    note: str = ""  # why it is contradicted ("gives 1924, not 1922"), or other remarks
    against: Evidence | None = None  # a sentence of the same source that contradicts the claim it supports

    def to_dict(self) -> dict:
        d = asdict(self)
        d["score"] = round(self.score, 6)
        return d


@dataclass(frozen=True)
class ClaimReport:
    """Every source's stand towards one claim, the best supported first."""

    claim: str
    sources: tuple[SourceSupport, ...] = field(default=())

    @property
    def disagreement(self) -> bool:
        """Some source supports the claim and another contradicts it, or one
        source says both."""
        levels = {s.support for s in self.sources}
        both = CONTRADICTED in levels and bool(levels & {SUPPORTED, PARTLY})
        return both or any(s.against is not None for s in self.sources)

    def to_dict(self) -> dict:
        return {
            "claim": self.claim,
            "sources": [s.to_dict() for s in self.sources],
            "disagreement": self.disagreement,
        }


# Sentences scored per slice in the claim check: bounds the temporary copies
# of sentence vectors (32k x 384 floats = 48 MB) at any collection size.
_CLAIM_SLICE = 32_768
_LEXICAL = FEATURE_NAMES.index("lexical")


def check_claim(
    claim: str,
    index: Index,
    retriever: Retriever,
    settings: AnswerSettings,
    timings: Timings | None = None,
    names: frozenset[str] = frozenset(),
    reader: Reader | None = None,
) -> ClaimReport:
    """For every source, whether it supports the claim and its best sentence.

    Snippets of other essays listed inside a file are a source of their own
    (section "related"), never credited to the host essay. ``timings``, if
    given, gets the seconds of query_encoding and claim_scoring (and
    reading, with a ``reader``) added in. The reader, if any, picks each
    source's evidence among its best few sentences (``reader_pick``).
    ``names`` are the collection's people, for the "names someone else" rule.
    """
    query = Query(claim)
    with stopwatch(timings, "query_encoding"):
        vector = retriever.query_vector(query)
    with stopwatch(timings, "claim_scoring"):
        return _claim_report(claim, query, vector, index, retriever, settings, names, reader, timings)


def _claim_report(
    claim: str,
    query: Query,
    vector: np.ndarray,
    index: Index,
    retriever: Retriever,
    settings: AnswerSettings,
    names: frozenset[str],
    reader: Reader | None = None,
    timings: Timings | None = None,
) -> ClaimReport:
    """Score every sentence against the claim and judge each source by its best one."""
    scorer = Scorer(index, retriever, settings)
    terms = scorer.weighted_terms(query)
    # Every sentence is scored at once (in slices, to bound memory), then each
    # source's best statement is picked: the sources and which sentences are
    # statements are worked out once per loaded index, not per claim.
    weights = settings.claim_feature_weights()
    # A different year (or number) is looked for among the sentences closest
    # to the claim without holding its missing years (numbers) against them: a
    # sentence that states them otherwise cannot hold them ("With the death of
    # Lenin in 1924" is scored against "Lenin died" for the claim "Lenin died
    # in 1922"). Only the values of that kind are left out: a sentence giving
    # another year still lacks the claim's counts ("Party membership rose from
    # 250,000 to 612,000 between 1919 and 1920" is not "party membership rose").
    value_terms = {kind: {t: terms[t] for t in _value_words(claim, retriever, kind) if t in terms} for kind in KINDS}
    value_terms = {kind: these for kind, these in value_terms.items() if these}
    total = sum(terms.values())
    count = len(index.sentences)
    every: list[np.ndarray] = []
    every_near: dict[str, list[np.ndarray]] = {kind: [] for kind in value_terms}
    for start in range(0, count, _CLAIM_SLICE):
        ids = np.arange(start, min(start + _CLAIM_SLICE, count))
        features = scorer.features(ids, vector, terms)
        every.append(features @ weights)
        for kind, these in value_terms.items():
            held, _, _ = index.sentence_terms.overlap(ids, these)
            weight = total - sum(these.values()) + held  # the claim's word weight without the values it lacks
            near = features.copy()
            near[:, _LEXICAL] = np.divide(
                features[:, _LEXICAL] * total, weight, where=weight > 0, out=np.zeros(len(ids))
            )
            every_near[kind].append(near @ weights)
    all_scores = np.concatenate(every) if every else np.zeros(0)
    all_near = {kind: np.concatenate(arrays) for kind, arrays in every_near.items() if arrays}
    statement = index.statement_mask  # a title or a question is no evidence for a claim
    read = _sources_to_read(all_scores, statement, index, settings) if reader is not None else set()
    floor = settings.claim_contradicted  # below it a sentence neither contradicts nor supports
    stances: dict[tuple[str, bool], Stance] = {}  # by sentence text: copies of one essay are read once

    def stance_of(sid: int, score: float) -> Stance:
        # A sentence that supports the claim by its score is read as close to it (``stance.stance``).
        text, close = index.sentences[sid].text, score >= settings.claim_supported
        if (text, close) not in stances:
            stances[text, close] = stance(claim, text, names, close=close)
        return stances[text, close]

    results = []
    for number, (doc_id, section, group) in enumerate(index.sentence_groups):
        sids = group[statement[group]]
        if not len(sids):
            continue
        scores = all_scores[sids]
        ranked = np.argsort(-scores, kind="stable")[: settings.claim_contradiction_candidates]
        position = int(ranked[0])
        if number in read:
            with stopwatch(timings, "reading"):
                position = reader_pick(claim, sids, scores, index, reader, settings.claim_read_top)
        best = int(sids[position])
        sentence, score = index.sentences[best], float(scores[position])
        found = stance_of(best, score) if score >= floor else Stance()
        support, note = support_level(score, found, settings)
        # The source's sentences that state the claim's fact otherwise: a
        # different year or number among those closest to the claim, its
        # missing values aside (they cannot hold them); another person or a
        # "not" among those closest to the claim itself. The rules are read
        # only for sentences close enough to count (thousands of sources).
        near = {kind: these[sids] for kind, these in all_near.items()}
        nearest = {
            kind: np.argsort(-these, kind="stable")[: settings.claim_contradiction_candidates].tolist()
            for kind, these in near.items()
        }
        conflicts = []
        for i in dict.fromkeys([*(i for these in nearest.values() for i in these), *ranked.tolist()]):
            if max([scores[i], *(near[kind][i] for kind in near if i in nearest[kind])]) < floor:
                continue
            found = stance_of(int(sids[i]), float(scores[i]))
            closeness = near[found.respect][i] if i in nearest.get(found.respect, ()) else scores[i]
            if found.conflict and closeness >= settings.claim_contradicted:
                conflicts.append((int(sids[i]), float(scores[i]), found.conflict))
        against = None
        # The source's sentence closest to the claim states the fact otherwise:
        # the reader's pick among weaker ones does not outweigh it.
        closest = [c for c in conflicts if c[1] >= scores[ranked[0]]]
        if (conflicts and support == NOT_FOUND) or (closest and support != CONTRADICTED):
            sid, score, note = (closest or conflicts)[0]
            sentence, support = index.sentences[sid], CONTRADICTED
        elif conflicts and support != CONTRADICTED:  # the source supports the claim and also says otherwise
            against = _evidence(index.sentences[conflicts[0][0]])
        title = index.documents[doc_id].title
        if section != MAIN:
            title = f"Other essays' snippets listed in \u201c{title}\u201d"
        evidence = _evidence(sentence) if support != NOT_FOUND or note else None
        results.append(SourceSupport(doc_id, title, section, support, score, evidence, note, against))
    results.sort(key=lambda r: (SUPPORT_LEVELS.index(r.support), -r.score))
    return ClaimReport(claim, tuple(results))


def _value_words(claim: str, retriever: Retriever, kind: str) -> set[str]:
    """The claim's words that state its years (``kind`` "year": "1922") or
    numbers ("number": "500", "000")."""
    return {t for v in values(claim) if v.kind == kind for t in retriever.query_tokens(claim[v.start : v.end])}


def _evidence(sentence) -> Evidence:
    return Evidence(
        sentence.text, sentence.start, sentence.end, location(sentence), sentence.section, sentence.paragraph
    )


def _sources_to_read(all_scores: np.ndarray, statement: np.ndarray, index: Index, settings: AnswerSettings) -> set[int]:
    """The sources (positions in ``index.sentence_groups``) whose evidence the
    reader picks: those at least partly supporting the claim, at most
    ``claim_read_sources`` of them, the best first (reads would grow with the
    collection otherwise, and with copies of one essay, whose scores tie)."""
    if settings.claim_read_sources < 1:
        return set()
    bests = [
        (float(all_scores[g[statement[g]]].max()), number)
        for number, (_, _, g) in enumerate(index.sentence_groups)
        if statement[g].any()
    ]
    bests = [(score, number) for score, number in bests if score >= settings.claim_partly]
    bests.sort(key=lambda pair: (-pair[0], pair[1]))
    return {number for _, number in bests[: settings.claim_read_sources]}


def reader_pick(claim: str, sids: np.ndarray, scores: np.ndarray, index: Index, reader: Reader, top: int) -> int:
    """The position (in ``sids``) of the source's evidence: of its ``top``
    sentences by claim score, the one the reader finds answers the claim best
    (a shared topic is not support; the cross-encoder reads both together)."""
    order = np.argsort(-scores, kind="stable")[: max(1, top)]
    logits = reader.score(claim, [index.sentences[int(sids[i])].text for i in order])
    return int(order[int(np.argmax(logits))])


def support_level(score: float, found: Stance, settings: AnswerSettings) -> tuple[str, str]:
    """A source's level from its best sentence's claim score and how that
    sentence stands towards the claim's facts (``stance.stance``): it
    contradicts the claim when it states the claim's fact otherwise; it does
    not support it when it gives only other years (or numbers) than the
    claim's, those of another event or a period around the claim's date (the
    note says which); without all of the claim's, it supports it at most
    partly. A note "gives X, not Y" comes with a contradiction only."""
    if found.conflict and score >= settings.claim_contradicted:
        return CONTRADICTED, found.conflict
    if score < settings.claim_partly:
        return NOT_FOUND, ""
    if found.dating == OTHERWISE:
        return NOT_FOUND, found.note
    if found.dating == UNSTATED:
        return PARTLY, ""
    return (SUPPORTED if score >= settings.claim_supported else PARTLY), ""
