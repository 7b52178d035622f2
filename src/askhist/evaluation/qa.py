"""The QA set: one JSON object per line, loaded into :class:`QAItem`, and
checked against the documents it quotes.

Schema (see eval/README.md)::

    {"id", "split": "dev"|"test", "type", "question", "history": [...],
     "evidence": [{"doc", "quote"}], "answers": [...], "supports": {...}, "note"}
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SPLITS = ("dev", "test")
QUESTION_TYPES = ("factoid", "why", "paraphrase", "multi_source", "student", "followup", "unanswerable")
TYPES = (*QUESTION_TYPES, "claim")
SUPPORT_LEVELS = ("supported", "partly")  # gold positives: the source supports the claim
NON_SUPPORT_LEVELS = ("contradicts", "silent")  # may be stated too: the same as leaving the source out
RELATED_SUFFIX = "#related"
FIELDS = ("id", "split", "type", "question", "history", "evidence", "answers", "supports", "note", "self_contained")
REQUIRED = ("id", "split", "type", "question")


class QAFormatError(ValueError):
    """A QA file that cannot be read; ``errors`` lists every problem found."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("; ".join(errors[:5]) + (f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""))
        self.errors = errors


@dataclass(frozen=True)
class Quote:
    doc: str
    quote: str


@dataclass(frozen=True)
class QAItem:
    id: str
    split: str
    type: str
    question: str  # the claim's text for "claim" items
    history: tuple[str, ...] = ()
    evidence: tuple[Quote, ...] = ()
    answers: tuple[str, ...] = ()
    supports: dict[str, str] = field(default_factory=dict)
    note: str = ""
    self_contained: bool | None = None  # follow-ups: whether the question also stands alone

    def gold_support(self, key: str) -> str | None:
        """A claim's gold level for a source: "supported", "partly" or None (not a support)."""
        level = self.supports.get(key)
        return level if level in SUPPORT_LEVELS else None

    @property
    def is_claim(self) -> bool:
        return self.type == "claim"

    @property
    def answerable(self) -> bool:
        """A question the sources answer (claims are neither)."""
        return self.type != "unanswerable" and not self.is_claim


def _item_from_dict(data: object, where: str) -> tuple[QAItem | None, list[str]]:
    if not isinstance(data, dict):
        return None, [f"{where}: expected a JSON object"]
    errors = [f"{where}: missing field {name!r}" for name in REQUIRED if name not in data]
    errors += [f"{where}: unknown field {name!r}" for name in data if name not in FIELDS]
    if errors:
        return None, errors
    where = f"{where} ({data['id']})"
    for name in ("id", "split", "type", "question", "note"):
        if name in data and not isinstance(data[name], str):
            errors.append(f"{where}: {name} must be a string")
    for name in ("history", "answers"):
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
            errors.append(f"{where}: {name} must be a list of non-empty strings")
    evidence = data.get("evidence", [])
    if not isinstance(evidence, list) or not all(
        isinstance(e, dict)
        and set(e) == {"doc", "quote"}
        and isinstance(e["doc"], str)
        and isinstance(e["quote"], str)
        and e["quote"].strip()
        for e in evidence
    ):
        errors.append(f"{where}: evidence must be a list of {{doc, quote}} objects with non-empty quotes")
    supports = data.get("supports", {})
    if not isinstance(supports, dict) or not all(
        isinstance(k, str) and v in SUPPORT_LEVELS + NON_SUPPORT_LEVELS for k, v in supports.items()
    ):
        levels = ", ".join(SUPPORT_LEVELS + NON_SUPPORT_LEVELS)
        errors.append(f"{where}: supports must map sources to one of {levels}")
    if not isinstance(data.get("self_contained", False), bool):
        errors.append(f"{where}: self_contained must be true or false")
    if errors:
        return None, errors
    item = QAItem(
        id=data["id"],
        split=data["split"],
        type=data["type"],
        question=data["question"],
        history=tuple(data.get("history", [])),
        evidence=tuple(Quote(e["doc"], e["quote"]) for e in evidence),
        answers=tuple(data.get("answers", [])),
        supports=dict(supports),
        note=data.get("note", ""),
        self_contained=data.get("self_contained"),
    )
    return item, schema_errors(item, where)


def schema_errors(item: QAItem, where: str) -> list[str]:
    """Rules that need no documents: values, and what each type must carry."""
    errors = []
    if not item.id.strip():
        errors.append(f"{where}: id is empty")
    if item.split not in SPLITS:
        errors.append(f"{where}: split {item.split!r} is not one of {', '.join(SPLITS)}")
    if item.type not in TYPES:
        errors.append(f"{where}: type {item.type!r} is not one of {', '.join(TYPES)}")
    if not item.question.strip():
        errors.append(f"{where}: question is empty")
    if item.type == "followup" and not item.history:
        errors.append(f"{where}: a followup needs the earlier questions in history")
    if item.type != "followup" and item.history:
        errors.append(f"{where}: only followup items have a history")
    if item.type == "unanswerable" and (item.evidence or item.answers):
        errors.append(f"{where}: an unanswerable question has no evidence and no answers")
    if item.answerable and not item.evidence:
        errors.append(f"{where}: an answerable question needs evidence")
    if item.supports and not item.is_claim:
        errors.append(f"{where}: only claims have supports")
    if item.self_contained is not None and item.type != "followup":
        errors.append(f"{where}: only followup items have self_contained")
    return errors


def parse_qa(lines: Iterable[str], source: str = "QA file") -> tuple[list[QAItem], list[str]]:
    """Items and schema errors of JSON lines (blank lines are skipped)."""
    items: list[QAItem] = []
    errors: list[str] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        where = f"{source} line {number}"
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"{where}: invalid JSON ({exc.msg})")
            continue
        item, item_errors = _item_from_dict(data, where)
        errors += item_errors
        if item is not None:
            items.append(item)
    for item_id, count in Counter(i.id for i in items).items():
        if count > 1:
            errors.append(f"{source}: id {item_id!r} is used {count} times")
    if not items and not errors:
        errors.append(f"{source}: no items")
    return items, errors


def load_qa(path: Path | str) -> list[QAItem]:
    """Read a QA file. Raises QAFormatError listing every schema problem."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise QAFormatError([f"cannot read QA file {path}: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError:
        raise QAFormatError([f"QA file {path} is not UTF-8 text"]) from None
    items, errors = parse_qa(text.splitlines(), str(path))
    if errors:
        raise QAFormatError(errors)
    return items


def select_split(items: Sequence[QAItem], split: str) -> list[QAItem]:
    """The items of one split ("dev", "test"), or all of them ("all")."""
    return list(items) if split == "all" else [i for i in items if i.split == split]


def document_texts(*doc_dirs: Path | str) -> dict[str, str]:
    """doc id -> text, read exactly as the index reads it."""
    from ..documents import load_documents

    return {d.doc_id: d.text for d in load_documents(*(Path(d) for d in doc_dirs))}


def has_related_section(text: str) -> bool:
    from ..cleaning import content_segments

    return any(segment.is_related for segment in content_segments(text))
