"""Report PDFs drawn with reportlab: the Chinese CID font (registered on import), the ruled
tables with the form's merges, narrative filler pages, "- N -" footers, and the PDF variants
built the same way (a long report, an encrypted report, an encrypted bare canvas)."""

from __future__ import annotations

import copy
import io
import re
from xml.sax.saxutils import escape

import pypdfium2 as pdfium
from reportlab.lib import colors, pdfencrypt
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import CIDFontInfo, UnicodeCIDFont, structToPDF
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from parsing import schema
from parsing.schema import APPLICATION_ROWS, RESULTS_HEADING
from nianbao.devportal.render import ReportTables, _closing, _opening

from .tables import FormGrid, active_grid, applications_grid, full_width, review_grid, sample_tables

FONT = "STSong-Light"  # reportlab's built-in Adobe CID font: no font file needed


class _CIDFont(UnicodeCIDFont):
    """reportlab writes the CIDSystemInfo strings ("(Adobe)", "(GB1)") as raw text, so an
    encrypted PDF carries them unencrypted and a conforming reader decrypts them into garbage
    (pdfminer then gives "(cid:N)" for every Chinese character). As `PDFString`s they are
    encrypted with the rest of the document; unencrypted output is byte-for-byte the same."""

    def addObjects(self, doc):  # noqa: N802 - reportlab's name
        info = copy.deepcopy(CIDFontInfo[self.face.name])
        for descendant in info.get("DescendantFonts", []):
            system = descendant.get("CIDSystemInfo", {})
            for key in ("Registry", "Ordering"):
                if isinstance(system.get(key), str) and system[key].startswith("("):
                    system[key] = pdfdoc.PDFString(system[key][1:-1])
        internal = "F" + repr(len(doc.fontMapping) + 1)
        info["Name"] = "/" + internal
        info["Encoding"] = "/" + self.encodingName
        doc.idToObject["BasicFonts"].dict[internal] = doc.Reference(structToPDF(info), internal)
        doc.fontMapping[self.name] = "/" + internal


pdfmetrics.registerFont(_CIDFont(FONT))

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 50.0
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN


_BODY = ParagraphStyle("body", fontName=FONT, fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK")
_HEADING = ParagraphStyle("heading", fontName=FONT, fontSize=14, leading=24, spaceBefore=6, spaceAfter=4,
                          wordWrap="CJK")
_TITLE = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=12,
                        wordWrap="CJK")
# reportlab's CJK wrapping hangs a line-final "、" or "，" past the paragraph's right edge; the
# right indent keeps it inside the cell instead of in the value cell beside it.
_CELL_LEFT = ParagraphStyle("cell", fontName=FONT, fontSize=8.5, leading=11, alignment=TA_LEFT, wordWrap="CJK",
                            rightIndent=8.5)
_CELL_CENTER = ParagraphStyle("cell_c", parent=_CELL_LEFT, alignment=TA_CENTER, rightIndent=0)

_SECTION_HEADING = re.compile(r"^[一二三四五六]、")


def _paragraph(text: str) -> Paragraph:
    style = _HEADING if _SECTION_HEADING.match(text) else _BODY
    return Paragraph(escape(text), style)


def _page_footer(canv: canvas.Canvas, doc: SimpleDocTemplate) -> None:
    canv.saveState()
    canv.setFont(FONT, 10)
    canv.drawCentredString(PAGE_WIDTH / 2, 28, f"- {doc.page} -")
    canv.restoreState()


