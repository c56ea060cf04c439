"""Turning one annual report (政府信息公开工作年度报告) into the record of spec/record.md.

Pure functions: bytes + URL in, `Record` out; no network, no database, no clock.
"""

from .errors import (
    EmptyInputError,
    InputTooLargeError,
    NotAReportError,
    ParseError,
    UnsupportedInputError,
)
from .limits import DEFAULT_LIMITS, Limits
from .record import Check, Record
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
