"""Command line: ``askhist index | ask | check | eval | squad | serve``.

A thin layer over :class:`askhist.Assistant`. Errors print one line on
stderr and exit non-zero; there are no tracebacks for expected problems.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .frontend import CliError, configure_process, load_assistant, resolve_collection
from .text import printable

EXIT_USAGE = 2
EXIT_ERROR = 1


def _add_collection_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--docs", default=None, help="folder of documents (default: the bundled seeds/)")
    parser.add_argument(
        "--index",
        default=None,
        help="index folder (default: the collection's own: index/ for the seeds alone, else under indexes/)",
    )
    parser.add_argument("--model", default=None, help="embedding model: local path or name (default: packaged MiniLM)")
    parser.add_argument(
        "--backend",
        choices=["embedded", "milvus"],
        default="embedded",
        help="where passages are searched: the index's own files (default) or Milvus",
    )
    parser.add_argument(
        "--milvus-uri",
        default="",
        help="Milvus Lite file or http://host:19530 (default: $ASKHIST_MILVUS_URI)",
    )


def _add_data_arg(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data",
        default=None,
        help="also answer from the web app's uploads in DATA/uploads (default: the --docs folder only)",
    )


def cmd_index(args: argparse.Namespace) -> int:
    assistant = load_assistant(args)
    counts = assistant.index.manifest["counts"]
    print(
        f"Index ready in {args.index}: {counts['documents']} documents, "
        f"{counts['passages']} passages, {counts['sentences']} sentences"
    )
    return 0


def _print_answer(answer) -> None:
    """An answer for a person. Document text goes through ``printable``: a
    document's escape sequences must not reach the terminal (JSON stays exact)."""
    if answer.context:
        print(f"(read as a follow-up to: {printable(answer.context)})")
    if answer.abstained:
        print(printable(answer.message))
    else:
        print(printable(answer.text))
        print("\nSources:")
        for s in answer.sentences:
            print(
                f"  [{s.citation}] {printable(s.title)}, {s.location}, characters {s.start}-{s.end} "
                f"({printable(s.doc)})"
            )
    print("\nPassages:")
    for number, p in enumerate(answer.passages, start=1):
        text = " ".join(printable(p.text).split())
        print(f"  {number}. {printable(p.title)}, {p.location} ({printable(p.doc)} {p.start}-{p.end})")
        print(f"     {text[:300]}{'...' if len(text) > 300 else ''}")


# A batch line that starts with "{" is a JSON object with these keys.
BATCH_KEYS = ("question", "history")


@dataclass(frozen=True)
class BatchItem:
    """One line of a batch: the question, earlier questions, or why it cannot be asked."""

    line: int
    question: str
    history: tuple[str, ...] = ()
    problem: str | None = None


def _parse_batch_line(number: int, line: str) -> BatchItem:
    """A plain question, or ``{"question": "...", "history": ["...", ...]}``."""
    if not line.lstrip().startswith("{"):
        return BatchItem(number, line)
    try:
        data = json.loads(line)
    except ValueError as exc:
        return BatchItem(number, line, problem=f"line {number} is not a valid JSON object ({exc.msg})")
    unknown = sorted(set(data) - set(BATCH_KEYS))
    if unknown:
        return BatchItem(number, line, problem=f"line {number} has unknown keys: {', '.join(unknown)}")
    question, history = data.get("question"), data.get("history", [])
    if not isinstance(question, str):
        return BatchItem(number, line, problem=f'line {number}: "question" must be a string')
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        return BatchItem(number, question, problem=f'line {number}: "history" must be a list of strings')
    return BatchItem(number, question, tuple(history))


def _read_batch(path: str) -> list[BatchItem]:
    """One item per line, blank lines included (they are errors: every input
    line gets one output record); a line that is not UTF-8 gets a problem
    instead of stopping the whole batch."""
    try:
        if path == "-":
            stdin = getattr(sys.stdin, "buffer", None)
            data = stdin.read() if stdin is not None else sys.stdin.read().encode("utf-8", "surrogateescape")
        else:
            data = Path(path).read_bytes()
    except OSError as exc:
        raise CliError(f"cannot read questions file {path}: {exc.strerror or exc}") from None
    items = []
    for number, raw in enumerate(data.splitlines(), start=1):
        try:
            line = raw.decode("utf-8")
        except UnicodeDecodeError:
            items.append(BatchItem(number, raw.decode("utf-8", "replace"), problem=f"line {number} is not UTF-8 text"))
            continue
        items.append(_parse_batch_line(number, line))
    return items


def _run_batch(assistant, items: Sequence[BatchItem], top_k: int, as_json: bool) -> int:
    """Answer every line; a bad line gets an error record and exit status 1."""
    from .assistant import InputError

    failures = 0
    for item in items:
        try:
            if item.problem:
                raise InputError(item.problem)
            answer = assistant.ask(item.question, history=list(item.history), top_k=top_k)
        except InputError as exc:
            failures += 1
            # A JSON line may hold lone surrogates ("\ud800"): not printable as UTF-8.
            question = item.question.encode("utf-8", "replace").decode("utf-8")
            if as_json:
                print(json.dumps({"question": question, "error": str(exc)}, ensure_ascii=False), flush=True)
            else:
                print(f"=== line {item.line}: {printable(question)}\nerror: {printable(str(exc))}\n", flush=True)
            continue
        if as_json:
            print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
        else:
            print(f"=== line {item.line}: {printable(answer.question)}")
            _print_answer(answer)
            print(flush=True)
    return EXIT_ERROR if failures else 0


