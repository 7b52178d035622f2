"""Answers that say when their sentences give different years or numbers."""

import pytest

from askhist.answer import AnswerSentence, Disagreement, Side
from askhist.disagreement import find_disagreement

pytestmark = pytest.mark.unit


def _sentences(*texts):
    return [
        AnswerSentence(t, "d.txt", "T", 0, len(t), n, "paragraph 1", 1.0, "main", 1) for n, t in enumerate(texts, 1)
    ]


def test_different_years_for_what_was_asked_are_sides_majority_first():
    sentences = _sentences(
        "In 1922, when Vladimir Lenin died, Stalin took over.",
        "With the death of Lenin in 1924, the struggle began.",
        "Lenin died in 1924 after several strokes.",
    )
    found = find_disagreement("When did Lenin die?", sentences)
    assert found == Disagreement("year", (Side("1924", (2, 3)), Side("1922", (1,))))
    assert found.to_dict() == {
        "about": "year",
        "sides": [{"value": "1924", "citations": [2, 3]}, {"value": "1922", "citations": [1]}],
    }


@pytest.mark.parametrize(
    ("question", "texts"),
    [
        ("When did Lenin die?", ("Lenin died in 1924.", "With the death of Lenin in 1924, it began.")),
        ("Why did Trotsky lose?", ("Trotsky lost in 1927.", "Trotsky was expelled in 1929.")),  # no value asked
        ("When did Lenin die?", ("Lenin died in 1924.",)),  # one sentence
        # Another event's year in its own clause is not a side.
        ("When did Lenin die?", ("Stalin rose in 1922; Lenin died soon after.", "Lenin died in 1924.")),
    ],
)
def test_no_disagreement(question, texts):
    assert find_disagreement(question, _sentences(*texts)) is None


def test_numbers_for_how_many():
    sentences = _sentences("The Politburo had seven members.", "The Politburo had five members then.")
    found = find_disagreement("How many members did the Politburo have?", sentences)
    assert found is not None and found.about == "number" and {s.value for s in found.sides} == {"7", "5"}
