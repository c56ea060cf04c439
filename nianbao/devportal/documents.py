"""Render a report's tables into the documents real reports arrive as (test and bench helper).

The document counterpart of nianbao/devportal/render.py: a Chinese PDF drawn with reportlab (ruled tables
with the official form's merged cells, wrapped labels, "- N -" page footers, an applications
table that may break across pages without repeating its header), a DOCX built with python-docx
(real gridSpan/vMerge merges), a noisy, slightly rotated, sealed scan of a PDF with no text
layer, and hostile or broken files (encrypted, truncated, corrupt, HTML posing as PDF, a DOCX
zip bomb, a DOCX with an external entity, a very long PDF).

The three tables are described once as a `FormGrid` (every cell's text plus the merged ranges,
after the official form, shared/fixtures/real/template_2021_format.docx) and drawn by both the
PDF and the DOCX renderer. Labels are the form's own wording (parsing.schema), with the
full-width punctuation real reports print (（一）予以公开); values use
`nianbao.devportal.render.fmt_value`, so blanks are empty cells.
"""

from __future__ import annotations

import copy
import io
import math
import random
import re
import zipfile
from dataclasses import dataclass
from xml.sax.saxutils import escape

import docx
import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from PIL import Image
from reportlab.lib import colors, pdfencrypt
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.cidfonts import CIDFontInfo, UnicodeCIDFont, structToPDF
from reportlab.pdfgen import canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from parsing import schema
from parsing.schema import APPLICANT_COLUMNS, APPLICATION_LABELS, APPLICATION_ROWS, RESULTS_HEADING
from nianbao.devportal.render import (
    APPLICANT_HEADER,
    REVIEW_HEADER,
    ReportTables,
    _active_values,
    _closing,
    _opening,
    fmt_value,
    render_html_page,
)

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

Span = tuple[int, int, int, int]  # first column, first row, last column, last row (inclusive)

_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "："})


def full_width(label: str) -> str:
    """Text as reports print it: （一）主动公开 (render.py's narrative is half-width)."""
    return label.translate(_FULL_WIDTH)


@dataclass(frozen=True)
class FormGrid:
    """One table of the form as a full grid.

    `cells[r][c]` is the text of each grid cell ("" under a merge and for a blank value);
    `spans` are the merged ranges; `widths` are column widths as fractions of the table width;
    `label_columns` are the leading columns holding labels (the rest hold values);
    `header_rows` is how many leading rows are column headings; `row_keys[r]` names the
    applications row a grid row holds (None elsewhere).
    """

    cells: list[list[str]]
    spans: list[Span]
    widths: list[float]
    label_columns: int
    header_rows: int
    row_keys: list[str | None]

    def split(self, row: int) -> tuple[FormGrid, FormGrid]:
        """Two grids, before and from `row`; a merge across the cut becomes one merge per part
        (its text stays in the first part, as a page break leaves a merged cell in Word)."""
        first: list[Span] = []
        second: list[Span] = []
        for c0, r0, c1, r1 in self.spans:
            if r1 < row:
                first.append((c0, r0, c1, r1))
            elif r0 >= row:
                second.append((c0, r0 - row, c1, r1 - row))
            else:
                first.append((c0, r0, c1, row - 1))
                second.append((c0, 0, c1, r1 - row))
        keep = lambda s: s[0] != s[2] or s[1] != s[3]  # noqa: E731 - a one-cell merge is no merge
        return (
            FormGrid(self.cells[:row], [s for s in first if keep(s)], self.widths, self.label_columns,
                     self.header_rows, self.row_keys[:row]),
            FormGrid(self.cells[row:], [s for s in second if keep(s)], self.widths, self.label_columns,
                     0, self.row_keys[row:]),
        )

    def row_of(self, key: str) -> int:
        return self.row_keys.index(key)


def active_grid(t: ReportTables) -> FormGrid:
    """二、主动公开政府信息情况 as one four-column table: each 第二十条 heading spans the table, a
    group with fewer value columns spans its last one to the edge (as the official form)."""
    cells: list[list[str]] = []
    spans: list[Span] = []
    for group in schema.ACTIVE_GROUPS[t.format]:
        cells.append([group.heading, "", "", ""])
        spans.append((0, len(cells) - 1, 3, len(cells) - 1))
        rows = [[schema.ACTIVE_ROW_HEADING, *group.column_labels]]
        rows += [[row.label, *_active_values(t, row.key, "")] for row in group.rows]
        for row in rows:
            if len(row) < 4:
                spans.append((len(row) - 1, len(cells), 3, len(cells)))
                row = row + [""] * (4 - len(row))
            cells.append(row)
    return FormGrid(cells, spans, [0.31, 0.23, 0.23, 0.23], 1, 0, [None] * len(cells))


