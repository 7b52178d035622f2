"""Files changed under a running app are noticed before an answer cites them (issue 14, point 3)."""

from __future__ import annotations

import shutil

import pytest

from askhist.assistant import SourcesChanged

from .conftest import SEEDS, build_fake_assistant

pytestmark = pytest.mark.unit

FAMINE = "The great famine in Ukraine began in 1932 and killed millions of peasants."


@pytest.fixture()
def collection(tmp_path):
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    (docs / "famine.txt").write_text(f"The famine\n\n{FAMINE}\n\nCollectivisation was forced on the villages.\n")
    assistant = build_fake_assistant(docs, tmp_path / "index")
    assistant.freshness_interval = 0  # check on every question: the test edits files between them
    return docs, assistant


def _famine_sentences(answer):
    return [s for s in answer.sentences if s.doc == "famine.txt"]


def test_an_edited_file_is_reindexed_before_it_is_cited(collection):
    docs, assistant = collection
    before = _famine_sentences(assistant.ask("When did the great famine in Ukraine begin?"))
    assert before and before[0].text == FAMINE
    path = docs / "famine.txt"
    path.write_text("A line added at the top.\n" + path.read_text().replace("1932", "1934"))
    answer = assistant.ask("When did the great famine in Ukraine begin?")
    current = path.read_text()
    cited = _famine_sentences(answer)
    assert cited, "the edited document is still answered from"
    for sentence in cited:
        assert current[sentence.start : sentence.end] == sentence.text
    assert all("1932" not in s.text for s in answer.sentences)
    assert any("1934" in s.text for s in cited)


def test_a_claim_check_sees_the_edited_file(collection):
    docs, assistant = collection
    path = docs / "famine.txt"
    path.write_text("A line added at the top.\n" + path.read_text().replace("1932", "1934"))
    report = assistant.check("The famine in Ukraine began in 1932")
    current = path.read_text()
    for source in report.sources:
        if source.doc == "famine.txt" and source.evidence is not None:
            assert current[source.evidence.start : source.evidence.end] == source.evidence.text
            assert "1932" not in source.evidence.text


def test_added_and_removed_files_are_noticed(collection):
    docs, assistant = collection
    (docs / "famine.txt").unlink()
    (docs / "purges.txt").write_text("The purges\n\nThe Great Purge reached its height in 1937 and 1938.\n")
    answer = assistant.ask("When did the Great Purge reach its height?")
    assert "famine.txt" not in {d.doc_id for d in assistant.documents()}
    assert any(s.doc == "purges.txt" for s in answer.sentences)


def test_a_changed_file_that_cannot_be_read_is_never_cited(collection):
    docs, assistant = collection
    (docs / "famine.txt").write_bytes(b"\x00\x01 not text any more")
    with pytest.raises(SourcesChanged, match=r"famine\.txt"):
        assistant.ask("When did the great famine in Ukraine begin?")
    (docs / "famine.txt").write_text(f"The famine\n\n{FAMINE}\n")  # fixed: answers again
    assert _famine_sentences(assistant.ask("When did the great famine in Ukraine begin?"))


def test_the_folder_is_looked_at_once_per_interval(collection, monkeypatch):
    import askhist.assistant as assistant_module

    _, assistant = collection
    assistant.freshness_interval = 3600
    calls = []
    monkeypatch.setattr(assistant_module, "source_fingerprint", lambda dirs: calls.append(dirs) or {})
    for _ in range(5):
        assistant.ask("When did the great famine in Ukraine begin?")
    assert calls == []
