"""Files that cost too much to read, links that lead nowhere, and text shown
on a terminal.

The limits bound what is actually read, not what a file declares: the
hostile files are built here, read in a child process, and the child's peak
memory is checked (a bound on memory, not a timing).
"""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

import askhist
from askhist import DocumentError
from askhist import documents as documents_module
from askhist.documents import MAX_PDF_PAGES, MAX_TEXT_CHARS, extract_text, load_documents
from askhist.formats import docx_text
from askhist.text import printable
from askhist.uploads import MAX_UPLOAD_BYTES, validate_upload

from .test_robustness_documents import make_docx

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml"'
    ' ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
PACKAGE_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="word/document.xml"'
    ' Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"/>'
    "</Relationships>"
)
PEAK_MEMORY_MB = 300


def write_docx(target, body_chunks, prolog: str = "") -> None:
    """A Word document whose body XML is streamed from body_chunks (bytes),
    deflated at level 9 without ever holding the part in memory."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", PACKAGE_RELS)
        with archive.open("word/document.xml", "w") as part:
            part.write(f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<w:document xmlns:w="{W}"><w:body>'.encode())
            for chunk in body_chunks:
                part.write(chunk)
            part.write(b"</w:body></w:document>")


def docx_bytes(body: str, prolog: str = "") -> bytes:
    out = io.BytesIO()
    write_docx(out, [body.encode()], prolog)
    return out.getvalue()


def many_page_pdf(pages: int, text: str = "Stalin", declared: int | None = None, drawing: bytes = b"") -> bytes:
    """A PDF whose pages all show ``text`` after ``drawing`` (one shared
    content stream, deflated); its page tree declares ``declared`` pages
    (default: the truth)."""
    content = zlib.compress(drawing + f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"), 9)
    kids = b" ".join(b"%d 0 R" % (5 + i) for i in range(pages))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> >> >>"
        % (kids, pages if declared is None else declared),
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ] + [b"<</Type/Page/Parent 2 0 R/Contents 3 0 R>>"] * pages
    return _pdf(objects)


def _pdf(objects: list[bytes]) -> bytes:
    """A PDF file of the numbered objects, the first its catalog."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def form_pdf(invocations: int, form_operations: int) -> bytes:
    """A one-page PDF that draws one form (a reusable drawing with a word of
    text) ``invocations`` times."""
    page = zlib.compress(b"/X0 Do\n" * invocations, 9)
    form = zlib.compress(b"0 0 m\n" * form_operations + b"BT /F1 12 Tf (Lenin) Tj ET", 9)
    font = b"/Resources << /Font << /F1 6 0 R >> /XObject << /X0 5 0 R >> >>"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R %s >>" % font,
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n%s\nendstream" % (len(page), page),
        b"<< /Type /XObject /Subtype /Form /BBox [0 0 612 792] %s /Length %d /Filter /FlateDecode >>\n"
        b"stream\n%s\nendstream" % (font, len(form), form),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _pdf(objects)


CHILD = """
import resource, sys
from pathlib import Path
# A safety net, far above the bound the test checks: a regression fails instead of taking the machine.
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
from askhist.documents import DocumentError, extract_text
path = Path(sys.argv[1])
try:
    text, _ = extract_text(path.read_bytes(), path.name)
    print(f"accepted {len(text)} characters")
except DocumentError as exc:
    print(exc)
# Peak memory of this process: VmHWM, as getrusage's ru_maxrss would count the
# memory of the test process this one was forked from.
print(next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:")))
"""


def read_in_child(path: Path) -> tuple[str, float]:
    """What reading the file says, and the peak memory (MB) of the process that read it."""
    src = str(Path(askhist.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)], capture_output=True, text=True, env=env, timeout=900, check=False
    )
    *message, peak_kb = done.stdout.strip().splitlines() or ["", "0"]
    assert done.returncode == 0, done.stderr[-2000:]
    return "\n".join(message), int(peak_kb) / 1024


