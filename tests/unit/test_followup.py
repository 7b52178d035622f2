"""Follow-up detection: which questions are read with the one before."""

from __future__ import annotations

import pytest

from askhist.retrieval import Query, make_query, needs_context

pytestmark = pytest.mark.unit

EARLIER = ["Why did Trotsky lose the power struggle?"]


@pytest.mark.parametrize(
    "question",
    [
        "and what about Bukharin?",
        "What about Zinoviev?",
        "why did he lose?",
        "Was this a mistake?",
        "But Kamenev?",
        "why?",
        "what else?",
    ],
)
def test_follow_ups_are_read_with_the_previous_question(question):
    assert needs_context(question, EARLIER)
    assert make_query(question, ["Who was Lenin?", *EARLIER]) == Query(question, EARLIER[-1])


@pytest.mark.parametrize(
    "question",
    [
        "What is the capital of Australia?",
        "Who was Nikolai Bukharin?",
        "When did Lenin die?",
        "Lenin Enrolment",
    ],
)
def test_questions_that_stand_alone_are_not_follow_ups(question):
    assert not needs_context(question, EARLIER)
    assert make_query(question, EARLIER) == Query(question)


@pytest.mark.parametrize("history", [None, []])
def test_nothing_is_a_follow_up_without_history(history):
    assert not needs_context("and what about Bukharin?", history)
    assert make_query("and what about Bukharin?", history) == Query("and what about Bukharin?")


def test_the_assistant_reports_which_question_a_follow_up_was_read_with(fake_assistant):
    answer = fake_assistant.ask("and what about Bukharin?", history=["Who was Lenin?", *EARLIER])
    assert answer.context == EARLIER[-1]
    assert fake_assistant.ask("Who was Nikolai Bukharin?", history=EARLIER).context == ""
