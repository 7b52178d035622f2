"""Facts a sentence states, read with rules: years, numbers, names, negation.

No language model runs here. These are what the disagreements that matter
most in history teaching are made of, and what a retrieval score cannot see:
two sources giving different years for the same event, a different count, a
different person in the same role, or one saying "not". How a sentence
stands towards a statement, by these facts, is :mod:`askhist.stance`; the
answer's disagreement note (:mod:`askhist.disagreement`) and the answer type
of a question (:func:`answer_kind`) use them too.
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
_NUMBER_WORDS.update({w: 10 * i for i, w in enumerate("thirty forty fifty sixty seventy eighty ninety".split(), 3)})
# "1.5 million": the count is the number times the word's scale.
_SCALE = re.compile(r"\s+(thousand|million|billion)\b", re.IGNORECASE)
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# "Lacked" is "did not have": "he lacked a foothold" denies "he had a foothold".
_NEGATIONS = frozenset(
    "not no never nor neither nobody none nothing cannot n't without lack lacks lacked lacking".split()
)
_NOT_ONLY = re.compile(r"\bnot only\b")
# Words that change a clause's subject: a fact in one clause says nothing
# about the next ("Lenin died in 1924, and Stalin took over in 1929").
_CLAUSE_BREAK = re.compile(r"[;:()\u2014]|,\s*(?:and|but|while|whereas|although|though|however|yet)\b|\bbut\b")
# A quotation is someone else's words: "…recorded in Lenin's testament, “I am
# not sure that he…”" does not say "not" about the testament. (A quoted
# phrase is still part of its clause's facts: "saw his career as a “dull grey blank” (1922)".)
_QUOTE = re.compile(r"[\u201c\u201d\"]")

# Different words for one event, folded so "death" meets "died".
_SAME_EVENT = {"death": "die", "dead": "die", "dy": "die", "born": "birth"}

KINDS = ("year", "number")  # the kinds of ``Value``


@dataclass(frozen=True)
class Value:
    """A year or number stated in a text, with its place in that text."""

    kind: str  # "year" or "number"
    value: int | float
    start: int
    end: int
    last: int | float | None = None  # the end of a range ("1923-1925"), else None

    @property
    def high(self) -> int | float:
        """The value, or the end of its range."""
        return self.value if self.last is None else self.last

    def overlaps(self, other: Value) -> bool:
        """Whether the two can be true together ("1924" and "1923-1925")."""
        return self.value <= other.high and other.value <= self.high

    def within(self, other: Value) -> bool:
        """Whether this value says at least as much as ``other`` ("1924" is
        within "1923-1925", not the other way round)."""
        return other.value <= self.value and self.high <= other.high

    @property
    def text(self) -> str:
        return f"{self.value:g}" if isinstance(self.value, float) else str(self.value)


def values(text: str) -> list[Value]:
    """Every year and number in ``text``, in order. A four-digit number from
    1000 to 2099 is a year; "the 1920s" is the range 1920-1929 (a decade
    states no one year of it); "1.5 million" is 1,500,000."""
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
            year = int(match.group(1))
            decade = match.group().endswith("s") and year % 10 == 0
            found.append(Value("year", year, match.start(), match.end(), year + 9 if decade else None))
            taken.append(match.span())
    for match in _NUMBER.finditer(text):
        if any(s <= match.start() < e for s, e in taken):
            continue
        raw = match.group().replace(",", "")
        number, end = float(raw) if "." in raw else int(raw), match.end()
        if scale := _SCALE.match(text, end):
            number, end = number * _SCALES[scale.group(1).lower()], scale.end()
            number = int(number) if number == int(number) else number
        found.append(Value("number", number, match.start(), end))
    for match in _WORD.finditer(text):
        word = match.group().lower()
        if word in _NUMBER_WORDS and word != "one":  # "one of the" is rarely a count
            found.append(Value("number", _NUMBER_WORDS[word], match.start(), match.end()))
    return sorted(found, key=lambda v: v.start)


def clauses(text: str, quotes: bool = False) -> list[tuple[int, int]]:
    """Spans of the clauses of a sentence, cut at strong breaks only (and,
    with ``quotes``, at quotation marks)."""
    spans, start = [], 0
    breaks = sorted(
        [*_CLAUSE_BREAK.finditer(text), *(_QUOTE.finditer(text) if quotes else ())], key=lambda m: m.start()
    )
    for match in breaks:
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
        stems.add(event_stem(word))
    return stems


def event_stem(word: str) -> str:
    """The word's stem, one for every word of an event ("death", "died" → "die")."""
    stem = snowball_stem(word.lower())
    return _SAME_EVENT.get(stem, stem)


