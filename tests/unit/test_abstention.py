"""The abstention decision: say the sources don't answer, still show passages."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from askhist.answer import NO_ANSWER, AnswerSettings, should_abstain
from askhist.assistant import Assistant, Settings

pytestmark = pytest.mark.unit


def test_abstains_only_when_the_best_score_is_below_the_threshold():
    scores = np.array([0.2, 0.61, 0.4], dtype=np.float32)
    assert should_abstain(scores, 0.7)
    assert not should_abstain(scores, 0.5)
    assert not should_abstain(np.array([0.5], dtype=np.float32), 0.5)  # "below", not "at or below"


def test_no_candidate_sentences_always_abstain():
    empty = np.zeros(0, dtype=np.float32)
    for threshold in (0.1, 0.0, -0.1):
        assert should_abstain(empty, threshold)


def _with_threshold(assistant: Assistant, abstain_below: float) -> Assistant:
    answer = dataclasses.replace(AnswerSettings(), abstain_below=abstain_below)
    return Assistant(assistant.index, assistant.encoder, assistant.doc_dirs, Settings(answer=answer))


def test_an_abstaining_answer_has_no_sentences_but_keeps_the_passages(fake_assistant):
    answer = _with_threshold(fake_assistant, abstain_below=100.0).ask("Why did Trotsky lose the power struggle?")
    assert answer.abstained
    assert answer.sentences == ()
    assert answer.message == NO_ANSWER and answer.text == NO_ANSWER
    assert answer.passages  # the nearest passages are still shown
    record = answer.to_dict()
    assert record["answer"] is None and record["sentences"] == []


def test_a_low_threshold_answers_with_cited_sentences(fake_assistant):
    answer = _with_threshold(fake_assistant, abstain_below=-100.0).ask("Why did Trotsky lose the power struggle?")
    assert not answer.abstained and answer.message == ""
    assert [s.citation for s in answer.sentences] == list(range(1, len(answer.sentences) + 1))
    assert 1 <= len(answer.sentences) <= AnswerSettings().max_sentences
    assert answer.to_dict()["answer"]["text"] == answer.sentences[0].text
