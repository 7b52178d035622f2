"""What a question asks for, and whether a sentence says it: rules on text.

A sentence can mention everything a question is about and still not say
what was asked: "Which country was Trotsky exiled to?" is read well against
"Trotsky in particular was exiled.", which names no country; "In what year
was Bukharin executed?" against "Lenin's death in 1924 ... between Stalin,
Trotsky, Zinoviev, Kamenev and Bukharin", whose year is a death, not an
execution. The reader (a passage ranker) scores such pairs high, and the
evidence model cannot tell them apart. These rules can: the answer stage
abstains when one of them says the sentence does not state what was asked
and the collection never uses a word of it (``event_words``;
``AnswerSettings.abstain_unnamed_event``), or whatever it uses
(``abstain_unstated``, off: on SQuAD the missing thing is often there as a
hyponym or a synonym). Pure functions on text; no model runs here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .facts import answer_kind, clauses, content_stems, event_stem, values
from .reasons import refers_back
from .text import STOP_WORDS

_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# "Which country...", "In which town...", "What percentage of...", "Which city's party organisation...".
_WHICH = re.compile(r"\b(?:which|what)\s+(?P<noun>[^\W\d_][\w-]*)", re.IGNORECASE)
# Nouns after "which"/"what" that ask for no thing of their own: the value questions (answer_kind), and
# "what kind of", "in what way".
_GENERIC_NOUNS = frozenset("year years date day month time kind sort type way extent".split())
# A value question asks it first: "When did...", "In what year...", "How many...". A "when" later on opens a
# clause ("What did Lenin turn to when it came to...").
_VALUE_QUESTION = re.compile(
    r"^\W*(?:(?:in|by|from|since)\s+)?(?:when|(?:what|which)\s+(?:year|date)|how\s+(?:many|much|long|old))\b",
    re.IGNORECASE,
)
# Words of a value question that name the value, not the event ("how many", "what year").
_VALUE_WORDS = frozenset("year years date many much long old".split())
# Verbs whose forms the stemmer does not fold ("become"/"became"): they say little about which event it is.
_LIGHT_VERBS = frozenset("become became take took taken make made get got go went gone come came".split())


def _words(text: str) -> list[str]:
    """The words of ``text`` as written, possessives cut ("Trotsky’s" → "Trotsky")."""
    return [w.split("'")[0] for w in _WORD.findall(text.replace("\u2019", "'"))]


def _stems(texts: Iterable[str | None]) -> set[str]:
    return set().union(*(content_stems(t) for t in texts if t))


def asked_noun(question: str) -> str | None:
    """The noun a "which/what <noun>" question asks for ("Which country was
    Trotsky exiled to?" → "country"), lower case; None for other questions
    and for "what year", "what kind of" and the like."""
    match = _WHICH.search(question.replace("\u2019", "'"))
    if match is None:
        return None
    noun = match.group("noun").lower().split("'")[0]
    if noun in STOP_WORDS or noun in _GENERIC_NOUNS or not content_stems(noun):
        return None
    return noun


def noun_unstated(question: str, texts: Iterable[str | None], min_share: float) -> bool:
    """Whether ``texts`` (the chosen sentence and its neighbours) are about
    what the question is about but never name the kind of thing it asks
    for: the :func:`asked_noun` is missing and at least ``min_share`` of the
    question's other content words are there ("Which country was Trotsky
    exiled to?" against "Trotsky in particular was exiled."). A question
    whose other words are mostly missing too paraphrases the sources; its
    noun's absence says nothing."""
    noun = asked_noun(question)
    if noun is None:
        return False
    stated = _stems(texts)
    if event_stem(noun) in stated:
        return False
    others = content_stems(question) - {event_stem(noun)}
    return bool(others) and len(others & stated) >= min_share * len(others)


def event_words(question: str) -> list[str]:
    """The words of a question that say what it asks about, not who: its
    content words written in lower case, less the value's own words and
    light verbs ("In what year was Bukharin executed?" → ["executed"];
    "Which newspaper did Trotsky edit?" → ["newspaper", "edit"])."""
    words = _words(question)
    out: list[str] = []
    for position, word in enumerate(words):
        lowered = word.lower()
        if (position and word[:1].isupper()) or lowered in _VALUE_WORDS or lowered in _LIGHT_VERBS:
            continue
        if content_stems(lowered) and lowered not in out:
            out.append(lowered)
    return out


def value_unstated(question: str, sentence: str, next_sentence: str | None = None) -> bool:
    """Whether a "when"/"how many" question's sentence gives a year (number)
    only for another event: no clause holding a value of the asked kind
    holds a word of the question's event ("In what year was Bukharin
    executed?" against "Lenin's death in 1924 ... Bukharin ..."). The next
    sentence counts when it points back ("This caused an influx of
    500,000..."). False when the question is no value question or names no
    event; a sentence that gives no value at all is the evidence model's
    ``type_absent``."""
    kind = answer_kind(question)
    if kind is None or not _VALUE_QUESTION.match(question):
        return False
    event = _stems(event_words(question))
    if not event:
        return False
    texts = [sentence, *([next_sentence] if next_sentence and refers_back(next_sentence) else [])]
    valued = [text[s:e] for text in texts for s, e in clauses(text) if any(v.kind == kind for v in values(text[s:e]))]
    return bool(valued) and not any(content_stems(clause) & event for clause in valued)
