"""Follow-ups through the assistant: what a question is read with, and history forms."""

from __future__ import annotations

import pytest

from askhist.assistant import InputError

pytestmark = pytest.mark.unit

EARLIER = ["Why did Trotsky lose the power struggle?"]


def test_a_follow_up_is_read_with_the_earlier_turn_and_says_so(fake_assistant):
    answer = fake_assistant.ask("and what about Bukharin?", history=["Who was Lenin?", *EARLIER])
    assert answer.context == EARLIER[-1]
    assert answer.resolved_context == "Why did Bukharin lose the power struggle? | " + EARLIER[-1]
    assert answer.to_dict()["resolved_context"] == answer.resolved_context


@pytest.mark.parametrize(
    "question",
    ["Who was Bukharin?", "Who was Nikolai Bukharin?", "When did Lenin die?", "Why was Trotsky unpopular?"],
)
def test_a_self_contained_question_is_never_rewritten(fake_assistant, question):
    answer = fake_assistant.ask(question, history=EARLIER)
    assert answer.context == "" and answer.resolved_context == "" and answer.referent == ""


def test_history_as_answers_as_dicts_and_as_text_reads_the_same(fake_assistant):
    first = fake_assistant.ask(EARLIER[0])
    as_text = fake_assistant.ask("why did he fail?", history=EARLIER)
    as_answer = fake_assistant.ask("why did he fail?", history=[first])
    as_dict = fake_assistant.ask("why did he fail?", history=[first.to_dict()])
    assert as_text.resolved_context == as_answer.resolved_context == as_dict.resolved_context
    assert as_text.referent == "Trotsky"


@pytest.mark.parametrize("history", [5, "Who was Lenin?", {"question": "x"}, [{"question": 5}]])
def test_bad_history_is_an_input_error(fake_assistant, history):
    with pytest.raises(InputError):
        fake_assistant.ask("why did he fail?", history=history)


def test_nothing_is_a_follow_up_without_history(fake_assistant):
    for history in (None, []):
        assert fake_assistant.ask("and what about Bukharin?", history=history).context == ""


def test_a_follow_up_of_a_follow_up_leans_on_the_question_the_first_one_followed(fake_assistant):
    history = ["What was the Lenin Enrolment?", "how many people joined?"]
    as_text = fake_assistant.ask("why were they so loyal to him?", history=history)
    first = fake_assistant.ask(history[0])
    second = fake_assistant.ask(history[1], history=[first])
    as_answers = fake_assistant.ask("why were they so loyal to him?", history=[first, second])
    assert "What was the Lenin Enrolment?" in as_text.resolved_context
    assert as_text.resolved_context == as_answers.resolved_context
