"""Why/how answers whose reason is in the next sentence: the rule in
askhist.reasons, and the answer's quote running on into that sentence with
exact offsets."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from askhist.answer import AnswerSettings
from askhist.assistant import Assistant, Settings
from askhist.reasons import (
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

from .conftest import fake_assistant_over

pytestmark = pytest.mark.unit

ESSAY = (
    "The Fall of Trotsky\n\n"
    "Trotsky was a gifted speaker and organiser of the Red Army in the civil war.\n\n"
    "Trotsky continued to dig his grave by launching attacks on the party bureaucracy. "
    "His criticism was none too popular with the party members and he was isolated.\n\n"
    "Stalin stayed quiet while his allies fought in public for him.\n"
)


@pytest.mark.parametrize(
    ("question", "asks"),
    [
        ("Why did Trotsky lose?", True),
        ("How did Stalin win?", True),
        ("What were the reasons for his fall?", True),
        ("How many members joined?", False),  # asks for a number
        ("How long did the NEP last?", False),
        ("When did Lenin die?", False),
        ("Who was Bukharin?", False),
    ],
)
def test_what_asks_for_a_reason(question, asks):
    assert asks_for_reason(question) is asks


def test_a_sentence_that_restates_the_question_and_gives_no_cause_lets_the_reason_follow():
    question = "Why did attacks on the party bureaucracy dig Trotsky's grave?"
    restating = "Trotsky continued to dig his grave by launching attacks on the party bureaucracy."
    assert reason_follows(question, restating, coverage=0.9, min_coverage=0.5)
    assert not reason_follows(question, restating, coverage=0.3, min_coverage=0.5)  # does not restate it
    assert not reason_follows("When did Trotsky fall?", restating, coverage=0.9, min_coverage=0.5)
    because = "Trotsky dug his grave because he attacked the bureaucracy."
    assert gives_reason(because) and not reason_follows(question, because, coverage=0.9, min_coverage=0.5)


@pytest.fixture(scope="module")
def trotsky(tmp_path_factory) -> Assistant:
    return fake_assistant_over({"trotsky.txt": ESSAY}, tmp_path_factory)


def _with(base: Assistant, reader=None, **answer) -> Assistant:
    settings = Settings(answer=dataclasses.replace(AnswerSettings(), **answer))
    return Assistant(base.index, base.encoder, base.doc_dirs, settings, reader=reader)


class WordReader:
    """A fake reader: a high logit for a text holding the grave sentence,
    plus ``bonus`` when it also holds ``word``."""

    def __init__(self, word: str, bonus: float) -> None:
        self.word, self.bonus = word, bonus

    def score(self, question, sentences, before=None, after=None) -> np.ndarray:
        return np.array([(9.0 if "grave" in s else -9.0) + (self.bonus if self.word in s else 0.0) for s in sentences])


class AloneReader:
    """A fake reader: a high logit for the one sentence starting with ``opening``, read alone."""

    def __init__(self, opening: str) -> None:
        self.opening = opening

    def score(self, question, sentences, before=None, after=None) -> np.ndarray:
        return np.array([9.0 if s.startswith(self.opening) and s.count(".") == 1 else -9.0 for s in sentences])


def test_the_quote_runs_on_into_the_reason_with_exact_offsets(trotsky):
    answer = trotsky.ask("Why did launching attacks on the party bureaucracy dig Trotsky's grave?")
    first = answer.sentences[0]
    assert first.runs_on
    assert first.text.startswith("Trotsky continued to dig his grave")
    assert first.text.endswith("he was isolated.")
    assert ESSAY[first.start : first.end] == first.text
    assert answer.to_dict()["sentences"][0]["runs_on"] is True
    # The next sentence is not quoted a second time.
    assert all("none too popular" not in s.text for s in answer.sentences[1:])


def test_no_run_on_for_other_questions_or_when_turned_off(trotsky):
    assert not trotsky.ask("Who organised the Red Army in the civil war?").sentences[0].runs_on
    off = _with(trotsky, reason_min_coverage=2.0)
    first = off.ask("Why did launching attacks on the party bureaucracy dig Trotsky's grave?").sentences[0]
    assert not first.runs_on and first.text.endswith("party bureaucracy.")


def test_the_last_sentence_of_a_section_does_not_run_on(trotsky):
    answer = trotsky.ask("Why did Stalin stay quiet while his allies fought in public for him?")
    assert answer.sentences[0].text == "Stalin stayed quiet while his allies fought in public for him."
    assert not answer.sentences[0].runs_on


@pytest.mark.parametrize(("bonus", "runs_on"), [(1.0, True), (-0.05, True), (-1.0, False)])
def test_the_reader_vetoes_a_next_sentence_that_reads_worse(trotsky, bonus, runs_on):
    # The pair holds "isolated": a bonus means the next sentence helps; a loss
    # beyond the int8 noise tolerance (0.1) means it is about something else.
    reader = _with(trotsky, reader=WordReader("isolated", bonus))
    answer = reader.ask("Why did launching attacks on the party bureaucracy dig Trotsky's grave?")
    assert answer.sentences[0].text.startswith("Trotsky continued to dig his grave")
    assert answer.sentences[0].runs_on is runs_on


@pytest.mark.parametrize(
    ("sentence", "points_back"),
    [
        ("This was a threat to Stalin.", True),
        ("“Such a move cost him the party.", True),
        ("It made him powerful.", True),
        ("Stalin was a threat to the Right.", False),
        ("Thistle grows in Georgia.", False),
    ],
)
def test_what_points_back(sentence, points_back):
    assert refers_back(sentence) is points_back


RIGHT = (
    "The Right\n\n"
    "Stalin wanted to seize the grain by force, while Bukharin's Right advocated persuasion instead of force.\n\n"
    "This was a threat to Stalin, and he outvoted the Right in the Politburo.\n\n"
    "All opposition was removed from the Politburo in the end.\n\n"
    "The new members were naive. Thus, they owed this all to the person who recruited them. "
    "Stalin was always careful to meet the needs and demands of these new members. "
    "The Lenin Enrolment ended when the party doubled.\n"
)


@pytest.fixture(scope="module")
def right(tmp_path_factory) -> Assistant:
    return fake_assistant_over({"right.txt": RIGHT}, tmp_path_factory)


def test_a_sentence_that_points_back_runs_back_into_the_reason_with_exact_offsets(right):
    answer = right.ask("Why was the Right a threat to Stalin?")
    first = answer.sentences[0]
    assert first.runs_back and not first.runs_on
    assert first.text.startswith("Stalin wanted to seize the grain")
    assert first.text.endswith("outvoted the Right in the Politburo.")
    assert RIGHT[first.start : first.end] == first.text
    assert answer.to_dict()["sentences"][0]["runs_back"] is True
    off = _with(right, reason_looks_back=False).ask("Why was the Right a threat to Stalin?").sentences[0]
    assert not off.runs_back and off.text.startswith("This was a threat")


def test_a_neighbour_that_gives_a_cause_is_the_reason_even_when_the_reader_prefers_neither(right):
    # The reader reads the sentence alone far better than either pair: without the cue it would veto both.
    reader = _with(right, reader=AloneReader("Stalin was always careful"))
    first = reader.ask("Why was Stalin careful to meet the needs and demands of the new members?").sentences[0]
    assert first.runs_back
    assert first.text.startswith("Thus, they owed this all") and first.text.endswith("these new members.")


@pytest.mark.parametrize(
    ("question", "term"),
    [
        ("what is bonapartism", "bonapartism"),  # as read: texting shorthand ("wat") is written out first
        ("What were the Kulaks?", "Kulaks"),
        ("What is the Orgburo?", "Orgburo"),
        ("what does NEP mean", "NEP"),
        ("Who was Bukharin?", "Bukharin"),
        ("What is the name of the head of the secret police?", None),  # asks about the term, not for its meaning
        ("What did Preobrazhensky's idea involve?", None),
        ("Why is Bonapartism feared?", None),
    ],
)
def test_which_questions_ask_to_define_a_term(question, term):
    assert defined_term(question) == term


@pytest.mark.parametrize(
    ("sentence", "term", "says"),
    [
        ('It would end in "Bonapartism," that is, in a military dictatorship.', "bonapartism", True),
        ("The NEP, meaning the New Economic Policy, let peasants sell grain.", "NEP", True),
        ("The Orgburo was the organisational bureau of the party.", "orgburo", True),
        ("War Communism refers to the policy of the civil war years.", "war communism", True),
        ("Bukharin’s Orgburo was a body Stalin ran.", "orgburo", True),
        ("Many feared Bonapartism after the civil war.", "bonapartism", False),
        ("The Orgburo met often, and it was the key.", "orgburo", False),
        ("A Bonapartist was a danger.", "bonapartism", False),  # another word
    ],
)
def test_which_sentences_say_what_a_term_is(sentence, term, says):
    assert defines(sentence, term) is says


@pytest.mark.parametrize(
    ("question", "why"),
    [
        ("Why did Trotsky lose?", True),
        ("y did trotsky lose", False),  # texting shorthand is written out before this is asked
        ("How did Stalin win?", False),
        ("Why, and when, did Lenin die?", False),  # asks for a year
    ],
)
def test_what_asks_why(question, why):
    assert asks_why(question) is why


def test_a_term_with_a_curly_apostrophe_is_found_either_way():
    assert defines("Lenin's Testament was a letter to the party congress.", defined_term("What was Lenin’s Testament?"))
    assert defines("Lenin’s Testament was a letter to the party congress.", defined_term("What was Lenin's Testament?"))


@pytest.mark.parametrize(
    ("question", "sentence", "next_sentence", "follows"),
    [
        ("How many joined?", "Stalin launched it in 1923.", "This caused an influx of 500,000 members.", True),
        ("When did it start?", "Stalin launched the Enrolment.", "It began in 1924.", True),
        ("How many joined?", "500,000 joined the Enrolment.", "This doubled the party, to 1,000,000.", False),
        ("How many joined?", "Stalin launched it.", "Workers came in 500,000 strong.", False),  # points nowhere
        ("How many joined?", "Stalin launched the Enrolment.", "This caused an influx of workers.", False),
        ("Why did they join?", "Stalin launched the Enrolment.", "This caused an influx of 500,000 members.", False),
    ],
)
def test_a_value_follows_in_the_next_sentence_when_it_points_back_and_gives_it(
    question, sentence, next_sentence, follows
):
    assert value_follows(question, sentence, next_sentence) is follows


COUNTED = (
    "The Lenin Enrolment\n\n"
    "Stalin launched the Lenin Enrolment between 1923 and 1925 to bring workers into the party. "
    "This caused an influx of 500,000 party members. "
    "The new members were loyal to Stalin.\n"
)


@pytest.fixture(scope="module")
def enrolment(tmp_path_factory) -> Assistant:
    return fake_assistant_over({"enrolment.txt": COUNTED}, tmp_path_factory)


def test_a_value_question_runs_on_into_the_sentence_that_gives_the_value(enrolment):
    question = "How many workers did the Lenin Enrolment bring into the party?"
    first = enrolment.ask(question).sentences[0]
    assert first.runs_on and first.text.startswith("Stalin launched") and first.text.endswith("500,000 party members.")
    assert COUNTED[first.start : first.end] == first.text
    off = _with(enrolment, value_runs_on=False).ask(question).sentences[0]
    assert not off.runs_on and off.text.startswith("Stalin launched")


@pytest.mark.parametrize(
    ("question", "following", "explains"),
    [
        ("Why were the members loyal?", "This was advantageous because they followed orders.", True),
        ("Why were the members loyal?", "This was in 1924.", False),  # points back, no cause
        ("Why were the members loyal?", "They were loyal because they owed him.", False),  # a cause, not pointing back
        ("How many members joined?", "This was advantageous because they followed orders.", False),  # a value
    ],
)
def test_a_next_sentence_that_points_back_and_gives_a_cause_explains(question, following, explains):
    assert explains_before(question, "Stalin supervised the Lenin Enrolment.", following) is explains
    assert not explains_before(question, "Stalin won because he was careful.", following)  # it gives its own


ENROLMENT = (
    "The Enrolment\n\n"
    "Stalin supervised the Lenin Enrolment of young workers and peasants. "
    "This was advantageous to Stalin because the recruits simply followed his instructions. "
    "Party membership doubled.\n\n"
    "Trotsky led the Red Army in the civil war.\n"
)


@pytest.mark.parametrize(("following", "runs_on"), [("because", True), ("when", False)])
def test_the_quote_runs_on_into_a_cause_pointing_back_whatever_the_first_sentence_covers(
    tmp_path_factory, following, runs_on
):
    essay = ENROLMENT.replace("because", following)
    base = fake_assistant_over({"enrolment.txt": essay}, tmp_path_factory)
    question = "Why were the new members who joined in the Lenin Enrolment loyal to Stalin?"
    reader = _with(base, reader=AloneReader("Stalin supervised"))  # the first sentence is the answer
    first = reader.ask(question).sentences[0]
    assert first.text.startswith("Stalin supervised")
    assert first.runs_on is runs_on
    assert essay[first.start : first.end] == first.text
    if runs_on:
        assert first.text.endswith("followed his instructions.")
        assert (
            not _with(base, reader=AloneReader("Stalin supervised"), reason_min_coverage=2.0)
            .ask(question)
            .sentences[0]
            .runs_on
        )
