"""Texting shorthand in students' questions is written out for the search and
the reader, never in what is shown."""

from __future__ import annotations

import numpy as np
import pytest

from askhist.assistant import Assistant
from askhist.text import expand_shorthand

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("wat was the politburo", "what was the politburo"),
        ("how many ppl died in the gulags", "how many people died in the gulags"),
        ("y did the younger members like stalin", "why did the younger members like stalin"),
        ("why didnt lenin like stalin", "why didn't lenin like stalin"),
        ("whats the NEP", "what is the NEP"),
        ("WAT did u think", "what did you think"),
        # Left alone: abbreviations with dots, capitals that are letters, words that merely contain shorthand.
        ("Did the U.S. help Trotsky?", "Did the U.S. help Trotsky?"),
        ("Y was the letter he signed", "Y was the letter he signed"),
        ("gov.uk has a page", "gov.uk has a page"),
        ("What did the Whats-it committee do?", "What did the Whats-it committee do?"),
        ("Was Stalin in the Red Army?", "Was Stalin in the Red Army?"),
    ],
)
def test_shorthand_is_written_out(typed, read):
    assert expand_shorthand(typed) == read


class RecordingReader:
    """A fake reader that records the questions it reads."""

    def __init__(self) -> None:
        self.questions: list[str] = []

    def score(self, question, sentences, before=None, after=None) -> np.ndarray:
        self.questions.append(question)
        return np.full(len(sentences), 9.0)


def test_the_reader_reads_the_written_out_question_and_the_answer_shows_it_as_typed(fake_assistant):
    reader = RecordingReader()
    assistant = Assistant(fake_assistant.index, fake_assistant.encoder, fake_assistant.doc_dirs, reader=reader)
    answer = assistant.ask("wat was the lenin enrolment")
    assert set(reader.questions) == {"what was the lenin enrolment"}
    assert answer.question == "wat was the lenin enrolment"
    assert answer.to_dict()["question"] == "wat was the lenin enrolment"
