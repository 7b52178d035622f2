"""Documents: reading a folder of source files and their titles.

A document's ``text`` is the file decoded as UTF-8 (for .pdf and .docx, the
text extracted from it). Every offset askhist reports is a character offset
into this text, so it is never altered after reading.

Titles and descriptions come from an optional ``sources.json`` in the folder::

    {"essay.txt": {"title": "The Rise of Stalin", "description": "A student essay"}}

The web app records who added an uploaded file, and when, in the uploads
folder's ``sources.json`` (``uploaded_by``, ``uploaded_at``): the document's
``origin``, shown next to every quote from it.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

from .formats import FormatError, TooMuchText, docx_text, pdf_text

TEXT_SUFFIXES = (".txt", ".md")
RICH_SUFFIXES = (".pdf", ".docx")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + RICH_SUFFIXES
METADATA_FILE = "sources.json"
# A file with more U+FFFD replacement characters than this share of its
# text is almost certainly not text (an image or archive renamed .txt).
MAX_REPLACEMENT_SHARE = 0.01
# Limits for one collection file. A long book is 1-2 million characters; the
# index build time grows with the text (minutes for a book on a laptop). The
# text limit is the web app's upload limit (uploads.MAX_UPLOAD_BYTES), so
# that no text file small enough to upload is refused for its length: UTF-8
# text never has more characters than bytes.
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_TEXT_CHARS = 5 * 1024 * 1024
# A .docx is a zip archive: refuse one that declares it unpacks to more than
# this, and stop reading its document XML past MAX_DOCX_XML_BYTES (declared
# sizes can lie). The XML of a Word document takes 1-5 bytes per character of
# text; reading it takes about a second per 5 MB on the development VM.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
MAX_DOCX_XML_BYTES = 32 * 1024 * 1024
# pypdf reads a blank page in about a millisecond, and a megabyte of drawing
# instructions (up to 170,000 operations) in 1.8 s of CPU and up to 60 MB of
# memory: these keep any PDF to seconds and 200 MB. 3 MB of drawing
# instructions hold 100-700 pages of text.
MAX_PDF_PAGES = 2_000
MAX_PDF_CONTENT_BYTES = 3 * 1024 * 1024
MAX_PDF_OPERATIONS = 500_000

logger = logging.getLogger("askhist")


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
    origin: str = ""  # "uploaded by a teacher on 2026-12-07" for an upload, "" for the collection's own files

    def to_dict(self) -> dict:
        return {
            "doc": self.doc_id,
            "title": self.title,
            "description": self.description,
            "chars": len(self.text),
            "notes": list(self.notes),
            "origin": self.origin,
        }


def file_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def decode_text(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """Decode bytes as UTF-8 text.

    Invalid byte sequences are replaced (U+FFFD) rather than refused, because
    scraped files often carry a stray Windows-1252 byte; the returned note
    tells the user. A file with no valid UTF-8 at all that reads as Western
    European text (Word's "Plain Text" on Windows: curly quotes, accents) is
    read as Windows-1252, and a file with a UTF-16 byte-order mark as UTF-16,
    each with a note. Files that look binary are refused.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16"), ("read as UTF-16 text",)
        except UnicodeDecodeError:
            raise DocumentError(f"{name}: starts like UTF-16 text but is not valid UTF-16") from None
    if b"\x00" in data[:8192]:
        raise DocumentError(f"{name}: looks like a binary file, not text (it contains NUL bytes)")
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd") - data.decode("utf-8", errors="ignore").count("\ufffd")
    if not bad:
        return text, ()
    if not any(ch > "\x7f" and ch != "\ufffd" for ch in text):  # no valid UTF-8 beyond ASCII at all
        western = _windows_1252_text(data)
        if western is not None:
            return western, ("not UTF-8: read as Windows-1252 (Western European) text",)
    if bad > MAX_REPLACEMENT_SHARE * max(len(text), 1) + 3:
        raise DocumentError(
            f"{name}: is not UTF-8 text ({bad} undecodable bytes); if it is text, save it as UTF-8 and add it again"
        )
    return text, (f"{bad} bytes that were not valid UTF-8 were replaced with \ufffd",)


def _windows_1252_text(data: bytes) -> str | None:
    """The bytes as Windows-1252 if they look like Western European text:
    no control characters, and letters mostly ASCII (a Cyrillic or Greek
    code page would decode to mostly accented letters)."""
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        return None
    if sum(ch < " " and ch not in "\t\n\r\f\v" for ch in text) > 0.001 * len(text):
        return None
    letters = sum(ch.isalpha() for ch in text)
    accented = sum(ch.isalpha() and ch > "\x7f" for ch in text)
    return text if letters and accented <= 0.3 * letters else None


def extract_text(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """Text of a file's bytes, by its suffix. Raises DocumentError."""
    suffix = Path(name).suffix.lower()
    if len(data) > MAX_FILE_BYTES:
        raise DocumentError(_too_large(name, len(data)))
    if suffix in TEXT_SUFFIXES:
        text, notes = decode_text(data, name)
    elif suffix in RICH_SUFFIXES:
        try:
            if suffix == ".pdf":
                text = pdf_text(data, MAX_TEXT_CHARS, MAX_PDF_PAGES, MAX_PDF_CONTENT_BYTES, MAX_PDF_OPERATIONS)
            else:
                text = docx_text(data, MAX_TEXT_CHARS, MAX_DOCX_XML_BYTES, MAX_UNPACKED_BYTES)
        except TooMuchText:
            raise DocumentError(_too_much_text(name, None)) from None
        except FormatError as exc:
            raise DocumentError(f"{name}: {exc}") from None
        notes = ()
    else:
        raise DocumentError(
            f"{name}: unsupported file type {suffix or '(none)'}; use one of {', '.join(SUPPORTED_SUFFIXES)}"
        )
    if len(text) > MAX_TEXT_CHARS:
        raise DocumentError(_too_much_text(name, len(text)))
    return text, notes


def _too_much_text(name: str, chars: int | None) -> str:
    counted = f"{chars:,} characters" if chars is not None else f"more than {MAX_TEXT_CHARS:,} characters"
    return (
        f"{name}: has too much text ({counted}); the limit is {MAX_TEXT_CHARS:,} per file, "
        "so split it into smaller files"
    )


def _too_large(name: str, size: int) -> str:
    return f"{name}: the file is too large ({size / 2**20:.1f} MB); the limit is {MAX_FILE_BYTES // 2**20} MB per file"


def read_document(path: Path, root: Path, metadata: dict[str, dict] | None = None) -> Document:
    """Read one file of a collection folder. Raises DocumentError."""
    doc_id = path.relative_to(root).as_posix()
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:
        shown = doc_id.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        raise DocumentError(f"{shown}: the file name is not valid UTF-8; rename the file") from None
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise DocumentError(_too_large(doc_id, size))
        with path.open("rb") as handle:  # bounded: a file can grow after stat()
            data = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise DocumentError(f"{doc_id}: cannot read file ({exc.strerror or type(exc).__name__})") from None
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
        origin=origin_of(meta),
    )


def origin_of(meta: dict) -> str:
    """Where an uploaded file came from, from its ``sources.json`` entry:
    "uploaded by a teacher on 2026-12-07", or "" for a file not uploaded."""
    by = meta.get("uploaded_by")
    if not isinstance(by, str) or not by.strip():
        return ""
    at = meta.get("uploaded_at")
    day = f" on {at[:10]}" if isinstance(at, str) and at[:10] else ""
    return f"uploaded by {by.strip()}{day}"


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
    except OSError as exc:
        raise DocumentError(
            f"{_shown(root)}/{METADATA_FILE}: cannot read metadata ({exc.strerror or type(exc).__name__})"
        ) from None
    except ValueError as exc:
        raise DocumentError(f"{_shown(root)}/{METADATA_FILE}: cannot read metadata ({exc})") from None
    if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
        raise DocumentError(
            f"{_shown(root)}/{METADATA_FILE}: expected an object mapping file names to {{title, description}}"
        )
    return data


def list_source_files(root: Path) -> list[Path]:
    """Supported files under root, sorted, skipping hidden files and folders,
    links to files outside root (never followed: the folder is what the
    teacher chose to share) and links that lead nowhere (missing, or a loop),
    each with a warning."""
    if not root.exists():
        raise DocumentError(f"documents folder not found: {_shown(root)}")
    if not root.is_dir():
        raise DocumentError(f"not a folder: {_shown(root)}")
    inside = root.resolve()
    files = []
    for p in sorted(root.rglob("*")):  # rglob does not enter linked folders, so a folder loop is never walked
        relative = p.relative_to(root)
        if p.suffix.lower() not in SUPPORTED_SUFFIXES or any(part.startswith(".") for part in relative.parts):
            continue
        if p.is_symlink():
            try:
                target = p.resolve(strict=True)
            except (OSError, RuntimeError):  # RuntimeError: a link loop (Python < 3.13)
                logger.warning("%s: skipped, it is a link that leads nowhere (a missing file or a loop)", relative)
                continue
            if not target.is_relative_to(inside):
                logger.warning("%s: skipped, it is a link to a file outside %s", relative, _shown(root))
                continue
        if p.is_file():
            files.append(p)
    return files


def _shown(folder: Path) -> str:
    """How a folder is named in messages: its name only, as a running app
    passes them on to the page, which must not learn the server's paths."""
    return folder.name or str(folder)


def load_documents(*roots: Path) -> list[Document]:
    """Read every supported file under the given folders.

    The first folder's documents are identified by their path relative to it;
    documents of further folders (e.g. uploads) by ``<folder name>/<path>``.
    Raises DocumentError naming the first file that cannot be read, or when
    there are no documents at all.
    """
    documents: list[Document] = []
    paths: dict[str, str] = {}  # doc id -> the file, shown as <folder name>/<path>
    by_content: dict[str, str] = {}
    for number, root in enumerate(roots):
        root = Path(root)
        if number and not root.exists():
            continue  # extra folders such as uploads may not exist yet
        metadata = read_metadata(root)
        for path in list_source_files(root):
            doc = read_document(path, root, metadata)
            shown = f"{_shown(root)}/{path.relative_to(root).as_posix()}"
            if number:
                doc = _prefixed(doc, root.name)
            if doc.doc_id in paths:
                raise DocumentError(f"{doc.doc_id}: two files have this name ({paths[doc.doc_id]} and {shown})")
            paths[doc.doc_id] = shown
            if doc.sha256 in by_content:  # kept (never drop a teacher's file), but said
                doc = _with_note(doc, f"same content as {by_content[doc.sha256]}")
            by_content.setdefault(doc.sha256, doc.doc_id)
            documents.append(doc)
    if not documents:
        names = ", ".join(_shown(Path(r)) for r in roots)
        raise DocumentError(f"no documents ({', '.join(SUPPORTED_SUFFIXES)}) found in {names}")
    return documents


def _prefixed(doc: Document, prefix: str) -> Document:
    from dataclasses import replace

    return replace(doc, doc_id=f"{prefix}/{doc.doc_id}")


def _with_note(doc: Document, note: str) -> Document:
    from dataclasses import replace

    return replace(doc, notes=(*doc.notes, note))
