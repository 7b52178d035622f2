"""Facts a sentence states, read with rules: years, numbers, names, negation.

No language model runs here. These rules find the disagreements that matter
most in history teaching and that a retrieval score cannot see: two sources
giving different years for the same event, a different count, a different
person in the same role, or one saying "not". What they do not catch
(a different place, office or cause in otherwise similar words) is listed in
the README under "Claims that sources contradict".
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from dataclasses import dataclass

from .text import STOP_WORDS, normalize, snowball_stem

# A digit run not glued to another number ("1,924" and "19.24" are not years).
_YEAR = re.compile(r"(?<!\d)(?<!\d[.,])(1[0-9]{3}|20[0-9]{2})(?:s\b)?(?!\d|[.,]\d)")
_YEAR_RANGE = re.compile(r"(?<!\d)(1[0-9]{3}|20[0-9]{2})\s*[-\u2013]\s*(1[0-9]{3}|20[0-9]{2}|[0-9]{2})(?!\d)")
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
_CLAUSE_BREAK = re.compile(r"[;:()\u2014]|,\s*(?:and|but|while|whereas|although|though|however|yet)\b|\bbut\b")
# Different words for one event, folded so "death" meets "died".
# A year or number contradicts a statement only in a clause holding at least
# this share of the statement's words that are not names ("the canal's debts
# grew in 1875" is not about "the Suez Canal opened in 1870"). On the dev
# claims 0.34 keeps every contradiction that any overlap finds (recall .786,
# precision 1.0); 0.5 loses one, 0.6 four.
SUBJECT_SHARE = 0.34
# Another person contradicts only when nearly all the claim's other words are
# there: "General Secretary … the Orgburo" is not "Stalin became General
# Secretary" with someone else (0.6 let that through; dev unchanged at 0.8).
PERSON_SUBJECT_SHARE = 0.8
_SAME_EVENT = {"death": "die", "dead": "die", "dy": "die", "born": "birth"}


@dataclass(frozen=True)
class Value:
    """A year or number stated in a text, with its place in that text."""

    kind: str  # "year" or "number"
    value: int | float
    start: int
    end: int
    last: int | float | None = None  # the end of a range ("1923-1925"), else None

    def covers(self, other: Value) -> bool:
        """Whether this value is, or its range includes, ``other``'s value."""
        return self.value <= other.value <= (self.value if self.last is None else self.last)

    @property
    def text(self) -> str:
        return f"{self.value:g}" if isinstance(self.value, float) else str(self.value)


def values(text: str) -> list[Value]:
    """Every year and number in ``text``, in order. A four-digit number from
    1000 to 2099 is a year; "the 1920s" is the year 1920 as a decade start."""
    found: list[Value] = []
    taken: list[tuple[int, int]] = []
    for match in _YEAR_RANGE.finditer(text):
        first, last = int(match.group(1)), int(match.group(2))
        if len(match.group(2)) == 2:  # "1923-25"
            last += first // 100 * 100
        if first < last:
            found.append(Value("year", first, match.start(), match.end(), last))
            taken.append(match.span())
    for match in _YEAR.finditer(text):
        if not any(s <= match.start() < e for s, e in taken):
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


def stated_values(text: str, topic: set[str], kind: str, share: float = 0.0) -> list[Value]:
    """Values of ``kind`` stated in the clauses of ``text`` that share a word
    with ``topic`` (more than ``share`` of it, when given), so that a year
    about another event in the same sentence is not taken as this event's.
    Offsets are into ``text``."""
    out = []
    for start, end in clauses(text):
        shared = content_stems(text[start:end]) & topic
        if shared and len(shared) >= share * len(topic):
            found = values(text[start:end])
            out += [dataclasses.replace(v, start=v.start + start, end=v.end + start) for v in found if v.kind == kind]
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
    name_stems = {snowball_stem(n.lower()) for n in names}
    topic = content_stems(statement)
    # A value is about the statement's subject only in a clause sharing a word
    # with it that is not a name ("in 1927, the Duumvirate defeated Zinoviev"
    # says nothing about when Stalin replaced Zinoviev).
    subject = topic - name_stems
    for kind in ("year", "number"):
        claimed = [v for v in values(statement) if v.kind == kind]
        given = stated_values(evidence, subject, kind, share=SUBJECT_SHARE) if claimed else []
        if given and not any(g.covers(c) for g in given for c in claimed):
            other, wanted = given[0], claimed[0]
            return f"gives {evidence[other.start : other.end]}, not {statement[wanted.start : wanted.end]}"
    evidence_stems = content_stems(evidence)
    said, there = names_stated(statement, names), names_stated(evidence, names)
    missing, other = said - there, there - said
    if missing and other and subject and len(subject & evidence_stems) / len(subject) >= PERSON_SUBJECT_SHARE:
        return f"names {', '.join(sorted(other))}, not {', '.join(sorted(missing))}"
    if topic and len(topic & evidence_stems) / len(topic) >= 0.6:
        # The "not" must be in the clause that says the statement's thing:
        # "…known as Card-Index, however they were not aware of…" agrees.
        spans = clauses(evidence)
        start, end = max(spans, key=lambda span: len(content_stems(evidence[span[0] : span[1]]) & topic))
        if negated(statement) != negated(evidence[start:end]):
            return "says the opposite"
    return ""
