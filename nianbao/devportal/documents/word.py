"""Report DOCX files built with python-docx: title, sections 一…六 as paragraphs and the three
tables with real merged cells (gridSpan and vMerge, as in the official template)."""

from __future__ import annotations

import io

import docx
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Cm, Pt

from parsing import schema
from parsing.schema import RESULTS_HEADING
from nianbao.devportal.render import ReportTables, _closing, _opening

from .tables import FormGrid, active_grid, applications_grid, full_width, review_grid


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
