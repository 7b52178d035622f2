"""Check eval/qa_extra.jsonl, the new items for issues 10 and 11, before they are merged into eval/qa.jsonl.

    PYTHONPATH=src python eval/tools/check_extra.py [eval/qa_extra.jsonl] [--docs seeds] [--qa eval/qa.jsonl]

Checks, on top of eval/README.md's format (the two extensions are marked):
- fields and types; ids unique (also against qa.jsonl) and of the form x001;
- every evidence quote a verbatim substring of its file; every key phrase inside an evidence quote;
- key phrases specific: each matches, on word boundaries, between 1 and 5 sentences of the corpus;
- no question (with the same history) has the same content words as an existing qa.jsonl item;
- paraphrase: no content word (stop words aside, either stemmer) shared with any evidence sentence;
- why: the question starts with why/how, and some evidence sentence has a neighbour (the sentence
  before or after) that shares at least as many question words as it does, i.e. the reason sits
  next to the sentence the question is worded after;
- followup: a history, and ``self_contained`` (extension) true or false;
- unanswerable: no evidence, no key phrases;
- claim: ``supports`` (extension) names every source of the collection, each one of supported /
  partly / contradicts / silent; every non-silent source has an evidence quote in that source
  (main text or related section, as named).
Prints counts per type and exits 1 listing every problem.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from askhist.chunking import Sentence, document_sentences
from askhist.text import normalize, tokenize

FIELDS = {"id", "split", "type", "question", "history", "evidence", "answers", "supports", "note", "self_contained"}
TYPES = {"factoid", "why", "paraphrase", "multi_source", "student", "followup", "unanswerable", "claim"}
LABELS = {"supported", "partly", "contradicts", "silent"}
RELATED = "#related"
MAX_SENTENCES_PER_PHRASE = 5


def _sentences(docs: Path) -> dict[str, list[Sentence]]:
    return {p.name: document_sentences(p.name, p.read_text(encoding="utf-8")) for p in sorted(docs.glob("*.txt"))}


def _phrase_pattern(phrase: str) -> re.Pattern[str]:
    norm = re.escape(normalize(phrase)).replace(r"\ ", r"\s+")
    return re.compile(rf"(?<!\w){norm}(?!\w)")


def _quote_sentences(sentences: list[Sentence], text: str, quote: str) -> list[int]:
    """Indices of the sentences overlapping the quote's first occurrence."""
    start = text.find(quote)
    end = start + len(quote)
    return [i for i, s in enumerate(sentences) if s.start < end and s.end > start]


def _content(text: str) -> set[str]:
    return set(tokenize(text, stem="snowball")) | set(tokenize(text, stem="light"))


def _reason_next_door(question: str, ev_sentences: list[tuple[str, int]], sents: dict[str, list[Sentence]]) -> bool:
    """Whether some evidence sentence has a neighbour (same section) sharing at least as many question words."""
    asked = _content(question)

    def overlap(doc: str, i: int) -> int:
        return len(asked & _content(sents[doc][i].text))

    return any(
        overlap(doc, j) >= overlap(doc, i) and sents[doc][j].section == sents[doc][i].section
        for doc, i in ev_sentences
        for j in (i - 1, i + 1)
        if 0 <= j < len(sents[doc])
    )