def test_docx_bomb_is_refused_by_what_is_read_with_bounded_memory(tmp_path):
    # The file: 580 KB on disk, a 190 MB document part of one-letter paragraphs. Its declared
    # sizes (under MAX_UNPACKED_BYTES) pass the cheap check; only reading can tell.
    paragraphs = b"<w:p><w:r><w:t>a</w:t></w:r></w:p>" * (2**20 // 34)
    bomb = tmp_path / "bomb.docx"
    write_docx(bomb, (paragraphs for _ in range(190)))
    assert bomb.stat().st_size < MAX_UPLOAD_BYTES
    with zipfile.ZipFile(bomb) as archive:
        assert sum(item.file_size for item in archive.infolist()) < documents_module.MAX_UNPACKED_BYTES

    message, peak_mb = read_in_child(bomb)
    assert message.startswith("bomb.docx: this Word document's text part unpacks to more than"), message
    assert peak_mb < PEAK_MEMORY_MB


def test_pdf_with_many_pages_is_refused_with_bounded_memory(tmp_path):
    pdf = tmp_path / "pages.pdf"
    pdf.write_bytes(many_page_pdf(30_000, declared=1))  # its page tree lies about its size
    assert pdf.stat().st_size < MAX_UPLOAD_BYTES
    message, peak_mb = read_in_child(pdf)
    assert (
        message == f"pages.pdf: this PDF has more than {MAX_PDF_PAGES:,} pages; the limit is {MAX_PDF_PAGES:,} per file"
    )
    assert peak_mb < PEAK_MEMORY_MB


def test_pdf_with_a_mass_of_drawing_instructions_is_refused_with_bounded_memory(tmp_path):
    # 60 MB of instructions that draw nothing, deflated to 60 KB: pypdf would parse them for minutes.
    pdf = tmp_path / "dense.pdf"
    pdf.write_bytes(many_page_pdf(1, drawing=b"0 0 m\n" * 10_000_000))
    message, peak_mb = read_in_child(pdf)
    assert message.startswith("dense.pdf: this PDF holds more than can be read"), message
    assert peak_mb < PEAK_MEMORY_MB


def test_pdf_drawing_one_form_many_times_is_refused(monkeypatch):
    # 1 KB: a page drawing a form of 20,000 operations 1,000 times took pypdf minutes.
    assert len(form_pdf(1000, 20_000)) < 2000
    monkeypatch.setattr(documents_module, "MAX_PDF_OPERATIONS", 2000)
    with pytest.raises(DocumentError, match=r"^forms\.pdf: this PDF has more than 2,000 drawing operations"):
        extract_text(form_pdf(100, 50), "forms.pdf")
    assert extract_text(form_pdf(30, 50), "forms.pdf")[0].count("Lenin") == 30


def test_pdf_at_the_page_limit_is_read():
    text, _ = extract_text(many_page_pdf(MAX_PDF_PAGES), "long.pdf")
    assert text == "\n\n".join(["Stalin"] * MAX_PDF_PAGES)


def test_pdf_text_extraction_stops_at_the_character_limit(monkeypatch):
    from pypdf import PageObject

    extracted = []
    original = PageObject.extract_text
    monkeypatch.setattr(PageObject, "extract_text", lambda page, *a, **k: extracted.append(1) or original(page))
    monkeypatch.setattr(documents_module, "MAX_TEXT_CHARS", 100)
    with pytest.raises(DocumentError, match=r"^book\.pdf: has too much text \(more than 100 characters\)"):
        extract_text(many_page_pdf(500), "book.pdf")
    assert len(extracted) == 13  # 13 pages of "Stalin" and their separators pass 100 characters


def test_pdf_with_too_many_drawing_instructions_is_refused(monkeypatch):
    monkeypatch.setattr(documents_module, "MAX_PDF_CONTENT_BYTES", 10_000)
    with pytest.raises(DocumentError, match=r"^dense\.pdf: this PDF's pages hold more than .* of drawing instructions"):
        extract_text(many_page_pdf(500), "dense.pdf")  # 500 pages of 41 bytes each, all under 10 KB


def test_docx_xml_is_read_only_up_to_its_limit(monkeypatch):
    monkeypatch.setattr(documents_module, "MAX_DOCX_XML_BYTES", 2**20)
    no_text = docx_bytes("<w:sectPr/>" * 200_000)  # 2.2 MB of XML and no text at all
    with pytest.raises(DocumentError, match=r"^empty\.docx: this Word document's text part unpacks to more than 1 MB"):
        extract_text(no_text, "empty.docx")
    assert extract_text(docx_bytes("<w:sectPr/>" * 90_000 + "<w:p><w:r><w:t>Lenin</w:t></w:r></w:p>"), "ok.docx")[0]


def test_docx_text_stops_at_the_character_limit(monkeypatch):
    monkeypatch.setattr(documents_module, "MAX_TEXT_CHARS", 1000)
    long = docx_bytes("<w:p><w:r><w:t>Trotsky was exiled in 1929.</w:t></w:r></w:p>" * 100)
    with pytest.raises(DocumentError, match=r"^long\.docx: has too much text \(more than 1,000 characters\)"):
        extract_text(long, "long.docx")


def test_docx_declaring_a_dtd_is_refused():
    laughs = '<!DOCTYPE w:document [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    with pytest.raises(
        DocumentError, match=r"^laughs\.docx: cannot read this Word document \(its XML declares a DTD\)"
    ):
        extract_text(docx_bytes("<w:p><w:r><w:t>&b;</w:t></w:r></w:p>", laughs), "laughs.docx")


