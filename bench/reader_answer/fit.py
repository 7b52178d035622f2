"""Choose the reader settings on dev (from collect.py's output) and report test.

    PYTHONPATH=src python bench/reader_answer/fit.py > bench/reader_answer/results.md

1. How many passages give candidates (5 or 10) and how many candidates are
   read (N), with a logistic regression of (reader logit, today's score)
   fitted on dev candidates (label: the sentence is a right answer).
2. The previous sentence as context for why/how questions.
3. Abstention: a logistic regression of reader.EVIDENCE_FEATURES (label: the
   question is answerable), fitted on seeds dev (+ SQuAD dev), threshold for
   false abstention <= .05 on seeds dev.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from askhist.reader import EVIDENCE_FEATURES, evidence_features

DATA = Path(__file__).resolve().parents[2] / "data" / "reader_answer"
TYPES = ("factoid", "why", "paraphrase", "multi_source", "student", "followup")


def load(name: str) -> list[dict]:
    path = DATA / f"{name}.json"
    return json.loads(path.read_text()) if path.exists() else []


def rows_of(record: dict, passages: int, n: int) -> list[dict]:
    return record["configs"][str(passages)][:n]


def fit_combination(records, passages, n, key="reader"):
    x, y = [], []
    for r in records:
        if r["split"] == "dev" and r["answerable"]:
            for row in rows_of(r, passages, n):
                x.append([row[key] if row.get(key) is not None else row["reader"], row["today"]])
                y.append(row["hit"])
    model = LogisticRegression(C=1.0).fit(np.array(x), np.array(y))
    return float(model.coef_[0][0]), float(model.coef_[0][1]), float(model.intercept_[0])


def choose(record, passages, n, weights, key="reader"):
    rows = rows_of(record, passages, n)
    if not rows:
        return None, None
    w_r, w_t, b = weights
    combined = [
        b + w_r * (row[key] if row.get(key) is not None else row["reader"]) + w_t * row["today"] for row in rows
    ]
    best = int(np.argmax(combined))
    return rows[best], rows


def hit_at_1(records, split, passages, n, weights, types=None, key="reader"):
    hits = [
        bool(choose(r, passages, n, weights, key)[0] and choose(r, passages, n, weights, key)[0]["hit"])
        for r in records
        if r["split"] == split and r["answerable"] and (types is None or r["type"] in types)
    ]
    return (sum(hits) / len(hits) if hits else float("nan")), len(hits)


def section_combination(seeds, squad):
    print("## 1. Candidates and read-top N (LR fitted on seeds dev)\n")
    print("| passages | N read | weights (reader, today, bias) | seeds dev | seeds test | SQuAD dev | SQuAD test |")
    print("|---|---|---|---|---|---|---|")
    best = None
    for passages in (5, 10):
        for n in (3, 5, 8, 10):
            w = fit_combination(seeds, passages, n)
            dev = hit_at_1(seeds, "dev", passages, n, w)[0]
            cells = [f"{hit_at_1(data, s, passages, n, w)[0]:.3f}" for data in (seeds, squad) for s in ("dev", "test")]
            print(f"| {passages} | {n} | {w[0]:.3f}, {w[1]:.3f}, {w[2]:.3f} | " + " | ".join(cells) + " |")
            if best is None or dev > best[0] + 1e-9:
                best = (dev, passages, n, w)
    for label, w in (("reader alone", (1.0, 0.0, 0.0)), ("today alone", (0.0, 1.0, 0.0))):
        cells = [f"{hit_at_1(data, s, 10, 10, w)[0]:.3f}" for data in (seeds, squad) for s in ("dev", "test")]
        print(f"| 10 | 10 | {label} | " + " | ".join(cells) + " |")
    _, passages, n, w = best
    print(f"\nChosen on seeds dev: {passages} passages, read {n}, weights {w}\n")
    print("| split | all | " + " | ".join(TYPES) + " |")
    print("|---|---|" + "---|" * len(TYPES))
    for split in ("dev", "test"):
        cells = [f"{hit_at_1(seeds, split, passages, n, w, {t})[0]:.2f}" for t in TYPES]
        print(f"| {split} | {hit_at_1(seeds, split, passages, n, w)[0]:.3f} | " + " | ".join(cells) + " |")
    return passages, n, w


def section_context(seeds, passages, n, w):
    print("\n## 2. Previous sentence as context for why/how questions (seeds)\n")
    w_prev = fit_combination(seeds, passages, n, key="reader_prev")
    print("| reading | dev all | dev why | test all | test why |")
    print("|---|---|---|---|---|")
    for label, key, weights in (("sentence alone", "reader", w), ("with the sentence before", "reader_prev", w_prev)):
        cells = [
            f"{hit_at_1(seeds, s, passages, n, weights, types, key)[0]:.3f}"
            for s in ("dev", "test")
            for types in (None, {"why"})
        ]
        print(f"| {label} | " + " | ".join(cells) + " |")


def evidence(record, passages, n, w):
    best, rows = choose(record, passages, n, w)
    if best is None:
        return None
    logits = np.array([row["reader"] for row in rows])
    position = rows.index(best)
    return evidence_features(record["query"], logits, position, best["text"], best["lexical"], best["today"])


def section_abstention(seeds, squad, passages, n, w):
    print("\n## 3. Abstention (label: answerable; threshold for false abstention <= .05 on seeds dev)\n")

    def table(records, split):
        xs, ys = [], []
        for r in records:
            if r["split"] == split:
                f = evidence(r, passages, n, w)
                if f is not None:
                    xs.append(f)
                    ys.append(r["answerable"])
        return np.array(xs), np.array(ys, dtype=bool)

    sets = {(name, s): table(data, s) for name, data in (("seeds", seeds), ("squad", squad)) for s in ("dev", "test")}
    fits = {"seeds dev": [("seeds", "dev")], "seeds dev + SQuAD dev": [("seeds", "dev"), ("squad", "dev")]}
    print(
        "| fitted on | weights (" + ", ".join(EVIDENCE_FEATURES) + "), bias | threshold | "
        "seeds dev abst/false | seeds test abst/false/AUC | SQuAD test abst/false/AUC (own-dev threshold) |"
    )
    print("|---|---|---|---|---|---|")
    chosen = None
    for label, parts in fits.items():
        x = np.vstack([sets[p][0] for p in parts if len(sets[p][0])])
        y = np.concatenate([sets[p][1] for p in parts if len(sets[p][0])])
        mean, std = x.mean(0), x.std(0) + 1e-9
        model = LogisticRegression(C=1.0, class_weight="balanced").fit((x - mean) / std, y)
        # Back to raw feature units, so the settings take the raw features.
        weights = model.coef_[0] / std
        bias = float(model.intercept_[0] - np.dot(model.coef_[0], mean / std))

        def prob(xx, weights=weights, bias=bias):
            return 1 / (1 + np.exp(-(xx @ weights + bias))) if len(xx) else np.zeros(0)

        def threshold_for(xx, yy, false_max=0.05):
            p = prob(xx)
            candidates = sorted(set(p[yy].tolist()) | {0.0})
            best_t = 0.0
            for t in candidates:
                if np.mean(p[yy] < t) <= false_max:
                    best_t = max(best_t, t)
            return best_t

        def rates(xx, yy, t):
            p = prob(xx)
            if not len(p):
                return float("nan"), float("nan"), float("nan")
            auc = roc_auc_score(yy, p) if yy.any() and (~yy).any() else float("nan")
            return float(np.mean(p[~yy] < t)), float(np.mean(p[yy] < t)), auc

        t = threshold_for(*sets[("seeds", "dev")])
        dev = rates(*sets[("seeds", "dev")], t)
        test = rates(*sets[("seeds", "test")], t)
        t_squad = threshold_for(*sets[("squad", "dev")]) if len(sets[("squad", "dev")][0]) else 0.0
        squad_test = rates(*sets[("squad", "test")], t_squad)
        print(
            f"| {label} | {', '.join(f'{v:.3f}' for v in weights)}, {bias:.3f} | {t:.3f} | "
            f"{dev[0]:.2f}/{dev[1]:.2f} | {test[0]:.2f}/{test[1]:.2f}/{test[2]:.2f} | "
            f"{squad_test[0]:.2f}/{squad_test[1]:.2f}/{squad_test[2]:.2f} (t={t_squad:.3f}) |"
        )
        print("\n  curve (threshold chosen on seeds dev for a false-abstention limit):\n")
        print("  | false limit | threshold | seeds dev abst/false | seeds test abst/false | SQuAD test abst/false |")
        print("  |---|---|---|---|---|")
        for limit in (0.02, 0.05, 0.10, 0.15, 0.20, 0.30):
            tl = threshold_for(*sets[("seeds", "dev")], limit)
            d, te, sq = (rates(*sets[k], tl) for k in (("seeds", "dev"), ("seeds", "test"), ("squad", "test")))
            print(
                f"  | {limit:.2f} | {tl:.3f} | {d[0]:.2f}/{d[1]:.2f} | "
                f"{te[0]:.2f}/{te[1]:.2f} | {sq[0]:.2f}/{sq[1]:.2f} |"
            )
        print()
        if chosen is None or dev[0] > chosen[0]:
            chosen = (dev[0], label, weights.tolist(), bias, t)
    print(f"Chosen on seeds dev: {chosen[1]}: weights {chosen[2]}, bias {chosen[3]:.4f}, threshold {chosen[4]:.4f}")


def main() -> None:
    seeds, squad = load("seeds"), load("squad")
    passages, n, w = section_combination(seeds, squad)
    section_context(seeds, passages, n, w)
    section_abstention(seeds, squad, passages, n, w)


if __name__ == "__main__":
    main()
