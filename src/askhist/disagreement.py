"""Answers whose sources disagree: different years or numbers for what was asked.

"When did Lenin die?" is answered from sentences that say 1924 and from a
snippet that says 1922. Rather than quote both without a word, the answer
says that the sources disagree and cites each side, majority first. Only the
value the question asks for counts (a year for "when", a number for "how
many"), and only a value stated in a clause about the question's subject, so
"In 1922 Stalin became General Secretary; Lenin died in 1924" gives 1924 for
Lenin's death.
"""

from __future__ import annotations

from collections.abc import Sequence

from .answer import AnswerSentence, Disagreement, Side
from .facts import answer_kind, content_stems, stated_values


def find_disagreement(question: str, sentences: Sequence[AnswerSentence]) -> Disagreement | None:
    """The sides of a disagreement among the quoted ``sentences``, or None
    when they agree, give no value, or the question asks for none."""
    kind = answer_kind(question)
    if kind is None or len(sentences) < 2:
        return None
    topic = content_stems(question)
    cited: dict[str, list[int]] = {}
    for sentence in sentences:
        stated = stated_values(sentence.text, topic, kind)
        if stated:  # a sentence's own first value about the subject is its side
            cited.setdefault(stated[0].text, []).append(sentence.citation)
    if len(cited) < 2:
        return None
    sides = sorted(cited.items(), key=lambda item: (-len(item[1]), min(item[1])))
    return Disagreement(kind, tuple(Side(value, tuple(citations)) for value, citations in sides))
