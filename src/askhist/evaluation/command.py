"""``askhist eval`` and ``askhist squad``."""

from __future__ import annotations

import argparse
import json
import shlex
import sys
import time
from pathlib import Path

from ..frontend import CliError, load_assistant, project_root
from .gate import check_gate, load_thresholds, propose
from .qa import QAFormatError, load_qa, select_split
from .report import summary_text, write_report
from .runner import CachedEncoder, ablation, evaluate
from .validate import validate_qa

EXIT_GATE = 3
EVAL_FOLDER = "eval"  # of the checkout: the bundled QA set and its gate
MAX_LISTED = 30


def _err(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _problems(what: str, errors: list[str]):
    for error in errors[:MAX_LISTED]:
        _err(f"  {error}")
    if len(errors) > MAX_LISTED:
        _err(f"  ... and {len(errors) - MAX_LISTED} more")
    return CliError(f"{what}: {len(errors)} problem(s), listed above")


def default_paths(args: argparse.Namespace) -> None:
    """Fill in ``--qa`` and ``--thresholds`` from where askhist is, not from
    the current folder: the checkout's evaluation set, and its gate for that
    set only (a gate measured on the seeds means nothing for another QA
    file)."""
    root = project_root()
    bundled = root / EVAL_FOLDER / "qa.jsonl" if root is not None else None
    if args.qa is None:
        if bundled is None or not bundled.is_file():
            raise CliError(
                "no QA file: the evaluation set comes with askhist's repository checkout, not with an installed "
                "copy; pass --qa FILE (JSON lines, see the README's Evaluation section)"
            )
        args.qa = str(bundled)
    if args.thresholds is None:
        own = bundled is not None and Path(args.qa).resolve() == bundled.resolve()
        args.thresholds = str(bundled.with_name("thresholds.json")) if own else ""
        if not own and not (args.resplit or args.calibrate):
            _err("note: no gate (the gate in eval/thresholds.json is for eval/qa.jsonl; give one with --thresholds)")


def _thresholds(args: argparse.Namespace) -> dict | None:
    if not args.thresholds or args.calibrate:
        return None
    try:
        return load_thresholds(args.thresholds)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def run_cli(args: argparse.Namespace) -> int:
    """Validate the QA file, evaluate, print or write the results, apply the gate."""
    default_paths(args)
    try:
        items = load_qa(args.qa)
    except QAFormatError as exc:
        raise _problems(f"QA file {args.qa}", exc.errors) from None
    if args.resplit:
        return _resplit(items, args)
    errors = validate_qa(items, args.docs)
    if errors:
        raise _problems(f"QA file {args.qa} does not match the documents in {args.docs}", errors)
    thresholds = _thresholds(args)
    if args.mutants and thresholds is None:
        raise CliError("--mutants needs a gate to apply: pass --thresholds FILE")
    selected = select_split(items, args.split)
    if not selected:
        raise CliError(f"QA file {args.qa} has no {args.split} items")
    assistant = load_assistant(args)
    started = time.perf_counter()
    if args.calibrate:
        return _calibrate(assistant, items, args)

    encoder = CachedEncoder(assistant.encoder, reuse=False)  # timed: encodes every question
    result = evaluate(assistant, selected, encoder=encoder)
    _err(f"Evaluated {len(selected)} items in {time.perf_counter() - started:.1f}s")
    systems = []
    if args.ablation or args.report:
        started = time.perf_counter()
        encoder.reuse = True  # the variants reuse the question vectors
        systems = ablation(assistant, selected, encoder=encoder, default=result)
        _err(f"Ablation: {len(systems)} retrieval variants in {time.perf_counter() - started:.1f}s")
    gate = check_gate(result.overall, thresholds, result.by_type) if thresholds is not None else None
    if args.propose_gate:
        print(json.dumps(propose(result, thresholds), indent=2))
        return 0
    rejected = True
    if args.mutants:
        rejected = _mutants(assistant, selected, thresholds, encoder)
    if args.report:
        command = "askhist " + " ".join(shlex.quote(a) for a in sys.argv[1:]) if sys.argv[1:] else ""
        path = write_report(Path(args.report), result, selected, systems, gate, command)
        _err(f"Report written to {path}")
    if args.json:
        payload = {
            "qa": str(args.qa),
            "split": args.split,
            **result.to_dict(),
            "ablation": [r.to_dict(records=False) for r in systems],
            "gate": gate,
        }
        print(json.dumps(payload, ensure_ascii=False))
    else:
        print(summary_text(result, systems))
    if gate is not None:
        for name in gate["skipped"]:
            _err(f"gate: {name} not measured on this set; skipped")
        if not gate["passed"]:
            _err(f"gate FAILED ({args.thresholds}):")
            for failure in gate["failures"]:
                _err(f"  {failure}")
            return EXIT_GATE
        _err(f"gate passed ({args.thresholds})")
    if not rejected:
        _err("a mutant passed the gate: the gate does not tell it from the real system")
        return EXIT_GATE
    return 0


def _mutants(assistant, items, thresholds: dict, encoder: CachedEncoder) -> bool:
    """Run the mutants and say which the gate rejects; True when it rejects all."""
    from .mutants import run_mutants

    started = time.perf_counter()
    encoder.reuse = True
    outcomes = run_mutants(assistant, items, thresholds, encoder=encoder)
    _err(f"Mutants: {len(outcomes)} in {time.perf_counter() - started:.1f}s")
    for outcome in outcomes:
        failures = outcome.gate["failures"]
        verdict = f"rejected ({len(failures)}: {'; '.join(failures[:4])}{'; ...' if len(failures) > 4 else ''})"
        _err(f"  mutant {outcome.name}: {verdict if outcome.rejected else 'PASSED the gate'}")
    return all(o.rejected for o in outcomes)


def _resplit(items, args: argparse.Namespace) -> int:
    from collections import Counter

    from .qa import document_texts
    from .split import DEFAULT_SEED, resplit_file

    errors = validate_qa(items, args.docs, check_split=False)
    if errors:
        raise _problems(f"QA file {args.qa} does not match the documents in {args.docs}", errors)
    seed = DEFAULT_SEED if args.seed is None else args.seed
    changed = resplit_file(args.qa, document_texts(args.docs), items, seed)
    counts = Counter((i.type, i.split) for i in load_qa(args.qa))
    print(f"Re-split {args.qa} with seed {seed}: {changed} item(s) changed split.")
    for item_type in sorted({t for t, _ in counts}):
        print(f"  {item_type}: {counts[item_type, 'dev']} dev, {counts[item_type, 'test']} test")
    return 0


def _calibrate(assistant, items, args: argparse.Namespace) -> int:
    from .calibrate import calibrate

    started = time.perf_counter()
    calibration = calibrate(assistant, items)
    _err(f"Calibrated in {time.perf_counter() - started:.1f}s")
    if args.json:
        print(json.dumps(calibration.to_dict(), ensure_ascii=False))
        return 0
    current = assistant.settings.answer
    held = "test" if calibration.fit_split == "dev" else "held-out"
    print(f"Fitted on the {calibration.fit_split} split; '{held}' columns show the same values on the rest.\n")
    header = [
        "dense_weight",
        "lexical_weight",
        "abstain_below",
        "margin",
        f"{calibration.fit_split} correct",
        f"{held} correct",
        "claim_partly",
        "claim_supported",
        f"{calibration.fit_split} claim F1",
        f"{held} claim F1",
        f"{calibration.fit_split} supported F1",
    ]
    keys = [
        "dense_weight",
        "lexical_weight",
        "abstain_below",
        "abstain_margin",
        "fit_correct",
        "held_correct",
        "claim_partly",
        "claim_supported",
        "fit_claim_f1",
        "held_claim_f1",
        "fit_supported_f1",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    for row in calibration.rows:
        cells = ["-" if row.get(k) is None else f"{row[k]:.3f}" for k in keys]
        print("| " + " | ".join(cells) + " |")
    print("\n'correct' = (right answers + correct abstentions) / questions; claim F1 over (claim, source) pairs.")
    now = next((r["current"] for r in calibration.rows if "current" in r), None)
    if now:
        cells = {k: "-" if v is None else f"{v:.3f}" for k, v in now.items()}
        print(
            f"With the current thresholds: {calibration.fit_split} correct {cells['fit_correct']}, "
            f"{held} correct {cells['held_correct']}; claim F1 {cells['fit_claim_f1']} ({calibration.fit_split}), "
            f"{cells['held_claim_f1']} ({held})."
        )
    print("\nSuggested AnswerSettings (current in brackets):")
    for name, value in calibration.suggestion.items():
        print(f"  {name} = {value}  [{getattr(current, name)}]")
    return 0


def run_squad_cli(args: argparse.Namespace) -> int:
    from .squad import SquadError, convert_squad

    try:
        result = convert_squad(args.file, args.out)
    except SquadError as exc:
        raise CliError(str(exc)) from None
    for note in result.skipped[:MAX_LISTED]:
        _err(f"skipped {note}")
    print(
        f"Wrote {result.documents} documents to {result.docs_dir} and {result.questions} questions "
        f"({result.unanswerable} unanswerable) to {result.qa_path}"
        + (f"; skipped {len(result.skipped)}" if result.skipped else "")
    )
    out = Path(args.out)
    print(
        f"Evaluate with: askhist eval --docs {shlex.quote(str(result.docs_dir))} "
        f"--index {shlex.quote(str(out / 'index'))} --qa {shlex.quote(str(result.qa_path))} --thresholds ''"
    )
    return 0
