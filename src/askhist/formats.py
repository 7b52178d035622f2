"""Text of .docx and .pdf files, within limits on what is actually read.

A file's declared sizes cannot be trusted: a 580 KB .docx can unpack to a
190 MB document part that declares nothing unusual. So the Word reader
streams the document XML a chunk at a time and stops as soon as the text
passes the character limit or the XML read passes a byte limit; the PDF
reader counts the pages it finds and stops extracting at the character
limit. Neither ever holds a whole unpacked part or parsed tree in memory.

Errors are :class:`FormatError` with a message that does not name the file;
:mod:`askhist.documents` adds the name.
"""

from __future__ import annotations

import io
import posixpath
import zipfile
from xml.parsers import expat

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main "
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships "
_MAIN_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument"
# Text of the run elements python-docx's Paragraph.text reads besides <w:t>
# (w:br is handled apart: only a line break is text).
_RUN_TEXT = {_W + "tab": "\t", _W + "ptab": "\t", _W + "cr": "\n", _W + "noBreakHyphen": "-"}
_CHUNK = 1 << 16
# The package's relationships file names the document part; a real one is a few KB.
_MAX_RELS_BYTES = 1 << 20


class FormatError(Exception):
    """A file that cannot be read as its format; the message says why."""


class TooMuchText(FormatError):
    """The file's text passed the character limit (reading stopped there)."""


