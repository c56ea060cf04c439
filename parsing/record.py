"""The report record (../shared/spec/record.md) as typed, frozen values, and its JSON form."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .schema import SECTION_KEYS, Format

Number = int | float
Table = Mapping[str, Mapping[str, Number | None]]


@dataclass(frozen=True)
class Check:
    """One arithmetic identity of the format, evaluated on the published numbers."""

    rule: str
    ok: bool
    detail: str

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule, "ok": self.ok, "detail": self.detail}


@dataclass(frozen=True)
class Record:
    """Everything nianbao reads out of one annual report.

    Tables are nested mappings `row -> column -> value`; a table the report does not contain is
    `None` (and absent from the JSON), a blank cell is `None`, a written zero is `0`.
    """

    title: str | None = None
    agency: str | None = None
    year: int | None = None
    format: Format | None = None
    published_on: dt.date | None = None
    sections: Mapping[str, str | None] = field(default_factory=dict)
    active: Table | None = None
    applications: Table | None = None
    review_litigation: Table | None = None
    checks: tuple[Check, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "title": self.title,
            "agency": self.agency,
            "year": self.year,
            "format": self.format,
            "published_on": self.published_on.isoformat() if self.published_on else None,
            "sections": {key: self.sections.get(key) for key in SECTION_KEYS},
        }
        for name in ("active", "applications", "review_litigation"):
            table = getattr(self, name)
            if table is not None:
                out[name] = {row: dict(cols) for row, cols in table.items()}
        out["checks"] = [c.to_dict() for c in self.checks]
        out["warnings"] = list(self.warnings)
        return out

    def flatten(self) -> dict[str, Any]:
        """The record as `{dotted.path: value}`, the shape of the seeds' `*.expected.json`."""
        return flatten(self.to_dict())


def flatten(obj: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in obj.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(flatten(value, path + "."))
        else:
            flat[path] = value
    return flat
