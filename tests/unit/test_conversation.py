"""Follow-up detection and referent resolution, without a model."""

import pytest

from askhist.conversation import (
    Turn,
    collection_names,
    dependencies,
    read,
    resolve,
    searched_text,
    unlisted_names,
)

pytestmark = pytest.mark.unit

NAMES = frozenset({"Stalin", "Trotsky", "Lenin", "Bukharin", "Zinoviev", "Kamenev"})


@pytest.mark.parametrize(
    "question",
    [
        "Why was Trotsky unpopular?",
        "Who was Bukharin?",
        "What was the Lenin Enrolment?",
        "Why did Stalin say that Lenin was ill?",
        "How did Stalin defeat Trotsky?",
        "Why did Stalin and Trotsky disagree about their plans?",
        "What was the NEP?",
        "How many people died in the Gulags according to the essays?",
        "who was bukharin?",
    ],
)
def test_self_contained_questions_do_not_depend_on_the_conversation(question):
    assert dependencies(question, NAMES) == []
    turns = [Turn("When did Lenin die?", "Lenin died in 1924.")]
    reading = read(question, turns, NAMES)
    assert not reading.is_follow_up
    assert reading.resolved == question and reading.resolved_context == ""


@pytest.mark.parametrize(
    ("question", "lacks"),
    [
        ("Why did he lose?", "'he' has no name before it"),
        ("So why didn't they trust him?", "'they' has no name before it"),
        ("What did Stalin do with that job?", "'that job' points back"),
        ("And in 1926?", "it continues the earlier question"),
        ("What about Bukharin?", "it continues the earlier question"),
        ("Why?", "it has no subject of its own"),
        ("how many people joined?", "it names nothing of its own"),
        ("and trotsky?", "it continues the earlier question"),
    ],
)
def test_what_a_follow_up_lacks(question, lacks):
    assert lacks in dependencies(question, NAMES)


def test_a_name_before_the_pronoun_is_its_antecedent():
    assert dependencies("When Trotsky fell ill, what did he do?", NAMES) == []


def test_he_after_a_who_question_is_the_person_the_answer_named():
    turns = [Turn("Who became General Secretary in 1922?", "In 1922 Stalin was made General Secretary.")]
    reading = read("Why did he get the job?", turns, NAMES)
    assert reading.referent == "Stalin"
    assert reading.resolved == "Why did Stalin get the job?"
    assert reading.follows == turns[0].question
    assert reading.context == "Who became General Secretary in 1922?"
    assert reading.resolved_context == "Why did Stalin get the job? | Who became General Secretary in 1922?"
    assert reading.earlier_answer == turns[0].answer  # the answer stage asks whether it would quote it again


def test_the_person_who_answers_a_who_question_is_the_one_next_to_its_words():
    turns = [
        Turn(
            "Who led the Right Opposition?",
            "Stalin wanted to seize the grain by force, the Right Opposition led by Bukharin advocated persuasion.",
        )
    ]
    reading = read("who else was on his side?", turns, NAMES)
    assert reading.referent == "Bukharin"
    assert reading.resolved == "who else was on Bukharin's side?"


def test_a_who_answer_names_the_person_even_when_the_collection_rarely_does():
    turn = Turn(
        "Who was named as Lenin's successor as head of state?",
        "Rykov was named as Lenin's successor as head of state (chairman of the Council of People's Commissars).",
    )
    assert resolve(turn, NAMES)[0] == "Rykov"
    assert read("did that job give him much power?", [turn], NAMES).resolved == "did that job give Rykov much power?"
    # Offices, bodies after "the" and the question's own words are not people.
    assert unlisted_names(turn.answer, turn.question, NAMES) == ["Rykov"]
    # Only when the answer names no listed person: not "Kremlin" here.
    spoke = Turn("Who spoke at the funeral?", "In the Kremlin hall, Stalin spoke at the funeral.")
    assert resolve(spoke, NAMES) == ["Stalin"]


def test_who_was_x_is_about_x():
    assert resolve(Turn("Who was Bukharin?", "Bukharin worked with Stalin against Trotsky."), NAMES)[0] == "Bukharin"


