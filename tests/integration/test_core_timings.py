"""What the pipeline reports about its own work: per-stage seconds of a
question or a claim (``timings=``) and build statistics in the manifest.
The benchmark measures through these alone. No speed is asserted, only that
the figures are there and add up."""

from __future__ import annotations

import json
import shutil
import time

import pytest

from askhist.timing import stopwatch

from .conftest import SEEDS

ASK_STAGES = {"query_encoding", "bm25", "dense_search", "fusion", "answer_selection"}
CHECK_STAGES = {"query_encoding", "claim_scoring"}
BUILD_STAGES = {"chunking", "encoding", "bm25", "writing"}


def test_stopwatch_adds_up_and_records_nothing_without_a_dict():
    timings: dict[str, float] = {}
    with stopwatch(timings, "a"):
        pass
    first = timings["a"]
    with pytest.raises(KeyError), stopwatch(timings, "a"):
        raise KeyError("the block failed")
    assert timings["a"] >= first >= 0 and set(timings) == {"a"}
    with stopwatch(None, "a"):
        pass  # nothing to record into, and nothing fails


def test_ask_reports_every_stage_within_its_own_time(assistant):
    timings: dict[str, float] = {}
    started = time.perf_counter()
    answer = assistant.ask("Why did Trotsky lose the power struggle?", timings=timings)
    elapsed = time.perf_counter() - started
    assert set(timings) == ASK_STAGES
    assert all(seconds >= 0 for seconds in timings.values())
    assert sum(timings.values()) <= elapsed  # the stages are parts of the call
    # Measuring changes nothing in the answer.
    assert answer.to_dict() == assistant.ask("Why did Trotsky lose the power struggle?").to_dict()


def test_follow_up_and_repeated_asks_add_into_the_same_timings(assistant):
    timings: dict[str, float] = {}
    assistant.ask("Who was Bukharin?", timings=timings)
    once = dict(timings)
    assistant.ask("and what about Zinoviev?", history=["Who was Bukharin?"], timings=timings)
    assert set(timings) == ASK_STAGES
    assert all(timings[stage] >= once[stage] for stage in ASK_STAGES)
    assert sum(timings.values()) > sum(once.values())


def test_check_reports_encoding_and_scoring(assistant):
    timings: dict[str, float] = {}
    report = assistant.check("Stalin became General Secretary in 1922", timings=timings)
    assert set(timings) == CHECK_STAGES
    assert all(seconds >= 0 for seconds in timings.values())
    assert report.to_dict() == assistant.check("Stalin became General Secretary in 1922").to_dict()


def test_search_with_a_given_vector_does_not_report_encoding(assistant):
    from askhist.retrieval import Query, Retriever

    retriever = Retriever(assistant.index, assistant.encoder)
    query = Query("What was the Lenin Enrolment?")
    timings: dict[str, float] = {}
    hits = retriever.search(query, k=5, vector=retriever.query_vector(query), timings=timings)
    assert hits and set(timings) == {"bm25", "dense_search", "fusion"}
    timings.clear()
    retriever.search(query, k=5, timings=timings)
    assert set(timings) == {"query_encoding", "bm25", "dense_search", "fusion"}


def _distinct_texts(index) -> int:
    return len({p.text for p in index.passages} | {s.text for s in index.sentences})


def test_build_records_stage_seconds_and_what_it_encoded(seed_index_dir):
    from askhist.index import load_index

    index = load_index(seed_index_dir)
    manifest = index.manifest
    stages = manifest["stage_seconds"]
    assert set(stages) == BUILD_STAGES
    assert all(seconds >= 0 for seconds in stages.values())
    assert sum(stages.values()) <= manifest["build_seconds"] + 0.005  # each is rounded to 1 ms
    # A first build (empty cache) encodes every distinct text once.
    assert manifest["encoded_now"] == _distinct_texts(index) > 0
    assert manifest["reused_from_cache"] == 0


def test_rebuild_reuses_cached_vectors_and_says_how_many(tmp_path, seed_index_dir, encoder):
    from askhist.documents import load_documents
    from askhist.index import build_index, load_index

    before = load_index(seed_index_dir)
    old_texts = {p.text for p in before.passages} | {s.text for s in before.sentences}
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    (docs / "zz_new.txt").write_text(
        "Kronstadt\nIn March 1921 the sailors of Kronstadt rose against the Bolshevik government.\n",
        encoding="utf-8",
    )
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    after = build_index(load_documents(docs), encoder, index_dir)
    new_texts = ({p.text for p in after.passages} | {s.text for s in after.sentences}) - old_texts
    manifest = json.loads((index_dir / "current" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest == after.manifest
    assert manifest["encoded_now"] == len(new_texts) > 0
    assert manifest["reused_from_cache"] == _distinct_texts(after) - len(new_texts) > 0
    assert set(manifest["stage_seconds"]) == BUILD_STAGES
