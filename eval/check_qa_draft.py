#!/usr/bin/env python3
"""Self-check for eval/qa.jsonl (standard library only).

Usage: python eval/check_qa_draft.py [path/to/qa.jsonl]
Exits non-zero and lists problems if any rule is broken; otherwise prints
counts per type and split.
"""
import json
import os
import sys
from collections import Counter

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
SEEDS = os.path.join(ROOT, "seeds")
QA = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "qa.jsonl")

KEYS = {"id", "split", "type", "question", "history", "evidence", "answers", "supports", "note"}
TYPES = ["factoid", "why", "paraphrase", "multi_source", "student", "followup", "unanswerable", "claim"]
MINIMUM = {"factoid": 16, "why": 12, "paraphrase": 10, "multi_source": 8, "student": 10,
           "followup": 8, "unanswerable": 12, "claim": 14}
SPLITS = {"dev", "test"}
SUPPORT_VALUES = {"supported", "partly"}
RELATED_DOC = "003_798353568bbac1b5.txt"
RELATED_MARK = "You May Also Find These Documents Helpful"
# site chrome that must never be part of a gold quote
CHROME = ["Join now!", "Open Document", "Words", "Pages", "Good Essays", "Better Essays",
          "Powerful Essays", "Authors Avatar", "This is a preview", "middle of paper",
          "Archives for category", RELATED_MARK]
MAX_QUOTE = 320
MIN_TOTAL = 88

docs = {}
for name in sorted(os.listdir(SEEDS)):
    if name.endswith(".txt"):
        with open(os.path.join(SEEDS, name), encoding="utf-8") as fh:
            docs[name] = fh.read()
related_start = docs[RELATED_DOC].index(RELATED_MARK) if RELATED_DOC in docs else None

errors = []


def err(item_id, msg):
    errors.append(f"{item_id}: {msg}")


items = []
with open(QA, encoding="utf-8") as fh:
    for n, line in enumerate(fh, 1):
        if not line.strip():
            err(f"line {n}", "blank line")
            continue
        try:
            items.append((n, json.loads(line)))
        except json.JSONDecodeError as e:
            err(f"line {n}", f"invalid JSON: {e}")