def check(items: list[dict], docs: Path, existing: list[dict]) -> list[str]:
    texts = {p.name: p.read_text(encoding="utf-8") for p in sorted(docs.glob("*.txt"))}
    sents = _sentences(docs)
    related_docs = {d for d, ss in sents.items() if any(s.section != "main" for s in ss)}
    sources = sorted(texts) + sorted(d + RELATED for d in related_docs)
    all_sentences = [normalize(s.text) for ss in sents.values() for s in ss]
    old_ids = {e["id"] for e in existing}
    # A rewording that keeps every content word (and the history) counts as a duplicate too.
    old_questions = {(frozenset(_content(e["question"])), tuple(e.get("history", []))) for e in existing}
    errors: list[str] = []
    seen: Counter[str] = Counter(item.get("id", "") for item in items)
    errors += [f"id {i!r} used {n} times" for i, n in seen.items() if n > 1]
    for item in items:
        where = item.get("id", "?")
        unknown = set(item) - FIELDS
        missing = {"id", "split", "type", "question"} - set(item)
        if unknown or missing:
            errors.append(f"{where}: unknown fields {sorted(unknown)} / missing {sorted(missing)}")
            continue
        kind = item["type"]
        history, evidence, answers = item.get("history", []), item.get("evidence", []), item.get("answers", [])
        supports = item.get("supports", {})
        if not re.fullmatch(r"x\d{3}", where) or where in old_ids:
            errors.append(f"{where}: id must be x### and new")
        if item["split"] not in ("dev", "test"):
            errors.append(f"{where}: split {item['split']!r}")
        if kind not in TYPES:
            errors.append(f"{where}: type {kind!r}")
        key = (frozenset(_content(item["question"])), tuple(history))
        if key in old_questions:
            errors.append(f"{where}: duplicates a qa.jsonl question")
        # Evidence: verbatim, and which sentences it covers.
        ev_sentences: list[tuple[str, int]] = []
        for e in evidence:
            doc, quote = e.get("doc"), e.get("quote", "")
            if doc not in texts:
                errors.append(f"{where}: unknown doc {doc!r}")
            elif not quote.strip() or quote not in texts[doc]:
                errors.append(f"{where}: quote not verbatim in {doc}: {quote[:70]!r}")
            else:
                ev_sentences += [(doc, i) for i in _quote_sentences(sents[doc], texts[doc], quote)]
        quotes = [normalize(e.get("quote", "")) for e in evidence]
        for phrase in answers:
            if not any(normalize(phrase) in q for q in quotes):
                errors.append(f"{where}: key phrase {phrase!r} not in an evidence quote")
            hits = sum(1 for s in all_sentences if _phrase_pattern(phrase).search(s))
            if not 1 <= hits <= MAX_SENTENCES_PER_PHRASE:
                errors.append(f"{where}: key phrase {phrase!r} matches {hits} sentences (want 1-5)")
        # Per type.
        if kind == "followup":
            if not history:
                errors.append(f"{where}: followup without history")
            if not isinstance(item.get("self_contained"), bool):
                errors.append(f"{where}: followup needs self_contained true/false")
        elif history or "self_contained" in item:
            errors.append(f"{where}: only followups have history / self_contained")
        if kind == "unanswerable" and (evidence or answers):
            errors.append(f"{where}: unanswerable with evidence or answers")
        if kind not in ("unanswerable", "claim") and (not evidence or not answers):
            errors.append(f"{where}: answerable question needs evidence and key phrases")
        if kind == "paraphrase":
            asked = _content(item["question"])
            for doc, i in ev_sentences:
                shared = asked & _content(sents[doc][i].text)
                if shared:
                    errors.append(f"{where}: paraphrase shares {sorted(shared)} with {doc[:3]} sentence {i}")
        if kind == "why":
            if not re.match(r"(why|how)\b", item["question"].strip(), re.I):
                errors.append(f"{where}: why item must start with why/how")
            if not _reason_next_door(item["question"], ev_sentences, sents):
                errors.append(f"{where}: no evidence sentence has a neighbour closer to the question")
        if kind == "claim":
            if set(supports) != set(sources) or not set(supports.values()) <= LABELS:
                errors.append(f"{where}: supports must label every source {sources} with one of {sorted(LABELS)}")
            for source, label in supports.items():
                if label == "silent" or source not in sources:
                    continue
                doc = source.removesuffix(RELATED)
                want_related = source.endswith(RELATED)
                covered = any((sents[d][i].section != "main") == want_related for d, i in ev_sentences if d == doc)
                if not covered:
                    errors.append(f"{where}: {source} is {label} but has no evidence quote there")
        elif supports:
            errors.append(f"{where}: only claims have supports")
    return errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("file", nargs="?", default="eval/qa_extra.jsonl")
    parser.add_argument("--docs", default="seeds")
    parser.add_argument("--qa", default="eval/qa.jsonl")
    args = parser.parse_args()
    items = [json.loads(line) for line in Path(args.file).read_text(encoding="utf-8").splitlines() if line.strip()]
    existing = [json.loads(line) for line in Path(args.qa).read_text(encoding="utf-8").splitlines() if line.strip()]
    errors = check(items, Path(args.docs), existing)
    counts = Counter(i.get("type") for i in items)
    print(", ".join(f"{k}: {n}" for k, n in sorted(counts.items())), f"(total {len(items)})")
    followups = [i for i in items if i.get("type") == "followup"]
    print(f"followups self-contained: {sum(bool(i.get('self_contained')) for i in followups)} of {len(followups)}")
    claims = [i for i in items if i.get("type") == "claim"]
    contradicted = sum(any(v == "contradicts" for v in i.get("supports", {}).values()) for i in claims)
    print(f"claims with a contradicting source: {contradicted} of {len(claims)}")
    for e in errors:
        print("ERROR", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