def test_possessive_pronoun_becomes_a_possessive_name():
    turns = [Turn("Why did Trotsky lose?", "Trotsky was arrogant.")]
    assert read("What was his power base?", turns, NAMES).resolved == "What was Trotsky's power base?"


def test_a_person_replaces_a_personal_pronoun_not_an_earlier_they():
    turns = [Turn("Why did Stalin launch the Lenin Enrolment?", "Stalin wanted loyal members.")]
    reading = read("why were they so loyal to him?", turns, NAMES)
    assert reading.referent == "Stalin"
    assert reading.resolved == "why were they so loyal to Stalin?"


def test_ellipsis_swaps_the_year_or_the_name_of_the_earlier_question():
    turns = [Turn("What did Trotsky do in 1925?", "")]
    assert read("And in 1926?", turns, NAMES).resolved == "What did Trotsky do in 1926?"
    turns = [Turn("Why did Trotsky lose the power struggle?", "")]
    assert read("What about Bukharin?", turns, NAMES).resolved == "Why did Bukharin lose the power struggle?"


def test_demonstrative_reads_with_the_earlier_answer():
    turns = [Turn("What post did Stalin get in 1922?", "Stalin became General Secretary. It was dull work.")]
    reading = read("Why was that job important?", turns, NAMES)
    assert reading.is_follow_up and reading.resolved == "Why was that job important?"
    assert reading.context == "What post did Stalin get in 1922? Stalin became General Secretary."


def test_a_follow_up_of_a_follow_up_read_as_asked_keeps_what_that_one_leaned_on():
    enrolment = Turn("What was the Lenin Enrolment?", "The Lenin Enrolment doubled the party.")
    joined = Turn("how many people joined?", "500,000 joined.", follows=enrolment.question)
    reading = read("why were they so loyal to him?", [enrolment, joined], NAMES)
    assert reading.context.startswith("What was the Lenin Enrolment? how many people joined?")
    # One that was resolved carries its subject itself: nothing older is added.
    died = Turn("when did he die?", "In 1924.", rewritten="when did Lenin die?", follows="Who was Lenin?")
    assert read("and where did he die?", [died], NAMES).context == "when did Lenin die?"


@pytest.mark.parametrize(
    ("question", "searched"),
    [
        ("and what could he do with that job?", "and what could he do with?"),
        ("did that job give him much power?", "did give him much power?"),
        ("who had to report to him in that post?", "who had to report to him in?"),
        ("why was that lucky for stalin?", "why was that lucky for stalin?"),  # the asked word stays
        ("so what did they do after that?", "so what did they do after that?"),  # no noun
        ("did he say that prices rose?", "did he say that prices rose?"),  # a clause, not a pointer
    ],
)
def test_a_demonstrative_and_its_noun_are_left_out_of_the_search(question, searched):
    assert searched_text(question) == searched


def test_only_a_follow_up_is_searched_without_its_pointer():
    turns = [Turn("When did Stalin become General Secretary?", "In 1922.")]
    assert read("what could he do with that job?", turns, NAMES).searched == "what could he do with?"
    alone = read("Why did Stalin want that job?", [], NAMES)
    assert not alone.is_follow_up and alone.searched == "Why did Stalin want that job?"


def test_no_history_means_no_follow_up():
    assert not read("Why did he lose?", [], NAMES).is_follow_up


def test_collection_names_keep_people_and_drop_offices_and_common_words():
    sentences = [
        "In 1922 Stalin became General Secretary of the party.",
        "Then Stalin met Trotsky and the General Secretary spoke.",
        "Many thought Trotsky was arrogant; Stalin was patient.",
        "The party met in March and again in March.",
        "The General Secretary was powerful, said Trotsky.",
    ]
    names = collection_names(sentences)
    assert {"Stalin", "Trotsky"} <= names
    assert not names & {"General", "Secretary", "March", "The", "Then"}


def test_bodies_after_the_are_not_people():
    sentences = [
        "Then the Politburo met and Stalin spoke.",
        "Later the Politburo voted while Trotsky waited.",
        "In 1922 Stalin won; Trotsky lost to Stalin.",
        "Then Trotsky left.",
    ]
    names = collection_names(sentences)
    assert {"Stalin", "Trotsky"} <= names and "Politburo" not in names
