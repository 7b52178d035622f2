"""Claim support levels: the rule on scores and facts, and the report's order."""

from __future__ import annotations

import re

import numpy as np
import pytest

from askhist.answer import AnswerSettings
from askhist.claims import CONTRADICTED, NOT_FOUND, PARTLY, SUPPORT_LEVELS, SUPPORTED, support_level
from askhist.facts import values
from askhist.stance import stance

from .conftest import fake_assistant_over

pytestmark = pytest.mark.unit

SETTINGS = AnswerSettings()  # claim_partly 0.50, claim_supported 0.55, claim_contradicted 0.35
HIGH = SETTINGS.claim_supported + 0.1
MIDDLE = (SETTINGS.claim_partly + SETTINGS.claim_supported) / 2
LOW = (SETTINGS.claim_contradicted + SETTINGS.claim_partly) / 2
NAMES = ("Stalin", "Trotsky", "Lenin", "Zinoviev", "Kamenev")


def level(score: float, claim: str, evidence: str) -> tuple[str, str]:
    return support_level(score, stance(claim, evidence, NAMES), SETTINGS)


def test_levels_follow_the_two_thresholds():
    claim = evidence = "Stalin became General Secretary"
    assert level(HIGH, claim, evidence) == (SUPPORTED, "")
    assert level(SETTINGS.claim_supported, claim, evidence) == (SUPPORTED, "")
    assert level(MIDDLE, claim, evidence) == (PARTLY, "")
    assert level(SETTINGS.claim_partly, claim, evidence) == (PARTLY, "")
    assert level(LOW, claim, evidence) == (NOT_FOUND, "")


def test_evidence_stating_another_date_contradicts_and_says_how():
    claim, evidence = "Stalin became General Secretary in 1925", "He became General Secretary in 1922."
    assert level(HIGH, claim, evidence) == (CONTRADICTED, "gives 1922, not 1925")
    # Closer than claim_partly is not needed to contradict, only claim_contradicted.
    assert level(LOW, claim, evidence) == (CONTRADICTED, "gives 1922, not 1925")
    assert level(SETTINGS.claim_contradicted - 0.01, claim, evidence) == (NOT_FOUND, "")


def test_evidence_without_the_claims_date_supports_it_only_partly():
    assert level(HIGH, "Stalin became General Secretary in 1922", "He became General Secretary.") == (PARTLY, "")
    assert level(HIGH, "Stalin became General Secretary in 1922", "In 1922 he became General Secretary.") == (
        SUPPORTED,
        "",
    )
    # A range states its first and last year; a year within a dated claim's period backs part of it.
    assert level(HIGH, "Stalin launched the Lenin Enrolment in 1923", "He launched it between 1923-1925.") == (
        SUPPORTED,
        "",
    )
    claim = "The Lenin Enrolment of 1923-1925 doubled the party"
    assert level(HIGH, claim, "The Lenin Enrolment began in 1924 and doubled the party.") == (PARTLY, "")


# Pairs on which the old number rule of this module ("a claim's year missing
# while another is present: not found, 'gives X, not Y'") and the rule of
# askhist.facts disagreed. There is one rule now (stance.stance).
def test_a_period_around_the_claims_date_neither_supports_nor_contradicts():
    claim, evidence = "The Lenin Enrolment began in 1924", "Stalin launched the Lenin Enrolment between 1923-1925."
    assert level(HIGH, claim, evidence) == (NOT_FOUND, "gives only 1923-1925, which includes 1924")
    assert stance(claim, evidence, NAMES).conflict == ""


def test_a_sentence_dated_to_another_event_does_not_support_and_names_no_year():
    # The old rule: not found, "gives 1922, not 1924". 1922 is when Stalin was appointed.
    claim, evidence = "Lenin died in 1924", "Stalin was appointed in 1922; Lenin died soon after."
    assert level(HIGH, claim, evidence) == (NOT_FOUND, "")
    assert stance(claim, evidence, NAMES).conflict == ""


