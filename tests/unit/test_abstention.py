"""The abstention decision: say the sources don't answer, still show passages."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from askhist.answer import NO_ANSWER, AnswerSettings, reader_is_sure, should_abstain
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


# The reader is sure enough for some kinds of question whatever the evidence model says (answer.reader_is_sure).
DEFINING = (
    "The Fear of a General\n\n"
    'The great fear of many communists was that the revolution would end in "Bonapartism," that is, '
    "in a military dictatorship under a charismatic general.\n\n"
    "Trotsky led the Red Army in the civil war and was feared by the other leaders.\n\n"
    "The Lenin Enrolment began in 1924. This brought 500,000 new members into the party.\n\n"
    "The Lenin Enrolment began in 1924, and it changed the party for ever.\n"
)


class OneSentenceReader:
    """A fake reader: ``high`` for the one sentence holding ``word``, -12 for the others (a wide margin)."""

    def __init__(self, word: str, high: float) -> None:
        self.word, self.high = word, high

    def score(self, question, sentences, before=None, after=None) -> np.ndarray:
        return np.array([self.high if self.word in s else -12.0 for s in sentences])


@pytest.fixture(scope="module")
def defining(tmp_path_factory) -> Assistant:
    from .conftest import fake_assistant_over

    return fake_assistant_over({"fear.txt": DEFINING}, tmp_path_factory)


def _read_by(base: Assistant, reader, **answer) -> Assistant:
    settings = Settings(answer=dataclasses.replace(AnswerSettings(), **answer))
    return Assistant(base.index, base.encoder, base.doc_dirs, settings, reader=reader)


def test_a_what_is_question_is_answered_by_the_sentence_that_defines_its_term(defining):
    reader = OneSentenceReader("Bonapartism", high=4.0)
    answer = _read_by(defining, reader).ask("wat is bonapartism")
    assert not answer.abstained and "Bonapartism" in answer.sentences[0].text
    # The same reading declines without the rule (the evidence model's margin weight), and for a question
    # that asks something else about the term.
    assert _read_by(defining, reader, answer_definition_above_logit=100.0).ask("wat is bonapartism").abstained
    assert _read_by(defining, reader).ask("Who feared Bonapartism most?").abstained


def test_a_why_question_is_answered_when_the_reader_is_sure_enough(defining):
    reader = OneSentenceReader("Trotsky", high=7.0)
    question = "Why was Trotsky feared by the other leaders?"
    assert not _read_by(defining, reader).ask(question).abstained
    assert _read_by(defining, reader, answer_why_above_logit=7.5).ask(question).abstained
    assert _read_by(defining, OneSentenceReader("Trotsky", high=5.0)).ask(question).abstained
    assert _read_by(defining, reader).ask("Whom did Trotsky fear among the leaders?").abstained  # not "why"


def test_reader_is_sure_by_kind_of_question():
    settings = AnswerSettings()
    sentence = 'It would end in "Bonapartism," that is, in a military dictatorship.'
    assert reader_is_sure("Who led?", "Stalin led.", settings.answer_above_logit, settings)
    assert not reader_is_sure("Who led?", "Stalin led.", settings.answer_above_logit - 0.1, settings)
    assert reader_is_sure("What is Bonapartism?", sentence, settings.answer_definition_above_logit, settings)
    assert not reader_is_sure("What is Bonapartism?", sentence, settings.answer_definition_above_logit - 0.1, settings)
    assert not reader_is_sure("What is the NEP?", sentence, 5.0, settings)  # the sentence defines another term
    assert reader_is_sure("Why did it end?", "It ended.", settings.answer_why_above_logit, settings)
    assert not reader_is_sure("How did it end?", "It ended.", settings.answer_why_above_logit, settings)


# A sentence that mentions what was asked about but does not say what was asked (askhist.asked).
EXILE = (
    "Trotsky's Fall\n\n"
    "Trotsky in particular was exiled.\n\n"
    "Stalin won the struggle for the leadership of the party in the end.\n"
)


class CloseReader:
    """A fake reader: ``high`` for the sentence holding ``word``, three less for the others (a narrow margin,
    which the evidence model reads as answerable)."""

    def __init__(self, word: str, high: float) -> None:
        self.word, self.high = word, high

    def score(self, question, sentences, before=None, after=None) -> np.ndarray:
        return np.array([self.high if self.word in s else self.high - 3.0 for s in sentences])


@pytest.fixture(scope="module")
def exile(tmp_path_factory) -> Assistant:
    from .conftest import fake_assistant_over

    return fake_assistant_over({"exile.txt": EXILE}, tmp_path_factory)


def test_a_sentence_that_names_no_such_thing_as_was_asked_is_declined_when_turned_on(exile):
    question = "Which country was Trotsky exiled to?"
    reader = CloseReader("exiled", high=5.0)
    answered = _read_by(exile, reader).ask(question)
    assert not answered.abstained and answered.sentences[0].text == "Trotsky in particular was exiled."
    assert _read_by(exile, reader, abstain_unstated=True).ask(question).abstained
    assert not _read_by(exile, reader, abstain_unstated=True).ask("Was Trotsky exiled?").abstained
    # A reader sure enough still answers (reader_is_sure).
    assert not _read_by(exile, CloseReader("exiled", high=8.0), abstain_unstated=True).ask(question).abstained
    # By default only when the collection never uses a word of what was asked ("exiled" it does use).
    unnamed = "Which newspaper did Trotsky edit?"
    assert _read_by(exile, reader).ask(unnamed).abstained
    assert not _read_by(exile, reader, abstain_unnamed_event=False).ask(unnamed).abstained


# A year given for another event, when the collection never names the event asked about.
PURGE = (
    "The Struggle\n\n"
    "Lenin's death in 1924 set off a struggle between Stalin, Trotsky and Bukharin.\n\n"
    "Trotsky was expelled from the party in 1927 after a long fight.\n"
)


@pytest.fixture(scope="module")
def purge(tmp_path_factory) -> Assistant:
    from .conftest import fake_assistant_over

    return fake_assistant_over({"purge.txt": PURGE}, tmp_path_factory)


def test_a_year_for_an_event_the_collection_never_names_is_declined(purge):
    reader = CloseReader("Bukharin", high=5.0)
    question = "In what year was Bukharin executed?"  # "executed" is no word of the collection
    assert _read_by(purge, reader).ask(question).abstained
    answered = _read_by(purge, reader, abstain_unnamed_event=False).ask(question)
    assert not answered.abstained and answered.sentences[0].text.startswith("Lenin's death in 1924")
    # An event the collection names is left to the evidence model (this sentence gives another event's year:
    # abstain_unstated, off, would decline it too).
    assert not _read_by(purge, reader).ask("In what year was Bukharin expelled?").abstained
    assert _read_by(purge, reader, abstain_unstated=True).ask("In what year was Bukharin expelled?").abstained
    # A sentence that gives the event's year is answered.
    assert not _read_by(purge, CloseReader("expelled", high=5.0)).ask("In what year was Trotsky expelled?").abstained
