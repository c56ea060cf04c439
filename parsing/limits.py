"""Explicit limits on what one parse may consume. Override per call or from the CLI."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    max_bytes: int = 32 * 1024 * 1024  # a report page or text is rarely above 2 MB
    max_span: int = 200  # rowspan/colspan beyond this is a broken or hostile table
    max_table_cells: int = 50_000  # per <table>, after spans are expanded
    max_tables: int = 200  # per page


DEFAULT_LIMITS = Limits()
