"""Documents: reading a folder of source files and their titles.

A document's ``text`` is the file decoded as UTF-8 (for .pdf and .docx, the
text extracted from it). Every offset askhist reports is a character offset
into this text, so it is never altered after reading.

Titles and descriptions come from an optional ``sources.json`` in the folder::

    {"essay.txt": {"title": "The Rise of Stalin", "description": "A student essay"}}
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

TEXT_SUFFIXES = (".txt", ".md")
RICH_SUFFIXES = (".pdf", ".docx")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + RICH_SUFFIXES
METADATA_FILE = "sources.json"
# A file with more U+FFFD replacement characters than this share of its
# text is almost certainly not text (an image or archive renamed .txt).
MAX_REPLACEMENT_SHARE = 0.01


class DocumentError(Exception):
    """A document or folder that cannot be used; the message says why."""


@dataclass(frozen=True)
class Document:
    """One source file of the collection."""

    doc_id: str  # path relative to its collection folder, with forward slashes
    path: Path
    title: str
    description: str
    text: str
    sha256: str  # of the file's bytes: what the index manifest compares
    notes: tuple[str, ...] = field(default=())  # reading problems worth telling the user

    def to_dict(self) -> dict:
        return {
            "doc": self.doc_id,
            "title": self.title,
            "description": self.description,
            "chars": len(self.text),
            "notes": list(self.notes),
        }


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """Decode bytes as UTF-8 text.

    Invalid byte sequences are replaced (U+FFFD) rather than refused, because
    scraped files often carry a stray Windows-1252 byte; the returned note
    tells the user. Files that look binary are refused.
    """
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: looks like a binary file, not text (it contains NUL bytes)")
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    if bad and bad > MAX_REPLACEMENT_SHARE * max(len(text), 1) + 3:
        raise DocumentError(f"{name}: is not UTF-8 text ({bad} undecodable bytes)")
    notes = (f"{bad} bytes that were not valid UTF-8 were replaced with \ufffd",) if bad else ()
    return text, notes


def extract_text(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """Text of a file's bytes, by its suffix. Raises DocumentError."""
    suffix = Path(name).suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return decode_text(data, name)
    if suffix == ".pdf":
        return _pdf_text(data, name), ()
    if suffix == ".docx":
        return _docx_text(data, name), ()
    raise DocumentError(
        f"{name}: unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}"
    )


def _pdf_text(data: bytes, name: str) -> str:
    import io

    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        pages = [page.extract_text() or "" for page in reader.pages]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentError(f"{name}: cannot read this PDF ({exc})") from None
    return "\n\n".join(p.strip() for p in pages)


def _docx_text(data: bytes, name: str) -> str:
    import io
    import zipfile

    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise DocumentError(f"{name}: cannot read this Word document ({exc})") from None
    return "\n\n".join(p.text for p in document.paragraphs)


def read_document(path: Path, root: Path, metadata: dict[str, dict] | None = None) -> Document:
    """Read one file of a collection folder. Raises DocumentError."""
    doc_id = path.relative_to(root).as_posix()
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{doc_id}: cannot read file ({exc.strerror or exc})") from None
    text, notes = extract_text(data, doc_id)
    if not text.strip():
        raise DocumentError(f"{doc_id}: the file has no text")
    meta = (metadata or {}).get(doc_id, {})
    return Document(
        doc_id=doc_id,
        path=path,
        title=str(meta.get("title") or default_title(text, path)),
        description=str(meta.get("description") or ""),
        text=text,
        sha256=file_sha256(data),
        notes=notes,
    )


def default_title(text: str, path: Path) -> str:
    """A readable title for a document without metadata: its first short line,
    else its file name."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            if len(line) <= 90:
                return line
            break
    return path.stem.replace("_", " ").replace("-", " ").strip() or path.name


def read_metadata(root: Path) -> dict[str, dict]:
    """The folder's sources.json, or {} when there is none."""
    meta_path = root / METADATA_FILE
    if not meta_path.exists():
        return {}
    try:
        data = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DocumentError(f"{meta_path}: cannot read metadata ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise DocumentError(f"{meta_path}: expected an object mapping file names to {{title, description}}")
    return data


def list_source_files(root: Path) -> list[Path]:
    """Supported files under root, sorted, skipping hidden files and folders."""
    if not root.exists():
        raise DocumentError(f"documents folder not found: {root}")
    if not root.is_dir():
        raise DocumentError(f"not a folder: {root}")
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix.lower() in SUPPORTED_SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )


def load_documents(*roots: Path) -> list[Document]:
    """Read every supported file under the given folders.

    The first folder's documents are identified by their path relative to it;
    documents of further folders (e.g. uploads) by ``<folder name>/<path>``.
    Raises DocumentError naming the first file that cannot be read, or when
    there are no documents at all.
    """
    documents: list[Document] = []
    for number, root in enumerate(roots):
        root = Path(root)
        if number and not root.exists():
            continue  # extra folders such as uploads may not exist yet
        metadata = read_metadata(root)
        for path in list_source_files(root):
            doc = read_document(path, root, metadata)
            if number:
                doc = _prefixed(doc, root.name)
            documents.append(doc)
    if not documents:
        names = ", ".join(str(r) for r in roots)
        raise DocumentError(f"no documents ({', '.join(SUPPORTED_SUFFIXES)}) found in {names}")
    return documents


def _prefixed(doc: Document, prefix: str) -> Document:
    from dataclasses import replace

    return replace(doc, doc_id=f"{prefix}/{doc.doc_id}")