def applications_grid(t: ReportTables) -> FormGrid:
    """三、收到和处理政府信息公开申请情况: three header rows, 三、本年度办理结果 down all result
    rows, each numbered group ((三)…(六) in 2021) down its items, unnumbered rows across."""
    cells: list[list[str]] = [
        [schema.APPLICATIONS_NOTE, "", "", schema.APPLICANTS_HEADING, "", "", "", "", "", ""],
        ["", "", "", APPLICANT_HEADER[0], schema.ORGANISATIONS_HEADING, "", "", "", "", APPLICANT_HEADER[-1]],
        ["", "", "", "", *APPLICANT_HEADER[1:6], ""],
    ]
    spans: list[Span] = [(0, 0, 2, 2), (3, 0, 9, 0), (3, 1, 3, 2), (4, 1, 8, 1), (9, 1, 9, 2)]
    keys: list[str | None] = [None, None, None]
    order = APPLICATION_ROWS[t.format]
    results = [r for r in order if APPLICATION_LABELS[r][0] == RESULTS_HEADING]
    group_size: dict[str, int] = {}
    for r in results:
        if APPLICATION_LABELS[r][2]:
            group_size[APPLICATION_LABELS[r][1]] = group_size.get(APPLICATION_LABELS[r][1], 0) + 1
    opened: set[str] = set()
    for r in order:
        top, mid, leaf = APPLICATION_LABELS[r]
        row_index = len(cells)
        labels = ["", "", ""]
        if not mid:
            labels[0] = top
            spans.append((0, row_index, 2, row_index))
        else:
            if top not in opened:
                labels[0] = top
                spans.append((0, row_index, 0, row_index + len(results) - 1))
                opened.add(top)
            if leaf:
                if mid not in opened:
                    labels[1] = mid
                    if group_size[mid] > 1:
                        spans.append((1, row_index, 1, row_index + group_size[mid] - 1))
                    opened.add(mid)
                labels[2] = leaf
            else:
                labels[1] = mid
                spans.append((1, row_index, 2, row_index))
        values = [fmt_value(t.applications[r][c]) for c in APPLICANT_COLUMNS]
        cells.append(labels + values)
        keys.append(r)
    widths = [0.036, 0.12, 0.314] + [0.53 / 7] * 7
    return FormGrid(cells, spans, widths, 3, 3, keys)


def review_grid(t: ReportTables) -> FormGrid:
    """四、行政复议、行政诉讼: 行政复议 | 行政诉讼 (未经复议直接起诉, 复议后起诉), outcomes."""
    direct, after_review = (schema.REVIEW_GROUP_LABELS[g] for g in schema.REVIEW_GROUPS[1:])
    cells = [
        [schema.REVIEW_GROUP_LABELS["review"], "", "", "", "", schema.LITIGATION_HEADING, *[""] * 9],
        [*REVIEW_HEADER, direct, *[""] * 4, after_review, *[""] * 4],
        [*[""] * 5, *REVIEW_HEADER, *REVIEW_HEADER],
        [fmt_value(t.review_litigation[g][o]) for g in schema.REVIEW_GROUPS for o in schema.REVIEW_OUTCOMES],
    ]
    spans: list[Span] = [(0, 0, 4, 0), (5, 0, 14, 0), (5, 1, 9, 1), (10, 1, 14, 1)]
    spans += [(c, 1, c, 2) for c in range(5)]
    return FormGrid(cells, spans, [1 / 15] * 15, 0, 3, [None] * 4)


