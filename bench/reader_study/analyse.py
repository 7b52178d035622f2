"""Tables for FINDINGS.md from what collect.py stored (cheap: no model runs).

    PYTHONPATH=src python bench/reader_study/analyse.py

Choices (weights, thresholds) are fitted on split == "dev" only; test rows
are reported, never used. On the SQuAD sample, "dev"/"test" are the halves
``askhist squad`` assigns.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

OUT = Path(__file__).resolve().parents[2] / "data" / "reader_study"
WHY_HOW = re.compile(r"\bwhy\b|\bhow\b|\breasons?\b|\bexplain\b", re.IGNORECASE)
WHEN = re.compile(r"\bwhen\b|\bwhat year\b|\bwhich year\b", re.IGNORECASE)
HOW_MANY = re.compile(r"\bhow (?:many|much|long|old|far)\b|\bwhat (?:percentage|number)\b", re.IGNORECASE)
WHO = re.compile(r"^\s*(?:who|whom|whose)\b", re.IGNORECASE)
YEAR = re.compile(r"\b1[0-9]{3}\b|\b20[0-9]{2}\b")
NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million)\b", re.I)
NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][a-z]+")
STOP = set(
    "a an the of in on at to for by with from and or but is are was were be been did do does what which who whom whose "
    "when where why how that this these those it its his her their he she they as into about after before during "
    "many much did not".split()
)
Record = dict
READ = 5  # candidates read per question (top by today's score), as recommended in FINDINGS.md
Choose = Callable[[Record], int | None]


def load(name: str) -> list[Record]:
    return json.loads((OUT / f"{name}.json").read_text(encoding="utf-8"))


def answerable(records: list[Record]) -> list[Record]:
    return [r for r in records if r["answerable"] and r["answers"]]


def argmax(r: Record, key: str | Callable[[dict], float], k: int = 5) -> int | None:
    """Index of the best candidate among those of the top-k passages."""
    score = (lambda c: c[key]) if isinstance(key, str) else key
    pool = [(score(c), i) for i, c in enumerate(r["candidates"]) if c["rank"] < k]
    return max(pool)[1] if pool else None


def hit(r: Record, choice: int | None) -> bool:
    return choice is not None and r["candidates"][choice]["hit"]


def hit_rows(records: list[Record], methods: dict[str, Choose | str]) -> str:
    """hit@1 per question type for each method (a str method is a stored flag)."""
    rows = answerable(records)
    types = sorted({r["type"] for r in rows})
    lines = ["| method | all | " + " | ".join(types) + " |", "|---" * (len(types) + 2) + "|"]
    for name, method in methods.items():
        got = [r["today"]["hit"] if method == "today" else hit(r, method(r)) for r in rows]
        per = defaultdict(list)
        for r, g in zip(rows, got):
            per[r["type"]].append(g)
        cells = [f"{np.mean(per[t]):.2f}" for t in types]
        lines.append(f"| {name} | **{np.mean(got):.2f}** (n={len(got)}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def candidate_matrix(records: list[Record], columns: Callable[[Record, dict], list[float]], k: int = 10):
    x, y = [], []
    for r in answerable(records):
        for c in r["candidates"]:
            if c["rank"] < k:
                x.append(columns(r, c))
                y.append(c["hit"])
    return np.array(x, dtype=float), np.array(y, dtype=int)


def fit(records: list[Record], columns, k: int = 10) -> LogisticRegression:
    x, y = candidate_matrix(records, columns, k)
    return LogisticRegression(C=1.0, max_iter=1000).fit(x, y)


def by_model(model: LogisticRegression, columns, k: int = 5) -> Choose:
    def choose(r: Record) -> int | None:
        pool = [(i, c) for i, c in enumerate(r["candidates"]) if c["rank"] < k]
        if not pool:
            return None
        scores = model.decision_function(np.array([columns(r, c) for _, c in pool], dtype=float))
        return pool[int(np.argmax(scores))][0]

    return choose


def read_top(model: LogisticRegression, columns, n: int) -> Choose:
    """The model's best among the top-n candidates (of the top-10 passages) by today's score."""

    def choose(r: Record) -> int | None:
        pool = sorted(range(len(r["candidates"])), key=lambda i: -r["candidates"][i]["today"])[:n]
        if not pool:
            return None
        scores = model.decision_function(np.array([columns(r, r["candidates"][i]) for i in pool], dtype=float))
        return pool[int(np.argmax(scores))]

    return choose


def with_context(key: str, rule: Callable[[Record], bool]) -> Callable[[Record, dict], float]:
    return lambda r, c: c.get(key, c["reader"]) if rule(r) else c["reader"]


def context_argmax(r: Record, key: str, rule: Callable[[Record], bool], k: int = 5) -> int | None:
    return argmax(r, lambda c: with_context(key, rule)(r, c), k)


# ---- passages (MaxP) ----


def rank_metrics(records: list[Record], order: Callable[[Record], list[int]]) -> dict[str, float]:
    r1, r5, rr = [], [], []
    for r in answerable(records):
        relevant = [r["relevant"][i] for i in order(r)]
        first = next((n for n, rel in enumerate(relevant) if rel), None)
        r1.append(first == 0)
        r5.append(first is not None and first < 5)
        rr.append(0.0 if first is None else 1 / (first + 1))
    return {"R@1": np.mean(r1), "R@5": np.mean(r5), "MRR@10": np.mean(rr)}


def maxp(score: Callable[[dict], float]) -> Callable[[Record], list[int]]:
    def order(r: Record) -> list[int]:
        best = defaultdict(lambda: -np.inf)
        for c in r["candidates"]:
            best[c["rank"]] = max(best[c["rank"]], score(c))
        return sorted(range(len(r["relevant"])), key=lambda p: (-best[p], p))

    return order


def maxp_read(n: int) -> Callable[[Record], list[int]]:
    """MaxP when only the top-n candidates by today's score are read: passages
    with a read sentence first, by their best one; the others keep their order."""

    def order(r: Record) -> list[int]:
        read = sorted(r["candidates"], key=lambda c: -c["today"])[:n]
        best = defaultdict(lambda: -np.inf)
        for c in read:
            best[c["rank"]] = max(best[c["rank"]], c["reader"])
        return sorted(range(len(r["relevant"])), key=lambda p: (-best[p], p))

    return order


def answer_first(n: int) -> Callable[[Record], list[int]]:
    """Fused order, except the passage of the best of the top-n read sentences goes first."""

    def order(r: Record) -> list[int]:
        read = sorted(r["candidates"], key=lambda c: -c["today"])[:n]
        rest = list(range(len(r["relevant"])))
        if not read:
            return rest
        top = max(read, key=lambda c: c["reader"])["rank"]
        return [top] + [p for p in rest if p != top]

    return order


# ---- abstention ----


def focus_words(question: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", question.lower()) if w not in STOP and len(w) > 2}


def type_missing(question: str, sentence: str) -> float:
    """1 when the question asks for a year, a number or a person and the sentence has none."""
    if WHEN.search(question):
        return float(not YEAR.search(sentence))
    if HOW_MANY.search(question):
        return float(not NUMBER.search(sentence))
    if WHO.search(question):
        asked = {w.lower() for w in re.findall(r"[A-Za-z]+", question)}
        return float(not any(m.group().lower() not in asked for m in NAME.finditer(sentence)))
    return 0.0


def question_features(r: Record, choose: Choose) -> dict[str, float] | None:
    i = choose(r)
    if i is None:
        return None
    best = r["candidates"][i]
    read = sorted(r["candidates"], key=lambda c: -c["today"])[:READ]  # what the recommended reader reads
    pool = sorted((c["reader"] for c in read), reverse=True)
    words = focus_words(r["question"])
    present = set(re.findall(r"[a-z0-9]+", best["text"].lower()))
    return {
        "reader top": pool[0],
        "reader margin": pool[0] - (pool[1] if len(pool) > 1 else -12.0),
        "best reader": best["reader"],
        "today top": max(c["today"] for c in read),
        "-focus missing": -(len(words - present) / max(1, len(words))),
        "-word coverage gap": -(1 - best["features"][1]),
        "-unknown words": -best["features"][3],
        "-answer type missing": -type_missing(r["question"], best["text"]),
    }


def threshold_at(answerable_scores: np.ndarray, false_abstention: float = 0.05) -> float:
    """The highest threshold abstaining (score < t) on at most that share of answerable questions."""
    a = np.sort(answerable_scores)
    return float(a[int(np.floor(false_abstention * len(a)))])


def abstention_table(records: list[Record], choose: Choose, fitted_on: list[Record] | None = None) -> str:
    """AUC (answerable vs not) and abstention at false abstention <= .05 for each
    feature and a logistic combination. With ``fitted_on``, the combination and
    thresholds come from those records and are applied to ``records``."""

    def table(rs):
        feats = [(question_features(r, choose), r["answerable"]) for r in rs]
        return [(f, y) for f, y in feats if f is not None]

    rows, train = table(records), table(fitted_on if fitted_on is not None else records)
    names = list(rows[0][0])
    y = np.array([a for _, a in rows], dtype=int)
    ty = np.array([a for _, a in train], dtype=int)
    x = np.array([[f[n] for n in names] for f, _ in rows])
    tx = np.array([[f[n] for n in names] for f, _ in train])
    combos = {
        "LR: reader top + margin + focus + type": [
            "reader top",
            "reader margin",
            "-focus missing",
            "-answer type missing",
        ],
        "LR: all features": names,
    }
    lines = ["| signal | AUC | abstains on unanswerable | false abstention |", "|---|---|---|---|"]
    scores = {n: (x[:, j], tx[:, j]) for j, n in enumerate(names)}
    for label, cols in combos.items():
        idx = [names.index(c) for c in cols]
        mean, std = tx[:, idx].mean(0), tx[:, idx].std(0) + 1e-9
        model = LogisticRegression(C=1.0, max_iter=1000).fit((tx[:, idx] - mean) / std, ty)
        scores[label] = (
            model.decision_function((x[:, idx] - mean) / std),
            model.decision_function((tx[:, idx] - mean) / std),
        )
        weights = ", ".join(f"{c} {w:+.2f}" for c, w in zip(cols, model.coef_[0]))
        lines.append(f"| {label} weights (standardised) | {weights} | | |")
    for name, (s, ts) in scores.items():
        t = threshold_at(ts[ty == 1])
        lines.append(
            f"| {name} | {roc_auc_score(y, s):.2f} | {np.mean(s[y == 0] < t):.2f} | {np.mean(s[y == 1] < t):.2f} |"
        )
    shipped = [(r["today"]["abstained"], r["answerable"]) for r in records]
    lines.append(
        "| today as shipped (abstain_below) | | "
        f"{np.mean([a for a, ok in shipped if not ok]):.2f} | {np.mean([a for a, ok in shipped if ok]):.2f} |"
    )
    return f"answerable {int(y.sum())}, unanswerable {int((1 - y).sum())}\n\n" + "\n".join(lines)


def saturation(records: list[Record], model, columns) -> str:
    """hit@1 when only the top-N candidates by today's score are read."""
    lines = ["| read top-N by today's score | hit@1 | pairs read (mean) |", "|---|---|---|"]
    rows = answerable(records)
    for n in (1, 2, 3, 5, 8, 12, 16, 24, 1000):
        got, read = [], []
        choose = read_top(model, columns, n)
        for r in rows:
            read.append(min(n, len(r["candidates"])))
            got.append(hit(r, choose(r)))
        lines.append(f"| {'all (top-10 passages)' if n == 1000 else n} | {np.mean(got):.2f} | {np.mean(read):.1f} |")
    return "\n".join(lines)


