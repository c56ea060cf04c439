"""Word documents: DOCX through python-docx, DOC (Word 97-2003) through LibreOffice or antiword.

DOCX tables are read from the XML grid so merged cells are honest: a `w:gridSpan` cell covers
several grid columns, a `w:vMerge` continuation repeats the cell above; both copies are marked
`continuation` so a value is never counted twice. The ZIP is checked for bombs before anything
is decompressed, and python-docx's parser does not resolve entities (no XXE).
"""

from __future__ import annotations

import io
import logging
import shutil
import struct
import subprocess
import tempfile
import zipfile
from pathlib import Path

import docx
import olefile
from docx.oxml.ns import qn
from lxml import etree

from .errors import InputTooLargeError, ParseError, UnsupportedInputError
from .limits import Limits
from .rows import Cell, Row, text_to_rows
from .source import SourceText

log = logging.getLogger(__name__)

W_P, W_TBL, W_TR, W_TC, W_SDT = qn("w:p"), qn("w:tbl"), qn("w:tr"), qn("w:tc"), qn("w:sdt")
W_SDT_CONTENT, W_T, W_TAB, W_BR = qn("w:sdtContent"), qn("w:t"), qn("w:tab"), qn("w:br")
W_VAL = qn("w:val")


def check_zip(body: bytes, limits: Limits) -> None:
    """Refuse zip bombs from the central directory alone, before decompressing anything."""
    try:
        members = zipfile.ZipFile(io.BytesIO(body)).infolist()
    except zipfile.BadZipFile as exc:
        raise ParseError(f"unreadable DOCX (damaged ZIP): {exc}") from exc
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise InputTooLargeError(
            f"a zip bomb or oversized DOCX: {total} bytes uncompressed (limit {limits.max_unzipped_bytes})"
        )
    for member in members:
        if member.file_size > 1024 * 1024 and member.file_size > limits.max_zip_ratio * max(member.compress_size, 1):
            raise InputTooLargeError(
                f"a zip bomb: {member.filename} expands {member.file_size // max(member.compress_size, 1)}x"
            )


def _paragraph_text(p: etree._Element) -> str:
    parts = []
    for el in p.iter(W_T, W_TAB, W_BR):
        parts.append(el.text or "" if el.tag == W_T else " ")
    return "".join(parts).strip()


def _cell_text(tc: etree._Element) -> str:
    return "".join(_paragraph_text(p) for p in tc.iter(W_P)).strip()


def _int_prop(tc: etree._Element, path: str, default: int = 1) -> int:
    el = tc.find(f"{qn('w:tcPr')}/{qn(path)}")
    try:
        return int(el.get(W_VAL)) if el is not None else default
    except (TypeError, ValueError):
        return default


def table_rows(tbl: etree._Element, limits: Limits) -> list[Row]:
    rows: list[Row] = []
    above: dict[int, Cell] = {}  # grid column -> the cell that a vMerge continuation repeats
    cells_total = 0
    for tr in tbl.iterchildren(W_TR):
        cells: list[Cell] = []
        column = 0
        for tc in tr.iterchildren(W_TC):
            span = max(1, min(_int_prop(tc, "w:gridSpan"), limits.max_span))
            cells_total += span
            if cells_total > limits.max_table_cells:
                raise InputTooLargeError(f"a DOCX table with over {limits.max_table_cells} cells")
            vmerge = tc.find(f"{qn('w:tcPr')}/{qn('w:vMerge')}")
            if vmerge is not None and vmerge.get(W_VAL) in (None, "continue"):
                origin = above.get(column, Cell.of(""))
                cell = Cell(origin.text, origin.value, continuation=True)
            else:
                cell = Cell.of(_cell_text(tc))
            for offset in range(span):
                placed = cell if offset == 0 else Cell(cell.text, cell.value, continuation=True)
                cells.append(placed)
                above[column + offset] = cell
            column += span
        if cells:
            rows.append(Row(tuple(cells)))  # an all-blank row is a row of blank cells (the form)
    return rows


def _body_blocks(parent: etree._Element):
    for child in parent.iterchildren():
        if child.tag in (W_P, W_TBL):
            yield child
        elif child.tag == W_SDT:
            content = child.find(W_SDT_CONTENT)
            if content is not None:
                yield from _body_blocks(content)


