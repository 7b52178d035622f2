"""Mutants: clearly worse systems the gate must reject.

A gate that a worse system passes measures nothing, so CI runs these and
expects each to FAIL ``eval/thresholds.json``:

* ``bm25-only`` and ``dense-only``: one retriever instead of the fusion;
* ``no-follow-up``: follow-up detection off, every question read alone;
* ``first-sentence``: the answer scorer replaced by "the first sentence of the
  first passage" (retrieval and the abstention decision unchanged).

Each is the real assistant with other settings, or wrapped behind the same
``ask``/``check`` interface ``evaluate`` uses; they share one index and one
encoder, and question vectors are computed once for all of them.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from ..answer import Answer, AnswerSentence, location
from ..assistant import Assistant
from .gate import check_gate
from .qa import QAItem
from .runner import CachedEncoder, EvalResult, evaluate, variant


class _Wrapped:
    """An assistant seen through another ``ask``; everything else is the real one's."""

    def __init__(self, assistant: Assistant) -> None:
        self.assistant = assistant

    def __getattr__(self, name: str):
        return getattr(self.assistant, name)


class WithoutFollowUps(_Wrapped):
    """Follow-up detection off: the conversation's earlier questions are never used."""

    def ask(self, question: str, history: Sequence[str] | None = None, top_k: int = 5) -> Answer:
        return self.assistant.ask(question, history=None, top_k=top_k)


class FirstSentence(_Wrapped):
    """Answers with the first sentence of the first passage retrieved."""

    def __init__(self, assistant: Assistant) -> None:
        super().__init__(assistant)
        index = assistant.index
        self._first = {(p.doc, p.start, p.end): index.sentences[p.first_sentence] for p in index.passages}

    def ask(self, question: str, history: Sequence[str] | None = None, top_k: int = 5) -> Answer:
        answer = self.assistant.ask(question, history=history, top_k=top_k)
        if answer.abstained or not answer.passages:
            return answer
        top = answer.passages[0]
        s = self._first[top.doc, top.start, top.end]
        score = answer.sentences[0].score if answer.sentences else 0.0
        sentence = AnswerSentence(
            s.text, s.doc, top.title, s.start, s.end, 1, location(s), score, s.section, s.paragraph
        )
        return dataclasses.replace(answer, sentences=(sentence,))


MUTANTS = ("bm25-only", "dense-only", "no-follow-up", "first-sentence")


def mutant(name: str, assistant: Assistant, encoder=None):
    """The assistant with one part made worse (``MUTANTS`` lists the names)."""
    if name == "bm25-only":
        return variant(assistant, {"fusion": "bm25"}, encoder)
    if name == "dense-only":
        return variant(assistant, {"fusion": "dense"}, encoder)
    same = variant(assistant, assistant.settings, encoder)
    if name == "no-follow-up":
        return WithoutFollowUps(same)
    if name == "first-sentence":
        return FirstSentence(same)
    raise ValueError(f"unknown mutant {name!r}; choose from {', '.join(MUTANTS)}")


@dataclass(frozen=True)
class MutantOutcome:
    name: str
    result: EvalResult
    gate: dict

    @property
    def rejected(self) -> bool:
        return not self.gate["passed"]


def run_mutants(
    assistant: Assistant,
    items: Sequence[QAItem],
    thresholds: dict,
    names: Sequence[str] = MUTANTS,
    encoder=None,
) -> list[MutantOutcome]:
    """Evaluate each mutant on the questions (claims don't depend on what is
    mutated) and apply the gate to it."""
    encoder = encoder or CachedEncoder(assistant.encoder)
    outcomes = []
    for name in names:
        result = evaluate(mutant(name, assistant, encoder), items, name=name, claims=False)
        outcomes.append(MutantOutcome(name, result, check_gate(result.overall, thresholds, result.by_type)))
    return outcomes