@pytest.mark.parametrize(
    ("claim", "evidence"),
    [
        ("Lenin died in 1922", "With the death of Lenin in 1924, Trotsky seemed the likely leader."),
        ("Lenin died in 1924", "Stalin was appointed in 1922; Lenin died soon after."),
        ("The Lenin Enrolment began in 1924", "Stalin launched the Lenin Enrolment between 1923-1925."),
        ("The Lenin Enrolment began in 1928", "Stalin launched the Lenin Enrolment between 1923-1925."),
        ("Stalin died in 1953", "When Lenin died in 1924, everybody expected Trotsky to lead."),
        ("Trotsky joined forces with Zinoviev in 1926", "In 1926, Trotsky joined forces with Kamenev."),
        ("The Politburo had seven members", "The Politburo had five members and met weekly."),
    ],
)
def test_a_note_naming_another_value_or_person_comes_only_with_contradicted(claim, evidence):
    for score in (LOW, MIDDLE, HIGH):
        support, note = level(score, claim, evidence)
        assert (support == CONTRADICTED) == bool(stance(claim, evidence, NAMES).conflict)
        assert (", not " in note) == (support == CONTRADICTED)


def test_levels_are_listed_strongest_first():
    assert SUPPORT_LEVELS == (SUPPORTED, PARTLY, CONTRADICTED, NOT_FOUND)


def _a_statement_with_a_year(assistant):
    index = assistant.index
    for sid, sentence in enumerate(index.sentences):
        years = {v.value for v in values(sentence.text) if v.kind == "year" and v.last is None}
        numbers = [v for v in values(sentence.text) if v.kind == "number"]
        if index.statement_mask[sid] and not index.sentence_related[sid] and len(years) == 1 and not numbers:
            return sentence, str(years.pop())
    raise AssertionError("the seeds have a statement with one year")


def test_a_sentence_of_a_source_checked_as_a_claim_is_supported_by_it(fake_assistant):
    sentence, _ = _a_statement_with_a_year(fake_assistant)
    report = fake_assistant.check(sentence.text)
    own = next(s for s in report.sources if s.doc == sentence.doc and s.section == "main")
    assert own.support == SUPPORTED
    assert own.score == pytest.approx(SETTINGS.claim_dense_weight + SETTINGS.claim_lexical_weight, abs=1e-5)
    # Sorted by level, strongest first, then by score.
    order = [(SUPPORT_LEVELS.index(s.support), -s.score) for s in report.sources]
    assert order == sorted(order)


def test_the_same_sentence_with_another_year_contradicts_the_claim_with_a_note(fake_assistant):
    sentence, year = _a_statement_with_a_year(fake_assistant)
    other = "1066" if year != "1066" else "1067"
    report = fake_assistant.check(re.sub(rf"\b{year}\b", other, sentence.text))
    own = next(s for s in report.sources if s.doc == sentence.doc and s.section == "main")
    assert own.support == CONTRADICTED
    assert own.note == f"gives {year}, not {other}"
    assert report.to_dict()["sources"][0]["support"] in SUPPORT_LEVELS
    assert own.evidence is not None and own.evidence.text == sentence.text


# Two of the claim's words, in five short sources, so that the year weighs as
# much as both: a sentence giving another year loses the year's weight.
_DOCS = {
    "notes.txt": "Party notes\n\nLenin died in 1924, and in the years that followed the leaders of the party fought "
    "a long and bitter struggle over who would succeed him.\n",
    "snippet.txt": "A student snippet\n\nSome say Lenin died in 1922.\n",
    "tsar.txt": "The Tsar\n\nLenin never forgave the Tsar, because his elder brother died on the gallows.\n",
    "war.txt": "The civil war\n\nMany soldiers died in the civil war that Lenin fought against the Whites.\n",
    "canal.txt": "The canal\n\nThe Suez Canal was opened in 1869 after ten years of construction.\n",
}


@pytest.fixture(scope="module")
def lenin_sources(tmp_path_factory):
    return fake_assistant_over(_DOCS, tmp_path_factory, "lenin")


def test_a_sentence_giving_another_year_is_not_held_to_the_claims_year(lenin_sources):
    # "Lenin died in 1924, …" scores below claim_contradicted against "Lenin died
    # in 1922" only because it lacks "1922", which no contradicting sentence has.
    report = lenin_sources.check("Lenin died in 1922")
    by_doc = {s.doc: s for s in report.sources}
    notes = by_doc["notes.txt"]
    assert notes.score < SETTINGS.claim_contradicted
    assert (notes.support, notes.note) == (CONTRADICTED, "gives 1924, not 1922")
    assert notes.evidence is not None and notes.evidence.text.startswith("Lenin died in 1924")
    assert by_doc["snippet.txt"].support == SUPPORTED and report.disagreement


