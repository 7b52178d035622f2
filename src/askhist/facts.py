"""Facts a sentence states, read with rules: years, numbers, names, negation.

No language model runs here. These rules find the disagreements that matter
most in history teaching and that a retrieval score cannot see: two sources
giving different years for the same event, a different count, a different
person in the same role, or one saying "not". What they do not catch
(a different place, office or cause in otherwise similar words) is listed in
the README under "Claim check" (Not caught).
"""

from __future__ import annotations

import dataclasses
import math
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
# A "not" denies the statement in a sentence holding this share of its words,
# or, in a sentence close enough to support it by meaning (``close``), the
# lower share: "were not allowed to talk" against "were allowed to speak".
NEGATION_SHARE = 0.6
NEGATION_CLOSE_SHARE = 0.5
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
        stem = snowball_stem(word)
        stems.add(_SAME_EVENT.get(stem, stem))
    return stems


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


def names_stated(text: str, names: Iterable[str]) -> set[str]:
    """Which of the collection's ``names`` (e.g. "Trotsky") the text mentions."""
    words = {w.split("'")[0] for w in _WORD.findall(text)}
    return {name for name in names if name in words}


def stated_values(text: str, topic: set[str], kind: str, share: float = 0.0) -> list[Value]:
    """Values of ``kind`` stated in the clauses of ``text`` that share a word
    with ``topic`` (more than ``share`` of it, when given), so that a year
    about another event in the same sentence is not taken as this event's.
    Offsets are into ``text``."""
    return [v for v, _, _ in _clause_values(text, topic, kind, share)]


def _clause_values(text: str, topic: set[str], kind: str, share: float) -> list[tuple[Value, str, str]]:
    """``stated_values``, each with the text of its clause and of its part of
    the clause between commas ("After Lenin's death in 1924")."""
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


def _points(found: Iterable[Value]) -> set[tuple[str, int | float]]:
    """The values as stated: a range states its first and last year."""
    return {(v.kind, p) for v in found for p in (v.value, v.last) if p is not None}


# Whether a sentence states a statement's years and numbers (``Stance.dating``).
STATED = "stated"  # every one (a range states its first and last year)
UNSTATED = "unstated"  # not all, and no other value of their kind, or one within them ("1924" for "1923-1925")
OTHERWISE = "otherwise"  # only other values of their kind: it dates or counts something else


@dataclass(frozen=True)
class Stance:
    """How a sentence stands towards the facts of a statement (``stance``)."""

    conflict: str = ""  # how it states the statement's fact otherwise ("gives 1924, not 1922"), or ""
    dating: str = STATED  # STATED, UNSTATED or OTHERWISE
    # With OTHERWISE, when a clause about the subject gives a period around the
    # statement's value (neither backing nor denying it): "gives only 1923-1925, which includes 1924".
    note: str = ""
    # What the contradiction is in: "year", "number" (the evidence then lacks the
    # statement's value), "person" or "negation"; "" without one.
    respect: str = ""