def cmd_ask(args: argparse.Namespace) -> int:
    from .assistant import validate_text

    if args.batch is None:
        if args.question is None:
            raise CliError("give a question, or --batch FILE")
        validate_text(args.question)  # fail before loading the model
    elif args.question is not None:
        raise CliError("give either a question or --batch FILE, not both")
    if args.top_k < 1:
        raise CliError("--top-k must be at least 1")
    items = _read_batch(args.batch) if args.batch is not None else []
    assistant = load_assistant(args)
    if args.batch is not None:
        return _run_batch(assistant, items, args.top_k, args.json)
    answer = assistant.ask(args.question, top_k=args.top_k)
    if args.json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False))
    else:
        _print_answer(answer)
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    from .assistant import validate_text

    validate_text(args.claim, "claim")
    assistant = load_assistant(args)
    report = assistant.check(args.claim)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return 0
    print(f"Claim: {printable(report.claim)}\n")
    for s in report.sources:
        print(f"  {s.support.upper():<17} {printable(s.title)} ({printable(s.doc)})")
        if s.evidence:
            ev = s.evidence
            print(f"      \u201c{printable(ev.text)}\u201d ({ev.location}, characters {ev.start}-{ev.end})")
        if s.note:
            print(f"      note: {printable(s.note)}")
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    from .evaluation import run_cli

    return run_cli(args)


def cmd_squad(args: argparse.Namespace) -> int:
    from .evaluation import run_squad_cli

    return run_squad_cli(args)


def cmd_serve(args: argparse.Namespace) -> int:
    from .web.app import serve

    return serve(args)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="askhist",
        description="Ask questions of a folder of history documents; answers are quoted, cited sentences.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("index", help="build or update the index")
    _add_collection_args(p)
    _add_data_arg(p)
    p.set_defaults(func=cmd_index)

    p = sub.add_parser("ask", help="answer a question with quoted, cited sentences")
    p.add_argument("question", nargs="?", help="the question")
    p.add_argument(
        "--batch",
        metavar="FILE",
        help="one question per line ('-' for stdin), or a JSON object {\"question\": ..., \"history\": [...]}",
    )
    p.add_argument("--top-k", type=int, default=5, help="passages to show (default: 5)")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_collection_args(p)
    _add_data_arg(p)
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("check", help="which sources support a claim")
    p.add_argument("claim", help="the claim, e.g. 'Stalin became General Secretary in 1922'")
    p.add_argument("--json", action="store_true", help="print JSON")
    _add_collection_args(p)
    _add_data_arg(p)
    p.set_defaults(func=cmd_check)

    p = sub.add_parser("eval", help="measure retrieval and answers on a QA set")
    p.add_argument("--qa", default=None, help="QA file (default: the checkout's eval/qa.jsonl, from any folder)")
    p.add_argument("--split", choices=["dev", "test", "all"], default="all", help="which part of the set")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--report", metavar="DIR", help="write a markdown report with plots to DIR")
    p.add_argument(
        "--thresholds",
        default=None,
        help="gate file ('' to skip the gate; default: the checkout's eval/thresholds.json for its own QA file)",
    )
    p.add_argument("--ablation", action="store_true", help="also evaluate BM25 alone, dense alone and each fusion")
    p.add_argument(
        "--calibrate", action="store_true", help="suggest answer thresholds fitted on the dev split (no gate)"
    )
    p.add_argument(
        "--resplit", action="store_true", help="rewrite the QA file's dev/test split (grouped, balanced per type)"
    )
    p.add_argument("--seed", type=int, default=None, help="seed of --resplit (default: 12)")
    p.add_argument(
        "--propose-gate", action="store_true", help="print thresholds: measured less a margin, never below the gate's"
    )
    p.add_argument("--mutants", action="store_true", help="also run the mutants the gate must reject")
    _add_collection_args(p)
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("squad", help="convert a SQuAD-format JSON file into a collection and a QA file")
    p.add_argument("file", help="SQuAD-format JSON file")
    p.add_argument("--out", required=True, help="folder to write docs/ and qa.jsonl into")
    p.set_defaults(func=cmd_squad)

    p = sub.add_parser("serve", help="start the web app")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=7860, help="port (default: 7860)")
    p.add_argument(
        "--data", default=None, help="app data folder; uploads go to DATA/uploads (default: the checkout's data/)"
    )
    p.add_argument(
        "--teacher-key",
        default=None,
        help="key teachers type to add or remove documents (default: $ASKHIST_TEACHER_KEY, which other users "
        "of the machine can't see in the process list; without a key, adding and removing documents is off)",
    )
    _add_collection_args(p)
    p.set_defaults(func=cmd_serve)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)  # first: --help and usage errors need no heavy imports
    from .assistant import InputError
    from .documents import DocumentError
    from .embedding import ModelError
    from .index import IndexProblem

    try:
        if args.command != "squad":  # squad only converts files: no model, no index
            resolve_collection(args)
            configure_process(getattr(args, "model", None))
        return args.func(args)
    except (CliError, InputError, DocumentError, ModelError, IndexProblem) as exc:
        print(f"askhist: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("askhist: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
