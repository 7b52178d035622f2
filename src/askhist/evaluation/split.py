"""A dev/test split whose halves are independent: grouped, balanced, seeded.

Items are linked, and a linked group goes to one split as a whole, when they

* quote overlapping evidence (two gold quotes whose spans in the same file
  share a character): an answer tuned on one would be scored on the other;
* ask near-duplicate questions (word Jaccard >= ``NEAR_DUPLICATE``);
* are two steps of one follow-up conversation (one item's turns, its
  question last, begin the other's). Follow-ups that only open with the same
  question, or whose opening question is also asked on its own, are not
  linked: they ask different things, and linking them put 38 of 44
  follow-ups in one split;

and a claim is only ever linked to claims, a question to questions (the claim
check and the answer are tuned apart).

Groups are then dealt to the splits one by one, largest first (ties in an
order shuffled by the seed), each to the split that keeps every type's dev and
test counts closest to half. ``askhist eval --resplit [--seed N]`` rewrites
the ``split`` field of the QA file; the rest of each line is kept.
"""

from __future__ import annotations

import json
import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from pathlib import Path

from ..text import normalize
from .metrics import quote_spans
from .qa import SPLITS, QAItem

NEAR_DUPLICATE = 0.6  # word Jaccard of two questions at or above which they are near-duplicates
DEFAULT_SEED = 12
_WORD = re.compile(r"[^\W_]+")


def question_words(question: str) -> frozenset[str]:
    return frozenset(_WORD.findall(normalize(question)))


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a | b else 0.0


def _evidence_spans(item: QAItem, texts: dict[str, str]) -> list[tuple[str, int, int]]:
    return [(q.doc, a, b) for q in item.evidence for a, b in quote_spans(texts.get(q.doc, ""), q.quote)]


def shared_evidence(a: QAItem, b: QAItem, texts: dict[str, str]) -> bool:
    """Whether two items quote overlapping spans of the same file."""
    spans = _evidence_spans(b, texts)
    return any(
        doc == other and start < other_end and other_start < end
        for doc, start, end in _evidence_spans(a, texts)
        for other, other_start, other_end in spans
    )


def linked(a: QAItem, b: QAItem, texts: dict[str, str]) -> str | None:
    """Why two items must share a split (None when they needn't). A claim and
    a question are never linked: the claim check and the answer are tuned
    apart, so a sentence both quote carries no tuning from one to the other."""
    if (a.type == "claim") != (b.type == "claim"):
        return None
    if shared_evidence(a, b, texts):
        return "shared evidence"
    if jaccard(question_words(a.question), question_words(b.question)) >= NEAR_DUPLICATE:
        return "near-duplicate questions"
    turns_a = [normalize(h).strip() for h in a.history] + [normalize(a.question).strip()]
    turns_b = [normalize(h).strip() for h in b.history] + [normalize(b.question).strip()]
    shorter, longer = sorted((turns_a, turns_b), key=len)
    if len(shorter) > 1 and longer[: len(shorter)] == shorter:
        return "same conversation"
    return None


def groups(items: Sequence[QAItem], texts: dict[str, str]) -> list[list[QAItem]]:
    """Connected components of the ``linked`` relation, in file order."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            if root(i) != root(j) and linked(items[i], items[j], texts):
                parent[root(j)] = root(i)
    members: dict[int, list[QAItem]] = defaultdict(list)
    for i, item in enumerate(items):
        members[root(i)].append(item)
    return list(members.values())


def _imbalance(counts: dict[str, Counter], split: str, group: Counter, totals: Counter) -> float:
    """Squared dev/test difference per type, as a share of the type, if ``group`` joins ``split``."""
    after = {s: counts[s] + group if s == split else counts[s] for s in SPLITS}
    return sum(((after["dev"][t] - after["test"][t]) / totals[t]) ** 2 for t in totals)


def assign_splits(items: Sequence[QAItem], texts: dict[str, str], seed: int = DEFAULT_SEED) -> dict[str, str]:
    """item id -> "dev" or "test": linked items together, every type about half and half."""
    components = groups(items, texts)
    random.Random(seed).shuffle(components)
    components.sort(key=len, reverse=True)  # stable: the shuffle orders groups of one size
    totals = Counter(i.type for i in items)
    counts = {s: Counter() for s in SPLITS}
    split_of: dict[str, str] = {}
    for number, group in enumerate(components):
        group_types = Counter(i.type for i in group)
        # Equal imbalance (a group of a type with an even count so far): alternate, so neither split fills first.
        order = SPLITS if number % 2 == 0 else SPLITS[::-1]
        chosen = min(order, key=lambda split, g=group_types: _imbalance(counts, split, g, totals))
        counts[chosen].update(group_types)
        split_of.update({i.id: chosen for i in group})
    return split_of


def split_problems(items: Sequence[QAItem], texts: dict[str, str]) -> list[str]:
    """Leaks between the splits and types missing from one: [] when the split is sound."""
    errors = []
    dev = [i for i in items if i.split == "dev"]
    test = [i for i in items if i.split == "test"]
    for a in dev:
        for b in test:
            reason = linked(a, b, texts)
            if reason:
                errors.append(f"{a.id} (dev) and {b.id} (test): {reason}; linked items belong in one split")
    present = {s: {i.type for i in items if i.split == s} for s in SPLITS}
    sizes = Counter(i.type for i in items)
    for item_type in sorted(t for t, n in sizes.items() if n > 1):  # one item cannot be in both
        missing = [s for s in SPLITS if item_type not in present[s]]
        if missing:
            errors.append(f"type {item_type!r} has no {' or '.join(missing)} items")
    return errors


def resplit_file(path: Path | str, texts: dict[str, str], items: Sequence[QAItem], seed: int = DEFAULT_SEED) -> int:
    """Rewrite the ``split`` field of every line of a QA file; returns how many changed."""
    path = Path(path)
    split_of = assign_splits(items, texts, seed)
    lines = path.read_text(encoding="utf-8").splitlines()
    changed = 0
    out = []
    for line in lines:
        if not line.strip():
            out.append(line)
            continue
        data = json.loads(line)
        new = split_of[data["id"]]
        changed += data["split"] != new
        data["split"] = new
        out.append(json.dumps(data, ensure_ascii=False))
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return changed
