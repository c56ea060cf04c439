"""The narrative sections 一 to 六 of a report, found by their headings' meaning."""

from __future__ import annotations

from .chrome import is_chrome_line
from .labels import section_heading
from .rows import is_page_footer, split_plain_line
from .schema import SECTION_KEYS


def _is_table_line(line: str) -> bool:
    """PDF-text table rows: numbers only, or a label followed by two or more values."""
    cells = split_plain_line(line)
    values = sum(1 for c in cells if not c.is_label)
    return values == len(cells) or values >= 2


def find_sections(lines: list[str]) -> dict[str, str | None]:
    """Text under each top-level heading; a section printed twice (seed 003) is joined."""
    bodies: dict[str, list[str]] = {key: [] for key in SECTION_KEYS}
    seen: set[str] = set()
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if "|" in stripped or is_page_footer(stripped) or _is_table_line(stripped):
            continue  # a table row or a page footer: sections hold the narrative
        key = section_heading(stripped)
        if key:
            current = key
            seen.add(key)
            continue
        if current and not is_chrome_line(stripped):
            bodies[current].append(stripped)
    return {key: ("\n".join(bodies[key]) if key in seen else None) for key in SECTION_KEYS}