RUN = "<w:r><w:t>{}</w:t></w:r>"


@pytest.mark.parametrize(
    "body",
    [
        "<w:p>"
        + RUN.format("Stalin")
        + RUN.format(" became General Secretary")
        + "</w:p><w:p/><w:p>"
        + RUN.format("in 1922.")
        + "</w:p>",
        '<w:p><w:r><w:t xml:space="preserve"> spaced </w:t><w:t> </w:t><w:tab/><w:t>after tab</w:t></w:r></w:p>',
        '<w:p><w:r><w:t>a</w:t><w:br/><w:t>b</w:t><w:br w:type="page"/><w:t>c</w:t>'
        '<w:br w:type="textWrapping"/><w:cr/><w:noBreakHyphen/><w:ptab/><w:softHyphen/></w:r></w:p>',
        '<w:p><w:pPr><w:tabs><w:tab w:val="left" w:pos="720"/></w:tabs></w:pPr><w:hyperlink r:id="rId9"'
        ' xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        + RUN.format("linked")
        + "</w:hyperlink>"
        + RUN.format(" &amp; &lt;escaped&gt; — Ленин")
        + "</w:p>",
        "<w:tbl><w:tr><w:tc><w:p>"
        + RUN.format("in a table")
        + "</w:p></w:tc></w:tr></w:tbl><w:p>"
        + RUN.format("after")
        + "</w:p><w:sdt><w:sdtContent><w:p>"
        + RUN.format("control")
        + "</w:p>"
        "</w:sdtContent></w:sdt><w:p><w:ins><w:r><w:t>inserted</w:t></w:r></w:ins><w:r><w:rPr><w:b/></w:rPr>"
        "<w:t>bold</w:t></w:r><w:fldSimple><w:r><w:t>field</w:t></w:r></w:fldSimple></w:p><w:sectPr/>",
        "<w:p><w:r><w:t>line\r\nends\rhere</w:t></w:r></w:p>",
    ],
)
def test_docx_text_is_what_python_docx_reads(body):
    # Indexes built before the streaming reader hold offsets into python-docx's text: it must not change.
    import docx

    data = docx_bytes(body)
    expected = "\n\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert docx_text(data, 10**6, 10**6, 10**6) == expected


def test_docx_written_by_python_docx_reads_the_same():
    import docx

    data = make_docx("Kamenev\tand Zinoviev", "", "Bukharin\nRykov", "Tomsky " * 300)
    expected = "\n\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
    assert docx_text(data, 10**6, 10**6, 10**6) == expected


