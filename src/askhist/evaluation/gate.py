"""The gate: bounds on the evaluation's metrics, overall and per question type.

``eval/thresholds.json``::

    {"min": {"recall@5": 0.68, ...}, "max": {"missed_abstentions": 8, ...},
     "by_type": {"why": {"min": {"answer_hit@3": 0.42}}, ...}}

Rates get a ``min``; counts of wrong abstentions get a ``max``. ``propose``
turns a measurement into bounds that allow one item of noise (a rate's
margin is what one item weighs in it) and never loosens a bound that exists.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from .runner import EvalResult

BOUNDS = ("min", "max")
# What a proposal bounds. Overall: rank, answer and claim quality; per question type: the
# rates that separate a better system from a worse one (see eval/README.md, "The gate").
OVERALL_MIN = (
    "recall@5",
    "mrr@10",
    "answer_hit@1",
    "answer_hit@3",
    "claim_f1",
    "claim_supported_f1",
    "contradiction_precision",
    "contradiction_recall",
    "citation_exactness",
)
COUNT_MAX = ("missed_abstentions", "false_abstentions")
# Counts with no room for noise: a self-contained question is never rewritten.
COUNT_EXACT = ("wrongly_rewritten",)
TYPE_MIN = ("recall@5", "mrr@10", "answer_hit@1", "answer_hit@3")
UNANSWERABLE_MIN = ("abstention_rate",)
CLAIM_MARGIN = 0.03  # claim F1 is over (claim, source) pairs: no single "item" to allow for


def _check_bounds(where: str, metrics: dict, bounds: dict, failures: list[str], skipped: list[str]) -> None:
    for bound, compare, sign in (("min", lambda v, t: v >= t - 1e-9, "<"), ("max", lambda v, t: v <= t + 1e-9, ">")):
        for name, limit in bounds.get(bound, {}).items():
            value = metrics.get(name)
            label = f"{where}{name}"
            if name not in metrics:
                failures.append(f"{label}: no such metric")
            elif value is None:
                skipped.append(label)
            elif not compare(value, limit):
                failures.append(f"{label} = {value:.3f} {sign} {limit:.3f}")


def check_gate(metrics: dict, thresholds: dict, by_type: dict[str, dict] | None = None) -> dict:
    """Which metrics fall outside their bounds. A metric that was not
    measured (no claims in the set, a type with no items) is listed as
    skipped, not failed."""
    failures: list[str] = []
    skipped: list[str] = []
    _check_bounds("", metrics, thresholds, failures, skipped)
    for item_type, bounds in thresholds.get("by_type", {}).items():
        type_metrics = (by_type or {}).get(item_type)
        if type_metrics is None:
            skipped += [f"{item_type}/{name}" for bound in BOUNDS for name in bounds.get(bound, {})]
        else:
            _check_bounds(f"{item_type}/", type_metrics, bounds, failures, skipped)
    return {"passed": not failures, "failures": failures, "skipped": skipped, "thresholds": thresholds}


def _check_bound_maps(data: object, path: Path | str, where: str) -> None:
    if not isinstance(data, dict) or not set(data) <= {*BOUNDS, "comment"}:
        raise ValueError(f'thresholds file {path}: {where} must be an object with "min" and "max"')
    for bound in BOUNDS:
        values = data.get(bound, {})
        if not isinstance(values, dict) or not all(
            isinstance(v, (int, float)) and not isinstance(v, bool) for v in values.values()
        ):
            raise ValueError(f"thresholds file {path}: {where}{bound!r} must map metric names to numbers")


def load_thresholds(path: Path | str) -> dict:
    """{"min": {metric: value}, "max": {...}, "by_type": {type: {"min", "max"}}}. Raises ValueError."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read thresholds file {path}: {exc.strerror or exc}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"thresholds file {path} is not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise ValueError(f'thresholds file {path}: expected an object with "min" and "max"')
    by_type = data.get("by_type", {})
    if not isinstance(by_type, dict):
        raise ValueError(f"thresholds file {path}: 'by_type' must map question types to bounds")
    _check_bound_maps({k: v for k, v in data.items() if k != "by_type"}, path, "the file")
    for item_type, bounds in by_type.items():
        _check_bound_maps(bounds, path, f"by_type {item_type!r}: ")
    return data


def _min_bound(value: float, margin: float) -> float:
    """``value - margin`` rounded down to 0.01 (a bound a re-run can meet exactly)."""
    return max(0.0, math.floor((value - margin) * 100 + 1e-6) / 100)


def _one_item(metrics: dict, name: str) -> float:
    """What one item weighs in a rate: 1 / the number of items it averages."""
    if name.startswith(("claim", "contradiction")):
        return CLAIM_MARGIN
    if name == "citation_exactness":
        return 0.0  # every citation must reproduce its file
    if name == "abstention_rate":
        n = metrics.get("unanswerable", 0)
    elif name.startswith("answer_hit"):
        n = metrics.get("answerable", 0)
    else:
        n = metrics.get("ranked", 0)
    return 1.0 / n if n else 0.0


def _propose_bounds(metrics: dict, mins: tuple[str, ...], maxes: tuple[str, ...], existing: dict) -> dict:
    out: dict = {}
    for name in mins:
        value = metrics.get(name)
        if value is None:
            continue
        bound = _min_bound(value, _one_item(metrics, name))
        old = existing.get("min", {}).get(name)
        bound = bound if old is None else max(old, bound)  # never loosen an existing bound
        if bound > 0:
            out.setdefault("min", {})[name] = bound
    for name in maxes:
        value = metrics.get(name)
        if value is None:
            continue
        bound = value if name in COUNT_EXACT else value + 1  # one item of noise
        old = existing.get("max", {}).get(name)
        out.setdefault("max", {})[name] = bound if old is None else min(old, bound)
    for bound in BOUNDS:  # bounds the proposal does not measure stay as they are
        for name, value in existing.get(bound, {}).items():
            out.setdefault(bound, {}).setdefault(name, value)
    return out


def propose(result: EvalResult, existing: dict | None = None) -> dict:
    """Thresholds from a measurement: each rate less what one item weighs in
    it (claims: 0.03), each count of wrong abstentions plus one; an existing
    bound is kept where it is stricter."""
    existing = existing or {}
    proposal = _propose_bounds(result.overall, OVERALL_MIN, COUNT_MAX + COUNT_EXACT, existing)
    by_type = {}
    for item_type, metrics in result.by_type.items():
        if item_type == "claim":
            continue
        mins = UNANSWERABLE_MIN if item_type == "unanswerable" else TYPE_MIN
        bounds = _propose_bounds(metrics, mins, (), existing.get("by_type", {}).get(item_type, {}))
        if bounds:
            by_type[item_type] = bounds
    if by_type:
        proposal["by_type"] = by_type
    return proposal
