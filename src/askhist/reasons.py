"""Why and how questions: what asks for a reason, what gives one, and when
the reason is in the sentence after the one that matches the question; and
"what is X?" questions, and the sentences that say what X is.

Essays state a point and then explain it: "Trotsky continues to dig his grave
by launching attacks on the party bureaucracy. His criticism was none too
popular with the party members..." The first sentence matches "Why did
launching attacks on the party bureaucracy dig Trotsky's grave?" best (it
restates it); the second answers it. On the dev questions, half of the "why"
and "how" questions were answered by the sentence right after the quoted one
(README, "Choices"). Pure functions on text: the answer stage decides with
them whether to quote the next sentence too.
"""

from __future__ import annotations

import re

from .facts import answer_kind, values

# "how" includes "how many"/"how long", which ask for a value: see ``asks_for_reason``.
WHY_QUESTION = re.compile(r"\bwhy\b|\bhow\b|\breasons?\b|\bexplain\b", re.IGNORECASE)
# Generic causal cues only: words picked from the evaluation's answers would score the test set, not causes.
CAUSE = re.compile(
    r"\b(?:because|since|due to|owing to|led to|leads? to|leading to|results?|resulted|as a result|reasons?|"
    r"so that|therefore|thus|hence|caused|causes|consequently)\b",
    re.IGNORECASE,
)


def asks_for_reason(question: str) -> bool:
    """A "why"/"how" question that asks for a reason or a way, not a value
    ("how many", "how long" and "when" ask for values)."""
    return bool(WHY_QUESTION.search(question)) and answer_kind(question) is None


def gives_reason(sentence: str) -> bool:
    """The sentence states a cause itself ("because", "led to", "thus"...)."""
    return bool(CAUSE.search(sentence))


# A sentence that opens on a demonstrative or "it" points back at what came before: "This was a threat to
# Stalin" restates the question, and the threat is the sentence before.
_POINTS_BACK = re.compile(r"^\W*(?:this|that|these|those|such|it)\b", re.IGNORECASE)


def refers_back(sentence: str) -> bool:
    """The sentence opens by pointing back ("This was...", "Such a move...")."""
    return bool(_POINTS_BACK.match(sentence))


def reason_follows(question: str, sentence: str, coverage: float, min_coverage: float) -> bool:
    """Whether the reason a question asks for is likely in the sentence after
    ``sentence``: the question asks why or how, the sentence restates it
    (covers at least ``min_coverage`` of the question's word weight) and
    gives no cause of its own."""
    return coverage >= min_coverage and asks_for_reason(question) and not gives_reason(sentence)


def value_follows(question: str, sentence: str, next_sentence: str) -> bool:
    """Whether the year or number a question asks for is in the sentence
    after ``sentence``: the sentence gives none, and the next one points back
    at it and gives one ("…launched the Lenin Enrolment. This caused an
    influx of 500,000 party members.")."""
    kind = answer_kind(question)
    if kind is None or not refers_back(next_sentence):
        return False
    given = lambda text: any(v.kind == kind for v in values(text))  # noqa: E731
    return not given(sentence) and given(next_sentence)


_WHY = re.compile(r"\bwhy\b", re.IGNORECASE)


def asks_why(question: str) -> bool:
    """A question that asks "why" (not "how", nor a value): it takes for
    granted the fact it asks about."""
    return bool(_WHY.search(question)) and answer_kind(question) is None


# "what is bonapartism?", "What were the Kulaks?", "what does NEP mean": a term of at most three words,
# alone after the verb (a longer tail is a question about the term, not for its meaning).
_DEFINITION_QUESTION = re.compile(
    r"^\W*(?:what|who)\s+(?:is|are|was|were)\s+(?:(?:a|an|the)\s+)?(?P<term>[\w'’-]+(?:\s+[\w'’-]+){0,2})\W*$"
    r"|^\W*what\s+(?:does|did)\s+(?:(?:a|an|the)\s+)?(?P<meant>[\w'’-]+(?:\s+[\w'’-]+){0,2})\s+mean\W*$",
    re.IGNORECASE,
)
# What follows a term that a sentence defines: '"Bonapartism," that is, in a military dictatorship...',
# "NEP, meaning...", "the Orgburo (i.e. ...)", "The Orgburo was the bureau...", "X refers to...". Closing
# quotes, brackets and commas may stand between; "Kulaks were wealthy" is not enough (it may describe them).
_DEFINES = (
    r"""[\s"'”’)\],:;(—–-]*"""
    r"(?:that is|i\.e\.|meaning|which means|means|refers? to|is defined as|(?:is|are|was|were) (?:a|an|the)\b)"
)


def defined_term(question: str) -> str | None:
    """The term a "what is X?" question asks to have defined ("bonapartism"),
    or None for any other question."""
    match = _DEFINITION_QUESTION.match(question.strip())
    if match is None:
        return None
    return match.group("term") or match.group("meant")


def defines(sentence: str, term: str) -> bool:
    """The sentence says what ``term`` is: the term, then "that is", "i.e.",
    "meaning", "refers to" or "is a/the" ('"Bonapartism," that is, in a
    military dictatorship under a charismatic general')."""
    words = r"\s+".join(re.escape(w) for w in term.replace("\u2019", "'").split())
    return bool(re.search(rf"\b{words}\b{_DEFINES}", sentence.replace("\u2019", "'"), re.IGNORECASE))


def explains_before(question: str, sentence: str, following: str) -> bool:
    """Whether ``following`` gives the reason ``question`` asks for about
    ``sentence``, whatever share of the question ``sentence`` covers: the
    question asks why or how, ``sentence`` gives no cause, and ``following``
    points back at it and gives one ("Stalin used his control of party
    membership to supervise the Lenin Enrolment… This was advantageous to
    Stalin's rise to power because they were unlikely to contend…")."""
    if not asks_for_reason(question) or gives_reason(sentence):
        return False
    return refers_back(following) and gives_reason(following)
