"""Which sentences can stand as an answer (``chunking.is_statement``)."""

from __future__ import annotations

import pytest

from askhist.chunking import Sentence, is_statement
from askhist.cleaning import MAIN

pytestmark = pytest.mark.unit


def _sentence(text: str, paragraph: int = 3) -> Sentence:
    return Sentence(doc="a.txt", start=0, end=len(text), text=text, paragraph=paragraph, section=MAIN)


@pytest.mark.parametrize(
    ("text", "statement"),
    [
        ("Stalin became General Secretary in 1922.", True),
        ("Why did Stalin rather than Trotsky Emerge as the Leader of the USSR in 1929..", False),  # a title
        ("How was Stalin able to win the struggle.", False),
        ("Why did Stalin win?", False),
        ("How Stalin won the struggle is still debated.", True),  # no verb after "how": a statement
        ("What was most important was his position as General Secretary.", True),
        ("Stalin and Zinoviev disliked him.", True),
        ("Stalin won", False),  # fewer than four words
    ],
)
def test_a_sentence_opening_on_a_question_word_and_its_verb_is_a_question(text, statement):
    assert is_statement(_sentence(text)) is statement
