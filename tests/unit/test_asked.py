"""What a question asks for, and whether a sentence says it (askhist.asked)."""

from __future__ import annotations

import pytest

from askhist.asked import asked_noun, event_words, noun_unstated, value_unstated

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("Which country was Trotsky exiled to?", "country"),
        ("In which town was Stalin born?", "town"),
        ("Which city's party organisation did Kirov lead?", "city"),
        ("What percentage of farms were collectivised?", "percentage"),
        ("In what year was Stalin born?", None),  # a value question: the evidence model's type_absent
        ("What kind of leader was Lenin?", None),
        ("What did Stalin do?", None),
        ("Who led the Red Army?", None),
    ],
)
def test_which_noun_a_question_asks_for(question, noun):
    assert asked_noun(question) == noun


@pytest.mark.parametrize(
    ("question", "texts", "unsaid"),
    [
        ("Which country was Trotsky exiled to?", ["Trotsky in particular was exiled."], True),
        ("Which country was Trotsky exiled to?", ["Trotsky was exiled from the country in 1929."], False),
        # The neighbours count: the country may be named in the next sentence.
        ("Which country was Trotsky exiled to?", ["Trotsky was exiled.", None, "The country was Turkey."], False),
        # A question whose other words are missing too paraphrases the sources: its noun's absence says nothing.
        ("Which newspaper did the Georgian write for while on the leadership body?", ["Stalin wrote a lot."], False),
    ],
)
def test_a_sentence_about_the_question_that_names_no_such_thing(question, texts, unsaid):
    assert noun_unstated(question, texts, min_share=1 / 3) is unsaid


def test_the_event_words_of_a_question_are_its_lower_case_content_words():
    assert event_words("In what year was Bukharin executed?") == ["executed"]
    assert event_words("When did Stalin become General Secretary?") == []  # a light verb and a name
    assert event_words("How many kulaks were deported?") == ["kulaks", "deported"]


@pytest.mark.parametrize(
    ("question", "sentence", "next_sentence", "unsaid"),
    [
        ("In what year was Bukharin executed?", "Lenin died in 1924, and Bukharin lost.", None, True),
        ("In what year was Bukharin executed?", "Bukharin was executed in 1938.", None, False),
        ("When did Lenin die?", "Lenin's death in 1924 left a gap.", None, False),  # "death" is "die"
        # The value in the next sentence counts when it points back.
        ("How many people joined the party?", "Workers joined.", "This brought 500,000 people into the party.", False),
        ("How many people joined the party?", "Workers left, 30,000 of them.", None, True),
        ("In what year was Bukharin executed?", "Bukharin was shot.", None, False),  # no year: type_absent's case
        ("Who succeeded Lenin when he died?", "Stalin rose in 1924.", None, False),  # a later "when": no value question
        ("When did Stalin become General Secretary?", "He rose in 1922.", None, False),  # no event word to check
    ],
)
def test_a_year_given_for_another_event(question, sentence, next_sentence, unsaid):
    assert value_unstated(question, sentence, next_sentence) is unsaid
