"""Changing the shared collection: who may, checks, safe names, saving, removing.

No UI code here: the web app calls :func:`add_files` / :func:`remove_file`
and shows their result. Only a teacher changes the shared collection: both
need the teacher key the server was started with (:func:`check_teacher_key`),
and without one they are turned off.

An upload is checked completely (name, type, size, readable text, not a
duplicate) before anything is written; the file is written under a hidden
temporary name and then linked to its final name, which never replaces an
existing file; its origin (who, when) goes into the folder's
``sources.json``. A journal lists what a batch is adding until the index
holds it: when the index update fails, or the server is killed before it
ends, the new files and their origins are removed again (at the next start,
:func:`recover_interrupted`), so nothing is ever half-added or appears
without the teacher having been told it was added.

Why this module is over 400 lines: adding, removing and rolling back an
interrupted upload share the checks, the safe names, ``sources.json`` and the
journal; split apart, each half would need the other's private steps.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .callbacks import LogFn, ProgressFn
from .documents import METADATA_FILE, SUPPORTED_SUFFIXES, DocumentError, extract_text, file_sha256

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_NAME_CHARS = 100
TEMP_PREFIX = ".upload-"
TEMP_SUFFIX = ".part"
# Lists the files a batch is adding (and the sources.json before it) until the index holds them.
JOURNAL = ".pending-uploads.json"
TEACHER = "a teacher"
UPLOADS_OFF = (
    "adding and removing documents is turned off on this server; to turn it on, start it with "
    "askhist serve --teacher-key KEY (or set ASKHIST_TEACHER_KEY) and give that key here"
)
_UNSAFE_CHARS = re.compile(r"[^A-Za-z0-9._ -]+")
_SEPARATORS = re.compile(r"[\\/]")


class UploadError(DocumentError):
    """An upload that cannot be added; the message says why, in plain words."""


def check_teacher_key(given: object, expected: str | None) -> None:
    """Allow a change of the shared collection only with the server's teacher
    key (compared in constant time). Raises UploadError saying why not."""
    if not expected:
        raise UploadError(UPLOADS_OFF)
    if not isinstance(given, str) or not given:
        raise UploadError("type the teacher key to add or remove documents; nothing was changed")
    if not hmac.compare_digest(given.encode("utf-8", "replace"), expected.encode("utf-8", "replace")):
        raise UploadError("the teacher key is wrong; nothing was changed")


def readable_size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.1f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


def allowed_types() -> str:
    """ ".txt, .md, .pdf or .docx" """
    return ", ".join(SUPPORTED_SUFFIXES[:-1]) + " or " + SUPPORTED_SUFFIXES[-1]


def safe_filename(name: str) -> str:
    """A file name that is safe to create inside the uploads folder.

    Directories are dropped (both ``/`` and ``\\``), accents are reduced to
    plain letters, anything but letters, digits, ``.``, ``_``, ``-`` and
    spaces becomes ``_``, leading dots are removed (no hidden files) and the
    extension is lower-cased. Raises UploadError when no name is left.
    """
    if not isinstance(name, str):
        raise UploadError("the file has no name")
    base = _SEPARATORS.split(name)[-1]
    base = unicodedata.normalize("NFKD", base).encode("ascii", "ignore").decode("ascii")
    base = re.sub(r"\s+", " ", base)
    stem, dot, extension = base.rpartition(".")
    if not dot:
        stem, extension = base, ""
    extension = _UNSAFE_CHARS.sub("", extension).lower().strip(" .")
    stem = _UNSAFE_CHARS.sub("_", stem)
    stem = re.sub(r" {2,}", " ", stem)
    stem = re.sub(r"_{2,}", "_", stem)
    stem = stem.strip(" ._-")
    if not stem:
        raise UploadError(f"“{name}”: the file name has no usable letters or digits; rename the file")
    suffix = f".{extension}" if extension else ""
    stem = stem[: MAX_NAME_CHARS - len(suffix)].rstrip(" ._-") or "document"
    return stem + suffix


@dataclass(frozen=True)
class PreparedUpload:
    """An upload that passed every check, ready to be saved."""

    name: str  # the safe file name it will be saved as
    original_name: str
    data: bytes
    text: str
    sha256: str
    notes: tuple[str, ...] = ()


def validate_upload(data: bytes, original_name: str, max_bytes: int = MAX_UPLOAD_BYTES) -> PreparedUpload:
    """Check an uploaded file's name, type, size and text. Raises UploadError
    (or DocumentError from the readers) with a message for the user."""
    name = safe_filename(original_name)
    shown = f"“{Path(_SEPARATORS.split(original_name)[-1]).name}”"
    suffix = Path(name).suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        kind = f"{suffix} files" if suffix else "files without an extension"
        raise UploadError(f"{shown}: {kind} can't be added; use {allowed_types()}")
    if not data:
        raise UploadError(f"{shown}: the file is empty")
    if len(data) > max_bytes:
        raise UploadError(
            f"{shown}: the file is too big ({readable_size(len(data))}); the limit is {readable_size(max_bytes)}"
        )
    try:
        text, notes = extract_text(data, name)
    except DocumentError as exc:
        raise UploadError(str(exc).replace(f"{name}:", f"{shown}:", 1)) from None
    if not text.strip():
        hint = " (a scanned PDF holds only pictures of text, which askhist can't read)" if suffix == ".pdf" else ""
        raise UploadError(f"{shown}: there is no text in this file{hint}")
    return PreparedUpload(name, original_name, data, text, file_sha256(data), tuple(notes))


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.split()) == " ".join(b.split())


def check_not_duplicate(upload: PreparedUpload, documents: Sequence) -> None:
    """Refuse an upload whose file name or content is already in the collection.

    ``documents`` are objects with ``doc_id``, ``title``, ``sha256`` and
    ``text`` (the index's DocumentInfo). Names are compared without case.
    """
    for doc in documents:
        if doc.doc_id.rsplit("/", 1)[-1].lower() == upload.name.lower():
            raise UploadError(
                f"a document called “{upload.name}” is already in the collection (“{doc.title}”); "
                "nothing was changed. Rename your file if it is a different document."
            )
    for doc in documents:
        if doc.sha256 == upload.sha256 or _same_text(doc.text, upload.text):
            raise UploadError(
                f"“{upload.original_name}” has the same text as “{doc.title}” ({doc.doc_id}), "
                "which is already in the collection; nothing was added"
            )


def save_upload(folder: Path, upload: PreparedUpload) -> Path:
    """Write the file under a temporary hidden name, then give it its final
    name without ever replacing an existing file. Returns the new path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / upload.name
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=folder)
    temp = Path(temp_name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(upload.data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)  # mkstemp makes it private; documents are readable like the seeds
        try:
            os.link(temp, final)  # fails if the name exists: never overwrites
        except FileExistsError:
            raise UploadError(
                f"a file called “{upload.name}” is already in the uploads folder; nothing was changed"
            ) from None
        except OSError:  # a file system without hard links
            if final.exists():
                raise UploadError(
                    f"a file called “{upload.name}” is already in the uploads folder; nothing was changed"
                ) from None
            os.rename(temp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
    return final


def remove_stale_temp_files(folder: Path) -> None:
    """Remove temporary files left by an upload that was interrupted."""
    folder = Path(folder)
    if folder.is_dir():
        for path in folder.glob(f"{TEMP_PREFIX}*{TEMP_SUFFIX}"):
            with contextlib.suppress(OSError):
                path.unlink()


@dataclass
class AddResult:
    """What happened to a batch of uploads."""

    added: list[tuple[str, str]] = field(default_factory=list)  # (doc_id, title)
    refused: list[str] = field(default_factory=list)  # one message per refused file
    notes: list[str] = field(default_factory=list)  # reading problems of added files


def add_files(
    assistant,
    folder: Path,
    paths: Sequence[Path | str],
    log: LogFn = lambda message: None,
    progress: ProgressFn | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    uploaded_by: str = TEACHER,
) -> AddResult:
    """Check uploaded files, save the good ones into ``folder`` with their
    origin (``uploaded_by``, today) and update the assistant's index (only
    new passages are encoded). Who may call this is the caller's check
    (:func:`check_teacher_key`).

    Each refused file gets a message in the result; if the index update
    fails, every file saved by this call is removed again and the error is
    raised as UploadError.
    """
    folder = Path(folder)
    result = AddResult()
    with assistant.collection_lock:
        known = list(assistant.documents())
        prepared: list[PreparedUpload] = []
        for path in paths:
            path = Path(path)
            try:
                size = path.stat().st_size
                if size > max_bytes:
                    raise UploadError(
                        f"“{path.name}”: the file is too big ({readable_size(size)}); "
                        f"the limit is {readable_size(max_bytes)}"
                    )
                upload = validate_upload(path.read_bytes(), path.name, max_bytes)
                check_not_duplicate(upload, [*known, *(_Pending(p) for p in prepared)])
            except DocumentError as exc:
                result.refused.append(str(exc))
                continue
            except OSError as exc:
                result.refused.append(f"“{path.name}”: the upload could not be read ({exc.strerror or exc})")
                continue
            prepared.append(upload)
        if not prepared:
            return result
        folder.mkdir(parents=True, exist_ok=True)
        sources = folder / METADATA_FILE
        previous = _read_text(sources)
        _write_atomically(folder / JOURNAL, json.dumps({"adding": [p.name for p in prepared], "sources": previous}))
        saved: list[Path] = []
        try:
            for upload in prepared:
                try:
                    saved.append(save_upload(folder, upload))
                except DocumentError as exc:
                    result.refused.append(str(exc))
            if saved:
                _record_origin(sources, [p.name for p in saved], uploaded_by)
                log(f"Adding {len(saved)} uploaded document(s): {', '.join(p.name for p in saved)}")
                assistant.refresh(log=log, progress=progress)
        except BaseException as exc:
            for path in saved:
                with contextlib.suppress(OSError):
                    path.unlink()
            _restore(sources, previous)
            if isinstance(exc, Exception):
                raise UploadError(f"the documents could not be added, nothing was changed ({exc})") from exc
            raise
        finally:
            with contextlib.suppress(OSError):
                (folder / JOURNAL).unlink()
        by_name = {p.name: p for p in prepared}
        for path in saved:
            doc_id = f"{folder.name}/{path.name}"
            try:
                title = assistant.document(doc_id).title
            except Exception:
                title = path.name
            result.added.append((doc_id, title))
            result.notes.extend(f"“{path.name}”: {note}" for note in by_name[path.name].notes)
    return result


def remove_file(
    assistant,
    folder: Path,
    doc_id: object,
    log: LogFn = lambda message: None,
    progress: ProgressFn | None = None,
) -> str:
    """Remove an uploaded document from ``folder`` and from the index; returns
    its title. Only files directly in the uploads folder can be removed: the
    collection's own folder is never deleted from. If the index update fails
    the file is put back and UploadError raised."""
    folder = Path(folder)
    prefix = f"{folder.name}/"
    with assistant.collection_lock:
        known = {doc.doc_id: doc for doc in assistant.documents()}
        if not isinstance(doc_id, str) or doc_id not in known:
            raise UploadError("choose an uploaded document to remove; nothing was changed")
        title = known[doc_id].title
        name = doc_id[len(prefix) :] if doc_id.startswith(prefix) else ""
        path = folder / name
        if not name or "/" in name or not path.is_file():
            raise UploadError(f"“{title}” is one of the collection's own documents, not an upload; it stays")
        sources = folder / METADATA_FILE
        previous = _read_text(sources)
        # Renamed to a hidden temporary name first: if the server is killed now,
        # the document is gone at the next start (as asked) and the file is tidied.
        hidden = folder / f"{TEMP_PREFIX}removed-{name}{TEMP_SUFFIX}"
        os.rename(path, hidden)
        try:
            _forget_origin(sources, name)
            log(f"Removing the uploaded document {name}")
            assistant.refresh(log=log, progress=progress)
        except BaseException as exc:
            os.rename(hidden, path)
            _restore(sources, previous)
            if isinstance(exc, Exception):
                raise UploadError(f"“{title}” could not be removed, nothing was changed ({exc})") from exc
            raise
        with contextlib.suppress(OSError):
            hidden.unlink()
    return title


def recover_interrupted(folder: Path) -> list[str]:
    """Undo what an upload batch that never finished left (the server was
    killed while it ran): its files and origins are removed, so they do not
    appear silently at this start. Returns the names of the files that were
    not added (to tell the teacher), [] when nothing was interrupted."""
    folder = Path(folder)
    remove_stale_temp_files(folder)
    journal = folder / JOURNAL
    try:
        pending = json.loads(journal.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):  # written atomically, so never half; unreadable all the same
        pending = {}
    names = [Path(n).name for n in pending.get("adding", []) if isinstance(n, str) and Path(n).name]
    for name in names:
        with contextlib.suppress(OSError):
            (folder / name).unlink()
    if "sources" in pending:
        _restore(folder / METADATA_FILE, pending["sources"])
    journal.unlink()
    return names


def uploaded_documents(documents: Sequence, folder: Path) -> list:
    """The documents of ``documents`` that were uploaded into ``folder`` (those a teacher may remove)."""
    prefix = f"{Path(folder).name}/"
    return [doc for doc in documents if doc.doc_id.startswith(prefix) and "/" not in doc.doc_id[len(prefix) :]]


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` in one rename: readers see the old file or the new one."""
    handle, temp_name = tempfile.mkstemp(prefix=TEMP_PREFIX, suffix=TEMP_SUFFIX, dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp_name, 0o644)
        os.replace(temp_name, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)


def _restore(path: Path, previous: str | None) -> None:
    with contextlib.suppress(OSError):
        if previous is None:
            path.unlink(missing_ok=True)
        else:
            _write_atomically(path, previous)


def _metadata(path: Path) -> dict:
    text = _read_text(path)
    try:
        data = json.loads(text) if text else {}
    except ValueError:
        raise UploadError(f"the uploads folder's {METADATA_FILE} is damaged; nothing was changed") from None
    if not isinstance(data, dict):
        raise UploadError(f"the uploads folder's {METADATA_FILE} is damaged; nothing was changed")
    return data


def _record_origin(path: Path, names: Sequence[str], uploaded_by: str) -> None:
    """Note who added these files and when, in the folder's sources.json."""
    data = _metadata(path)
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    for name in names:
        data[name] = {"uploaded_by": uploaded_by, "uploaded_at": now}
    _write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1))


def _forget_origin(path: Path, name: str) -> None:
    data = _metadata(path)
    if data.pop(name, None) is not None:
        _write_atomically(path, json.dumps(data, ensure_ascii=False, indent=1))


@dataclass(frozen=True)
class _Pending:
    """An upload accepted earlier in the same batch, seen as a document."""

    upload: PreparedUpload

    @property
    def doc_id(self) -> str:
        return self.upload.name

    @property
    def title(self) -> str:
        return self.upload.name

    @property
    def sha256(self) -> str:
        return self.upload.sha256

    @property
    def text(self) -> str:
        return self.upload.text
