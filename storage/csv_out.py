"""The one CSV writer: every CSV nianbao writes (exports, the CLI's --csv, the web's downloads)
goes through `write_csv`, so every cell is neutralised the same way and every file opens in a
spreadsheet as UTF-8.

Excel reads a CSV without a byte-order mark in the machine's legacy code page (GBK on a Chinese
Windows, cp1252 elsewhere), so UTF-8 Chinese shows as garbage: every CSV therefore starts with
U+FEFF (`BOM`; written as EF BB BF in UTF-8). Readers that know UTF-8 skip it when they open the
file as `utf-8-sig` (Python's csv, pandas' default, LibreOffice, Numbers).

Report text is untrusted: a crawled title `=HYPERLINK("http://…")` or an agency named `=1+2` must
reach a spreadsheet as text, not as a live formula. A text cell beginning with = + - @ (a
formula), or with a tab or carriage return (which spreadsheets skip before reading one), gets a
leading apostrophe. Numbers are written as they are, so a negative count stays a number; None is
an empty cell.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Mapping, Sequence
from typing import IO, Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"


def spreadsheet_safe(value: Any) -> Any:
    """A cell as written: None -> "", numbers unchanged, text that a spreadsheet would run
    -> the same text after an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, int | float):  # bool is an int: written True/False
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(out: IO[str], columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *,
              header: Sequence[str] | None = None, bom: bool = True) -> int:
    """The byte-order mark (unless `bom` is false), a header (`header`, default the column
    names), then one line per row with the row's value for each column (a missing one is empty);
    the number of rows written."""
    if bom:
        out.write(BOM)
    writer = csv.writer(out)
    writer.writerow([spreadsheet_safe(name) for name in (header or columns)])
    count = 0
    for row in rows:
        writer.writerow([spreadsheet_safe(row.get(name)) for name in columns])
        count += 1
    return count