def read_docx(body: bytes, limits: Limits) -> SourceText:
    check_zip(body, limits)
    try:
        document = docx.Document(io.BytesIO(body))
    except (KeyError, ValueError, zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
        raise ParseError(f"unreadable DOCX: {type(exc).__name__}: {exc}") from exc
    lines: list[str] = []
    rows: list[Row] = []
    for block in _body_blocks(document.element.body):
        if block.tag == W_P:
            lines.append(_paragraph_text(block))
        else:
            table = table_rows(block, limits)
            rows.extend(table)
            # Table text stays out of the lines: sections hold the narrative.
    return SourceText(lines=lines, rows=rows, fallback_text="\n".join(lines))


def read_doc(body: bytes, limits: Limits) -> SourceText:
    """Word 97-2003: LibreOffice converts it to DOCX (merged cells intact) and the DOCX reader
    takes over; antiword, which loses complex tables (its output drops the applications table
    of tests/fixtures/parsing/doc_huaian_filled_template.doc), is the fallback."""
    check_doc(body)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice:
        return read_docx(_convert_with_libreoffice(soffice, body, limits), limits)
    antiword = shutil.which("antiword")
    if antiword is None:
        raise UnsupportedInputError(
            "a DOC document; reading it needs LibreOffice (Debian libreoffice-writer-nogui) or antiword"
        )
    return _read_with_antiword(antiword, body, limits)


# The first two bytes of the WordDocument stream (the FIB's wIdent): Word 97 and later, Word 6/95.
_WORD_IDENTS = (b"\xec\xa5", b"\xdc\xa5")


def check_doc(body: bytes) -> None:
    """Refuse a damaged Word 97-2003 file from its OLE2 container, in milliseconds.

    LibreOffice spends 5-10 s on a broken DOC and then either gives up or converts the noise
    after a valid header into a page of garbage text (which read as "no mention of 信息公开").
    The container's directory, sector chains and the Word streams are read in full here.
    """
    try:
        ole = olefile.OleFileIO(io.BytesIO(body))
        streams = ole.listdir()
        if ["WordDocument"] not in streams:
            raise UnsupportedInputError(
                "an OLE2 file without a Word document stream (an XLS or PPT?), not a report document"
            )
        for stream in streams:
            name = "/".join(stream)
            data = ole.openstream(stream).read()
            if len(data) != ole.get_size(name):
                raise ParseError(f"damaged document: the DOC's {name!r} stream is cut short")
            if name == "WordDocument" and data[:2] not in _WORD_IDENTS:
                raise ParseError("damaged document: the DOC's WordDocument stream has no Word header")
    # olefile reports broken containers as OleFileError (an OSError) but fails on some with
    # ValueError/OverflowError/IndexError/struct.error; all of them mean the same: damaged.
    except (OSError, ValueError, OverflowError, IndexError, struct.error) as exc:
        # Only olefile's own errors say something readable (the others can be 4,300 digits long).
        reason = str(exc)[:120] if isinstance(exc, OSError) else "impossible values in its header"
        raise ParseError(f"damaged document: the DOC's OLE2 container is broken ({reason})") from exc


def _convert_with_libreoffice(soffice: str, body: bytes, limits: Limits) -> bytes:
    with tempfile.TemporaryDirectory() as tmp:
        source = Path(tmp) / "report.doc"
        source.write_bytes(body)
        # A private profile per call: concurrent conversions would otherwise lock each other out.
        profile = (Path(tmp) / "profile").as_uri()
        try:
            subprocess.run(
                [soffice, f"-env:UserInstallation={profile}", "--headless", "--norestore",
                 "--convert-to", "docx", "--outdir", tmp, str(source)],
                capture_output=True, timeout=limits.max_seconds, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InputTooLargeError(f"LibreOffice took over {limits.max_seconds:.0f} s to convert the DOC") from exc
        converted = Path(tmp) / "report.docx"
        if not converted.exists():
            raise ParseError("damaged document: LibreOffice could not convert the DOC")
        return converted.read_bytes()


def _read_with_antiword(antiword: str, body: bytes, limits: Limits) -> SourceText:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "report.doc"
        path.write_bytes(body)
        try:
            result = subprocess.run(
                [antiword, "-m", "UTF-8.txt", "-w", "0", str(path)],
                capture_output=True, timeout=limits.max_seconds, check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise InputTooLargeError(f"antiword took over {limits.max_seconds:.0f} s") from exc
    text = result.stdout.decode("utf-8", errors="replace")
    if result.returncode != 0 or not text.strip():
        reason = result.stderr.decode("utf-8", errors="replace").strip().splitlines()
        raise ParseError(f"unreadable DOC: {reason[-1] if reason else 'antiword printed nothing'}")
    return SourceText(lines=text.split("\n"), rows=text_to_rows(text))
