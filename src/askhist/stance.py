"""How a sentence stands towards a statement's facts: the one rule for a
contradiction, over the facts :mod:`askhist.facts` reads.

A sentence contradicts a statement when it is about the same thing and
states its fact otherwise in exactly one respect: another year or number,
another person in its person's place, or a "not". Two differences make it
another fact. No language model runs here; what the rules do not catch is
listed in the README under "Claim check" (Not caught).
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from .facts import (
    KINDS,
    Value,
    clause_values,
    clauses,
    content_stems,
    event_stem,
    names_stated,
    negated,
    values,
    word_tokens,
)
from .text import STOP_WORDS, snowball_stem

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
    # Who is named, and who stands where the statement names its people, is
    # read in the evidence's clause that says the statement's thing: "In 1924
    # it was Zinoviev who battled Trotsky, while in 1927 it was Bukharin who
    # spoke out" names no one in Zinoviev's place.
    _, theirs = _saying_same(statement, evidence)
    said, there = names_stated(statement, names), names_stated(theirs, names)
    missing = said - there
    # Who stands where the statement names its people ("with Kirov" for "with
    # Kamenev"; "Lenin died and Stalin took over" has Lenin where "Stalin died" has Stalin).
    placed = _stand_ins(statement, theirs, said, names) if said else {}
    stand_ins = {other: person for other, person in placed.items() if person in missing}
    replaced = bool((missing and there - said) or placed)  # the statement's people named, others instead
    claimed, found = values(statement), values(evidence)
    dating, note = _dating(claimed, found), ""
    differing: dict[str, str] = {}  # kind -> how, for each kind of value the evidence gives otherwise
    for kind in KINDS:
        wanted = [v for v in claimed if v.kind == kind]
        given = clause_values(evidence, subject, kind, SUBJECT_SHARE) if wanted else []
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
        # The "not" must be in the clause that says the statement's thing, on
        # both sides: "…known as Card-Index, however they were not aware of…"
        # agrees, and a statement of two clauses, one with a "not", does not
        # contradict itself.
        ours, theirs = _saying_same(statement, evidence)
        if negated(_QUOTATION.sub(" ", ours)) != (negated(theirs) != bool(_opposed(ours, theirs))):
            return Stance("says the opposite", dating, respect="negation")
    return Stance("", dating, note)


def _saying_same(statement: str, evidence: str) -> tuple[str, str]:
    """The statement's clause and the evidence's clause (quotations apart in
    the evidence) that share the most content words: where each says the
    same thing. A statement's quotation stays in its clause (in "They were
    not convinced that Marx's "scientific" estimates came true", the "not"
    is about the estimates); a "not" inside it is the quoted speaker's
    (``_QUOTATION``)."""
    ours = [statement[a:b] for a, b in clauses(statement)] or [statement]
    theirs = [evidence[a:b] for a, b in clauses(evidence, quotes=True)] or [evidence]
    stems = {clause: content_stems(clause) for clause in (*ours, *theirs)}
    return max(((o, t) for o in ours for t in theirs), key=lambda pair: len(stems[pair[0]] & stems[pair[1]]))


_QUOTATION = re.compile(r"[\u201c\"][^\u201c\u201d\"]*[\u201d\"]")

# "un-" before a word of at least four letters, "dis-" before one of at least
# five: "unpopular", "disloyal", not "until" or "display".
_OPPOSITE = re.compile(r"^(?:un(?=[^\W\d_]{4})|dis(?=[^\W\d_]{5}))")


def _opposed(statement: str, evidence: str) -> set[str]:
    """Stems of the statement's content words that one text has and the other
    has with a prefix of the opposite ("popular" against "unpopular"; either way round)."""
    theirs = {w.lower() for w in word_tokens(evidence)}
    ours = {w.lower() for w in word_tokens(statement)}
    found = set()
    for words, other in ((ours, theirs), (theirs, ours)):
        for word in words:
            prefix = _OPPOSITE.match(word)
            if prefix and word[prefix.end() :] in other:
                found.add(event_stem(word if words is ours else word[prefix.end() :]))
    return found & content_stems(statement)


_POSSESSED = re.compile(r"[^\W_]+'s\s+([^\W_]+)")
_ARTICLES = frozenset(("a", "an", "the"))
_PUNCTUATION = re.compile(r"[^\w\s'\u2019-]+")


def _folded(word: str) -> str:
    """The word without case or accents, for matching a question's spelling ("Beyonce", "Beyoncé")."""
    return "".join(c for c in unicodedata.normalize("NFKD", word.casefold()) if not unicodedata.combining(c))


