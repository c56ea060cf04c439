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

The package: `tables` (the three tables as `FormGrid`s, `sample_tables`, `full_width`), `pdf`
(reportlab: the CID font, ruled tables, filler pages, long and encrypted PDFs), `word`
(python-docx), `scans` (rasterised, sealed, noisy image-only PDFs) and `bad_input` (truncated,
corrupt, HTML posing as PDF, DOCX zip bomb, DOCX with an external entity). Every name is
importable from `nianbao.devportal.documents`.
"""

from .bad_input import (
    XXE_TARGET,
    corrupt_pdf,
    docx_xxe,
    docx_zip_bomb,
    html_claiming_pdf,
    truncated_pdf,
)
from .pdf import (
    CONTENT_WIDTH,
    FILLER_SENTENCES,
    FONT,
    MARGIN,
    PAGE_HEIGHT,
    PAGE_WIDTH,
    PARAGRAPHS_PER_PAGE,
    USER_PASSWORD,
    encrypted_canvas_pdf,
    encrypted_pdf,
    long_pdf,
    pdf_page_count,
    pdf_table,
    render_pdf,
)
from .scans import scan_pdf
from .tables import FormGrid, Span, active_grid, applications_grid, full_width, review_grid, sample_tables
from .word import render_docx

__all__ = [
    "CONTENT_WIDTH",
    "FILLER_SENTENCES",
    "FONT",
    "MARGIN",
    "PAGE_HEIGHT",
    "PAGE_WIDTH",
    "PARAGRAPHS_PER_PAGE",
    "USER_PASSWORD",
    "XXE_TARGET",
    "FormGrid",
    "Span",
    "active_grid",
    "applications_grid",
    "corrupt_pdf",
    "docx_xxe",
    "docx_zip_bomb",
    "encrypted_canvas_pdf",
    "encrypted_pdf",
    "full_width",
    "html_claiming_pdf",
    "long_pdf",
    "pdf_page_count",
    "pdf_table",
    "render_docx",
    "render_pdf",
    "review_grid",
    "sample_tables",
    "scan_pdf",
    "truncated_pdf",
]
