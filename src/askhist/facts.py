"""Facts a sentence states, read with rules: years, numbers, names, negation.

No language model runs here. These rules find the disagreements that matter
most in history teaching and that a retrieval score cannot see: two sources
giving different years for the same event, a different count, a different
person in the same role, or one saying "not". What they do not catch
(a different place, office or cause in otherwise similar words) is listed in
the README under "Claims that sources contradict".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from .text import STOP_WORDS, normalize, snowball_stem

# A digit run not glued to another number ("1,924" and "19.24" are not years).
_YEAR = re.compile(r"(?<!\d)(?<!\d[.,])(1[0-9]{3}|20[0-9]{2})(?:s\b)?(?!\d|[.,]\d)")
_NUMBER = re.compile(r"(?<!\d)(?<!\d[.,])(?:\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?!\d|[.,]\d)")
_NUMBER_WORDS = {
    w: i
    for i, w in enumerate(
        "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
        "sixteen seventeen eighteen nineteen twenty".split()
    )
}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
_NEGATIONS = frozenset("not no never nor neither nobody none nothing cannot n't without".split())
# Words that change a clause's subject: a fact in one clause says nothing
# about the next ("Lenin died in 1924, and Stalin took over in 1929").
_CLAUSE_BREAK = re.compile(r"[;:()\u2014]|,\s*(?:and|but|while|whereas|although|though|which|who|when)\b|\bbut\b")
# Different words for one event, folded so "death" meets "died".
_SAME_EVENT = {"death": "die", "dead": "die", "dy": "die", "born": "birth"}


@dataclass(frozen=True)
class Value:
    """A year or number stated in a text, with its place in that text."""

    kind: str  # "year" or "number"
    value: int | float
    start: int
    end: int

    @property
    def text(self) -> str:
        return f"{self.value:g}" if isinstance(self.value, float) else str(self.value)


def values(text: str) -> list[Value]:
    """Every year and number in ``text``, in order. A four-digit number from
    1000 to 2099 is a year; "the 1920s" is the year 1920 as a decade start."""
    found: list[Value] = []
    taken: list[tuple[int, int]] = []
    for match in _YEAR.finditer(text):
        found.append(Value("year", int(match.group(1)), match.start(), match.end()))
        taken.append(match.span())
    for match in _NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        raw = match.group().replace(",", "")
        found.append(Value("number", float(raw) if "." in raw else int(raw), match.start(), match.end()))
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if word in _NUMBER_WORDS and word != "one":  # "one of the" is rarely a count
            found.append(Value("number", _NUMBER_WORDS[word], match.start(), match.end()))
    return sorted(found, key=lambda v: v.start)


def clauses(text: str) -> list[tuple[int, int]]:
    """Spans of the clauses of a sentence, cut at strong breaks only."""
    spans, start = [], 0
    for match in _CLAUSE_BREAK.finditer(text):
        spans.append((start, match.start()))
        start = match.end()
    spans.append((start, len(text)))
    return [(s, e) for s, e in spans if text[s:e].strip()]


def content_stems(text: str) -> set[str]:
    """Stems of the content words (no stop words, no numbers), with one word
    per event ("death", "died" → "die")."""
    stems = set()
    for word in _WORD.findall(normalize(text)):
        word = word.split("'")[0]
        if word in STOP_WORDS or word in _NEGATIONS or word.isdigit() or word in _NUMBER_WORDS:
            continue
        stem = snowball_stem(word)
        stems.add(_SAME_EVENT.get(stem, stem))
    return stems


def negated(text: str) -> bool:
    """Whether the text says "not" (or never, no, n't…)."""
    lowered = normalize(text)
    return "n't" in lowered or any(w in _NEGATIONS for w in _WORD.findall(lowered))


def answer_kind(question: str) -> str | None:
    """What a question asks for, when it asks for a value: "year" for
    "when"/"what year", "number" for "how many/much", else None."""
    q = normalize(question)
    if re.search(r"\bhow (?:many|much|old|long)\b", q):
        return "number"
    if re.search(r"\b(?:when|what year|which year|in what year|what date)\b", q):
        return "year"
    return None


def names_stated(text: str, names: Iterable[str]) -> set[str]:
    """Which of the collection's ``names`` (e.g. "Trotsky") the text mentions."""
    words = {w.split("'")[0] for w in _WORD.findall(text)}
    return {name for name in names if name in words}


def stated_values(text: str, topic: set[str], kind: str) -> list[Value]:
    """Values of ``kind`` stated in the clauses of ``text`` that share a word
    with ``topic`` (so a year about another event in the same sentence is
    not taken as this event's year)."""
    out = []
    for start, end in clauses(text):
        if content_stems(text[start:end]) & topic:
            out += [v for v in values(text[start:end]) if v.kind == kind]
    return out


def conflict(statement: str, evidence: str, names: Iterable[str] = ()) -> str:
    """How ``evidence`` contradicts ``statement``, in a few words, or "".

    Only called on evidence already about the statement's subject (the best
    sentence of a source). Rules, in order:
      - year or number: the evidence states a different value in a clause
        sharing the statement's topic words, and not the statement's value;
      - person: the statement names someone the evidence does not, and the
        evidence names another of the collection's people instead, with the
        rest of the statement's words present;
      - negation: one says "not" and the other doesn't, with at least 60% of
        the statement's words present.
    """
    names = tuple(names)
    topic = content_stems(statement)
    for kind in ("year", "number"):
        claimed = [v for v in values(statement) if v.kind == kind]
        given = stated_values(evidence, topic, kind) if claimed else []
        if given and not {v.value for v in claimed} & {v.value for v in given}:
            return f"gives {given[0].text}, not {claimed[0].text}"
    evidence_stems = content_stems(evidence)
    said, there = names_stated(statement, names), names_stated(evidence, names)
    rest = topic - {snowball_stem(n.lower()) for n in names}
    if said and there and not said & there and rest and len(rest & evidence_stems) / len(rest) >= 0.6:
        return f"names {', '.join(sorted(there))}, not {', '.join(sorted(said))}"
    if topic and len(topic & evidence_stems) / len(topic) >= 0.6 and negated(statement) != negated(evidence):
        return "says the opposite"
    return ""
