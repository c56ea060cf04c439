"""Reports out of the archive as JSON Lines or CSV, current version of each report, with its
agency's region and kind. Moments are written in the one text form (`clock.iso_z`, ...Z); CSV
cells go through `csv_out` (the BOM, formulas neutralised). A caller that knows where the web UI
is served passes `permalink(report_id, version_id)` for a column of report-page links; with
`labels` the CSV's number columns are headed by the form's labels (parsing.fields), not paths."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select

from parsing.fields import field
from parsing.record import flatten

from .archive import Archive
from .clock import iso_z
from .csv_out import write_csv
from .models import Agency

BASE_COLUMNS = ("agency", "region", "kind", "year", "title", "url", "captured_at", "published_on")
Permalink = Callable[[int, int | None], str]


def report_rows(archive: Archive, permalink: Permalink | None = None) -> list[dict[str, Any]]:
    with archive.session() as session:
        agencies = {agency.id: (agency.region, agency.kind) for agency in session.scalars(select(Agency))}
    rows = []
    for report, version, capture in archive.latest_versions():
        region, kind = agencies.get(report.agency_id, (None, None))
        row = {
            "agency": report.agency_name,
            "region": region,
            "kind": kind,
            "year": report.year,
            "title": report.title,
            "url": report.url,
            "captured_at": iso_z(capture.captured_at),
            "published_on": report.published_on.isoformat() if report.published_on else None,
        }
        if permalink is not None:
            row["permalink"] = permalink(report.id, version.id)
        row["record"] = version.record
        rows.append(row)
    return rows


def export_jsonl(archive: Archive, out: IO[str], permalink: Permalink | None = None) -> int:
    rows = report_rows(archive, permalink)
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
    return len(rows)


def export_csv(archive: Archive, out: IO[str], permalink: Permalink | None = None, *, labels: bool = False) -> int:
    """One row per report; the record's fields flattened to dotted columns (lists as JSON), each
    number column headed by its form label when `labels`."""
    rows = report_rows(archive, permalink)
    flat_rows = []
    base = BASE_COLUMNS + (("permalink",) if permalink is not None else ())
    columns: dict[str, None] = dict.fromkeys(base)
    for row in rows:
        flat = {key: row[key] for key in base}
        for key, value in flatten(row["record"], "record.").items():
            flat[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
            columns.setdefault(key)
        flat_rows.append(flat)
    header = [_label(column) for column in columns] if labels else None
    return write_csv(out, list(columns), flat_rows, header=header)


def _label(column: str) -> str:
    """A number column's form label (record.applications.granted.total -> （一）予以公开 · 总计);
    any other column as it is."""
    known = field(column.removeprefix("record."))
    return known.label if known is not None and column.startswith("record.") else column


def write_export(archive: Archive, path: Path, kind: str, permalink: Permalink | None = None, *,
                 labels: bool = False) -> int:
    with open(path, "w", encoding="utf-8", newline="") as out:
        if kind == "jsonl":
            return export_jsonl(archive, out, permalink)
        return export_csv(archive, out, permalink, labels=labels)