def someone_else_does(question: str, sentence: str, names: Iterable[str] = ()) -> bool:
    """Whether ``sentence`` names the question's person but puts someone
    else where the question puts them, next to the question's word for what
    they did, and never the person there: "However, in 1924, Lenin died
    and Josef Stalin assumed leadership" for "In what year did Stalin die?".
    The question's people are the sentence's capitalised words that the
    question has too, whatever their case and accents (students write
    "stalin"). The places are the question's words that are not stop words
    or numbers ("did Stalin die": "die", not "did"), so that "it was Kamenev
    who" is no one's place for "Why was Stalin chosen?", nor what a person
    has ("his Jewish background" for "Trotsky's background")."""
    names = tuple(names)
    asked = word_tokens(question)
    folded = {_folded(w) for w in asked}
    # Not a role ("a Republican won" is also "Calvin Coolidge won") nor an abbreviation ("6 MS").
    roles = {_folded(w) for article, w in itertools.pairwise(asked) if article.lower() in _ARTICLES}
    people = {
        w
        for w in word_tokens(sentence)
        if w[:1].isupper() and not w.isupper() and _folded(w) in folded - roles
    }
    if not people:
        return False
    # The question as its own sentence, with its words written as the sentence writes them.
    spelled = {_folded(w): w for w in word_tokens(sentence)}
    statement = " ".join(spelled.get(_folded(w), w) for w in asked)
    possessed = _POSSESSED.findall(question.replace("\u2019", "'"))
    # Nor the rest of a name: "American cities" is not where "New York City" puts York.
    named = {w.lower() for w in asked[1:] if w[:1].isupper()}
    skip = STOP_WORDS | {w.lower() for w in possessed} | {w for w in asked if w.isdigit()} | named
    # Next to it means with nothing between: "Namgyal, took control (Ü-Tsang), reigning" puts no one
    # but Namgyal where "When did Namgyal reign?" does. Each stretch without punctuation is read on its
    # own; after the first, behind a stop word, so that its first word may stand in as mid-sentence.
    first, *rest = _PUNCTUATION.split(sentence)
    parts = [first, *(f"and {part}" for part in rest)]
    others = any(_stand_ins(statement, part, people, names, skip=skip) for part in parts)
    return others and not _stand_ins(statement, sentence, people, names, skip=skip, themselves=True)


def _stand_ins(
    statement: str,
    evidence: str,
    people: set[str],
    names: tuple[str, ...],
    skip: frozenset[str] = frozenset(),
    themselves: bool = False,
) -> dict[str, str]:
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
    someone else where the statement names Stalin. Neighbours in ``skip``
    make no place; with ``themselves``, the statement's own people are
    found in their places instead of others."""
    words = word_tokens(statement)
    lowered = {w.lower() for w in words}

    def place(k: int) -> str | None:
        return event_stem(words[k]) if 0 <= k < len(words) and words[k].lower() not in skip else None

    slots = []  # (stem before, stem after, person) around each missing person in the statement
    for i, word in enumerate(words):
        if word in people:
            slots.append((place(i - 1), place(i + 1), word))
    theirs = word_tokens(evidence)
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
        if themselves:
            eligible = any(w in people for w in run)
        else:
            # Only the run's names count as the statement's: "Throughout Stalin's time" has
            # Stalin where "Throughout Trotsky's time" has Trotsky (a sentence's first word has a capital).
            eligible = (known or (i > 0 and run != ["I"])) and not any(w.lower() in lowered for w in known or run)
        if eligible:
            before = event_stem(theirs[i - 1]) if i > 0 else None
            after = event_stem(theirs[j]) if j < len(theirs) else None
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
