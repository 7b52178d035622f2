"""Validating a QA set against its documents: every quote verbatim, every
key phrase inside its evidence, every claim source present, and the split
sound (see :mod:`askhist.evaluation.split`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from ..text import normalize
from .qa import RELATED_SUFFIX, QAFormatError, QAItem, document_texts, has_related_section, load_qa, schema_errors
from .split import split_problems


def validate_qa(items: Sequence[QAItem], docs: Path | str | dict[str, str], check_split: bool = True) -> list[str]:
    """Problems with the items against the documents ([] when valid): every
    evidence doc exists and its quote is a verbatim substring of the file,
    every key phrase is inside some evidence quote of its item (case and
    curly quotes aside), every claim's source exists; and the split is
    sound: no two linked items (shared evidence, near-duplicate questions,
    one conversation) in different splits, every type in both splits."""
    texts = docs if isinstance(docs, dict) else document_texts(docs)
    errors = []
    for item in items:
        errors += schema_errors(item, item.id)
        for quote in item.evidence:
            text = texts.get(quote.doc)
            if text is None:
                errors.append(f"{item.id}: evidence document {quote.doc!r} is not in the collection")
            elif quote.quote not in text:
                errors.append(f"{item.id}: quote is not verbatim in {quote.doc}: {quote.quote[:80]!r}")
        quotes = [normalize(q.quote) for q in item.evidence]
        for phrase in item.answers:
            if not any(normalize(phrase) in q for q in quotes):
                errors.append(f"{item.id}: key phrase {phrase!r} is in none of the item's evidence quotes")
        for key in item.supports:
            doc = key.removesuffix(RELATED_SUFFIX)
            if doc not in texts:
                errors.append(f"{item.id}: supports names {doc!r}, which is not in the collection")
            elif key.endswith(RELATED_SUFFIX) and not has_related_section(texts[doc]):
                errors.append(f"{item.id}: {doc} has no related-essays section for {key!r}")
    seen = Counter(i.id for i in items)
    errors += [f"id {item_id!r} is used {n} times" for item_id, n in seen.items() if n > 1]
    return errors + (split_problems(items, texts) if check_split else [])


def check_qa_file(path: Path | str, docs: Path | str | dict[str, str]) -> list[str]:
    """Every problem of a QA file: schema, then content against the documents."""
    try:
        items = load_qa(path)
    except QAFormatError as exc:
        return exc.errors
    return validate_qa(items, docs)
