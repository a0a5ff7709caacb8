"""Text out of what members give an agent to know: uploaded files and web pages.

- Files: at most `MAX_FILE_BYTES`; the type is decided by the content, not
  the name — `%PDF-` → PDF (pypdf), a ZIP holding `word/document.xml` →
  DOCX (read with the standard library: paragraphs of the main document),
  else UTF-8 text (txt, md) with no NUL byte. Anything else is a 400.
- URLs: fetched through the outbound door (`nexusone.outbound.fetch`: the
  SSRF rules, redirects re-checked, size and time bounded); HTML is reduced
  to its visible text (scripts, styles and markup dropped).
- Every extractor returns plain text of at most `MAX_TEXT_CHARS`.
"""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser
from xml.etree import ElementTree

from django.utils.translation import gettext as _

from nexusone.errors import ValidationFailed

MAX_FILE_BYTES = 5 * 1024 * 1024
MAX_TEXT_CHARS = 400_000
MAX_PDF_PAGES = 300
DOCX_NS = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(details={field: [message]})


def sniff(data: bytes) -> str:
    """ "pdf", "docx", "text" or "" (unsupported)."""
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "docx" if "word/document.xml" in archive.namelist() else ""
        except zipfile.BadZipFile:
            return ""
    if b"\x00" in data[:8192]:
        return ""
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return ""
    return "text"


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise _invalid("file", _("Encrypted PDF files cannot be read."))
        pages = reader.pages[:MAX_PDF_PAGES]
        return "\n\n".join((page.extract_text() or "").strip() for page in pages)
    except (PdfReadError, ValueError, KeyError, TypeError) as exc:
        raise _invalid("file", _("This PDF file could not be read.")) from exc


def _docx_text(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            info = archive.getinfo("word/document.xml")
            if info.file_size > 20 * MAX_FILE_BYTES:  # a zip bomb is refused before inflating
                raise _invalid("file", _("This document is too large."))
            # expat resolves no external entities and refuses entity-expansion bombs (Python ≥ 3.11 / expat ≥ 2.4).
            root = ElementTree.fromstring(archive.read(info))  # noqa: S314
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise _invalid("file", _("This Word document could not be read.")) from exc
    paragraphs = []
    for paragraph in root.iter(f"{DOCX_NS}p"):
        text = "".join(node.text or "" for node in paragraph.iter(f"{DOCX_NS}t"))
        if text.strip():
            paragraphs.append(text.strip())
    return "\n\n".join(paragraphs)


def file_text(*, name: str, data: bytes) -> str:
    """The text of an uploaded txt, md, pdf or docx file (sniffed)."""
    if len(data) > MAX_FILE_BYTES:
        raise _invalid("file", _("The file is larger than %(mb)s MB.") % {"mb": MAX_FILE_BYTES // (1024 * 1024)})
    kind = sniff(data)
    if kind == "pdf":
        text = _pdf_text(data)
    elif kind == "docx":
        text = _docx_text(data)
    elif kind == "text":
        text = data.decode("utf-8").lstrip("\ufeff")
    else:
        raise _invalid("file", _("Upload a text, Markdown, PDF or Word (.docx) file."))
    text = text.strip()
    if not text:
        raise _invalid("file", _("No text was found in this file."))
    return text[:MAX_TEXT_CHARS]


class _VisibleText(HTMLParser):
    SKIP = frozenset({"script", "style", "noscript", "template", "svg", "head"})
    BLOCK = frozenset({"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "article"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0
        self.title = ""
        self._in_title = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1
        elif tag in self.BLOCK:
            self.parts.append("\n\n")

    def handle_data(self, data):
        if self._in_title and not self.title:
            self.title = " ".join(data.split())[:200]
        if not self.skipping:
            self.parts.append(data)


def html_text(html: str) -> tuple[str, str]:
    """(title, visible text) of an HTML document."""
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    text = re.sub(r"[ \t\r\f\v]+", " ", "".join(parser.parts))
    text = re.sub(r"\s*\n\s*\n\s*", "\n\n", text).strip()
    return parser.title, text


def url_text(url: str) -> tuple[str, str]:
    """(title, text) of a public web page, fetched through the outbound door."""
    from nexusone.outbound import fetch

    answer = fetch(url, service="agents.knowledge", max_bytes=MAX_FILE_BYTES, total_timeout=15)
    if not answer.is_success:
        raise _invalid("url", _("The page answered with HTTP %(status)s.") % {"status": answer.status_code})
    content_type = answer.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type in ("text/html", "application/xhtml+xml", ""):
        title, text = html_text(answer.text)
    elif content_type.startswith("text/"):
        title, text = "", answer.text
    else:
        raise _invalid("url", _("Only web pages and text documents can be added from a link."))
    if not text.strip():
        raise _invalid("url", _("No text was found on this page."))
    return title, text[:MAX_TEXT_CHARS]
