"""The command-line contract other tools are built against."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import SEEDS

ASKHIST = [sys.executable, "-m", "askhist.cli"]


@pytest.fixture(scope="module")
def collection(tmp_path_factory, seed_index_dir):
    """A copy of the seeds and of a built index, so the CLI does not rebuild."""
    root = tmp_path_factory.mktemp("cli")
    shutil.copytree(SEEDS, root / "docs")
    shutil.copytree(seed_index_dir, root / "index", symlinks=True)
    return root


def run(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*ASKHIST, *args], input=stdin, capture_output=True, text=True, timeout=300, cwd=cwd)


def _where(collection: Path) -> list[str]:
    return [
        "--docs",
        str(collection / "docs"),
        "--index",
        str(collection / "index"),
        "--data",
        str(collection / "data"),
    ]


def test_ask_json_follows_the_contract(collection):
    result = run("ask", "Why did Trotsky lose the power struggle?", "--json", "--top-k", "3", *_where(collection))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) >= {"question", "abstained", "answer", "sentences", "passages"}
    assert data["abstained"] is False
    assert set(data["answer"]) == {"text", "doc", "start", "end"}
    assert len(data["passages"]) == 3
    for s in data["sentences"]:
        assert set(s) >= {"text", "doc", "title", "start", "end", "citation"}
        text = (collection / "docs" / s["doc"]).read_text(encoding="utf-8")
        assert text[s["start"] : s["end"]] == s["text"]
        assert not s["title"].endswith(".txt")
    for p in data["passages"]:
        assert set(p) >= {"doc", "title", "start", "end", "text", "score"}
        text = (collection / "docs" / p["doc"]).read_text(encoding="utf-8")
        assert text[p["start"] : p["end"]] == p["text"]
    best = data["answer"]
    assert (best["text"], best["doc"], best["start"]) == (
        data["sentences"][0]["text"],
        data["sentences"][0]["doc"],
        data["sentences"][0]["start"],
    )


def test_ask_human_output_quotes_and_cites(collection):
    result = run("ask", "What nickname did colleagues give Stalin for his paperwork?", *_where(collection))
    assert result.returncode == 0, result.stderr
    assert "Card-Index" in result.stdout
    assert "[1]" in result.stdout and "Sources:" in result.stdout and "paragraph" in result.stdout


def test_batch_reads_stdin_and_answers_in_order(collection):
    questions = "Who delivered the oration at Lenin's funeral?\n\nWhat was the Lenin Enrolment?\n   \n"
    questions += "Who won the football World Cup in 1998?\n"
    result = run("ask", "--batch", "-", "--json", *_where(collection), stdin=questions)
    assert result.returncode == 1, result.stderr  # the blank lines
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == [
        "Who delivered the oration at Lenin's funeral?",
        "",
        "What was the Lenin Enrolment?",
        "   ",
        "Who won the football World Cup in 1998?",
    ]
    assert ["error" in r for r in records] == [False, True, False, True, False]
    assert "empty" in records[1]["error"] and "empty" in records[3]["error"]
    assert records[4]["abstained"] is True and records[4]["answer"] is None and records[4]["passages"]


def test_batch_without_json_is_human_readable(collection):
    questions = "What nickname did colleagues give Stalin for his paperwork?\n\n"
    result = run("ask", "--batch", "-", *_where(collection), stdin=questions)
    assert result.returncode == 1, result.stderr
    assert "{" not in result.stdout
    first, blank = result.stdout.split("=== line 2:")
    assert first.startswith("=== line 1: What nickname") and "Card-Index" in first and "Sources:" in first
    assert "error: please type a question: it is empty" in blank


def test_batch_json_objects_carry_history(collection):
    first = "Why did Trotsky lose the power struggle?"
    lines = [
        json.dumps({"question": "And what about Bukharin?", "history": [first]}),
        json.dumps({"question": "What was the Lenin Enrolment?"}),
        json.dumps({"question": "Who?", "history": "not a list"}),
        json.dumps({"question": 5}),
        json.dumps({"question": "Who?", "history": [1, 2]}),
        json.dumps({"question": "Who?", "histroy": []}),
        '{"question": "unterminated',
        '{"question": "Who?"} and more',
        '{"question": "\\ud800"}',
    ]
    result = run("ask", "--batch", "-", "--json", *_where(collection), stdin="\n".join(lines) + "\n")
    assert result.returncode == 1, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(records) == len(lines)
    followup, plain, *bad = records[:-1]
    assert followup["question"] == "And what about Bukharin?" and "error" not in followup
    assert first in followup["context"]  # read with the earlier question
    assert "resolved_context" in followup
    alone = json.loads(run("ask", "And what about Bukharin?", "--json", *_where(collection)).stdout)
    assert alone["context"] == ""
    assert plain["question"] == "What was the Lenin Enrolment?" and plain["context"] == ""
    assert [r["error"] for r in bad] == [
        'line 3: "history" must be a list of strings',
        'line 4: "question" must be a string',
        'line 5: "history" must be a list of strings',
        "line 6 has unknown keys: histroy",
        "line 7 is not a valid JSON object (Unterminated string starting at)",
        "line 8 is not a valid JSON object (Extra data)",
    ]
    assert records[-1]["question"] == "?" and records[-1]["error"]  # a lone surrogate: printed as "?"


def test_human_output_strips_terminal_escapes_and_json_keeps_them(tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    hostile = "The Kronstadt sailors rose in March 1921\x1b[2J\x1b]0;owned\x07 against the Bolshevik government."
    (docs / "kronstadt.txt").write_text("Kronstadt\n\n" + hostile + "\n", encoding="utf-8")
    where = ["--docs", str(docs), "--index", str(tmp_path / "index")]
    human = run("ask", "When did the Kronstadt sailors rise?", *where)
    assert human.returncode == 0, human.stderr
    assert "1921" in human.stdout and "\x1b" not in human.stdout and "\x07" not in human.stdout
    batch = run("ask", "--batch", "-", *where, stdin="When did the Kronstadt sailors rise?\n")
    assert "1921" in batch.stdout and "\x1b" not in batch.stdout
    claim = run("check", "The Kronstadt sailors rose in 1921", *where)
    assert "1921" in claim.stdout and "\x1b" not in claim.stdout
    data = json.loads(run("ask", "When did the Kronstadt sailors rise?", "--json", *where).stdout)
    assert "\x1b[2J" in data["answer"]["text"]  # JSON is exact: offsets still slice the file


def test_check_json_lists_every_source(collection):
    result = run("check", "Stalin became General Secretary in 1922", "--json", *_where(collection))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["claim"] == "Stalin became General Secretary in 1922"
    docs = {s["doc"] for s in data["sources"]}
    assert docs == {p.name for p in SEEDS.glob("*.txt")}
    levels = [s["support"] for s in data["sources"]]
    order = {"supported": 0, "partly supported": 1, "contradicted": 2, "not found": 3}
    assert levels == sorted(levels, key=order.get)
    assert levels[0] == "supported"
    for s in data["sources"]:
        assert set(s) >= {"doc", "title", "support", "score", "evidence"}
        if s["evidence"]:
            text = (collection / "docs" / s["doc"]).read_text(encoding="utf-8")
            assert text[s["evidence"]["start"] : s["evidence"]["end"]] == s["evidence"]["text"]


def test_the_commands_are_the_documented_ones():
    """The benchmark is not a command: it lives in bench/ (``python -m bench``)."""
    result = run("bench", "--quick")
    assert result.returncode == 2 and "invalid choice: 'bench'" in result.stderr
    offered = re.search(r"\(choose from (.*)\)", result.stderr).group(1)
    assert sorted(re.findall(r"\w+", offered)) == ["ask", "check", "eval", "index", "serve", "squad"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ask", "   "], "empty"),
        (["ask", "Who?", "--docs", "/nonexistent/folder"], "documents folder not found"),
        (["ask", "--batch", "/nonexistent/questions.txt"], "cannot read questions file"),
        (["check", ""], "empty"),
    ],
)
def test_errors_are_one_clear_line_without_traceback(args, message, collection):
    result = run(*args, cwd=collection)
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("askhist: error:") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_empty_folder_is_an_error(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "notes.csv").write_text("a,b", encoding="utf-8")
    result = run("index", "--docs", str(tmp_path / "docs"), "--index", str(tmp_path / "index"))
    assert result.returncode == 1
    assert "no documents" in result.stderr and "Traceback" not in result.stderr


def test_index_command_builds_a_users_own_folder(tmp_path, collection):
    docs = tmp_path / "mine"
    docs.mkdir()
    (docs / "kronstadt.md").write_text(
        "# Kronstadt\n\nIn March 1921 the sailors of Kronstadt rose against the Bolshevik government. "
        "The Red Army crushed the rising after ten days of fighting.\n",
        encoding="utf-8",
    )
    # Reuse the seed index's embedding cache folder location: a fresh index folder.
    result = run("index", "--docs", str(docs), "--index", str(tmp_path / "index"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Building the index" in result.stderr and "no index built yet" in result.stderr
    assert "1 documents" in result.stdout
    where = ["--docs", str(docs), "--index", str(tmp_path / "index")]
    result = run("ask", "When did the Kronstadt sailors rise?", "--json", *where, cwd=tmp_path)
    data = json.loads(result.stdout)
    assert data["answer"]["doc"] == "kronstadt.md"
    assert "1921" in data["answer"]["text"]
    assert data["sentences"][0]["title"] == "Kronstadt"