def pdf_table(grid: FormGrid) -> Table:
    """A ruled reportlab table for a grid: GRID lines, SPAN merges, labels wrapping in their
    cells; `repeatRows=0`, so a table broken over pages continues without its header."""
    data = []
    for r, row in enumerate(grid.cells):
        out = []
        for c, text in enumerate(row):
            if not text:
                out.append("")
                continue
            left = r >= grid.header_rows and c < grid.label_columns and text != RESULTS_HEADING
            out.append(Paragraph(escape(text), _CELL_LEFT if left else _CELL_CENTER))
        data.append(out)
    style = [
        ("GRID", (0, 0), (-1, -1), 0.6, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("FONT", (0, 0), (-1, -1), FONT, 8.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
    ]
    style += [("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in grid.spans]
    return Table(data, colWidths=[w * CONTENT_WIDTH for w in grid.widths], repeatRows=0, style=TableStyle(style))


# The sentences of rendered reports' narrative ({agency}: the agency's name); bench/search.py
# builds its corpus from them too.
FILLER_SENTENCES = [
    "{agency}坚持以人民为中心的发展思想，把政务公开作为建设法治政府、服务型政府的重要抓手。",
    "围绕中心工作和群众关切，持续深化决策、执行、管理、服务、结果公开，不断提升政务公开质量。",
    "健全完善信息发布机制，落实专人负责网站栏目内容的更新维护，做到信息发布及时准确。",
    "加强政策解读工作，采取图文、音视频等多种形式解读重要政策文件，增强解读的针对性和实效性。",
    "积极回应社会关切，对网民留言咨询及时答复，切实发挥政府网站政民互动的桥梁作用。",
    "严格落实信息发布保密审查制度，坚持先审查、后公开，一事一审、全面审查的原则。",
    "组织开展政务公开业务培训，邀请专家围绕条例解读、依申请公开办理等内容进行专题讲解。",
    "加强基层政务公开标准化规范化建设，梳理编制公开事项目录，推动公开内容向基层延伸。",
]


def _filler(t: ReportTables, n: int, start: int = 0) -> list[str]:
    """`n` paragraphs of plausible narrative; no table labels or row keywords, few digits."""
    paragraphs = []
    for i in range(start, start + n):
        picked = [FILLER_SENTENCES[(i * 3 + k) % len(FILLER_SENTENCES)] for k in range(4)]
        paragraphs.append("".join(picked).format(agency=t.agency))
    return paragraphs


PARAGRAPHS_PER_PAGE = 6  # of `_filler` paragraphs, at _BODY's size, fit on one A4 page


def _filler_pages(t: ReportTables, pages: int, start: int = 0) -> list:
    story: list = []
    for page in range(pages):
        story += [_paragraph(p) for p in _filler(t, PARAGRAPHS_PER_PAGE, start + page * PARAGRAPHS_PER_PAGE)]
        story.append(PageBreak())
    return story


def _report_story(t: ReportTables, *, split_applications_at: str | None, pages_of_filler: int,
                  tail_filler_pages: int = 0) -> list:
    opening = _opening(t)  # title, 一、总体情况, two paragraphs, 二、主动公开政府信息情况
    story: list = [Paragraph(escape(t.title), _TITLE)]
    story += [_paragraph(full_width(line)) for line in opening[1:4]]
    story += _filler_pages(t, pages_of_filler)
    story += [_paragraph(opening[4]), pdf_table(active_grid(t)), Spacer(1, 8)]
    story.append(_paragraph(schema.SECTION_TITLES["applications"]))
    grid = applications_grid(t)
    if split_applications_at is None:
        story.append(pdf_table(grid))
    else:
        head, rest = grid.split(grid.row_of(split_applications_at))
        story += [pdf_table(head), PageBreak(), pdf_table(rest)]
    story += [Spacer(1, 8), _paragraph(schema.SECTION_TITLES["review_litigation"]), pdf_table(review_grid(t)), Spacer(1, 8)]
    closing = _closing()
    story += [_paragraph(closing[0]), _paragraph(full_width(closing[1]))]
    if tail_filler_pages:
        story += _filler_pages(t, tail_filler_pages, start=1000)
    story += [_paragraph(closing[2]), _paragraph(full_width(closing[3]))]
    return story


def _build_pdf(story: list, *, encrypt: pdfencrypt.StandardEncryption | None = None) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=60, bottomMargin=60,
        invariant=1, encrypt=encrypt, creator="Microsoft® Word 2016",
    )
    doc.build(story, onFirstPage=_page_footer, onLaterPages=_page_footer)
    return buf.getvalue()


def render_pdf(t: ReportTables, *, split_applications_at: str | None = None, pages_of_filler: int = 0) -> bytes:
    """A Chinese report PDF: title, sections 一…六, the three tables as ruled tables with the
    form's merges, "- N -" footers. `split_applications_at` (an applications row key) forces a
    page break before that row: the table continues on the next page without its header.
    `pages_of_filler` pages of narrative in 一、总体情况 push the tables further back."""
    if split_applications_at is not None and split_applications_at not in APPLICATION_ROWS[t.format]:
        raise ValueError(f"{split_applications_at!r} is not an applications row of the {t.format} format")
    return _build_pdf(_report_story(t, split_applications_at=split_applications_at, pages_of_filler=pages_of_filler))


def pdf_page_count(pdf: bytes) -> int:
    return len(pdfium.PdfDocument(pdf))


def long_pdf(pages: int = 200, t: ReportTables | None = None) -> bytes:
    """A `pages`-page report: the tables on its first pages, then pages of narrative in 五."""
    t = t or sample_tables()
    front = pdf_page_count(render_pdf(t))
    story = _report_story(t, split_applications_at=None, pages_of_filler=0, tail_filler_pages=max(pages - front, 0))
    return _build_pdf(story)


USER_PASSWORD = "nianbao"


def encrypted_pdf(
    t: ReportTables | None = None, *, user_password: str = USER_PASSWORD, owner_password: str = "owner-pw"
) -> bytes:
    """The report PDF encrypted (128-bit RC4). With a user password nothing can be read without
    it; with an empty user password (owner password only, common on government sites, which
    forbid copying or printing) any reader opens it."""
    t = t or sample_tables()
    encrypt = pdfencrypt.StandardEncryption(user_password, ownerPassword=owner_password, canCopy=0, canModify=0,
                                            strength=128)
    return _build_pdf(_report_story(t, split_applications_at=None, pages_of_filler=0), encrypt=encrypt)


def encrypted_canvas_pdf(text: str, *, user_password: str = USER_PASSWORD) -> bytes:
    """A one-page PDF drawn on a bare canvas with `encrypt=` (user password required)."""
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, encrypt=user_password, invariant=1)
    c.setFont(FONT, 16)
    c.drawCentredString(PAGE_WIDTH / 2, PAGE_HEIGHT - 100, text)
    c.showPage()
    c.save()
    return buf.getvalue()
