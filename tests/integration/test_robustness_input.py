"""Hostile questions and claims through the Python API and the command line.

Every input either gets an answer (or an abstention) or a clear InputError /
one-line CLI error; nothing crashes, and JSON output is always valid UTF-8.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from askhist import InputError
from askhist.assistant import MAX_QUESTION_CHARS

from .conftest import SEEDS

ASKHIST = [sys.executable, "-m", "askhist.cli"]

# (input, words the InputError message must contain)
REFUSED = [
    ("", "empty"),
    ("   \t\r\n  ", "empty"),
    ("\x00\x01\x1b\x7f\x9b", "empty"),  # only control characters
    ("\u200b\u200d\ufeff", "empty"),  # only invisible format characters
    ("a" * 100_000, "too long"),
    ("Why did Stalin win? " * 5_000, "too long"),
    ("\ud800", "no words"),  # a lone surrogate cannot even be encoded
    ("\udcff\udcfe", "no words"),  # what undecodable argv bytes become
    ("😀🚩🔥", "no words"),
    ("??? !!! ...", "no words"),
    (None, "must be text"),
    (b"Why did Stalin win?", "must be text"),
    (["Why did Stalin win?"], "must be text"),
]

# Inputs that must be answered or abstained on, never crash.
ANSWERED = [
    "Why did Trotsky lose the power struggle?\x00\x07\x1b",
    "Who was \ud800Trotsky\udfff?",  # lone surrogates inside a real question
    "Why did Stalin win? 😀🚩",
    "Почему Сталин победил в борьбе за власть?",
    "斯大林为什么赢得了权力斗争？",
    "<script>alert('x')</script> Who was Trotsky?",
    '<img src=x onerror="alert(1)"> Stalin &amp; Lenin',
    "Stalin\u2028Trotsky\u2029Lenin\u0085Bukharin",  # Unicode line and paragraph separators
    "Who was Zinoviev?\u202e\u200f",  # bidirectional overrides
    "Z\u0351\u0352\u0353a\u0354\u0355lgo text about Stalin",  # combining marks
    "Stalin " * ((MAX_QUESTION_CHARS - 10) // 7),  # just under the limit
]


def _assert_utf8_json(data: dict) -> None:
    encoded = json.dumps(data, ensure_ascii=False).encode("utf-8")  # raises on lone surrogates
    assert json.loads(encoded.decode("utf-8")) == json.loads(json.dumps(data))


@pytest.mark.parametrize(("text", "message"), REFUSED, ids=range(len(REFUSED)))
def test_bad_questions_and_claims_raise_input_error(assistant, text, message):
    with pytest.raises(InputError, match=message):
        assistant.ask(text)
    with pytest.raises(InputError, match=message):
        assistant.check(text)


@pytest.mark.parametrize("text", ANSWERED, ids=range(len(ANSWERED)))
def test_odd_questions_and_claims_are_answered_or_abstained(assistant, text):
    answer = assistant.ask(text)
    data = answer.to_dict()
    _assert_utf8_json(data)
    assert answer.abstained or answer.sentences
    assert answer.passages  # the closest passages are always shown
    assert not any(ch < " " for ch in answer.question)  # control characters never come back
    report = assistant.check(text)
    _assert_utf8_json(report.to_dict())
    assert len(report.sources) >= len(assistant.index.documents)


def test_html_in_a_question_is_returned_as_plain_text_not_executed(assistant):
    answer = assistant.ask("<script>alert('x')</script> Who was Trotsky?")
    # The API returns text; escaping is the display's job. It must come back verbatim, not dropped or mangled.
    assert answer.question == "<script>alert('x')</script> Who was Trotsky?"


def test_odd_history_and_top_k(assistant):
    history = ["\ud800", None, "", "x" * 100_000, 42, "Why did Trotsky lose the power struggle?"]
    answer = assistant.ask("and what about Bukharin?", history=history)
    _assert_utf8_json(answer.to_dict())
    assert len(answer.context) <= MAX_QUESTION_CHARS
    with pytest.raises(InputError, match="top-k"):
        assistant.ask("Who was Trotsky?", top_k=0)
    assert len(assistant.ask("Who was Trotsky?", top_k=10_000).passages) <= len(assistant.index.passages)
    with pytest.raises(InputError, match="no document named"):
        assistant.document("../../etc/passwd")


def _run(*args: str | bytes, stdin: bytes | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*ASKHIST, *args], input=stdin, capture_output=True, timeout=300)


def _one_clean_error_line(result: subprocess.CompletedProcess) -> str:
    stderr = result.stderr.decode("utf-8")
    assert result.returncode == 1, stderr
    assert "Traceback" not in stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("askhist: error: "), stderr
    return lines[0]


CLI_REFUSED = [
    (["ask", ""], "empty"),
    (["ask", "\x01\x02\x1b"], "empty"),
    (["ask", "a" * 100_000], "too long"),
    (["ask", b"\xff\xfe\xed\xa0\x80"], "no words"),  # invalid UTF-8 in argv
    (["ask", "😀😀"], "no words"),
    (["check", ""], "empty"),
    (["check", "Stalin " * 14_000], "too long"),
    (["ask", "--batch", "/nonexistent/questions.txt"], "cannot read questions file"),
]


def test_cli_refuses_bad_input_with_one_line_and_no_traceback():
    # These fail before the model or the index is touched, so no --docs/--index
    # is needed; run them side by side to keep the test quick.
    def argv(args):
        return [a.encode("utf-8", "surrogatepass") if isinstance(a, str) else a for a in args]

    procs = [
        subprocess.Popen([*ASKHIST, *argv(args)], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        for args, _ in CLI_REFUSED
    ]
    for proc, (args, message) in zip(procs, CLI_REFUSED):
        stdout, stderr = proc.communicate(timeout=300)
        result = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
        assert message in _one_clean_error_line(result), args[:2]
        assert stdout == b""


@pytest.fixture(scope="module")
def cli_collection(tmp_path_factory, seed_index_dir):
    root = tmp_path_factory.mktemp("robust-cli")
    shutil.copytree(SEEDS, root / "docs")
    shutil.copytree(seed_index_dir, root / "index", symlinks=True)
    return root


def test_cli_batch_answers_good_lines_around_bad_ones(cli_collection):
    good = [
        "Why did Trotsky lose the power struggle?",
        "Почему Сталин победил?",
        "<script>alert(1)</script> Who was Zinoviev?",
        "Who was Bukharin? 😀",
        "What was the Lenin Enrolment?\x07\x1b",
    ]
    lines = [
        good[0].encode(),
        b"",  # a blank line is an error record too: one record per input line
        b"???",
        good[1].encode(),
        b"Why did Stalin \xff\xfe win?",  # not UTF-8
        ("x" * 100_000).encode(),
        good[2].encode(),
        "😀".encode(),
        good[3].encode(),
        b"   ",
        good[4].encode(),
    ]
    where = ["--docs", str(cli_collection / "docs"), "--index", str(cli_collection / "index")]
    result = _run("ask", "--batch", "-", "--json", *where, stdin=b"\r\n".join(lines) + b"\n")
    stderr = result.stderr.decode("utf-8")
    assert "Traceback" not in stderr
    assert "Building" not in stderr  # the copied index is fresh
    assert result.returncode == 1  # some lines failed
    records = [json.loads(line) for line in result.stdout.decode("utf-8").splitlines()]  # strict UTF-8
    assert len(records) == len(lines)
    answered = [r for r in records if "error" not in r]
    assert [r["question"] for r in answered] == [
        " ".join(q.replace("\x07", " ").replace("\x1b", " ").split()) for q in good
    ]
    assert all(r["passages"] for r in answered)
    assert [("error" in r) for r in records] == [False, True, True, False, True, True, False, True, False, True, False]
    errors = [r["error"] for r in records if "error" in r]
    assert "empty" in errors[0] and "empty" in errors[5]  # blank lines
    assert "no words" in errors[1]  # "???"
    assert errors[2] == "line 5 is not UTF-8 text"
    assert "too long" in errors[3]
    assert "no words" in errors[4]  # an emoji alone
