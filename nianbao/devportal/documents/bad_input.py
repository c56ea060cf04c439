"""Hostile or broken document files: a PDF cut short, random bytes between PDF markers, HTML
served for a .pdf link, a DOCX zip bomb and a DOCX with an external entity (XXE). The encrypted
PDFs are drawn with the other PDFs, in pdf.py."""

from __future__ import annotations

import io
import random
import zipfile

from nianbao.devportal.render import ReportTables, render_html_page

from .tables import sample_tables
from .word import render_docx


def truncated_pdf(pdf: bytes, fraction: float = 0.6) -> bytes:
    """The first `fraction` of the bytes: a download cut short (no xref table, no %%EOF)."""
    return pdf[: int(len(pdf) * fraction)]


def corrupt_pdf(size: int = 40_000, seed: int = 0) -> bytes:
    """A valid header and trailer marker around random bytes."""
    body = random.Random(seed).randbytes(size)
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + body + b"\n%%EOF\n"


def html_claiming_pdf(t: ReportTables | None = None) -> bytes:
    """HTML bytes a server sent for a .pdf link: the report page itself when `t` is given
    (a CMS that serves the article for the attachment URL), else a 404 page."""
    if t is not None:
        return render_html_page(t).encode("utf-8")
    return (
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>404 Not Found</title></head>"
        "<body><h1>404 Not Found</h1><p>对不起，您访问的页面不存在或已被删除！</p>"
        "<p><a href=\"/\">返回首页</a></p><hr><address>nginx</address></body></html>"
    ).encode("utf-8")


_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
    "</Types>"
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="word/document.xml"/></Relationships>'
)


def docx_zip_bomb(uncompressed: int = 1 << 30, title: str = "卫辉市信访局2021年政府信息公开工作年度报告") -> bytes:
    """A DOCX whose word/document.xml is well-formed and `uncompressed` bytes long (1 GiB by
    default) but compresses ~1000:1: a title paragraph, then whitespace. Written in chunks, so
    neither this function nor the test ever holds the expanded member in memory."""
    head = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W_NS}"><w:body>'
        f"<w:p><w:r><w:t>{title}</w:t></w:r></w:p><w:p><w:r><w:t>"
    ).encode("utf-8")
    tail = b"</w:t></w:r></w:p></w:body></w:document>"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", _CONTENT_TYPES)
        zf.writestr("_rels/.rels", _ROOT_RELS)
        info = zipfile.ZipInfo("word/document.xml", date_time=(2022, 1, 25, 9, 30, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with zf.open(info, "w", force_zip64=True) as member:
            member.write(head)
            chunk = b" " * (1 << 20)
            remaining = uncompressed - len(head) - len(tail)
            while remaining > 0:
                member.write(chunk[: min(remaining, len(chunk))])
                remaining -= len(chunk)
            member.write(tail)
    return buf.getvalue()


XXE_TARGET = "file:///etc/passwd"


def docx_xxe(t: ReportTables | None = None) -> bytes:
    """The report DOCX with an external entity: document.xml declares
    `<!ENTITY xxe SYSTEM "file:///etc/passwd">` and uses `&xxe;` in a paragraph after the title."""
    source = zipfile.ZipFile(io.BytesIO(render_docx(t or sample_tables())))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                xml = data.decode("utf-8")
                declaration_end = xml.index("?>") + 2
                xml = (xml[:declaration_end] + f'\n<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "{XXE_TARGET}">]>'
                       + xml[declaration_end:])
                first_paragraph_end = xml.index("</w:p>") + len("</w:p>")
                xml = xml[:first_paragraph_end] + "<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>" + xml[first_paragraph_end:]
                data = xml.encode("utf-8")
            zf.writestr(item, data)
    return out.getvalue()
