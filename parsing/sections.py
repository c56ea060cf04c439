"""The narrative sections 一 to 六 of a report, found by their headings' meaning."""

from __future__ import annotations

from .chrome import is_chrome_line
from .labels import section_heading
from .schema import SECTION_KEYS


def find_sections(lines: list[str]) -> dict[str, str | None]:
    """Text under each top-level heading; a section printed twice (seed 003) is joined."""
    bodies: dict[str, list[str]] = {key: [] for key in SECTION_KEYS}
    seen: set[str] = set()
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if not stripped:
            continue
        if "|" in stripped:
            continue  # a table row: the tables are in the record, sections hold the narrative
        key = section_heading(stripped)
        if key:
            current = key
            seen.add(key)
            continue
        if current and not is_chrome_line(stripped):
            bodies[current].append(stripped)
    return {key: ("\n".join(bodies[key]) if key in seen else None) for key in SECTION_KEYS}