def negated(text: str) -> bool:
    """Whether the text says "not" (or never, no, n't…); "not only … but
    also" adds, it does not deny."""
    lowered = _NOT_ONLY.sub(" ", normalize(text))
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


def word_tokens(text: str) -> list[str]:
    """The words of ``text`` as written, possessives cut ("Lenin’s" → "Lenin")."""
    return [w.split("'")[0] for w in _WORD.findall(text.replace("\u2019", "'"))]


def names_stated(text: str, names: Iterable[str]) -> set[str]:
    """Which of the collection's ``names`` (e.g. "Trotsky") the text mentions."""
    words = set(word_tokens(text))
    return {name for name in names if name in words}


def stated_values(text: str, topic: set[str], kind: str, share: float = 0.0) -> list[Value]:
    """Values of ``kind`` stated in the clauses of ``text`` that share a word
    with ``topic`` (more than ``share`` of it, when given), so that a year
    about another event in the same sentence is not taken as this event's.
    Offsets are into ``text``."""
    return [v for v, _, _ in clause_values(text, topic, kind, share)]


def clause_values(text: str, topic: set[str], kind: str, share: float) -> list[tuple[Value, str, str]]:
    """:func:`stated_values`, each with the text of its clause and of its
    part of the clause between commas ("After Lenin's death in 1924")."""
    out = []
    for start, end in clauses(text):
        clause = text[start:end]
        shared = content_stems(clause) & topic
        if shared and len(shared) >= share * len(topic):
            for v in values(clause):
                if v.kind == kind:
                    left, right = clause.rfind(",", 0, v.start) + 1, clause.find(",", v.end)
                    right = len(clause) if right < 0 else right
                    moved = dataclasses.replace(v, start=v.start + start, end=v.end + start)
                    out.append((moved, clause, clause[left:right]))
    return out


# A list of three or more capitalised names: "Stalin, Trotsky, Zinoviev, Kamenev and Bukharin".
_NAME = r"[A-Z][^\W\d_]+(?:\s+[A-Z][^\W\d_]+)*"
_LISTED = re.compile(rf"{_NAME}(?:,\s*{_NAME})+,?\s+(?:and|or)\s+{_NAME}")
# Who a why/how question asks about: the capitalised words after its verb ("How did Zinoviev and Kamenev help…").
_ASKED_SUBJECT = re.compile(
    r"^\W*(?i:why|how)\s+(?i:did|does|do|was|were|is|are|had|has|have|could|would|can)\s+"
    r"((?:[A-Z][^\W\d_]+(?:\s*,\s*|\s+and\s+|\s+))+)"
)


def only_listed(question: str, sentence: str) -> bool:
    """Whether the people a why/how question asks about (written with
    capitals after its verb) are named in ``sentence`` only in a list of
    three or more ("a bitter struggle between Stalin, Trotsky, Zinoviev,
    Kamenev and Bukharin" for "How did Zinoviev and Kamenev help Stalin?"):
    the sentence says something of all of them, not what the asked ones did."""
    match = _ASKED_SUBJECT.match(question)
    if not match:
        return False
    asked = {w for w in word_tokens(match.group(1)) if w[:1].isupper()} - {"And"}
    mentions = [m for m in re.finditer(r"[A-Z][^\W\d_]+", sentence) if m.group() in asked]
    if not asked or not mentions:
        return False
    lists = [m.span() for m in _LISTED.finditer(sentence)]
    return all(any(s <= m.start() < e for s, e in lists) for m in mentions)
