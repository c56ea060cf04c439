"""What nianbao prints and downloads, in one place: JSON on stdout, CSV (every cell through
`storage.csv_out`, which neutralises spreadsheet formulas), the one CSV form of a search hit for
the CLI and the web, and text from crawled pages made safe for a terminal.

The JSON form of a hit is `storage.search.Hit.to_dict`; its CSV form here is that dict with the
snippet as plain text and its matched parts. Text printed to a terminal goes through
`terminal_text` (or `terminal_safe` for a whole record): a crawled title holding
`\\x1b]0;…\\x07` would otherwise retitle the terminal, move the cursor or rewrite the screen.
JSON output needs no such step: json escapes control characters.
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from enum import Enum
from typing import Any

from rich.cells import cell_len
from rich.console import Console

from storage.csv_out import write_csv

# C0 controls but tab and newline, DEL, and C1 controls (\x9b is a one-byte CSI in some terminals).
_CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")

HIT_CSV_COLUMNS = ("agency", "region", "kind", "year", "title", "url", "captured_at", "published_on", "format",
                   "checks_failed", "is_current", "score", "report_id", "version_id", "capture_id", "permalink",
                   "snippet", "matched")


def terminal_text(text: str) -> str:
    """`text` without control characters (newlines and tabs stay), for printing to a terminal."""
    return _CONTROL_CHARACTERS.sub("", text)


def pad(text: str, width: int) -> str:
    """`text` and spaces up to `width` terminal columns: a Chinese character takes two columns,
    so str.ljust (and an f-string's `:<width`) would leave a column of Chinese names ragged."""
    return text + " " * (width - cell_len(text))


def columns(texts: Iterable[str], least: int = 0) -> int:
    """The terminal columns the widest of `texts` takes (at least `least`): the width to `pad` them to."""
    return max([least, *(cell_len(text) for text in texts)])


def terminal_safe(value: Any) -> Any:
    """`value` with `terminal_text` applied to every string in it: through dataclasses (a
    parsed `Record`, its checks), mappings, tuples and lists. Other values are returned as they are."""
    if isinstance(value, Enum):
        return value
    if isinstance(value, str):
        return terminal_text(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{field.name: terminal_safe(getattr(value, field.name))
                                             for field in dataclasses.fields(value) if field.init})
    if isinstance(value, Mapping):
        return {terminal_safe(key): terminal_safe(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return type(value)(terminal_safe(item) for item in value)
    return value


def terminal_console(width: int) -> Console:
    """A rich console on stdout: the terminal's own width, or `width` columns when piped."""
    return Console(width=None if sys.stdout.isatty() else width)


def print_json(payload: Any) -> None:
    """`payload` as indented JSON on stdout, Chinese as it is (not \\u-escaped)."""
    json.dump(payload, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


def print_csv(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], *, header: Sequence[str] | None = None) -> int:
    """Rows as CSV on stdout (`storage.csv_out.write_csv`); the number of rows."""
    return write_csv(sys.stdout, columns, rows, header=header)


def hit_csv_row(hit: Any) -> dict[str, Any]:
    """The CSV form of a `storage.search.Hit`: its JSON form (`Hit.to_dict`) with the snippet as
    plain text and the matched parts of it joined by " | "."""
    row = hit.to_dict()
    row["snippet"] = row.pop("snippet_text")
    row["matched"] = " | ".join(text for text, matched in hit.snippet if matched)
    return row


def hits_csv(hits: Iterable[Any], permalink: Callable[[int, int], str] | None = None) -> str:
    """Search hits as CSV text, one row each (`hit_csv_row`), for `nianbao search --csv` and the
    web's download; the permalink column only when `permalink(report_id, version_id)` is given."""
    columns = [name for name in HIT_CSV_COLUMNS if permalink is not None or name != "permalink"]
    rows = []
    for hit in hits:
        row = hit_csv_row(hit)
        if permalink is not None:
            row["permalink"] = permalink(hit.report_id, hit.version_id)
        rows.append(row)
    out = io.StringIO()
    write_csv(out, columns, rows)
    return out.getvalue()
