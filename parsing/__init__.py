"""Turning one annual report (政府信息公开工作年度报告) into the record of spec/record.md.

Pure functions: bytes + URL in, `Record` out; no network, no database, no clock.

The readers (`parse_report`, `parse_html`, `parse_text`: trafilatura, lxml, pdfplumber, ...) are
imported on first use (PEP 562), so a process that only reads records (`nianbao monitor`,
`serve`) or the record's light modules does not pay ~0.3 s of CPU importing them
(tests/test_startup.py).
"""

from typing import TYPE_CHECKING, Any

from .errors import (
    EmptyInputError,
    InputTooLargeError,
    NotAReportError,
    ParseError,
    UnsupportedInputError,
)
from .limits import DEFAULT_LIMITS, Limits
from .record import Check, Record

if TYPE_CHECKING:
    from .report import parse_html, parse_report, parse_text

__all__ = [
    "Check",
    "DEFAULT_LIMITS",
    "EmptyInputError",
    "InputTooLargeError",
    "Limits",
    "NotAReportError",
    "ParseError",
    "Record",
    "UnsupportedInputError",
    "parse_html",
    "parse_report",
    "parse_text",
]


def __getattr__(name: str) -> Any:
    if name in ("parse_html", "parse_report", "parse_text"):
        from . import report

        value = getattr(report, name)
        globals()[name] = value  # asked once: later reads find it without this function
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
