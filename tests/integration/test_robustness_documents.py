"""Bad files in a collection folder.

A file that cannot be used is refused with a DocumentError naming it; files
askhist does not handle (other types, links out of the folder) are skipped.
A refused file never costs anything already there: the running assistant
keeps answering from its index, and the index on disk is left as it was.
"""

from __future__ import annotations

import io
import logging
import os
import random
import shutil
import zipfile
from pathlib import Path

import pytest

from askhist import Assistant, DocumentError
from askhist import documents as documents_module
from askhist.cli import main as cli_main
from askhist.documents import MAX_FILE_BYTES, MAX_TEXT_CHARS, decode_text, extract_text, load_documents
from askhist.embedding import Encoder
from askhist.index import CURRENT, load_index, load_manifest

from .conftest import SEEDS

SEED = "000_e872d6347d5e4a06.txt"


def make_pdf(text: str) -> bytes:
    """A minimal one-page PDF showing ``text`` (pypdf extracts it back)."""
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


def make_docx(*paragraphs: str) -> bytes:
    import docx

    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _rezip(data: bytes, change) -> bytes:
    """A copy of a zip archive with each member passed through change(name, bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            target.writestr(item, change(item.filename, source.read(item.filename)))
    return out.getvalue()


PDF_TEXT = "Tomsky led the trade unions and sided with Bukharin in 1928."
DOCX_TEXT = "Kamenev chaired the Moscow Soviet and allied with Zinoviev against Trotsky in 1923."


def _write_bad(folder: Path, kind: str) -> str:
    """Put one bad file into folder; return the name the error must mention."""
    good_docx = make_docx(DOCX_TEXT)
    rng = random.Random(kind)
    files = {
        "empty": ("empty.txt", b""),
        "blank": ("blank.md", b"  \n\n\t \r\n"),
        "binary": ("photo.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rng.randbytes(4000)),
        "random-bytes": ("noise.txt", bytes(rng.randrange(1, 256) for _ in range(20_000))),
        "legacy-cyrillic": ("russian.txt", ("Сталин победил в борьбе за власть. " * 40).encode("cp1251")),
        "pdf-garbage": ("broken.pdf", b"%PDF-1.4\n" + rng.randbytes(3000)),
        "pdf-truncated": ("cut.pdf", make_pdf(PDF_TEXT)[:150]),
        "pdf-not-a-pdf": ("letter.pdf", b"Dear parents, this is not a PDF at all."),
        "docx-garbage": ("broken.docx", rng.randbytes(3000)),
        "docx-truncated": ("cut.docx", good_docx[: len(good_docx) // 2]),
        "docx-plain-zip": ("archive.docx", _zip({"a.txt": b"hi"})),
        "docx-bad-xml": (
            "damaged.docx",
            _rezip(good_docx, lambda n, b: b[: len(b) // 2] if n == "word/document.xml" else b),
        ),
        "text-too-long": ("book.txt", ("Stalin won. " * (MAX_TEXT_CHARS // 12 + 1)).encode()),
    }
    if kind == "huge":
        name = "huge.txt"
        with open(folder / name, "wb") as handle:  # sparse: refused by size before it is read
            handle.truncate(MAX_FILE_BYTES + 1)
        return name
    if kind == "non-utf8-name":
        (folder / os.fsdecode(b"caf\xe9.txt")).write_bytes(b"Stalin was General Secretary.")
        return "caf\ufffd.txt"
    name, data = files[kind]
    (folder / name).write_bytes(data)
    return name


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


BAD_KINDS = {
    "empty": "has no text",
    "blank": "has no text",
    "binary": "binary",
    "random-bytes": "not UTF-8 text",
    "legacy-cyrillic": "save it as UTF-8",
    "pdf-garbage": "cannot read this PDF",
    "pdf-truncated": "cannot read this PDF",
    "pdf-not-a-pdf": "cannot read this PDF",
    "docx-garbage": "cannot read this Word document",
    "docx-truncated": "cannot read this Word document",
    "docx-plain-zip": "cannot read this Word document",
    "docx-bad-xml": "cannot read this Word document",
    "huge": "too large",
    "text-too-long": "too much text",
    "non-utf8-name": "not valid UTF-8",
}


@pytest.fixture
def collection(tmp_path, seed_index_dir, encoder):
    """A copy of the seeds, a pre-built index of them, and an assistant over both."""
    docs = tmp_path / "docs"
    shutil.copytree(SEEDS, docs)
    index_dir = tmp_path / "index"
    shutil.copytree(seed_index_dir, index_dir, symlinks=True)
    return docs, index_dir, Assistant(load_index(index_dir), encoder, [docs])


def _snapshot(docs: Path, index_dir: Path) -> dict:
    generation = index_dir / os.readlink(index_dir / CURRENT)
    return {
        "sources": {p.name: p.read_bytes() for p in SEEDS.iterdir()},
        "copied": {p.name: p.read_bytes() for p in docs.iterdir() if p.name in {q.name for q in SEEDS.iterdir()}},
        "manifest": load_manifest(index_dir),
        "index files": {p.name: p.stat().st_mtime_ns for p in generation.iterdir()},
        "generations": sorted(p.name for p in index_dir.glob("gen-*")),
    }


@pytest.mark.parametrize("kind", sorted(BAD_KINDS))
def test_bad_file_is_refused_by_name_and_nothing_is_lost(collection, kind):
    docs, index_dir, assistant = collection
    before = _snapshot(docs, index_dir)
    old_index = assistant.index
    name = _write_bad(docs, kind)

    with pytest.raises(DocumentError) as refused:
        load_documents(docs)
    message = str(refused.value)
    assert message.startswith(name) and BAD_KINDS[kind] in message, message
    message.encode("utf-8")  # printable as is, even for a file name that is not UTF-8

    # A running assistant asked to pick up the change refuses it and keeps serving the old index.
    with pytest.raises(DocumentError, match=BAD_KINDS[kind]):
        assistant.refresh()
    assert assistant.index is old_index
    assert assistant.ask("Why did Trotsky lose the power struggle?").sentences
    # The next start refuses too, without touching the index or the sources.
    with pytest.raises(DocumentError, match=BAD_KINDS[kind]):
        Assistant.load(docs, index_dir, encoder=assistant.encoder)
    assert _snapshot(docs, index_dir) == before
    load_index(index_dir)

    # Once the file is removed, everything is as before: no rebuild needed.
    for path in docs.iterdir():
        if path.name not in before["copied"] and path.name != "sources.json":
            path.unlink()
    assert assistant.refresh() == []


def test_cli_names_the_bad_file_in_one_line(collection, monkeypatch, capsys):
    docs, index_dir, assistant = collection
    monkeypatch.setattr(Encoder, "load", classmethod(lambda cls, model=None: assistant.encoder))
    _write_bad(docs, "docx-bad-xml")
    code = cli_main(["ask", "Who was Trotsky?", "--docs", str(docs), "--index", str(index_dir)])
    err = capsys.readouterr().err
    assert code == 1
    assert err.strip().splitlines() == [err.strip()]
    assert err.startswith("askhist: error: damaged.docx: cannot read this Word document")


def test_docx_that_unpacks_too_large_is_refused(monkeypatch):
    monkeypatch.setattr(documents_module, "MAX_UNPACKED_BYTES", 10_000)
    with pytest.raises(DocumentError, match="unpacks to"):
        extract_text(make_docx(DOCX_TEXT * 50), "bomb.docx")


def test_files_askhist_does_not_read_are_ignored(collection, tmp_path, caplog):
    docs, _, assistant = collection
    outside = tmp_path / "private"
    outside.mkdir()
    (outside / "grades.txt").write_text("Confidential: pupil grades.", encoding="utf-8")
    (outside / "more").mkdir()
    (outside / "more" / "notes.txt").write_text("Confidential notes.", encoding="utf-8")
    (docs / "grades.txt").symlink_to(outside / "grades.txt")  # a link out of the folder: not followed
    (docs / "linked-folder").symlink_to(outside / "more")  # a linked folder: not entered
    (docs / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    (docs / "slides.pptx").write_bytes(b"PK\x03\x04 not read")
    (docs / "table.csv").write_text("year,event\n1924,Lenin died\n", encoding="utf-8")
    (docs / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    (docs / "README").write_text("no suffix", encoding="utf-8")
    (docs / ".hidden.txt").write_text("Hidden file.", encoding="utf-8")
    (docs / ".git").mkdir()
    (docs / ".git" / "config.txt").write_text("Hidden folder.", encoding="utf-8")
    (docs / "folder.txt").mkdir()  # a folder with a document's name

    with caplog.at_level(logging.WARNING, logger="askhist"):
        loaded = load_documents(docs)
    assert sorted(d.doc_id for d in loaded) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert "grades.txt: skipped, it is a link to a file outside" in caplog.text
    assert assistant.refresh() == []


def test_two_files_with_the_same_name_across_folders_are_refused(collection, tmp_path):
    docs, _, _ = collection
    uploads = tmp_path / "uploads"
    uploads.mkdir()
    (uploads / "notes.txt").write_text("Bukharin wrote the ABC of Communism.", encoding="utf-8")
    (docs / "uploads").mkdir()
    (docs / "uploads" / "notes.txt").write_text("Zinoviev led the Comintern.", encoding="utf-8")
    # Both would be "uploads/notes.txt": one would silently replace the other in the index.
    with pytest.raises(DocumentError, match=r"uploads/notes\.txt: two files have this name"):
        load_documents(docs, uploads)


def test_link_inside_the_folder_is_read_as_a_duplicate(collection):
    docs, _, _ = collection
    (docs / "sub").mkdir()
    (docs / "sub" / "same.txt").symlink_to(docs / SEED)
    loaded = {d.doc_id: d for d in load_documents(docs)}
    assert loaded["sub/same.txt"].text == loaded[SEED].text
    assert loaded["sub/same.txt"].notes == (f"same content as {SEED}",)


def test_duplicate_is_kept_with_a_note_and_not_quoted_twice(collection):
    docs, _, assistant = collection
    shutil.copyfile(docs / SEED, docs / "copy of essay.txt")
    duplicate = {d.doc_id: d for d in load_documents(docs)}["copy of essay.txt"]
    assert duplicate.notes == (f"same content as {SEED}",)
    reasons = assistant.refresh()
    assert reasons == ["1 document(s) added: copy of essay.txt"]
    assert {SEED, "copy of essay.txt"} <= set(assistant.index.documents)
    answer = assistant.ask("Why did Stalin emerge as leader?")
    quoted = [s.text for s in answer.sentences]
    assert len(quoted) == len(set(quoted))


def test_good_pdf_docx_and_recoverable_text_are_indexed(collection):
    docs, _, assistant = collection
    (docs / "unions.pdf").write_bytes(make_pdf(PDF_TEXT))
    (docs / "kamenev.docx").write_bytes(make_docx("Kamenev", DOCX_TEXT))
    stray = "Rykov was chairman of Sovnarkom after Lenin’s death in 1924.".encode() + b" \x92 "
    (docs / "rykov.txt").write_bytes(stray)
    (docs / "windows.txt").write_bytes("Molotov’s “loyalty” to Stalin was total – café.".encode("cp1252"))
    (docs / "notepad.txt").write_bytes("Voroshilov commanded the Red Army’s cavalry.".encode("utf-16"))
    loaded = {d.doc_id: d for d in load_documents(docs)}
    assert PDF_TEXT in loaded["unions.pdf"].text
    assert DOCX_TEXT in loaded["kamenev.docx"].text
    assert loaded["rykov.txt"].notes == ("1 bytes that were not valid UTF-8 were replaced with \ufffd",)
    assert loaded["windows.txt"].text == "Molotov’s “loyalty” to Stalin was total – café."
    assert "Windows-1252" in loaded["windows.txt"].notes[0]
    assert loaded["notepad.txt"].text == "Voroshilov commanded the Red Army’s cavalry."

    assert len(assistant.refresh()) == 1  # "5 document(s) added: ..."
    assert assistant.ask("Who led the trade unions?").sentences[0].doc == "unions.pdf"
    assert assistant.ask("Who chaired the Moscow Soviet?").sentences[0].doc == "kamenev.docx"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"Stalin won.", ("Stalin won.", ())),
        ("Stalin’s rise".encode(), ("Stalin’s rise", ())),
        (b"\xef\xbb\xbfBOM first", ("\ufeffBOM first", ())),  # offsets count the BOM like any character
        (
            b"Lenin \x92s testament " * 2,
            ("Lenin \u2019s testament " * 2, ("not UTF-8: read as Windows-1252 (Western European) text",)),
        ),
        (
            "é".encode() + b" and a stray \xff",
            ("é and a stray \ufffd", ("1 bytes that were not valid UTF-8 were replaced with \ufffd",)),
        ),
    ],
)
def test_decode_text_decisions(data, expected):
    assert decode_text(data, "f.txt") == expected