def test_text_at_the_upload_limit_is_not_refused_as_too_much_text():
    # UTF-8 text never has more characters than bytes: anything small enough to upload fits the text limit.
    assert MAX_TEXT_CHARS >= MAX_UPLOAD_BYTES
    line = "Stalin became General Secretary in 1922.\n"
    exactly = (line * (MAX_UPLOAD_BYTES // len(line) + 1)).encode()[:MAX_UPLOAD_BYTES]
    assert len(exactly) == MAX_UPLOAD_BYTES
    assert len(validate_upload(exactly, "exactly 5 MB.txt").text) == MAX_UPLOAD_BYTES
    with pytest.raises(DocumentError, match="too big"):
        validate_upload(exactly + b".", "one byte more.txt")


def test_links_that_lead_nowhere_are_skipped_with_a_warning(tmp_path, caplog):
    docs = tmp_path / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "essay.txt").write_text("Stalin became General Secretary in 1922.", encoding="utf-8")
    (docs / "loop.txt").symlink_to("loop.txt")  # ln -s loop.txt docs/loop.txt
    (docs / "ping.txt").symlink_to("pong.txt")
    (docs / "pong.txt").symlink_to("ping.txt")
    (docs / "sub" / "again").symlink_to("..")  # a folder loop
    (docs / "sub" / "again.txt").symlink_to("again/sub/again.txt")
    (docs / "gone.docx").symlink_to(tmp_path / "missing.docx")

    with caplog.at_level(logging.WARNING, logger="askhist"):
        loaded = load_documents(docs)
    assert [d.doc_id for d in loaded] == ["essay.txt"]
    for name in ("loop.txt", "ping.txt", "pong.txt", "sub/again.txt", "gone.docx"):
        assert f"{name}: skipped, it is a link that leads nowhere" in caplog.text
    assert str(tmp_path) not in caplog.text


def test_messages_never_show_the_servers_paths(tmp_path):
    docs = tmp_path / "docs"
    uploads = tmp_path / "uploads"
    (docs / "uploads").mkdir(parents=True)
    uploads.mkdir()
    (docs / "uploads" / "notes.txt").write_text("Zinoviev led the Comintern.", encoding="utf-8")
    (uploads / "notes.txt").write_text("Bukharin wrote the ABC of Communism.", encoding="utf-8")
    messages = []
    for setup in (
        lambda: None,  # two files with one name
        lambda: (docs / "sources.json").write_text("{not json", encoding="utf-8"),
        lambda: (docs / "sources.json").write_text("[1]", encoding="utf-8"),
    ):
        setup()
        with pytest.raises(DocumentError) as refused:
            load_documents(docs, uploads)
        messages.append(str(refused.value))
    (docs / "sources.json").unlink()
    (docs / "uploads" / "notes.txt").unlink()
    (uploads / "notes.txt").unlink()
    with pytest.raises(DocumentError) as refused:
        load_documents(docs, uploads)
    messages.append(str(refused.value))

    assert messages[0] == "uploads/notes.txt: two files have this name (docs/uploads/notes.txt and uploads/notes.txt)"
    assert messages[1].startswith("docs/sources.json: cannot read metadata (")
    assert messages[2].startswith("docs/sources.json: expected an object")
    assert messages[3].startswith("no documents (.txt, .md, .pdf, .docx) found in docs, uploads")
    assert not [m for m in messages if str(tmp_path) in m]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Stalin\x1b[2J\x1b[H won", "Stalin won"),  # clear screen, cursor home
        ("title\x1b]0;pwned\x07 set", "title set"),  # set the window title (BEL-terminated)
        ("title\x1b]2;pwned\x1b\\ set", "title set"),  # ... and ST-terminated
        ("\x9b31mred\x9b0m in C1 form", "red in C1 form"),
        ("reset\x1bc all", "reset all"),
        ("bell\x07 nul\x00 del\x7f c1\x85 end", "bell nul del c1\n end"),
        ("lines\r\nand\rmore\x0cpages\x0bhere", "lines\nand\nmore\npages\nhere"),
        ("kept:\ttab\nnewline, Ленин, 1917–1924 “quotes”", "kept:\ttab\nnewline, Ленин, 1917–1924 “quotes”"),
        ("unterminated \x1b]0;title stays text", "unterminated 0;title stays text"),
    ],
)
def test_printable_removes_what_a_terminal_would_obey(text, shown):
    assert printable(text) == shown
