"""The reader stage in the answer, with a fake reader: which candidates are
read, how logits and today's score combine, abstention from evidence, MaxP,
and the claim check's evidence pick."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
import pytest

from askhist.answer import NO_ANSWER, AnswerSettings, Scored, reading_order
from askhist.assistant import Assistant, Settings
from askhist.facts import values
from askhist.reader import (
    EVIDENCE_FEATURES,
    answerable_probability,
    combined_scores,
    evidence_features,
    load_reader,
    logistic,
)

pytestmark = pytest.mark.unit

QUESTION = "Why did Trotsky lose the power struggle?"


class FakeReader:
    """Scores a sentence high when it holds ``word`` (or is ``exact``, one or several); records every pair it reads."""

    def __init__(self, word: str = "", exact: str | tuple[str, ...] = "", high: float = 5.0, low: float = -5.0) -> None:
        self.word, self.high, self.low = word.lower(), high, low
        self.exact = (exact,) if isinstance(exact, str) else exact
        self.pairs: list[tuple[str, str]] = []

    def _likes(self, sentence: str) -> bool:
        return sentence in self.exact or bool(self.word and self.word in sentence.lower())

    def score(self, question: str, sentences: Sequence[str], before=None, after=None) -> np.ndarray:
        self.pairs.extend((question, s) for s in sentences)
        return np.array([self.high if self._likes(s) else self.low for s in sentences])


def _assistant(base: Assistant, reader, **answer) -> Assistant:
    settings = Settings(answer=dataclasses.replace(AnswerSettings(), **answer))
    return Assistant(base.index, base.encoder, base.doc_dirs, settings, reader=reader)


def test_combined_scores_are_the_logistic_model_of_both_signals():
    combined = combined_scores(np.array([2.0, -1.0]), np.array([0.5, 1.0]), 0.5, 2.0, -1.0)
    np.testing.assert_allclose(combined, logistic(np.array([1.0, 0.5])))
    with pytest.raises(ValueError, match="2 reader logits for 1 scores"):
        combined_scores(np.array([1.0, 2.0]), np.array([1.0]), 1.0, 1.0, 0.0)


def test_evidence_features_say_when_the_asked_year_is_missing():
    logits = np.array([3.0, 1.0, 2.5])
    with_year = evidence_features("When did Lenin die?", logits, 0, "Lenin died in 1924.", 0.8, 0.6)
    without = evidence_features("When did Lenin die?", logits, 0, "Lenin died after a stroke.", 0.8, 0.6)
    named = dict(zip(EVIDENCE_FEATURES, with_year))
    assert named["top"] == 3.0 and named["margin"] == pytest.approx(0.5)
    assert named["uncovered"] == pytest.approx(0.2) and named["today"] == pytest.approx(0.6)
    assert named["type_absent"] == 0.0 and dict(zip(EVIDENCE_FEATURES, without))["type_absent"] == 1.0
    assert evidence_features("Who led?", np.array([1.0]), 0, "Stalin.", 1.0, 0.0)[1] == 0.0  # no margin alone


def test_answerable_probability_checks_the_number_of_weights():
    features = np.array([2.0, 0.0, 0.0, 0.0, 0.0])
    assert answerable_probability(features, (1.0, 0.0, 0.0, 0.0, 0.0), -2.0) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="2 evidence weights"):
        answerable_probability(features, (1.0, 0.0), 0.0)


def test_load_reader_false_or_off_means_no_reader(monkeypatch):
    assert load_reader(False) is None
    monkeypatch.setenv("ASKHIST_READER", "off")
    assert load_reader(None) is None


def test_the_reader_reads_only_the_best_candidates_by_todays_score(fake_assistant):
    reader = FakeReader()
    _assistant(fake_assistant, reader, read_top=3).ask(QUESTION)
    assert len(reader.pairs) == 3


def test_the_reader_changes_the_answer_and_moves_its_passage_first(fake_assistant):
    today = _assistant(fake_assistant, None).ask(QUESTION)
    listener = FakeReader()
    _assistant(fake_assistant, listener, read_top=5).ask(QUESTION)  # reads what today ranks 1-5
    target = [s for _, s in listener.pairs][-1]  # today's fifth: never today's answer
    assert target != today.sentences[0].text
    answer = _assistant(fake_assistant, FakeReader(exact=target), read_top=5).ask(QUESTION)
    best = answer.sentences[0]
    assert best.text == target
    first = answer.passages[0]
    assert first.doc == best.doc and first.start <= best.start and best.end <= first.end
    assert (best.start, best.end) in first.highlights


def test_abstains_on_weak_evidence_and_keeps_the_passages(fake_assistant):
    only_top = {"evidence_weights": (1.0, 0.0, 0.0, 0.0, 0.0), "evidence_bias": 0.0, "abstain_evidence_below": 0.5}
    answer = _assistant(fake_assistant, FakeReader(), **only_top).ask(QUESTION)  # logistic(-5) < .5
    assert answer.abstained and answer.message == NO_ANSWER and answer.passages
    confident = _assistant(fake_assistant, FakeReader("trotsky"), **only_top)
    assert not confident.ask(QUESTION).abstained


def test_the_claim_check_takes_each_sources_evidence_from_the_reader(fake_assistant):
    claim = "Trotsky lost the power struggle to Stalin"
    baseline = {s.doc: s for s in _assistant(fake_assistant, None).check(claim).sources}
    reader = FakeReader("zzz-no-sentence-has-this")
    _assistant(fake_assistant, reader, claim_read_top=2).check(claim)
    read_sources = {s for _, s in reader.pairs}
    assert reader.pairs and len(reader.pairs) <= 2 * len(baseline)
    for s in baseline.values():
        # A contradicted source's evidence is the sentence that contradicts (askhist.stance), not the best match.
        if s.evidence is not None and s.support not in ("not found", "contradicted"):
            assert s.evidence.text in read_sources  # today's best is among the read candidates


def test_follow_ups_are_read_only_when_the_setting_asks(fake_assistant):
    # The history is given as an earlier answer: nothing is answered (or read) again.
    history = [fake_assistant.ask("Why did Trotsky lose the power struggle?")]
    reader = FakeReader()
    _assistant(fake_assistant, reader).ask("and what about Bukharin?", history=history)
    assert reader.pairs == []
    _assistant(fake_assistant, reader, read_followups=True).ask("and what about Bukharin?", history=history)
    assert reader.pairs and all(
        q.endswith("and what about Bukharin?") and q != "and what about Bukharin?" for q, _ in reader.pairs
    )  # read with the question it follows


def test_the_claim_check_reads_at_most_claim_read_sources_even_when_copies_tie(tmp_path):
    from .conftest import SEEDS, build_fake_assistant

    docs = tmp_path / "docs"
    docs.mkdir()
    essay = sorted(SEEDS.glob("*.txt"))[0].read_text(encoding="utf-8")
    for n in range(8):  # eight copies of one essay: every source scores the same
        (docs / f"copy{n}.txt").write_text(essay, encoding="utf-8")
    base = build_fake_assistant(docs, tmp_path / "index")
    reader = FakeReader(word="stalin")
    # A threshold every copy passes with the fake encoder: the cap, not the threshold, must limit the reads.
    partly = 0.3
    report = _assistant(base, reader, claim_partly=partly).check("Stalin became General Secretary in 1922")
    settings = AnswerSettings()
    assert len(report.sources) == 8
    assert 0 < len(reader.pairs) <= settings.claim_read_sources * settings.claim_read_top


def test_a_value_in_the_next_sentence_that_points_back_counts_as_given():
    question, logits = "How many people joined in the Lenin Enrolment?", np.array([3.0, 1.0])
    launched = "Stalin launched the Lenin Enrolment between 1923-1925."  # years, no count
    absent = EVIDENCE_FEATURES.index("type_absent")
    assert evidence_features(question, logits, 0, launched, 0.8, 0.6)[absent] == 1.0
    pointing_back = "This caused an influx of 500,000 party members."
    assert evidence_features(question, logits, 0, launched, 0.8, 0.6, next_text=pointing_back)[absent] == 0.0
    other = "Trotsky had 500,000 soldiers."  # a count about something else
    assert evidence_features(question, logits, 0, launched, 0.8, 0.6, next_text=other)[absent] == 1.0
    years = "This lasted until 1925."  # another kind of value
    assert evidence_features(question, logits, 0, launched, 0.8, 0.6, next_text=years)[absent] == 1.0


def _three_candidates(texts: list[str]):
    """An index of just these sentences and today's scores .9, .5, .7 for them (the reading order's inputs)."""
    from types import SimpleNamespace

    index = SimpleNamespace(sentences=[SimpleNamespace(text=t) for t in texts])
    return index, Scored([0, 1, 2], np.array([0.9, 0.5, 0.7]), np.zeros(3))


def test_a_sentence_whose_asked_event_is_someone_elses_is_read_last():
    texts = [
        "However, in 1924, Lenin died and Josef Stalin assumed leadership.",
        "Stalin ruled until he died in 1953.",
        "Stalin was General Secretary.",
    ]
    index, scored = _three_candidates(texts)
    assert reading_order("In what year did Stalin die?", scored, index, 2) == [2, 1]
    assert reading_order("In what year did Stalin die?", scored, index, 3) == [2, 1, 0]  # read when needed
    assert reading_order("Who led after 1924?", scored, index, 2) == [0, 2]  # today's order otherwise
    # Only a question asking for a year or number: for others, a co-subject is no one else.
    assert reading_order("Why did Stalin die alone?", scored, index, 2) == [0, 2]


def test_a_sentence_naming_the_asked_people_only_among_everyone_is_read_last():
    texts = [
        "A struggle began between Stalin, Trotsky, Zinoviev, Kamenev and Bukharin.",
        "Kamenev and Zinoviev kept Lenin's testament from the congress.",
        "Stalin was General Secretary.",
    ]
    index, scored = _three_candidates(texts)
    assert reading_order("How did Zinoviev and Kamenev help Stalin?", scored, index, 2) == [2, 1]
    assert reading_order("When did Zinoviev and Kamenev help Stalin?", scored, index, 2) == [0, 2]  # a value


def test_the_reader_does_not_read_someone_elses_event(tmp_path_factory):
    from .conftest import fake_assistant_over

    lenin = "However, in the year 1924, Lenin died and Stalin took over as leader."
    files = {"a.txt": f"Stalin ruled for decades.\n\n{lenin}\n\nThe end came for Stalin at his dacha in 1953.\n"}
    base = fake_assistant_over(files, tmp_path_factory)
    reader = FakeReader()
    _assistant(base, reader, read_top=1).ask("In what year did Stalin die?")
    assert len(reader.pairs) == 1 and reader.pairs[0][1] != lenin


NAPOLEON = "Who filled the role of Napoleon in 1922-1924?"
SUPPORT = "what was his support base?"


def _repeating(fake_assistant, reader, **answer):
    """The follow-up's answer after NAPOLEON, whose best sentence by today's score repeats NAPOLEON's answer."""
    history = [fake_assistant.ask(NAPOLEON)]
    return history[0], _assistant(fake_assistant, reader, **answer).ask(SUPPORT, history=history)


