"""Choosing the answer thresholds on the dev questions, cheaply.

One pass with abstention switched off records, per question, the best
sentence's score and whether that sentence is right; one pass with the claim
thresholds switched off records, per (claim, source), the best score and its
sentence. Any threshold can then be tried without asking again:

    scored = score_questions(assistant, dev_items)
    choice = best_abstain_threshold(scored)   # .value, .correct, .total
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..assistant import Assistant
from ..claims import PARTLY, SUPPORTED, support_level
from ..conversation import collection_names
from ..scoring import AnswerSettings
from ..stance import Stance, stance
from .metrics import is_hit, precision_recall_f1, quote_spans
from .qa import RELATED_SUFFIX, QAItem, document_texts
from .runner import CachedEncoder, variant

NEVER = -1e9  # a threshold no score falls below


@dataclass(frozen=True)
class ScoredQuestion:
    id: str
    split: str
    type: str
    answerable: bool
    score: float  # the best sentence's score (0 when no sentence qualifies)
    right: bool  # answering with that sentence would be right


@dataclass(frozen=True)
class ScoredPair:
    claim: str  # the claim's id
    split: str
    found: Stance  # how the evidence stands towards the claim's facts
    key: str  # doc or doc#related
    gold: str | None
    score: float
    evidence: str  # the source's best sentence


@dataclass(frozen=True)
class Choice:
    value: float
    score: float  # what the value achieves (correct count, or F1)
    total: int
    margin: float  # distance to the nearest data point: how robust the choice is


def score_questions(assistant: Assistant, items: Sequence[QAItem], encoder=None) -> list[ScoredQuestion]:
    # keep_within 1.0: select_sentences drops every sentence when the best
    # score is negative (keep_within * best > best); the best one is all we need.
    target = variant(assistant, {"abstain_below": NEVER, "keep_within": 1.0}, encoder)
    texts = document_texts(*assistant.doc_dirs) if assistant.doc_dirs else {}
    out = []
    for item in items:
        if item.is_claim:
            continue
        answer = target.ask(item.question, history=list(item.history))
        best = answer.sentences[0] if answer.sentences else None
        quotes = [(q.doc, quote_spans(texts.get(q.doc, ""), q.quote)) for q in item.evidence]
        right = not item.answerable or (
            best is not None and is_hit(best.doc, best.start, best.end, best.text, quotes, item.answers)
        )
        out.append(ScoredQuestion(item.id, item.split, item.type, item.answerable, best.score if best else 0.0, right))
    return out


def correct_at(scored: Sequence[ScoredQuestion], threshold: float) -> int:
    """Correct abstentions plus right answers when abstaining below ``threshold``."""
    return sum((q.score >= threshold and q.right) if q.answerable else q.score < threshold for q in scored)


def _candidates(values: Sequence[float]) -> list[tuple[float, float]]:
    """(threshold, margin): midpoints between sorted distinct values, and beyond both ends."""
    ordered = sorted(set(values))
    if not ordered:
        return [(0.0, 0.0)]
    out = [(ordered[0] - 0.01, 0.01)]
    out += [((a + b) / 2, (b - a) / 2) for a, b in itertools.pairwise(ordered)]
    out.append((ordered[-1] + 0.01, 0.01))
    return out


def _best(
    values: Sequence[float],
    objective: Callable[[float], float],
    total: int,
    prefer: float | None = None,
    at_least: float | None = None,
) -> Choice:
    """The threshold maximising ``objective`` among midpoints of ``values``
    (ties: the widest gap). ``prefer`` (the current value) is kept when it
    does as well, so that a tie does not move a setting."""
    candidates = [(t, m) for t, m in _candidates(values) if at_least is None or t >= at_least]
    candidates = candidates or [(at_least or 0.0, 0.0)]
    value, margin, threshold = max(((objective(t), m, t) for t, m in candidates), key=lambda s: (s[0], s[1]))
    if prefer is not None and (at_least is None or prefer >= at_least) and objective(prefer) >= value - 1e-12:
        margin = min((abs(prefer - v) for v in values), default=0.0)
        return Choice(prefer, objective(prefer), total, round(margin, 4))
    return Choice(round(threshold, 4), value, total, round(margin, 4))


def best_abstain_threshold(scored: Sequence[ScoredQuestion], prefer: float | None = None) -> Choice:
    """The threshold that maximises correct abstentions + right answers
    (ties: ``prefer`` if it is among the best, else the value farthest from
    any question's score)."""
    return _best([q.score for q in scored], lambda t: correct_at(scored, t), len(scored), prefer)


def score_claims(assistant: Assistant, items: Sequence[QAItem], encoder=None) -> list[ScoredPair]:
    target = variant(assistant, {"claim_partly": NEVER}, encoder)
    names = collection_names(s.text for s in assistant.index.sentences)
    out = []
    for item in items:
        if not item.is_claim:
            continue
        for s in target.check(item.question).sources:
            key = s.doc if s.section == "main" else s.doc + RELATED_SUFFIX
            evidence = s.evidence.text if s.evidence else ""
            found = stance(item.question, evidence, names)
            out.append(ScoredPair(item.id, item.split, found, key, item.gold_support(key), s.score, evidence))
    return out


def claim_f1(pairs: Sequence[ScoredPair], partly: float, supported: float, level: str | None = None) -> float:
    """F1 over (claim, source) pairs at these thresholds; ``level="supported"``
    scores only the "supported" label."""
    tp = fp = fn = 0
    for p in pairs:
        settings = _Thresholds(partly, supported)
        predicted_level, _ = support_level(p.score, p.found, settings)
        if level is None:
            predicted, gold = predicted_level in (SUPPORTED, PARTLY), p.gold is not None
        else:
            predicted, gold = predicted_level == SUPPORTED, p.gold == level
        tp, fp, fn = tp + (predicted and gold), fp + (predicted and not gold), fn + (gold and not predicted)
    return precision_recall_f1(tp, fp, fn)["f1"] or 0.0


@dataclass(frozen=True)
class _Thresholds:
    claim_partly: float
    claim_supported: float
    claim_contradicted: float = AnswerSettings.claim_contradicted


def best_claim_thresholds(
    pairs: Sequence[ScoredPair], current_supported: float, current_partly: float | None = None
) -> tuple[Choice, Choice]:
    """claim_partly maximising F1 of found/not found, then claim_supported
    (at least claim_partly) maximising F1 of the "supported" label; the
    current values are kept on ties."""
    scores = [p.score for p in pairs]
    partly = _best(scores, lambda t: claim_f1(pairs, t, max(t, current_supported)), len(pairs), current_partly)
    supported = _best(
        scores,
        lambda t: claim_f1(pairs, partly.value, t, level="supported"),
        len(pairs),
        current_supported,
        at_least=partly.value,
    )
    return partly, supported


@dataclass
class Calibration:
    """Suggested answer settings, fitted on ``fit_split`` and measured on the rest."""

    fit_split: str
    rows: list[dict]  # one per (dense_weight, lexical_weight) tried
    suggestion: dict

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def calibrate(
    assistant: Assistant,
    items: Sequence[QAItem],
    dense_shares: Sequence[float] = (0.4, 0.5, 0.6, 0.7, 0.8),
    fit_split: str = "dev",
) -> Calibration:
    """For each dense/lexical weighting (shares of the current total weight,
    and the current pair), the best abstention and claim thresholds on
    ``fit_split``, and what they give on the other split."""
    fit = [i for i in items if i.split == fit_split] or list(items)
    fit_ids = {i.id for i in fit}
    held = [i for i in items if i.id not in fit_ids]
    encoder = CachedEncoder(assistant.encoder)
    current = assistant.settings.answer
    # The dense share of the current total weight varies; the current pair is always tried.
    total = current.dense_weight + current.lexical_weight
    now = (current.dense_weight, current.lexical_weight)
    weights = sorted({*((round(d * total, 4), round((1 - d) * total, 4)) for d in dense_shares), now})
    rows = []
    for dense, lexical in weights:
        base = variant(assistant, {"dense_weight": dense, "lexical_weight": lexical}, encoder)
        q_fit, q_held = score_questions(base, fit, encoder), score_questions(base, held, encoder)
        c_fit, c_held = score_claims(base, fit, encoder), score_claims(base, held, encoder)
        abstain = best_abstain_threshold(q_fit, prefer=current.abstain_below)
        row = {
            "dense_weight": dense,
            "lexical_weight": lexical,
            "abstain_below": abstain.value,
            "abstain_margin": abstain.margin,
            "fit_correct": abstain.score / max(abstain.total, 1),
            "held_correct": correct_at(q_held, abstain.value) / len(q_held) if q_held else None,
        }
        if c_fit:
            partly, supported = best_claim_thresholds(c_fit, current.claim_supported, current.claim_partly)
            row.update(
                claim_partly=partly.value,
                claim_supported=supported.value,
                fit_claim_f1=partly.score,
                held_claim_f1=claim_f1(c_held, partly.value, supported.value) if c_held else None,
                fit_supported_f1=supported.score,
            )
        if (dense, lexical) == now:  # what the current thresholds give, for comparison
            row["current"] = {
                "abstain_below": current.abstain_below,
                "fit_correct": correct_at(q_fit, current.abstain_below) / max(len(q_fit), 1),
                "held_correct": correct_at(q_held, current.abstain_below) / len(q_held) if q_held else None,
                "fit_claim_f1": claim_f1(c_fit, current.claim_partly, current.claim_supported) if c_fit else None,
                "held_claim_f1": claim_f1(c_held, current.claim_partly, current.claim_supported) if c_held else None,
            }
        rows.append(row)
    # The weighting with the most right answers + abstentions; ties keep the current one.
    best = max(rows, key=lambda r: (round(r["fit_correct"], 6), "current" in r))
    suggestion = {k: best[k] for k in ("dense_weight", "lexical_weight", "abstain_below") if k in best}
    suggestion.update({k: best[k] for k in ("claim_partly", "claim_supported") if k in best})
    return Calibration(fit_split, rows, suggestion)