def stance(statement: str, evidence: str, names: Iterable[str] = (), close: bool = False) -> Stance:
    """How ``evidence`` stands towards the facts ``statement`` states.

    Only called on evidence already close to the statement (a source's best
    sentences). The one rule for a contradiction: the evidence states the
    statement's fact otherwise, that is it is about the same thing and
    differs from it in exactly one respect, found by the first of:
      - year or number: a clause holding at least ``SUBJECT_SHARE`` of the
        statement's words that are not names, and naming none of the
        collection's people or one of the statement's, gives values of the
        kind none of which can be true with the statement's ("1924" against
        "1922"; "1923-1925" does not contradict "1924"), unless its numbers
        count something else (none within a factor of ten of the statement's);
      - person: the statement names someone the evidence does not, the
        evidence names someone else in their place (next to the word the
        statement has before or after them: ``_stand_ins``), holds
        ``PERSON_SUBJECT_SHARE`` of the statement's other words, and gives
        no other year or number for them;
      - negation: one says "not" (or "never", "lacked", "un-"…) and the
        other doesn't, in the clause that says the statement's thing (a
        quotation is a clause of its own), with ``NEGATION_SHARE`` of the
        statement's words (``NEGATION_CLOSE_SHARE`` when the caller found the
        sentence ``close`` enough to support the statement by meaning).
    Two differences (another person and another year: "When Lenin died in
    1924" against "Stalin died in 1953"; another year and another number)
    are another fact, not a contradiction. ``dating`` says whether the
    evidence states the statement's years and numbers (STATED, UNSTATED,
    OTHERWISE).
    """
    names = tuple(names)
    topic = content_stems(statement)
    # A value is about the statement's subject only in a clause sharing a word
    # with it that is not a name ("in 1927, the Duumvirate defeated Zinoviev"
    # says nothing about when Stalin replaced Zinoviev).
    subject = topic - {snowball_stem(n.lower()) for n in names}
    said, there = names_stated(statement, names), names_stated(evidence, names)
    missing = said - there
    # Who stands where the statement names its people ("with Kirov" for "with
    # Kamenev"; "Lenin died and Stalin took over" has Lenin where "Stalin died" has Stalin).
    placed = _stand_ins(statement, evidence, said, names) if said else {}
    stand_ins = {other: person for other, person in placed.items() if person in missing}
    replaced = bool((missing and there - said) or placed)  # the statement's people named, others instead
    claimed, found = values(statement), values(evidence)
    dating, note = _dating(claimed, found), ""
    differing: dict[str, str] = {}  # kind -> how, for each kind of value the evidence gives otherwise
    for kind in KINDS:
        wanted = [v for v in claimed if v.kind == kind]
        given = _clause_values(evidence, subject, kind, SUBJECT_SHARE) if wanted else []
        given = [(g, clause, part) for g, clause, part in given if not _counts_else(clause, claimed)]
        if given and not any(g.overlaps(c) for g, _, _ in given for c in wanted):
            differing[kind] = ""  # a difference, if maybe someone else's (below): with another, two
        # A value is about the people named in its part of the clause, else in
        # its clause: "After Lenin's death in 1924, Stalin…" says nothing of Stalin's death.
        own = [g for g, clause, part in given if _about_them(part, clause, said, names)]
        overlapping = [(g, c) for g in own for c in wanted if g.overlaps(c)]
        if own and not overlapping:
            closest = min(own, key=lambda g: _distance(g, wanted[0]))  # "680,000", not "1.5 million", for "68,000"
            differing[kind] = f"gives {_quote(evidence, closest)}, not {_quote(statement, wanted[0])}"
        if dating == OTHERWISE and overlapping and not note:
            other, claim = overlapping[0]
            how = "includes" if claim.within(other) else "overlaps"
            note = f"gives only {_quote(evidence, other)}, which {how} {_quote(statement, claim)}"
    if len(differing) == 1 and not replaced and (how := next(iter(differing.values()))):
        return Stance(how, dating, respect=next(iter(differing)))
    differs = bool(differing)
    evidence_stems = content_stems(evidence)
    if stand_ins and not differs and subject:
        if len(subject & evidence_stems) / len(subject) >= PERSON_SUBJECT_SHARE:
            others, theirs = sorted(set(stand_ins)), sorted(set(stand_ins.values()))
            conflict = f"names {', '.join(others)}, not {', '.join(theirs)}"
            return Stance(conflict, dating, respect="person")
    # A word with "un-" or "dis-" before another's word says its opposite ("unpopular", "disloyal").
    opposed = _opposed(statement, evidence)
    share = NEGATION_CLOSE_SHARE if close else NEGATION_SHARE
    if not replaced and not differs and topic and len(topic & (evidence_stems | opposed)) / len(topic) >= share:
        # The "not" must be in the clause that says the statement's thing:
        # "…known as Card-Index, however they were not aware of…" agrees.
        spans = clauses(evidence, quotes=True)
        start, end = max(spans, key=lambda span: len(content_stems(evidence[span[0] : span[1]]) & topic))
        clause = evidence[start:end]
        if negated(statement) != (negated(clause) != bool(_opposed(statement, clause))):
            return Stance("says the opposite", dating, respect="negation")
    return Stance("", dating, note)


# "un-" before a word of at least four letters, "dis-" before one of at least
# five: "unpopular", "disloyal", not "until" or "display".
_OPPOSITE = re.compile(r"^(?:un(?=[^\W\d_]{4})|dis(?=[^\W\d_]{5}))")


def _opposed(statement: str, evidence: str) -> set[str]:
    """Stems of the statement's content words that one text has and the other
    has with a prefix of the opposite ("popular" against "unpopular"; either way round)."""
    theirs = {w.lower() for w in _word_tokens(evidence)}
    ours = {w.lower() for w in _word_tokens(statement)}
    found = set()
    for words, other in ((ours, theirs), (theirs, ours)):
        for word in words:
            prefix = _OPPOSITE.match(word)
            if prefix and word[prefix.end() :] in other:
                found.add(_event_stem(word if words is ours else word[prefix.end() :]))
    return found & content_stems(statement)


