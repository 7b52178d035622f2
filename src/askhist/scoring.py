"""Today's score: the answer stage's settings, and the features that score
a sentence against a question by meaning and by words.

Every candidate sentence gets one row of ``FEATURE_NAMES`` (``Scorer``): the
cosine of its vector and the question's (sentence vectors are computed at
index time), the share of the question's IDF weight it covers, and a few
cues. Their weighted sum is "today's score": it picks which candidates the
reader reads (:mod:`askhist.answer`), and answers on its own without a reader
and for follow-ups. The claim check scores every sentence with the same
features and its own weights (:mod:`askhist.claims`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .index import Index
from .reasons import CAUSE, WHY_QUESTION
from .retrieval import CONTEXT_WEIGHT, Query, Retriever

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
    # Dev (57 claims) found/not-found F1 by claim_partly: .47 .767, .48 .786, .50 .821, .51 .822, .52 .789.
    claim_partly: float = 0.50
    # A source contradicts a claim when one of its closest sentences (this
    # many, scoring at least claim_contradicted) states the claim's fact
    # otherwise (askhist.stance.conflict).
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
    # A follow-up whose best sentence by today's score repeats one the earlier answer quoted ("what happened to
    # them in the end?" -> the sentence that answered "Who did Trotsky join forces with...?"), its quote not
    # running on into a new sentence: the reader reads it and the next candidates (this many in all) with the
    # question as understood, and quotes another first when it reads that one as answering (logit above
    # followup_repeat_floor) and higher than the repeat by followup_repeat_margin (answer.reread_repeat).
    # Dev follow-ups (43) hit@1 .744 -> .837, nothing lost; read 2-5 the same; margin 0-0.5 the same, 1: .814;
    # floor -1 to 3 the same, none: .767 (a vague "what did it cost them?" reads every sentence low). 0: never.
    followup_repeat_read: int = 3
    followup_repeat_margin: float = 0.25
    followup_repeat_floor: float = 0.0
    # ... and a "when" follow-up of a "when" question passes over candidates that give no year the earlier
    # answer did not ("and when did he die?" after the year of his stroke). Dev follow-ups .814 -> .837.
    followup_new_year: bool = True
    read_previous_for_why: bool = False  # read why/how candidates with the sentence before them (dropped on dev)
    evidence_weights: tuple[float, ...] = (0.062, -0.092, 0.253, -1.269, 0.0)  # reader.EVIDENCE_FEATURES order
    evidence_bias: float = 0.155
    abstain_evidence_below: float = 0.392  # abstain below this probability (false abstention .05 on dev)
    # ... or when this share of the question's word weight is in words the collection never uses and the
    # reader's best logit is below abstain_unknown_logit (README, Choices).
    # A sentence the reader is this sure of is quoted whatever the evidence model says: the model's
    # margin weight is negative (fitted on dev), which declined the one answer of a one-document folder.
    answer_above_logit: float = 8.0
    # ... and at lower logits for two kinds of question (answer.reader_is_sure; README, Choices): a "why"
    # question, and a "what is X?" question whose sentence says what X is.
    answer_why_above_logit: float = 6.0
    answer_definition_above_logit: float = 0.0
    abstain_unknown_share: float = 0.6  # dev: abstention .30 -> .40, false .029 -> .039
    abstain_unknown_logit: float = -6.0
    # ... or, unless the reader is sure, when the chosen sentence does not say what was asked (askhist.asked):
    # "which country" and no country named, in a sentence (with its neighbours) holding this share of the
    # question's other content words; a year given for another event. Off: dev unanswerable abstained
    # 14 -> 30 / 56 at no false abstention, but SQuAD dev false abstentions 186 -> 498 (README, Choices).
    abstain_unstated: bool = False
    # ... the part of it that does no harm on SQuAD: only when the collection never uses a word of what was
    # asked ("executed", "newspaper"): the sources cannot date an execution they never mention. Dev
    # unanswerable abstained 14 -> 20 / 56, false abstentions 3 -> 3 / 140; SQuAD dev unchanged (README, Choices).
    abstain_unnamed_event: bool = True
    unstated_min_share: float = 1 / 3
    # A why/how answer whose sentence restates the question (covers this share of its word weight) and
    # gives no cause runs on into the next sentence, where essays give the reason (askhist.reasons).
    # Dev: why hit@1 .27 -> .68, all .51 -> .61; 10 of its 12 run-ons bring the answer (0.3: why .77, but 7
    # of 19 run-ons needless). README, Choices. Above 1: never.
    reason_min_coverage: float = 0.5
    # ... unless the reader scores the two sentences together below the first alone by more than this: a
    # next sentence about something else. Ties run on: the int8 logits move by about 0.1 with padding alone.
    reason_read_tolerance: float = 0.1
    # The reason may be the sentence before instead: taken when the sentence points back to it ("This was..."),
    # or when the reader reads the two better than the sentence and the next one (README, Choices).
    reason_looks_back: bool = True
    # A "when"/"how many" answer whose sentence gives no year (number) runs on into the next sentence when
    # that one points back and gives it ("This caused an influx of 500,000 party members."). README, Choices.
    value_runs_on: bool = True
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