def main() -> None:
    seeds, squad = load("seeds"), load("squad")
    sets = {
        "seeds dev": [r for r in seeds if r["split"] == "dev"],
        "seeds test": [r for r in seeds if r["split"] == "test"],
    }
    sets |= {
        "SQuAD dev half": [r for r in squad if r["split"] == "dev"],
        "SQuAD test half": [r for r in squad if r["split"] == "test"],
    }
    today_and_reader = lambda r, c: [c["reader"], c["today"]]  # noqa: E731
    plus_rank = lambda r, c: [c["reader"], c["today"], 1 / (1 + c["rank"])]  # noqa: E731
    context_rule = lambda r: bool(WHY_HOW.search(r["question"]))  # noqa: E731
    with_next = lambda r, c: [with_context("reader_next", context_rule)(r, c), c["today"]]  # noqa: E731
    lr = fit(sets["seeds dev"], today_and_reader)
    lr_rank = fit(sets["seeds dev"], plus_rank)
    lr_squad = fit(sets["SQuAD dev half"], today_and_reader)
    print("## LR weights (candidates of the top-10 passages, label: sentence holds a key phrase)\n")
    for label, model, cols in (
        ("seeds dev: reader, today", lr, "reader, today"),
        ("seeds dev: reader, today, 1/(1+passage rank)", lr_rank, "reader, today, 1/(1+rank)"),
        ("SQuAD dev half: reader, today", lr_squad, "reader, today"),
    ):
        x, _ = candidate_matrix(sets["seeds dev"], plus_rank if "rank" in label else today_and_reader)
        print(
            f"- {label}: intercept {model.intercept_[0]:+.3f}, "
            f"weights [{cols}] = {np.round(model.coef_[0], 3).tolist()}; "
            f"per standard deviation on seeds dev = {np.round(model.coef_[0] * x.std(0), 2).tolist()}"
        )
    lr_next = fit(sets["seeds dev"], with_next)
    methods = {
        "(a) today as shipped (abstains)": "today",
        "(a') today's score, never abstaining, k=5": lambda r: argmax(r, "today", 5),
        "(b) reader alone, k=5": lambda r: argmax(r, "reader", 5),
        "(b) reader alone, k=10": lambda r: argmax(r, "reader", 10),
        "(c) LR reader+today (seeds dev), k=5": by_model(lr, today_and_reader, 5),
        "(c) LR reader+today (seeds dev), k=10": by_model(lr, today_and_reader, 10),
        "(g) LR reader+today (seeds dev), reading top-5 by today's score of top-10 passages": read_top(
            lr, today_and_reader, 5
        ),
        "(c) LR reader+today+rank (seeds dev), k=5": by_model(lr_rank, plus_rank, 5),
        "(c) LR reader+today (SQuAD dev), k=5": by_model(lr_squad, today_and_reader, 5),
        "(d) reader +next sentence for why/how, k=5": partial(context_argmax, key="reader_next", rule=context_rule),
        "(d) reader +prev sentence for why/how, k=5": partial(context_argmax, key="reader_prev", rule=context_rule),
        "(d) reader +prev+next for why/how, k=5": partial(context_argmax, key="reader_both", rule=context_rule),
        "(d) LR (reader +next for why/how)+today, k=5": by_model(lr_next, with_next, 5),
    }
    for name, records in sets.items():
        print(f"\n## Answer hit@1, {name}\n")
        ms = [m for m in methods if "prev" not in m or name.startswith("seeds")]
        print(hit_rows(records, {m: methods[m] for m in ms}))
    print("\n## (d) context for every question type (seeds dev, reader alone, k=5)\n")
    always = lambda r: True  # noqa: E731
    print(
        hit_rows(
            sets["seeds dev"],
            {
                f"+{v} for all": partial(context_argmax, key=f"reader_{v}", rule=always)
                for v in ("prev", "next", "both")
            },
        )
    )
    print("\n## (e) passage order: today vs MaxP (best reader sentence)\n")
    print("| set | order | R@1 | R@5 | MRR@10 |\n|---|---|---|---|---|")
    for name, records in sets.items():
        for label, order in (
            ("today (fused)", lambda r: list(range(len(r["relevant"])))),
            ("MaxP reader", maxp(lambda c: c["reader"])),
            ("MaxP reader, top-5 passages only", maxp(lambda c: c["reader"] if c["rank"] < 5 else -np.inf)),
            ("MaxP reader, reading the top-5 sentences by today's score", maxp_read(5)),
            ("MaxP reader, reading the top-10 sentences by today's score", maxp_read(10)),
            ("fused, the best read sentence's passage first (top-5 read)", answer_first(5)),
            ("MaxP LR(reader, today)", maxp(lambda c: float(lr.decision_function([[c["reader"], c["today"]]])[0]))),
        ):
            m = rank_metrics(records, order)
            print(f"| {name} | {label} | {m['R@1']:.2f} | {m['R@5']:.2f} | {m['MRR@10']:.2f} |")
    choose = read_top(lr, today_and_reader, READ)
    for title, records, fitted_on in (
        ("seeds dev (fitted and measured on dev)", sets["seeds dev"], None),
        ("seeds test (fitted on seeds dev)", sets["seeds test"], sets["seeds dev"]),
        ("SQuAD dev half (fitted and measured on it)", sets["SQuAD dev half"], None),
        ("SQuAD test half (fitted on SQuAD dev half)", sets["SQuAD test half"], sets["SQuAD dev half"]),
        ("seeds test (fitted on SQuAD dev half)", sets["seeds test"], sets["SQuAD dev half"]),
        ("seeds dev+test (fitted on SQuAD dev half)", seeds, sets["SQuAD dev half"]),
    ):
        print(f"\n## (f) abstention, {title}\n")
        print(abstention_table(records, choose, fitted_on))
    for name in sets:
        print(f"\n## (g) how many candidates to read, {name} (LR reader+today fitted on seeds dev)\n")
        print(saturation(sets[name], lr, today_and_reader))
    print("\n## Cost\n")
    for name, records in (("seeds", seeds), ("SQuAD sample", squad)):
        pairs = [len(r["candidates"]) for r in records]
        per_pair = [r["read_ms"] / max(1, len(r["candidates"])) for r in records]
        k5 = [sum(c["rank"] < 5 for c in r["candidates"]) for r in records]
        print(
            f"- {name}: ask p50 {np.median([r['ask_ms'] for r in records]):.0f} ms; "
            f"reader {np.median(per_pair):.1f} ms/pair "
            f"(p50); candidates per question: top-5 passages {np.mean(k5):.1f}, top-10 {np.mean(pairs):.1f}"
        )


if __name__ == "__main__":
    main()
