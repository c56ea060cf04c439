"""The parsing package's exceptions. Messages say what was wrong; callers add the file or URL."""

from __future__ import annotations


class ParseError(Exception):
    """Base class: this input could not be turned into a report record."""


class NotAReportError(ParseError):
    """The input is readable but is not a 政府信息公开工作年度报告 (a notice, a sector report...)."""


class EmptyInputError(ParseError):
    """The input holds no text at all."""


class UnsupportedInputError(ParseError):
    """The input is of a kind this parser does not read (binary data, a document type)."""


class InputTooLargeError(ParseError):
    """The input exceeds a configured limit (see `parsing.limits.Limits`)."""
