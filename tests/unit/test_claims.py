"""Claim support levels: the rule on scores and numbers, and the report's order."""

from __future__ import annotations

import re

import pytest

from askhist.answer import AnswerSettings
from askhist.claims import CONTRADICTED, NOT_FOUND, NUMBER, PARTLY, SUPPORT_LEVELS, SUPPORTED, support_level

pytestmark = pytest.mark.unit

SETTINGS = AnswerSettings()  # claim_partly 0.47, claim_supported 0.55
HIGH = SETTINGS.claim_supported + 0.1
MIDDLE = (SETTINGS.claim_partly + SETTINGS.claim_supported) / 2
LOW = SETTINGS.claim_partly - 0.1


def level(score: float, claim: str, evidence: str) -> tuple[str, str]:
    return support_level(score, set(NUMBER.findall(claim)), evidence, SETTINGS)


def test_levels_follow_the_two_thresholds():
    claim = evidence = "Stalin became General Secretary"
    assert level(HIGH, claim, evidence) == (SUPPORTED, "")
    assert level(SETTINGS.claim_supported, claim, evidence) == (SUPPORTED, "")
    assert level(MIDDLE, claim, evidence) == (PARTLY, "")
    assert level(SETTINGS.claim_partly, claim, evidence) == (PARTLY, "")
    assert level(LOW, claim, evidence) == (NOT_FOUND, "")


def test_evidence_with_other_dates_does_not_support_and_says_why():
    assert level(HIGH, "Stalin became General Secretary in 1925", "He became General Secretary in 1922.") == (
        NOT_FOUND,
        "gives 1922, not 1925",
    )


def test_evidence_without_the_claims_date_supports_it_only_partly():
    assert level(HIGH, "Stalin became General Secretary in 1922", "He became General Secretary.") == (PARTLY, "")
    assert level(HIGH, "Stalin became General Secretary in 1922", "In 1922 he became General Secretary.") == (
        SUPPORTED,
        "",
    )


def test_a_low_score_is_not_found_whatever_the_numbers():
    assert level(LOW, "in 1922", "in 1925") == (NOT_FOUND, "")


def test_levels_are_listed_strongest_first():
    assert SUPPORT_LEVELS == (SUPPORTED, PARTLY, CONTRADICTED, NOT_FOUND)


def _a_statement_with_a_year(assistant):
    index = assistant.index
    for sid, sentence in enumerate(index.sentences):
        years = NUMBER.findall(sentence.text)
        if index.statement_mask[sid] and not index.sentence_related[sid] and len(set(years)) == 1:
            return sentence, years[0]
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
