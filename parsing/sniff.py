"""What type of payload this is, from its bytes (magic numbers), never from a name or a header.

Portals serve PDFs as text/html, DOCX as application/octet-stream and HTML error pages as
report.pdf; only the bytes are trusted.
"""

from __future__ import annotations

import io
import re
import zipfile
from enum import StrEnum

from .errors import UnsupportedInputError



class PayloadType(StrEnum):
    """The reader a payload goes to (not a MIME type: decided from the bytes alone)."""

    HTML = "html"
    TEXT = "text"
    PDF = "pdf"
    DOCX = "docx"
    DOC = "doc"


_REFUSED: tuple[tuple[bytes, str], ...] = (
    (b"{\\rtf", "an RTF document"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"Rar!", "a RAR archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
)
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html|head|body|meta|\?xml)", re.I | re.S)
_HTML_TAGS = re.compile(rb"<(?:html|body|table|div|p|span|td|br)\b", re.I)


def sniff(body: bytes) -> PayloadType:
    head = body[:4096]
    stripped = head.lstrip()
    if stripped.startswith(b"%PDF-") or (b"%PDF-" in head[:1024] and not _HTML_START.match(head)):
        return PayloadType.PDF
    if head.startswith(b"PK\x03\x04"):
        return _zip_payload_type(body)
    if head.startswith(_OLE2):
        return PayloadType.DOC
    for magic, name in _REFUSED:
        if head.startswith(magic):
            raise UnsupportedInputError(f"{name}, not a report document")
    if _HTML_START.match(head) or len(_HTML_TAGS.findall(head)) >= 2:
        return PayloadType.HTML
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UnsupportedInputError("binary data, not text, HTML or a known document type")
    return PayloadType.TEXT


def _zip_payload_type(body: bytes) -> PayloadType:
    try:
        names = set(zipfile.ZipFile(io.BytesIO(body)).namelist())
    except zipfile.BadZipFile as exc:
        raise UnsupportedInputError(f"a damaged ZIP container: {exc}") from exc
    if "word/document.xml" in names:
        return PayloadType.DOCX
    if "xl/workbook.xml" in names:
        raise UnsupportedInputError("an XLSX spreadsheet, not a report document")
    raise UnsupportedInputError("a ZIP archive that is not a DOCX document")
