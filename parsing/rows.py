"""The grid every source is reduced to, and the text shapes that produce it.

Whatever a report came from (an HTML `<table>`, a DOCX or PDF table, or text lines), the table
reader sees a sequence of `Row`s of `Cell`s. This module defines them and reads the text shapes:

- pipe rows as trafilatura prints tables (`a | b | c |`, ragged trailing pipes);
- markdown tables (`| a | b |`, `|---|`), including a table split in two (seed 004);
- one cell per line, where an empty line is a blank cell (seed 003: paragraphs double-spaced,
  so only the empty lines beyond the first are cells);
- PDF-extracted text: label then whitespace-separated numbers, page footers (`- 3 -`) inside
  tables, wrapped labels, vertical headings glued onto data lines.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .cells import CellValue, parse_cell


@dataclass(frozen=True, slots=True)
class Cell:
    text: str
    value: CellValue
    continuation: bool = False  # a copy made by expanding an HTML/DOCX rowspan or colspan

    @classmethod
    def of(cls, text: str, continuation: bool = False) -> Cell:
        return cls(text, parse_cell(text), continuation)

    @property
    def is_label(self) -> bool:
        return self.value.kind == "text"


@dataclass(frozen=True, slots=True)
class Row:
    cells: tuple[Cell, ...]
    empty_line: bool = False  # one-cell-per-line text: an empty line standing for a blank cell

    @property
    def has_label(self) -> bool:
        return any(c.is_label for c in self.cells)

    @property
    def label_cells(self) -> list[Cell]:
        return [c for c in self.cells if c.is_label]

    def values_after_labels(self) -> list[CellValue]:
        """The value cells after the row's last label cell; spanned copies are not values."""
        last = max((i for i, c in enumerate(self.cells) if c.is_label), default=-1)
        return [c.value for c in self.cells[last + 1 :] if not c.continuation]

    def text(self) -> str:
        return " ".join(c.text for c in self.cells if c.text)


EMPTY_LINE_ROW = Row((Cell.of(""),), empty_line=True)

# Page footers and headers that PDF extraction leaves inside tables.
_FOOTER = re.compile(
    r"^\s*(?:[-—–－]\s*\d{1,3}\s*[-—–－]"
    r"|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?"
    r"|\d{1,3}\s*/\s*\d{1,3}"
    r"|共\s*\d{1,3}\s*页\s*第\s*\d{1,3}\s*页)\s*$"
)
_MARKDOWN_RULE = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(?:\|\s*:?-{2,}:?\s*)*\|?\s*$")


def is_page_footer(line: str) -> bool:
    return bool(_FOOTER.match(line))


def split_plain_line(line: str) -> list[Cell]:
    """A text line as a label cell followed by the values it ends with ("规章 0 0 0")."""
    tokens = line.split()
    if not tokens:
        return [Cell.of("")]
    first_value = len(tokens)
    while first_value > 0 and parse_cell(tokens[first_value - 1]).is_value:
        first_value -= 1
    cells = []
    if first_value > 0:
        cells.append(Cell.of(" ".join(tokens[:first_value])))
    cells.extend(Cell.of(t) for t in tokens[first_value:])
    return cells


def split_pipe_line(line: str, markdown: bool = False) -> list[Cell]:
    """One table row. In markdown every row opens with a pipe; in trafilatura's text a leading
    pipe means the first cell is empty (seed 002: "| 申请人情况 | ||||")."""
    stripped = line.strip()
    parts = stripped.split("|")
    if markdown and stripped.startswith("|"):
        parts = parts[1:]
    if stripped.endswith("|") and parts and not parts[-1].strip():
        parts = parts[:-1]  # the closing pipe (trafilatura and markdown both print one)
    cells: list[Cell] = []
    for part in parts:
        part = part.strip()
        split = split_plain_line(part) if part else [Cell.of("")]
        # A cell holding "0 0 0" is three cells that lost their separators.
        if len(split) > 1 and not split[0].is_label:
            cells.extend(split)
        else:
            cells.append(Cell.of(part))
    return cells


def _is_double_spaced(lines: list[str]) -> bool:
    """True when (nearly) every non-empty line is followed by an empty one (seed 003)."""
    followed = total = 0
    for current, nxt in zip(lines, lines[1:]):
        if current.strip():
            total += 1
            followed += not nxt.strip()
    return total >= 10 and followed / total >= 0.8


def text_to_rows(text: str) -> list[Row]:
    lines = [line for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")]
    lines = [line for line in lines if not is_page_footer(line)]
    pipe_lines = [line.strip() for line in lines if "|" in line]
    rows: list[Row] = []
    if len(pipe_lines) >= 3:
        markdown = any(_MARKDOWN_RULE.match(line) for line in pipe_lines) or (
            sum(line.startswith("|") and line.endswith("|") for line in pipe_lines) >= 0.9 * len(pipe_lines)
        )
        for line in lines:
            if not line.strip() or _MARKDOWN_RULE.match(line):
                continue  # empty lines separate paragraphs and tables here, they are not cells
            cells = split_pipe_line(line, markdown) if "|" in line else split_plain_line(line)
            rows.append(Row(tuple(cells)))
        return rows

    double_spaced = _is_double_spaced(lines)
    previous_blank = True
    for line in lines:
        if line.strip():
            rows.append(Row(tuple(split_plain_line(line))))
            previous_blank = False
            continue
        if double_spaced and not previous_blank:
            previous_blank = True  # the paragraph separator after a cell
            continue
        if rows:  # leading empty lines stand for nothing
            rows.append(EMPTY_LINE_ROW)
    return rows