def _word_tokens(text: str) -> list[str]:
    """The words of ``text`` as written, possessives cut ("Lenin’s" → "Lenin")."""
    return [w.split("'")[0] for w in _WORD.findall(text.replace("\u2019", "'"))]


def _event_stem(word: str) -> str:
    stem = snowball_stem(word.lower())
    return _SAME_EVENT.get(stem, stem)


def _stand_ins(statement: str, evidence: str, people: set[str], names: tuple[str, ...]) -> dict[str, str]:
    """Who the evidence names in the place where the statement names one of
    its ``people``: other name -> the statement's person. The place
    is the word the statement has just before the person, or just after
    ("replaced Zinoviev with Kamenev" against "replaced Zinoviev with Kirov";
    "Kamenev led" against "Zinoviev led"). A name the collection knows may
    stand anywhere; another capitalised word (a person named once, "Kirov")
    not first in the sentence, where any word has a capital, and not "I".
    Someone named elsewhere in the sentence stands for no one: "As he was
    dying, a struggle emerged between Trotsky and Stalin" does not say that
    Trotsky or Stalin died instead of Lenin, and "I was Commissar" is not
    someone else where the statement names Stalin."""
    words = _word_tokens(statement)
    lowered = {w.lower() for w in words}
    slots = []  # (stem before, stem after, person) around each missing person in the statement
    for i, word in enumerate(words):
        if word in people:
            before = _event_stem(words[i - 1]) if i > 0 else None
            after = _event_stem(words[i + 1]) if i + 1 < len(words) else None
            slots.append((before, after, word))
    theirs = _word_tokens(evidence)
    found: dict[str, str] = {}
    i = 0
    while i < len(theirs):
        j = i
        while j < len(theirs) and theirs[j][:1].isupper():
            j += 1
        if j == i:
            i += 1
            continue
        run = theirs[i:j]  # a capitalised run: "Leon Trotsky"
        known = [w for w in run if w in names]
        if (known or (i > 0 and run != ["I"])) and not any(w.lower() in lowered for w in run):
            before = _event_stem(theirs[i - 1]) if i > 0 else None
            after = _event_stem(theirs[j]) if j < len(theirs) else None
            for slot_before, slot_after, person in slots:
                same_before = slot_before is not None and slot_before == before
                if same_before or (slot_after is not None and slot_after == after):
                    found[" ".join(known or run)] = person
        i = j
    return found


def _distance(value: Value, other: Value) -> float:
    """How far apart two values are, as a ratio for counts ("680,000" is
    nearer "68,000" than "1.5 million" is)."""
    if value.kind == "number" and value.value > 0 and other.value > 0:
        return abs(math.log(value.value / other.value))
    return abs(value.value - other.value)


def _counts_else(clause: str, claimed: list[Value]) -> bool:
    """Whether the clause counts something else than the statement: it gives
    numbers, and none within a factor of ten of the statement's ("500,000"
    for "50,000" or "six" for "eight" are one count misstated; "eight"
    leaders are not "50,000" members), so its years are not the statement's either."""
    counts = [c.value for c in claimed if c.kind == "number"]
    theirs = [v.value for v in values(clause) if v.kind == "number"]
    return bool(counts and theirs) and not any(_same_order(a, b) for a in theirs for b in counts)


def _same_order(a: float, b: float) -> bool:
    low, high = sorted((abs(a), abs(b)))
    return high <= 10 or (low > 0 and high / low <= 10)


def _about_them(part: str, clause: str, people: set[str], names: tuple[str, ...]) -> bool:
    """Whether a value in ``part`` of ``clause`` can be about ``people``:
    the part (else the clause) names one of them, or none of ``names``."""
    named = names_stated(part, names) or names_stated(clause, names)
    return not people or not named or bool(named & people)


def _dating(claimed: list[Value], found: list[Value]) -> str:
    """STATED, UNSTATED or OTHERWISE: whether ``found`` (anywhere in the
    evidence) states the ``claimed`` values."""
    if _points(claimed) <= _points(found):
        return STATED
    for kind in KINDS:
        wanted, theirs = [c for c in claimed if c.kind == kind], [v for v in found if v.kind == kind]
        stated = _points(wanted) <= _points(theirs)
        if wanted and theirs and not stated and not any(v.within(c) for v in theirs for c in wanted):
            return OTHERWISE
    return UNSTATED


def conflict(statement: str, evidence: str, names: Iterable[str] = ()) -> str:
    """How ``evidence`` contradicts ``statement``, in a few words ("gives
    1924, not 1922"), or "": ``stance(...).conflict``."""
    return stance(statement, evidence, names).conflict


def _quote(text: str, value: Value) -> str:
    return text[value.start : value.end]
