"""What every reader (text, HTML, PDF, Word, OCR) hands to the record builder."""

from __future__ import annotations

from dataclasses import dataclass, field

from .rows import Row


@dataclass
class SourceText:
    """A report's text lines (for metadata and sections) and its table rows (for the tables).

    `fallback_text` is read as text-shape rows when `rows` lack a table (tables drawn without
    ruling lines in a PDF, a table pasted as paragraphs in HTML).
    """

    lines: list[str]
    rows: list[Row]
    fallback_text: str | None = None
    page_lines: list[str] | None = None  # lines with chrome, for the publication date
    title_candidates: list[str] = field(default_factory=list)
    meta_dates: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
