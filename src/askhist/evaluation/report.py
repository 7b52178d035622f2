"""Tables, and the markdown report with its plot."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from ..claims import NOT_FOUND
from .metrics import RECALL_KS
from .qa import QAItem
from .runner import ClaimRecord, EvalResult, QuestionRecord

FAIL_DEPTH = 5  # a question fails retrieval when no gold evidence is in the top 5
COLUMNS = (
    ("n", "n"),
    ("R@1", "recall@1"),
    ("R@3", "recall@3"),
    ("R@5", "recall@5"),
    ("R@10", "recall@10"),
    ("MRR@10", "mrr@10"),
    ("nDCG@10", "ndcg@10"),
    ("Hit@1", "answer_hit@1"),
    ("Hit@3", "answer_hit@3"),
    ("Abst", "abstention_rate"),
    ("FalseAbst", "false_abstention_rate"),
    ("ClaimP", "claim_precision"),
    ("ClaimR", "claim_recall"),
    ("ClaimF1", "claim_f1"),
    ("SuppF1", "claim_supported_f1"),
    ("Cite", "citation_exactness"),
    ("p50 ms", "latency_p50_ms"),
    ("p95 ms", "latency_p95_ms"),
)
ABLATION_COLUMNS = tuple(c for c in COLUMNS if not c[1].startswith(("claim", "latency")))


def _cell(key: str, value) -> str:
    if value is None:
        return "-"
    if key.endswith("_ms"):
        return f"{value:.0f}"
    if isinstance(value, float):
        return f"{value:.3f}"
    return str(value)


def table(rows: Sequence[tuple[str, dict]], columns=COLUMNS, first: str = "") -> str:
    """A markdown table: one row per (label, metrics)."""
    lines = [
        "| " + " | ".join([first, *(c[0] for c in columns)]) + " |",
        "|" + "---|" * (len(columns) + 1),
    ]
    for label, metrics in rows:
        metrics = {**metrics, "n": metrics.get("questions", 0) + metrics.get("claims", 0)}
        lines.append("| " + " | ".join([label, *(_cell(k, metrics.get(k)) for _, k in columns)]) + " |")
    return "\n".join(lines)


def overall_rows(result: EvalResult) -> list[tuple[str, dict]]:
    rows = [("all", result.overall)]
    if len(result.by_split) > 1:
        rows += list(result.by_split.items())
    return rows


def summary_text(result: EvalResult, ablation: Sequence[EvalResult] = ()) -> str:
    parts = [
        f"## Overall ({result.name})",
        table(overall_rows(result), first="split"),
        "## By question type",
        table(list(result.by_type.items()), first="type"),
    ]
    if ablation:
        parts += ["## Ablation (retrieval variants; questions only)", ablation_table(ablation)]
    return "\n\n".join(parts) + "\n"


def ablation_table(results: Sequence[EvalResult]) -> str:
    return table([(r.name, {**r.overall, "claims": 0}) for r in results], ABLATION_COLUMNS, first="system")


# --- failures ---------------------------------------------------------------


def question_failures(q: QuestionRecord) -> list[str]:
    reasons = []
    if q.error:
        reasons.append(f"error: {q.error}")
    if q.ranked and not q.evidence_in_top(FAIL_DEPTH):
        reasons.append(f"no gold evidence in the top {FAIL_DEPTH}")
    if q.answerable and q.abstained:
        reasons.append("abstained, but the sources answer it")
    elif q.hit is False:
        reasons.append("the best sentence neither overlaps gold evidence nor holds a key phrase")
    if not q.answerable and not q.abstained:
        reasons.append("answered a question the sources don't answer")
    if q.citation_errors:
        reasons.append("inexact citations: " + "; ".join(q.citation_errors))
    return reasons


def claim_mismatches(c: ClaimRecord) -> list[dict]:
    return [s for s in c.sources if (s["predicted"] != NOT_FOUND) != (s["gold"] is not None)]


def _short(text: str, n: int) -> str:
    text = " ".join(text.split())
    return text[:n] + ("..." if len(text) > n else "")


def failures_markdown(result: EvalResult, items: dict[str, QAItem]) -> str:
    lines = []
    for q in result.questions:
        reasons = question_failures(q)
        if not reasons:
            continue
        lines.append(f"### {q.id} ({q.type}, {q.split}): {q.question}")
        if q.history:
            lines.append(f"- History: {' / '.join(q.history)}" + (f" (read with: {q.context})" if q.context else ""))
        lines.append(f"- **Failed:** {'; '.join(reasons)}")
        item = items.get(q.id)
        if q.answers:
            lines.append(f"- Key phrases: {', '.join(q.answers)}")
        for quote in item.evidence if item else ():
            lines.append(f"- Gold: `{quote.doc}`: \u201c{_short(quote.quote, 150)}\u201d")
        if q.answer:
            given = _short(q.answer["text"], 200)
            lines.append(f"- Answer given ({q.answer['doc']}, score {q.answer['score']:.3f}): \u201c{given}\u201d")
        else:
            lines.append("- Answer given: abstained")
        lines.append("- Retrieved:")
        for rank, p in enumerate(q.passages[:3], start=1):
            mark = " **(gold)**" if p["relevant"] else ""
            lines.append(
                f"  {rank}. {p['title']}, {p['location']} (`{p['doc']}` {p['start']}-{p['end']}){mark}: "
                f"\u201c{_short(p['text'], 150)}\u201d"
            )
        lines.append("")
    for c in result.claims:
        wrong = claim_mismatches(c)
        if not wrong:
            continue
        lines.append(f"### {c.id} (claim, {c.split}): {c.claim}")
        lines += ["", "| source | gold | predicted | score | best sentence |", "|---|---|---|---|---|"]
        for s in wrong:
            evidence = _short(s["evidence"]["text"], 120) if s.get("evidence") else ""
            score = "-" if s["score"] is None else f"{s['score']:.3f}"
            lines.append(f"| `{s['key']}` | {s['gold'] or 'not listed'} | {s['predicted']} | {score} | {evidence} |")
        lines.append("")
    return "\n".join(lines) if lines else "No failures.\n"


# --- report -----------------------------------------------------------------


def plot_recall(results: Sequence[EvalResult], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4), dpi=110)
    for r in results:
        values = [r.overall.get(f"recall@{k}") for k in RECALL_KS]
        if all(v is not None for v in values):
            ax.plot(RECALL_KS, values, marker="o", label=r.name)
    ax.set_xlabel("k (passages)")
    ax.set_ylabel("evidence recall@k")
    ax.set_xticks(RECALL_KS)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Evidence recall@k by retrieval system")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def write_report(
    directory: Path,
    result: EvalResult,
    items: Sequence[QAItem],
    ablation: Sequence[EvalResult] = (),
    gate: dict | None = None,
    command: str = "",
) -> Path:
    """DIR/report.md, DIR/recall_at_k.png and DIR/results.json."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    plot_recall(list(ablation) or [result], directory / "recall_at_k.png")
    failed = [q for q in result.questions if question_failures(q)]
    bad_claims = [c for c in result.claims if claim_mismatches(c)]
    s = result.settings
    parts = [
        "# askhist evaluation report",
        f"Command: `{command}`" if command else "",
        f"Settings: fusion `{s['retrieval']['fusion']}`, answer `{json.dumps(s['answer'])}`",
        f"{len(result.questions)} questions, {len(result.claims)} claims. Rank metrics cover the "
        f"{result.overall['ranked']} questions with gold evidence; see eval/README.md for definitions.",
    ]
    if gate is not None:
        parts.append("Gate: **passed**" if gate["passed"] else "Gate: **FAILED**: " + "; ".join(gate["failures"]))
    parts.append(summary_text(result, ablation))
    parts += [
        "![evidence recall@k per system](recall_at_k.png)",
        f"## Failures ({len(failed)} questions, {len(bad_claims)} claims)",
        "A question fails when no passage in the top "
        f"{FAIL_DEPTH} covers a gold quote, when its best sentence neither overlaps gold evidence nor holds a "
        "key phrase, or when it "
        "abstains wrongly. A claim fails on each source whose found / not found disagrees with the gold.",
        failures_markdown(result, {i.id: i for i in items}),
    ]
    path = directory / "report.md"
    path.write_text("\n\n".join(p for p in parts if p) + "\n", encoding="utf-8")
    payload = {"result": result.to_dict(), "ablation": [r.to_dict(records=False) for r in ablation], "gate": gate}
    (directory / "results.json").write_text(json.dumps(payload, indent=1, ensure_ascii=False), encoding="utf-8")
    return path