def sample_tables(
    fmt: str = "2021", agency: str = "卫辉市信访局", year: int | None = None, seed: int = 7
) -> ReportTables:
    """A plausible report whose applications and review tables satisfy all the form's identities
    (so a parser that fills a missing cell from them fills it correctly)."""
    rng = random.Random(seed)
    results = [r for r in APPLICATION_ROWS[fmt]
               if APPLICATION_LABELS[r][0] == RESULTS_HEADING and r != "total_processed"]
    parts = APPLICANT_COLUMNS[:-1]
    apps: dict[str, dict[str, int | float | None]] = {}
    for r in results:
        apps[r] = {c: (rng.choice([0, 0, 1, 2, 5, 13, 120]) if c in ("natural_person", "enterprise") else
                       rng.choice([0, 0, 0, 1])) for c in parts}
    apps["total_processed"] = {c: sum(apps[r][c] for r in results) for c in parts}
    apps["carried_forward"] = {c: rng.choice([0, 1, 3]) for c in parts}
    apps["carried_over"] = {c: min(rng.choice([0, 2, 4]), apps["total_processed"][c]) for c in parts}
    apps["new_received"] = {c: apps["total_processed"][c] + apps["carried_forward"][c] - apps["carried_over"][c]
                            for c in parts}
    for row in apps.values():
        row["total"] = sum(row[c] for c in parts)
    applications = {r: apps[r] for r in APPLICATION_ROWS[fmt]}
    review = {}
    for g in schema.REVIEW_GROUPS:
        row = {o: rng.choice([0, 1, 2, 6]) for o in schema.REVIEW_PARTS}
        row["total"] = sum(row.values())
        review[g] = row
    if fmt == "2021":
        active = {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 3},
            "normative_documents": {"issued": 4, "repealed": 1, "in_force": 27},
            "licensing": {"decisions": 1523}, "punishment": {"decisions": 86}, "coercion": {"decisions": None},
            "fees": {"amount": 36.75},
        }
    else:
        active = {
            "regulations": {"made": 0, "published": 0, "public_total": 2},
            "normative_documents": {"made": 3, "published": 3, "public_total": 19},
            "licensing": {"items_last_year": 45, "items_change": -2, "decisions": 2310},
            "other_services": {"items_last_year": 12, "items_change": 0, "decisions": 76},
            "punishment": {"items_last_year": 130, "items_change": 14, "decisions": 57},
            "coercion": {"items_last_year": 8, "items_change": None, "decisions": 3},
            "fees": {"items_last_year": 2, "items_change": 0},
            "procurement": {"projects": 6, "amount": 251.3},
        }
    return ReportTables(agency, year or (2021 if fmt == "2021" else 2020), fmt, active, applications, review)


# ---------------------------------------------------------------------------------------------
# PDF


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


# ---------------------------------------------------------------------------------------------
# DOCX


def _docx_table(document: docx.document.Document, grid: FormGrid, width_cm: float) -> None:
    table = document.add_table(rows=len(grid.cells), cols=len(grid.widths))
    table.style = "Table Grid"
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, grid.widths):
        column.w = Cm(width * width_cm)
    for r, row in enumerate(table.rows):
        for c, cell in enumerate(row.cells):
            cell.width = Cm(grid.widths[c] * width_cm)
    for c0, r0, c1, r1 in grid.spans:
        table.cell(r0, c0).merge(table.cell(r1, c1))
    for r, row in enumerate(grid.cells):
        for c, text in enumerate(row):
            if not text:
                continue
            cell = table.cell(r, c)
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            paragraph = cell.paragraphs[0]
            paragraph.text = text
            left = r >= grid.header_rows and c < grid.label_columns and text != RESULTS_HEADING
            paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT if left else WD_ALIGN_PARAGRAPH.CENTER


def render_docx(t: ReportTables) -> bytes:
    """A report DOCX: title, sections 一…六 as paragraphs, the three tables with real merged
    cells (python-docx `merge` writes gridSpan and vMerge, as in the official template)."""
    document = docx.Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin = section.right_margin = Cm(2.6)
    normal = document.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    normal.font.size = Pt(12)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")

    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(t.title)
    run.bold = True
    run.font.size = Pt(18)
    opening = _opening(t)
    for line in opening[1:5]:
        document.add_paragraph(full_width(line))
    width_cm = 21 - 2 * 2.6
    _docx_table(document, active_grid(t), width_cm)
    document.add_paragraph(schema.SECTION_TITLES["applications"])
    _docx_table(document, applications_grid(t), width_cm)
    document.add_paragraph(schema.SECTION_TITLES["review_litigation"])
    _docx_table(document, review_grid(t), width_cm)
    for line in _closing():
        document.add_paragraph(full_width(line))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Scans