def test_another_person_or_a_not_is_looked_for_as_close_as_before(lenin_sources):
    # Its "never" is about forgiving, and it scores below claim_contradicted with the
    # claim's year counted: not held to the year, it would be read as "says the opposite".
    report = lenin_sources.check("Lenin died in 1922")
    tsar = next(s for s in report.sources if s.doc == "tsar.txt")
    assert tsar.score < SETTINGS.claim_contradicted
    assert stance("Lenin died in 1922", _DOCS["tsar.txt"].split("\n\n")[1], ["Lenin"]).respect == "negation"
    assert tsar.support == NOT_FOUND


# "Party", "membership" and "rose" are common here, so that a claim's counts
# weigh more than its other words.
_MEMBERSHIP_DOCS = {
    "members.txt": "Party notes\n\nParty membership rose in 1924 with the Lenin Enrolment.\n",
    "right.txt": "The Right Opposition\n\nThe Right Opposition was formed in 1928. "
    "The Right Opposition was formed at the party congress.\n",
    "lenin.txt": "Lenin\n\nLenin died in 1924. The party congress met after Lenin died. Some say Lenin died in 1922.\n",
    "canal.txt": "The canal\n\nThe canal was opened after ten years of work.\n",
    "army.txt": "The army\n\nParty membership mattered to many soldiers.\n",
    "tsar.txt": "The Tsar\n\nThe Tsar never forgave the party.\n",
    "grain.txt": "Grain\n\nGrain prices rose in the villages.\n",
}


@pytest.fixture(scope="module")
def membership_sources(tmp_path_factory):
    return fake_assistant_over(_MEMBERSHIP_DOCS, tmp_path_factory, "membership")


def _support(assistant, claim: str, doc: str):
    return next(s for s in assistant.check(claim).sources if s.doc == doc)


def test_a_sentence_giving_another_year_is_still_held_to_the_claims_counts(membership_sources):
    # Its year is left out of the score, not the counts it lacks: "party
    # membership rose" alone is not the claim, which its counts identify.
    claim = "Party membership rose from 250,000 to 612,000 between 1919 and 1920"
    assert stance(claim, "Party membership rose in 1924 with the Lenin Enrolment.").conflict == "gives 1924, not 1919"
    assert _support(membership_sources, claim, "members.txt").support == NOT_FOUND
    dated = _support(membership_sources, "Party membership rose in 1919", "members.txt")
    assert (dated.support, dated.note) == (CONTRADICTED, "gives 1924, not 1919")


class _WordReader:
    """A fake reader that prefers the sentences holding ``word``."""

    def __init__(self, word: str) -> None:
        self.word = word

    def score(self, question, sentences, before=None, after=None):
        return np.array([5.0 if self.word in s else -5.0 for s in sentences])


def _with_reader(assistant, reader):
    from askhist.assistant import Assistant

    return Assistant(assistant.index, assistant.encoder, assistant.doc_dirs, assistant.settings, reader=reader)


def test_the_readers_pick_does_not_outweigh_a_closer_sentence_stating_the_fact_otherwise(membership_sources):
    reading = _with_reader(membership_sources, _WordReader("congress"))
    # The closest sentence gives 1928; the reader prefers one without a year.
    right = _support(reading, "The Right Opposition was formed in 1926", "right.txt")
    assert (right.support, right.note) == (CONTRADICTED, "gives 1928, not 1926")
    assert right.evidence is not None and right.evidence.text == "The Right Opposition was formed in 1928."
    # The closest sentence agrees, a weaker one says otherwise: the source supports the claim and also says otherwise.
    lenin = _support(reading, "Lenin died in 1924", "lenin.txt")
    assert lenin.support in (SUPPORTED, PARTLY) and lenin.evidence.text == "The party congress met after Lenin died."
    assert lenin.against is not None and lenin.against.text == "Some say Lenin died in 1922."
