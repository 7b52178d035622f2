"""Convert a SQuAD-format file into an askhist collection and QA set.

    askhist squad dev-v2.0.json --out squad/
    askhist eval --docs squad/docs --index squad/index --qa squad/qa.jsonl --thresholds ''

Each article becomes one .txt file (paragraphs separated by blank lines, in
order; a ``sources.json`` keeps the titles). Each question becomes a QA item:
its answers are the key phrases and its evidence the sentence(s) holding each
answer, cut from the written file and checked verbatim; ``is_impossible``
questions are "unanswerable". The dev/test split is the grouped one of
``split``: questions on the same sentence go to the same split.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..chunking import split_sentences
from .qa import parse_qa
from .split import assign_splits
from .validate import validate_qa


class SquadError(ValueError):
    """A file that is not SQuAD-format JSON, or an output folder in the way."""


@dataclass
class Conversion:
    docs_dir: Path
    qa_path: Path
    documents: int = 0
    questions: int = 0
    unanswerable: int = 0
    skipped: list[str] = field(default_factory=list)  # questions or answers left out, and why


def _slug(title: str) -> str:
    slug = re.sub(r"[^A-Za-z0-9]+", "_", title).strip("_").lower()
    return slug[:60] or "article"


def _flat(text: str) -> str:
    """Line breaks inside a context become spaces (same length: offsets hold)."""
    return text.replace("\r", " ").replace("\n", " ")


def _answer_span(context: str, answer: dict) -> tuple[int, int] | None:
    """Where an answer is in its context: at answer_start if the text is there,
    else its occurrence nearest to answer_start."""
    text = _flat(str(answer.get("text", "")))
    if not text.strip():
        return None
    start = answer.get("answer_start")
    if isinstance(start, int) and context[start : start + len(text)] == text:
        return start, start + len(text)
    found = [m.start() for m in re.finditer(re.escape(text), context)]
    if not found:
        return None
    best = min(found, key=lambda s: abs(s - start) if isinstance(start, int) else s)
    return best, best + len(text)


def _evidence(text: str, sentences: list[tuple[int, int]], start: int, end: int) -> str:
    """The sentence(s) holding [start, end) of the file's text."""
    touching = [(a, b) for a, b in sentences if a < end and start < b]
    if not touching:
        return text[start:end]
    return text[touching[0][0] : touching[-1][1]]


def _articles(data: object) -> list[dict]:
    if not isinstance(data, dict) or not isinstance(data.get("data"), list):
        raise SquadError('not SQuAD format: expected {"data": [{"title", "paragraphs": [...]}, ...]}')
    for article in data["data"]:
        if not isinstance(article, dict) or not isinstance(article.get("paragraphs"), list):
            raise SquadError("not SQuAD format: every article needs a list of paragraphs")
    return data["data"]


def convert_squad(source: Path | str, out: Path | str) -> Conversion:
    """Write ``out/docs/`` and ``out/qa.jsonl`` from a SQuAD file."""
    source, out = Path(source), Path(out)
    try:
        articles = _articles(json.loads(source.read_text(encoding="utf-8")))
    except OSError as exc:
        raise SquadError(f"cannot read {source}: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise SquadError(f"{source} is not JSON ({exc})") from None
    docs_dir = out / "docs"
    if docs_dir.exists() and any(docs_dir.iterdir()):
        raise SquadError(f"{docs_dir} already exists and is not empty; remove it or choose another --out")
    docs_dir.mkdir(parents=True, exist_ok=True)
    result = Conversion(docs_dir, out / "qa.jsonl")
    sources: dict[str, dict] = {}
    records: list[dict] = []
    texts: dict[str, str] = {}
    ids: set[str] = set()
    for number, article in enumerate(articles):
        title = str(article.get("title") or f"Article {number + 1}").replace("_", " ")
        name = f"{number:03d}_{_slug(title)}.txt"
        contexts = [_flat(str(p.get("context", ""))) for p in article["paragraphs"]]
        text = "\n\n".join(contexts) + "\n"
        offsets, position = [], 0
        for context in contexts:
            offsets.append(position)
            position += len(context) + 2
        for paragraph, context, base in zip(article["paragraphs"], contexts, offsets):
            sentences = split_sentences(text, base, base + len(context)) if context.strip() else []
            for qa in paragraph.get("qas", []):
                record = _item(qa, name, text, context, base, sentences, result)
                if record is None:
                    continue
                while record["id"] in ids:
                    record["id"] += "-dup"
                ids.add(record["id"])
                record["split"] = "dev"  # until assign_splits below
                records.append(record)
        texts[name] = text
        (docs_dir / name).write_text(text, encoding="utf-8")
        sources[name] = {"title": title, "description": f"SQuAD article converted from {source.name}"}
        result.documents += 1
    (docs_dir / "sources.json").write_text(json.dumps(sources, indent=1, ensure_ascii=False), encoding="utf-8")
    split_of = assign_splits(parse_qa([json.dumps(r) for r in records])[0], texts)
    for record in records:
        record["split"] = split_of[record["id"]]
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    result.qa_path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    items, errors = parse_qa(lines, str(result.qa_path))
    errors += validate_qa(items, docs_dir)
    if errors:  # a bug in this converter, not in the input
        raise SquadError("the converted QA set does not validate: " + "; ".join(errors[:5]))
    result.questions = len(records)
    result.unanswerable = sum(r["type"] == "unanswerable" for r in records)
    return result


def _item(qa: dict, doc: str, text: str, context: str, base: int, sentences, result: Conversion) -> dict | None:
    qid = str(qa.get("id") or f"q{result.questions + len(result.skipped)}")
    question = " ".join(str(qa.get("question", "")).split())
    if not any(ch.isalnum() for ch in question):
        result.skipped.append(f"{qid}: empty question")
        return None
    record = {"id": qid, "split": "", "type": "factoid", "question": question, "history": []}
    if qa.get("is_impossible"):
        return {**record, "type": "unanswerable", "evidence": [], "answers": [], "supports": {}, "note": ""}
    evidence: list[dict] = []
    answers: list[str] = []
    for answer in qa.get("answers", []):
        span = _answer_span(context, answer) if isinstance(answer, dict) else None
        if span is None:
            result.skipped.append(f"{qid}: answer {str(answer)[:40]!r} is not in its paragraph")
            continue
        start, end = base + span[0], base + span[1]
        phrase = text[start:end].strip()
        quote = _evidence(text, sentences, start, end)
        if phrase.casefold() not in {a.casefold() for a in answers}:
            answers.append(phrase)
        if quote not in [e["quote"] for e in evidence]:
            evidence.append({"doc": doc, "quote": quote})
    if not answers:
        result.skipped.append(f"{qid}: no answer found in its paragraph")
        return None
    return {**record, "evidence": evidence, "answers": answers, "supports": {}, "note": ""}
