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
import math
import random
import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from itertools import combinations
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


def _overlap(spans: list[tuple[str, int, int]], others: list[tuple[str, int, int]]) -> bool:
    return any(
        doc == other and start < other_end and other_start < end
        for doc, start, end in spans
        for other, other_start, other_end in others
    )


def _turns(item: QAItem) -> tuple[str, ...]:
    return (*(normalize(h).strip() for h in item.history), normalize(item.question).strip())


def _reason(a: QAItem, b: QAItem, spans_a: list, spans_b: list) -> str | None:
    if (a.type == "claim") != (b.type == "claim"):
        return None
    if _overlap(spans_a, spans_b):
        return "shared evidence"
    if jaccard(question_words(a.question), question_words(b.question)) >= NEAR_DUPLICATE:
        return "near-duplicate questions"
    shorter, longer = sorted((_turns(a), _turns(b)), key=len)
    if len(shorter) > 1 and longer[: len(shorter)] == shorter:
        return "same conversation"
    return None


def linked(a: QAItem, b: QAItem, texts: dict[str, str]) -> str | None:
    """Why two items must share a split (None when they needn't). A claim and
    a question are never linked: the claim check and the answer are tuned
    apart, so a sentence both quote carries no tuning from one to the other."""
    return _reason(a, b, _evidence_spans(a, texts), _evidence_spans(b, texts))


def linked_pairs(items: Sequence[QAItem], texts: dict[str, str]) -> dict[tuple[int, int], str]:
    """Every linked pair (i < j, positions in ``items``) with its reason.

    The same relation as ``linked`` on every pair, without comparing every
    pair: a 4,719-question SQuAD file has 11 million pairs, which took over
    15 minutes. Only pairs that can be linked are compared: spans that
    overlap (a sweep over each file's spans in order), questions that share
    one of their rarest words (prefix filtering: two word sets with Jaccard
    >= t share a word among each one's |A| - ceil(t|A|) + 1 rarest), and
    conversations one of which begins the other.
    """
    spans = [_evidence_spans(item, texts) for item in items]
    candidates: set[tuple[int, int]] = set()

    def add(i: int, j: int) -> None:
        if i != j:
            candidates.add((min(i, j), max(i, j)))

    by_doc: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    for n, item_spans in enumerate(spans):
        for doc, start, end in item_spans:
            by_doc[doc].append((start, end, n))
    for doc_spans in by_doc.values():
        active: list[tuple[int, int]] = []  # (end, item) of spans that may still overlap
        for start, end, n in sorted(doc_spans):
            active = [(e, m) for e, m in active if e > start]
            for _, m in active:
                add(m, n)
            active.append((end, n))

    words = [question_words(item.question) for item in items]
    frequency = Counter(w for ws in words for w in ws)
    by_prefix: dict[str, list[int]] = defaultdict(list)
    for n, ws in enumerate(words):
        rarest = sorted(ws, key=lambda w: (frequency[w], w))
        for word in rarest[: len(rarest) - math.ceil(NEAR_DUPLICATE * len(rarest)) + 1]:
            by_prefix[word].append(n)
    for members in by_prefix.values():
        for i, j in combinations(members, 2):
            add(i, j)

    turns = [_turns(item) for item in items]
    by_turns: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for n, t in enumerate(turns):
        by_turns[t].append(n)
    for n, t in enumerate(turns):
        for k in range(2, len(t) + 1):
            for m in by_turns.get(t[:k], ()):
                add(m, n)

    pairs = {}
    for i, j in sorted(candidates):
        reason = _reason(items[i], items[j], spans[i], spans[j])
        if reason:
            pairs[(i, j)] = reason
    return pairs


def groups(items: Sequence[QAItem], texts: dict[str, str]) -> list[list[QAItem]]:
    """Connected components of the ``linked`` relation, in file order."""
    parent = list(range(len(items)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in linked_pairs(items, texts):
        if root(i) != root(j):
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
    leaks = []
    for (i, j), reason in linked_pairs(items, texts).items():
        a, b = items[i], items[j]
        if {a.split, b.split} == set(SPLITS):
            (d, a), (t, b) = sorted(((i, a), (j, b)), key=lambda pair: pair[1].split != "dev")
            leaks.append((d, t, f"{a.id} (dev) and {b.id} (test): {reason}; linked items belong in one split"))
    errors = [message for _, _, message in sorted(leaks)]
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