def docx_text(data: bytes, max_chars: int, max_xml_bytes: int, max_unpacked_bytes: int) -> str:
    """The text of a Word document, as python-docx gives it: the body's
    paragraphs (runs, hyperlinks, tabs, line breaks; not tables) joined by a
    blank line.

    Raises TooMuchText once the text passes ``max_chars``, and FormatError
    when the archive declares more than ``max_unpacked_bytes``, when its
    document XML goes on past ``max_xml_bytes``, or when it is not a readable
    Word document.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(item.file_size for item in archive.infolist())
            if unpacked > max_unpacked_bytes:  # cheap first filter: declared sizes can lie, see below
                raise FormatError(f"this Word document unpacks to {unpacked / 2**20:.0f} MB, too large to read")
            part = _main_part(archive)
            with archive.open(part) as stream:
                return _DocumentText(max_chars).read(stream, max_xml_bytes)
    except FormatError:
        raise
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, EOFError, expat.ExpatError) as exc:
        raise FormatError(f"cannot read this Word document ({exc})") from None
    except Exception as exc:  # a damaged archive makes zipfile raise almost anything
        raise FormatError(f"cannot read this Word document ({type(exc).__name__}: {exc})") from None


def _main_part(archive: zipfile.ZipFile) -> str:
    """The archive member holding the document text, as the package's
    relationships name it."""
    targets = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == _RELS + "Relationship" and attrs.get("Type") == _MAIN_DOCUMENT:
            targets.append(attrs.get("Target", ""))

    parser = _parser()
    parser.StartElementHandler = start
    with archive.open("_rels/.rels") as stream:
        _feed(parser, stream, _MAX_RELS_BYTES, "this Word document's relationships part")
    if not targets:
        raise FormatError("cannot read this Word document (it names no main document part)")
    part = posixpath.normpath(targets[0].lstrip("/"))
    if part not in archive.namelist():
        raise FormatError(f"cannot read this Word document (its main part {part} is missing)")
    return part


class _DocumentText:
    """Expat handlers that collect the text of the body's paragraphs.

    Depths count from the root <w:document> (1): body paragraphs are at 3,
    their runs and hyperlinks at 4, a hyperlink's runs at 5. Nothing but the
    text collected so far is kept.
    """

    def __init__(self, max_chars: int) -> None:
        self.max_chars = max_chars
        self.text = io.StringIO()  # a list of millions of one-letter pieces would cost 50 bytes each
        self.chars = 0
        self.depth = 0
        self.paragraphs = 0
        self.in_body = self.in_paragraph = self.in_link = self.in_text = False
        self.run_depth = 0  # depth of the run being read, 0 outside runs

    def read(self, stream, max_xml_bytes: int) -> str:
        parser = _parser()
        parser.buffer_text = True
        parser.StartElementHandler = self.start
        parser.EndElementHandler = self.end
        parser.CharacterDataHandler = self.characters
        _feed(parser, stream, max_xml_bytes, "this Word document's text part")
        return self.text.getvalue()

    def add(self, text: str) -> None:
        self.text.write(text)
        self.chars += len(text)
        if self.chars > self.max_chars:
            raise TooMuchText

    def start(self, name: str, attrs: dict[str, str]) -> None:
        self.depth += 1
        depth = self.depth
        if depth == 1 and name != _W + "document":
            raise FormatError("cannot read this Word document (its main part is not a Word document)")
        if depth == 2:
            self.in_body = name == _W + "body"
        elif depth == 3 and self.in_body and name == _W + "p":
            self.in_paragraph = True
            if self.paragraphs:
                self.add("\n\n")
            self.paragraphs += 1
        elif depth == 4 and self.in_paragraph and name == _W + "hyperlink":
            self.in_link = True
        elif name == _W + "r" and self.in_paragraph and (depth == 4 or (depth == 5 and self.in_link)):
            self.run_depth = depth
        elif self.run_depth and depth == self.run_depth + 1:
            if name == _W + "t":
                self.in_text = True
            elif name in _RUN_TEXT:
                self.add(_RUN_TEXT[name])
            elif name == _W + "br" and attrs.get(_W + "type", "textWrapping") == "textWrapping":
                self.add("\n")

    def end(self, name: str) -> None:
        depth = self.depth
        if self.run_depth and depth == self.run_depth + 1:
            self.in_text = False
        elif depth == self.run_depth:
            self.run_depth = 0
        elif depth == 4:
            self.in_link = False
        elif depth == 3:
            self.in_paragraph = False
        self.depth -= 1

    def characters(self, text: str) -> None:
        if self.in_text:
            self.add(text)


def _parser():
    parser = expat.ParserCreate(namespace_separator=" ")

    def refuse_dtd(*args) -> None:  # Word never writes one; entities could expand the text
        raise FormatError("cannot read this Word document (its XML declares a DTD)")

    parser.StartDoctypeDeclHandler = refuse_dtd
    return parser


def _feed(parser, stream, max_bytes: int, what: str) -> None:
    """Parse the stream a chunk at a time, refusing it past ``max_bytes``."""
    read = 0
    while chunk := stream.read(_CHUNK):
        read += len(chunk)
        if read > max_bytes:
            raise FormatError(f"{what} unpacks to more than {max_bytes / 2**20:.0f} MB, too large to read")
        parser.Parse(chunk, False)
    parser.Parse(b"", True)


def pdf_text(data: bytes, max_chars: int, max_pages: int, max_content_bytes: int, max_operations: int) -> str:
    """The text layer of a PDF: each page's text, stripped, joined by a
    blank line.

    Raises TooMuchText as soon as the text passes ``max_chars``, and
    FormatError for a PDF with more than ``max_pages`` pages (counted in its
    page tree, not taken from its declared count), with more than
    ``max_content_bytes`` of page drawing instructions in all (pypdf's text
    extraction takes seconds per megabyte of them, even when they draw no
    text) or more than ``max_operations`` drawing operations read (a page can
    draw one form thousands of times), or one pypdf cannot read.
    """
    from pypdf import PdfReader, apply_configuration
    from pypdf.errors import LimitReachedError, PdfReadError

    limits = {
        "zlib_maximum_output_length": max_content_bytes,
        "lzw_maximum_output_length": max_content_bytes,
        "run_length_maximum_output_length": max_content_bytes,
        "array_based_stream_maximum_output_length": max_content_bytes,
    }
    pages: list[str] = []
    chars = 0
    operations = 0

    def count(*args) -> None:
        # Also called inside forms, where pypdf swallows the exception: the page's next operation raises it again.
        nonlocal operations
        operations += 1
        if operations > max_operations:
            raise FormatError(f"this PDF has more than {max_operations:,} drawing operations, too many to read")

    try:
        with apply_configuration(**limits):
            reader = PdfReader(io.BytesIO(data))
            if _more_pages_than(reader, max_pages):
                raise FormatError(f"this PDF has more than {max_pages:,} pages; the limit is {max_pages:,} per file")
            content = 0
            for page in reader.pages:
                if (drawing := page.get_contents()) is not None:
                    content += len(drawing.get_data())
                if content > max_content_bytes:
                    raise FormatError(
                        f"this PDF's pages hold more than {max_content_bytes / 2**20:.0f} MB of drawing instructions,"
                        " too much to read"
                    )
                pages.append((page.extract_text(visitor_operand_before=count) or "").strip())
                if operations > max_operations:  # passed inside a form, where pypdf logged the exception
                    count()
                chars += len(pages[-1]) + 2 * (len(pages) > 1)
                if chars > max_chars:
                    raise TooMuchText
    except FormatError:
        raise
    except LimitReachedError as exc:
        raise FormatError(f"this PDF holds more than can be read ({exc})") from None
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise FormatError(f"cannot read this PDF ({exc})") from None
    except Exception as exc:  # a damaged PDF makes pypdf raise almost anything
        raise FormatError(f"cannot read this PDF ({type(exc).__name__}: {exc})") from None
    return "\n\n".join(pages)


def _more_pages_than(reader, limit: int) -> bool:
    """Whether the page tree holds more than ``limit`` pages, reading no
    more than ``limit + 1`` of them (pypdf's own count reads them all, and
    the tree's declared /Count can lie)."""
    from pypdf.generic import DictionaryObject, IndirectObject

    stack = [reader.root_object.raw_get("/Pages")]
    seen: set[int] = set()
    pages = 0
    while stack:
        item = stack.pop()
        if isinstance(item, IndirectObject):
            if item.idnum in seen:  # a loop in the tree; pypdf refuses it when it reads the pages
                continue
            seen.add(item.idnum)
        node = item.get_object()
        kids = node.get("/Kids") if isinstance(node, DictionaryObject) else None
        if kids is None:
            pages += 1
            if pages > limit:
                return True
        else:
            stack.extend(kids)
    return False