def test_a_follow_up_that_repeats_the_earlier_answer_lets_the_reader_choose(fake_assistant):
    listener = FakeReader()
    earlier, kept = _repeating(fake_assistant, listener)
    repeat = kept.sentences[0].text
    assert repeat in earlier.sentences[0].text  # the contested case: read, nothing read well, so kept
    read = [s for _, s in listener.pairs]
    assert len(read) == AnswerSettings().followup_repeat_read and read[0] == repeat
    assert {q for q, _ in listener.pairs} == {kept.resolved_context.split(" | ")[0]}  # the question as understood
    other = read[-1]
    assert _repeating(fake_assistant, FakeReader(exact=other))[1].sentences[0].text == other
    # Read as answering, but no better than the repeat (within the margin): the repeat stays.
    assert _repeating(fake_assistant, FakeReader(exact=(other, repeat)))[1].sentences[0].text == repeat
    # Better than the repeat, yet not read as answering (below the floor): the repeat stays.
    assert _repeating(fake_assistant, FakeReader(exact=other, high=-1.0, low=-5.0))[1].sentences[0].text == repeat
    off = FakeReader(exact=other)
    assert _repeating(fake_assistant, off, followup_repeat_read=0)[1].sentences[0].text == repeat
    assert off.pairs == []


def test_a_follow_up_that_does_not_repeat_the_earlier_answer_is_not_read(fake_assistant):
    earlier = {"question": NAPOLEON, "sentences": [{"text": "Trotsky was never Napoleon."}]}
    reader = FakeReader()
    _assistant(fake_assistant, reader).ask(SUPPORT, history=[earlier])
    assert reader.pairs == []


def test_a_when_follow_up_of_a_when_question_reads_only_new_years(fake_assistant):
    history = [fake_assistant.ask("When did a stroke force Lenin into semi-retirement?")]
    given = {v.value for s in history[0].sentences for v in values(s.text) if v.kind == "year"}
    assert given
    listener = FakeReader()
    repeat = _assistant(fake_assistant, listener).ask("and when did he die?", history=history).sentences[0].text
    read = [s for _, s in listener.pairs]
    assert repeat in history[0].sentences[0].text and repeat not in read and read
    assert all({v.value for v in values(s) if v.kind == "year"} - given for s in read)
    chosen = _assistant(fake_assistant, FakeReader(exact=read[-1])).ask("and when did he die?", history=history)
    assert chosen.sentences[0].text == read[-1]
    every = FakeReader()
    _assistant(fake_assistant, every, followup_new_year=False).ask("and when did he die?", history=history)
    assert next(s for _, s in every.pairs) == repeat