ids = Counter()
questions = {}
for n, it in items:
    iid = it.get("id", f"line {n}") if isinstance(it, dict) else f"line {n}"
    if not isinstance(it, dict):
        err(iid, "not a JSON object")
        continue
    if set(it) != KEYS:
        err(iid, f"key set differs: missing {sorted(KEYS - set(it))}, extra {sorted(set(it) - KEYS)}")
        continue
    ids[iid] += 1
    questions.setdefault(it["question"], []).append(it)
    t, split = it["type"], it["split"]
    if t not in TYPES:
        err(iid, f"bad type {t!r}")
    if split not in SPLITS:
        err(iid, f"bad split {split!r}")
    if not isinstance(it["question"], str) or not it["question"].strip():
        err(iid, "empty question")
    if not isinstance(it["note"], str):
        err(iid, "note must be a string")
    if not isinstance(it["history"], list) or not all(isinstance(h, str) and h.strip() for h in it["history"]):
        err(iid, "history must be a list of non-empty strings")
    if t == "followup" and not it["history"]:
        err(iid, "followup needs non-empty history")
    if t != "followup" and it["history"]:
        err(iid, "history must be empty for non-followup items")

    # evidence
    ev = it["evidence"]
    if not isinstance(ev, list):
        err(iid, "evidence must be a list")
        ev = []
    quote_pos = []  # (doc, start)
    for e in ev:
        if not isinstance(e, dict) or set(e) != {"doc", "quote"}:
            err(iid, f"evidence entry must have exactly doc+quote: {e!r}")
            continue
        doc, quote = e["doc"], e["quote"]
        if doc not in docs:
            err(iid, f"unknown doc {doc!r}")
            continue
        if not isinstance(quote, str) or not quote.strip():
            err(iid, "empty quote")
            continue
        pos = docs[doc].find(quote)
        if pos < 0:
            err(iid, f"quote not verbatim in {doc}: {quote[:70]!r}")
            continue
        if quote != quote.strip():
            err(iid, f"quote has leading/trailing whitespace: {quote[:50]!r}")
        if "\n" in quote:
            err(iid, f"quote spans a line break: {quote[:50]!r}")
        if len(quote) > MAX_QUOTE:
            err(iid, f"quote too long ({len(quote)} chars): {quote[:50]!r}")
        for c in CHROME:
            if c in quote:
                err(iid, f"quote contains site chrome {c!r}")
        quote_pos.append((doc, pos, quote))

    # answers
    ans = it["answers"]
    if not isinstance(ans, list) or not all(isinstance(a, str) and a.strip() for a in ans):
        err(iid, "answers must be a list of non-empty strings")
        ans = []
    if len(ans) > 4:
        err(iid, f"too many answers ({len(ans)})")
    for a in ans:
        if len(a.split()) > 5:
            err(iid, f"answer longer than 5 words: {a!r}")
        if not any(a.lower() in q.lower() for _, _, q in quote_pos):
            err(iid, f"answer {a!r} not found in any evidence quote")

    # per-type rules
    if t == "unanswerable":
        if ev:
            err(iid, "unanswerable must have no evidence")
        if ans:
            err(iid, "unanswerable must have no answers")
    elif t == "claim":
        pass
    elif t in TYPES:
        if not ev:
            err(iid, "answerable item needs evidence")
        if not ans:
            err(iid, "answerable item needs 1-4 answers")
    if t == "multi_source" and len({d for d, _, _ in quote_pos}) < 2:
        err(iid, "multi_source needs evidence from >= 2 files")

    # supports
    sup = it["supports"]
    if not isinstance(sup, dict):
        err(iid, "supports must be an object")
        sup = {}
    if t != "claim" and sup:
        err(iid, "supports must be {} for non-claim items")
    if t == "claim":
        for key, val in sup.items():
            if val not in SUPPORT_VALUES:
                err(iid, f"supports[{key!r}] = {val!r} (must be supported/partly)")
            related = key.endswith("#related")
            doc = key[: -len("#related")] if related else key
            if doc not in docs:
                err(iid, f"supports key {key!r} is not a seed file name")
                continue
            if related:
                if doc != RELATED_DOC:
                    err(iid, f"only {RELATED_DOC} has a #related part")
                    continue
                ok = any(d == doc and p >= related_start for d, p, _ in quote_pos)
            elif doc == RELATED_DOC:
                ok = any(d == doc and p < related_start for d, p, _ in quote_pos)
            else:
                ok = any(d == doc for d, _, _ in quote_pos)
            if not ok:
                err(iid, f"supports key {key!r} has no evidence quote from that source/part")
        # every evidence quote must belong to a listed source
        for d, p, q in quote_pos:
            key = d + "#related" if (d == RELATED_DOC and p >= related_start) else d
            if key not in sup:
                err(iid, f"evidence from {key} but that source is not in supports: {q[:50]!r}")

for iid, c in ids.items():
    if c > 1:
        err(iid, f"duplicate id ({c}x)")

# follow-ups: first question must exist as its own item, same split
for n, it in items:
    if isinstance(it, dict) and it.get("type") == "followup" and it.get("history"):
        first = questions.get(it["history"][0], [])
        if not first:
            err(it["id"], f"first question of pair is not its own item: {it['history'][0]!r}")
        elif not any(p["split"] == it["split"] for p in first if p["type"] != "followup"):
            err(it["id"], "followup not in the same split as its first question")

counts = Counter()
for n, it in items:
    if isinstance(it, dict) and set(it) == KEYS:
        counts[(it["type"], it["split"])] += 1

print(f"{'type':<14}{'dev':>5}{'test':>6}{'total':>7}")
total = 0
for t in TYPES:
    d, s = counts[(t, "dev")], counts[(t, "test")]
    total += d + s
    flag = "" if d + s >= MINIMUM[t] else f"   < minimum {MINIMUM[t]}"
    if d + s < MINIMUM[t]:
        err(t, f"only {d + s} items, need {MINIMUM[t]}")
    print(f"{t:<14}{d:>5}{s:>6}{d + s:>7}{flag}")
dev = sum(v for (t, s), v in counts.items() if s == "dev")
print(f"{'all':<14}{dev:>5}{total - dev:>6}{total:>7}")
if total < MIN_TOTAL:
    err("file", f"only {total} items, need {MIN_TOTAL}")

if errors:
    print(f"\nFAIL: {len(errors)} problem(s)")
    for e in errors:
        print("  " + e)
    sys.exit(1)
print("\nOK")
