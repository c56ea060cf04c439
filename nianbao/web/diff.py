"""The difference between two versions of a report: changed metadata, table cells and narrative
text. Text is compared sentence by sentence (Chinese has no spaces to split on; 。；！？ and line
breaks end a sentence) with difflib, so an edited figure shows as one changed sentence.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import asdict, dataclass
from typing import Any

from .form import SECTION_LABELS, cell_label

TABLES = ("active", "applications", "review_litigation")
METADATA = ("title", "agency", "year", "format", "published_on")
_SENTENCE_END = re.compile(r"(?<=[。；！？!?;\n])")


@dataclass(frozen=True)
class CellChange:
    path: str
    label: str
    old: Any
    new: Any


@dataclass(frozen=True)
class TextPiece:
    op: str  # "same" | "removed" | "added"
    text: str


@dataclass(frozen=True)
class SectionDiff:
    key: str
    label: str
    pieces: tuple[TextPiece, ...]


def _cells(record: dict[str, Any]) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for table in TABLES:
        for row, cols in (record.get(table) or {}).items():
            for col, value in (cols or {}).items():
                flat[f"{table}.{row}.{col}"] = value
    return flat


def _sentences(text: str) -> list[str]:
    return [s for s in _SENTENCE_END.split(text or "") if s]


def diff_sections(old: str, new: str) -> tuple[TextPiece, ...]:
    a, b = _sentences(old), _sentences(new)
    pieces: list[TextPiece] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(TextPiece("same", "".join(a[i1:i2])))
            continue
        before, after = "".join(a[i1:i2]), "".join(b[j1:j2])
        if op == "replace":
            # An edited sentence: show the characters that changed inside it.
            pieces.extend(_char_pieces(before, after))
            continue
        if before:
            pieces.append(TextPiece("removed", before))
        if after:
            pieces.append(TextPiece("added", after))
    return tuple(pieces)


def _char_pieces(before: str, after: str) -> list[TextPiece]:
    pieces = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes():
        if op == "equal":
            pieces.append(TextPiece("same", before[i1:i2]))
            continue
        if i2 > i1:
            pieces.append(TextPiece("removed", before[i1:i2]))
        if j2 > j1:
            pieces.append(TextPiece("added", after[j1:j2]))
    return pieces


def diff_records(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Metadata fields, table cells (by dotted path, with the form's labels) and sections that differ."""
    fmt = new.get("format") or old.get("format") or "2021"
    metadata = [{"field": f, "old": old.get(f), "new": new.get(f)} for f in METADATA if old.get(f) != new.get(f)]
    a, b = _cells(old), _cells(new)
    cells = [CellChange(path, cell_label(path, fmt), a.get(path), b.get(path))
             for path in sorted(set(a) | set(b), key=lambda p: (TABLES.index(p.split(".")[0]), p))
             if a.get(path) != b.get(path) or (path in a) != (path in b)]
    sections = []
    keys = list(dict.fromkeys([*(old.get("sections") or {}), *(new.get("sections") or {})]))
    for key in keys:
        before, after = (old.get("sections") or {}).get(key, ""), (new.get("sections") or {}).get(key, "")
        if before != after:
            sections.append(SectionDiff(key, SECTION_LABELS.get(key, key), diff_sections(before, after)))
    return {
        "metadata": metadata,
        "cells": [asdict(c) for c in cells],
        "sections": [{"key": s.key, "label": s.label, "pieces": [asdict(p) for p in s.pieces]} for s in sections],
        "identical": not (metadata or cells or sections),
    }
