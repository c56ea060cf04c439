"""Reading one table cell: numbers, blanks, notes and units as reports actually write them.

Cells seen in real reports: `0`, `14,285`, `+14`, `-2`, `减少1`, `36.75`, `5446.75万元`,
`251000元`, `22（其中修订16件）`, `/`, `—`, `&nbsp;` and empty. A blank (empty, "/", "—",
"-") is `None`, never 0 (spec: record.md).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

# "unreadable": a value position with ink that could not be read (OCR); never a label.
CellKind = Literal["number", "blank", "text", "unreadable"]

# After NFKC: full-width ／ and － are already "/" and "-".
BLANK_MARKERS = frozenset({"", "/", "-", "—", "——", "–", "―", "─", "\\", "_"})

_NUMBER = re.compile(
    r"""^
    (?P<sign>[+-]|增加|增|减少|减)?
    (?P<int>\d{1,3}(?:,\d{3})+|\d+)
    (?:\.(?P<frac>\d+))?
    (?P<unit>万元|元|件|个|项|条|次|人|宗)?
    (?:\((?P<note>[^()]*)\))?
    $""",
    re.VERBOSE,
)
_SPACES = re.compile(r"\s+")


@lru_cache(maxsize=16384)
def normalize_text(text: str) -> str:
    """NFKC (full-width digits, brackets, colons to ASCII) and collapsed whitespace."""
    text = unicodedata.normalize("NFKC", text).replace("\u3000", " ")
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class CellValue:
    kind: CellKind
    raw: str
    number: Decimal | None = None
    unit: str | None = None  # "元" or "万元" when the cell itself states it
    note: str | None = None  # "其中修订16件" from "22（其中修订16件）"
    uncertain: bool = False  # read by OCR with low confidence

    @property
    def is_value(self) -> bool:
        """True for what can stand in a value column: a number or a blank."""
        return self.kind != "text"


@lru_cache(maxsize=16384)  # cells repeat endlessly ("0", "", labels); CellValue is frozen
def parse_cell(text: str) -> CellValue:
    raw = text
    text = normalize_text(text)
    if text in BLANK_MARKERS:
        return CellValue("blank", raw)
    compact = text.replace(" ", "")
    match = _NUMBER.match(compact)
    if not match:
        return CellValue("text", raw)
    number = Decimal(match["int"].replace(",", ""))
    if match["frac"]:
        number += Decimal("0." + match["frac"])
    if match["sign"] in ("-", "减", "减少"):
        number = -number
    unit = match["unit"] if match["unit"] in ("元", "万元") else None
    return CellValue("number", raw, number=number, unit=unit, note=match["note"] or None)


def count_value(number: Decimal) -> int | float:
    """A count as an int; a non-integral count stays as written (the caller warns)."""
    return int(number) if number == number.to_integral_value() else float(number)


def amount_value(number: Decimal, unit: str | None) -> int | float:
    """An amount in 万元, as written: 36.75 stays 36.75, 2614 stays 2614, 251000元 becomes 25.1."""
    if unit == "元":
        number = number / Decimal(10000)
    if number == number.to_integral_value():
        return int(number)
    return float(number.normalize())