def _seal_image(text: str, dpi: int, diameter_mm: float = 42.0) -> Image.Image:
    """A red official seal (公章): ring, five-pointed star, text along the upper arc, as RGBA
    with transparent background. Drawn with reportlab so the CID font supplies the glyphs."""
    size = diameter_mm / 25.4 * 72
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(size, size), invariant=1)
    red = colors.Color(0.85, 0.05, 0.05)
    c.setStrokeColor(red)
    c.setFillColor(red)
    cx = cy = size / 2
    c.setLineWidth(size * 0.035)
    c.circle(cx, cy, size / 2 - size * 0.03, stroke=1, fill=0)
    star_r = size * 0.14
    points = [
        (cx + (star_r if k % 2 == 0 else star_r * 0.38) * math.cos(math.pi / 2 + k * math.pi / 5),
         cy + (star_r if k % 2 == 0 else star_r * 0.38) * math.sin(math.pi / 2 + k * math.pi / 5))
        for k in range(10)
    ]
    path = c.beginPath()
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    font_size = size * 0.12
    c.setFont(FONT, font_size)
    radius = size / 2 - size * 0.2
    sweep = math.radians(220)
    for i, ch in enumerate(text):
        angle = math.pi / 2 + sweep / 2 - sweep * (i + 0.5) / len(text)
        c.saveState()
        c.translate(cx + radius * math.cos(angle), cy + radius * math.sin(angle))
        c.rotate(math.degrees(angle) - 90)
        c.drawCentredString(0, -font_size / 3, ch)
        c.restoreState()
    c.setFont(FONT, size * 0.08)
    c.drawCentredString(cx, cy - size * 0.3, "专用章")
    c.showPage()
    c.save()
    page = pdfium.PdfDocument(buf.getvalue())[0]
    gray = np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB"), dtype=np.uint8)
    ink = 255 - gray[:, :, 1].astype(np.float32)  # red ink is where green is missing
    rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
    rgba[:, :, 0], rgba[:, :, 1], rgba[:, :, 2] = 215, 25, 30
    rgba[:, :, 3] = np.clip(ink * 0.7, 0, 255).astype(np.uint8)  # semi-transparent
    return Image.fromarray(rgba, "RGBA")


def _first_table_bbox(pdf: bytes) -> tuple[int, tuple[float, float, float, float]] | None:
    """(page index, (x0, top, x1, bottom) in points) of the first ruled table in the PDF."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for i, page in enumerate(doc.pages):
            tables = page.find_tables()
            if tables:
                return i, tables[0].bbox
    return None


def scan_pdf(pdf: bytes, *, dpi: int = 200, noise: float = 0.03, seal: bool = True, seed: int = 0,
             seal_text: str = "政府信息公开") -> bytes:
    """The PDF as a scanner would return it: each page rasterised at `dpi`, a red seal partly
    over the first table, turned by at most 0.5 degrees, with gaussian and salt-and-pepper
    noise (`noise` is the fraction of pixels flipped), saved as an image-only PDF."""
    rng = np.random.default_rng(seed)
    document = pdfium.PdfDocument(pdf)
    seal_at = _first_table_bbox(pdf) if seal else None
    stamp = _seal_image(seal_text, dpi) if seal else None
    scale = dpi / 72
    pages: list[Image.Image] = []
    for index in range(len(document)):
        image = document[index].render(scale=scale).to_pil().convert("RGB")
        if stamp is not None and seal_at is not None and seal_at[0] == index:
            x0, top, x1, bottom = seal_at[1]
            # Centre on the table's right part, low down: the ring covers some value cells.
            cx, cy = (x1 - (x1 - x0) * 0.2) * scale, (bottom - min(60.0, (bottom - top) / 2)) * scale
            image.paste(stamp, (int(cx - stamp.width / 2), int(cy - stamp.height / 2)), stamp)
        angle = float(rng.uniform(-0.5, 0.5))
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255))
        pixels = np.asarray(image, dtype=np.float32)
        pixels += rng.normal(0, 10, pixels.shape[:2])[:, :, None]
        flips = rng.random(pixels.shape[:2])
        pixels[flips < noise / 2] = 0
        pixels[(flips >= noise / 2) & (flips < noise)] = 255
        pages.append(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB"))
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Bad input

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
