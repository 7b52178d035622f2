"""The seeds disagree about the year of Lenin's death: ask and check both say so."""

from __future__ import annotations

from askhist.claims import CONTRADICTED, SUPPORTED


def test_ask_says_the_sources_disagree_on_the_year_and_cites_both_sides(reading_assistant):
    answer = reading_assistant.ask("When did Lenin die?")
    assert answer.disagreement is not None and answer.disagreement.about == "year"
    sides = {side.value: side.citations for side in answer.disagreement.sides}
    assert set(sides) == {"1922", "1924"}
    assert answer.disagreement.sides[0].value == "1924"  # the majority first
    quoted = {s.citation: s.text for s in answer.sentences}
    assert all("1922" in quoted[c] for c in sides["1922"]) and all("1924" in quoted[c] for c in sides["1924"])
    assert answer.text.startswith("The sources disagree: 1924 ")
    assert answer.to_dict()["disagreement"]["sides"][0]["value"] == "1924"


def test_check_reports_the_contradicting_source_with_its_quote(reading_assistant):
    report = reading_assistant.check("Lenin died in 1922")
    assert report.disagreement and report.to_dict()["disagreement"] is True
    by_level = {s.support: s for s in report.sources}
    assert by_level[SUPPORTED].section == "related"  # the snippet that says 1922
    contradicted = by_level[CONTRADICTED]
    assert "1924" in contradicted.evidence.text and contradicted.note == "gives 1924, not 1922"
    text = reading_assistant.document(contradicted.doc).text
    assert text[contradicted.evidence.start : contradicted.evidence.end] == contradicted.evidence.text


def test_a_claim_no_source_contradicts_reports_no_disagreement(reading_assistant):
    report = reading_assistant.check("Stalin became General Secretary in 1922")
    assert not report.disagreement and CONTRADICTED not in {s.support for s in report.sources}
