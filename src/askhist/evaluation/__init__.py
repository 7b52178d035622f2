"""Evaluation: how well askhist retrieves, answers, abstains and checks claims.

    from askhist.evaluation import load_qa, validate_qa, evaluate, ablation
    items = load_qa("eval/qa.jsonl")
    assert not validate_qa(items, "seeds")
    result = evaluate(assistant, items)                    # EvalResult
    result.overall["recall@5"], result.by_type["why"]
    evaluate(assistant, items, {"abstain_below": 0.4})     # try other settings
    ablation(assistant, items)                             # BM25, dense, RRF, weighted

Modules: ``qa`` (schema and validator), ``metrics`` (pure metric
functions), ``runner`` (asking and summarising), ``calibrate`` (threshold
sweeps), ``report`` (tables, markdown report), ``gate`` (bounds and
proposals), ``split`` (the grouped dev/test split), ``mutants`` (worse
systems the gate must reject), ``squad`` (SQuAD converter), ``command``
(the CLI). Definitions are in eval/README.md.
"""

from .calibrate import (
    Calibration,
    best_abstain_threshold,
    best_claim_thresholds,
    calibrate,
    score_claims,
    score_questions,
)
from .command import EXIT_GATE, run_cli, run_squad_cli
from .gate import check_gate, load_thresholds, propose
from .mutants import MUTANTS, MutantOutcome, mutant, run_mutants
from .qa import QAFormatError, QAItem, Quote, load_qa, select_split
from .report import write_report
from .runner import ABLATION_VARIANTS, CachedEncoder, EvalResult, ablation, evaluate, summarise, variant
from .split import assign_splits, resplit_file, split_problems
from .squad import SquadError, convert_squad
from .validate import check_qa_file, validate_qa

__all__ = [
    "ABLATION_VARIANTS",
    "EXIT_GATE",
    "MUTANTS",
    "CachedEncoder",
    "Calibration",
    "EvalResult",
    "MutantOutcome",
    "QAFormatError",
    "QAItem",
    "Quote",
    "SquadError",
    "ablation",
    "assign_splits",
    "best_abstain_threshold",
    "best_claim_thresholds",
    "calibrate",
    "check_gate",
    "check_qa_file",
    "convert_squad",
    "evaluate",
    "load_qa",
    "load_thresholds",
    "mutant",
    "propose",
    "resplit_file",
    "run_cli",
    "run_mutants",
    "run_squad_cli",
    "score_claims",
    "score_questions",
    "select_split",
    "split_problems",
    "summarise",
    "validate_qa",
    "variant",
    "write_report",
]
