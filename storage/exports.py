"""Reports out of the archive as JSON Lines or CSV, current version of each report. Moments
are written in the one text form (`clock.iso_z`, ...Z); CSV cells go through `csv_out`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import IO, Any

from parsing.record import flatten

from .archive import Archive
from .clock import iso_z
from .csv_out import write_csv

BASE_COLUMNS = ("agency", "year", "title", "url", "captured_at", "published_on")


def report_rows(archive: Archive) -> list[dict[str, Any]]:
    rows = []
    for report, version, capture in archive.latest_versions():
        rows.append({
            "agency": report.agency_name,
            "year": report.year,
            "title": report.title,
            "url": report.url,
            "captured_at": iso_z(capture.captured_at),
            "published_on": report.published_on.isoformat() if report.published_on else None,
            "record": version.record,
        })
    return rows


def export_jsonl(archive: Archive, out: IO[str]) -> int:
    rows = report_rows(archive)
    for row in rows:
        out.write(json.dumps(row, ensure_ascii=False, sort_keys=False) + "\n")
    return len(rows)


def export_csv(archive: Archive, out: IO[str]) -> int:
    """One row per report; the record's fields flattened to dotted columns (lists as JSON)."""
    rows = report_rows(archive)
    flat_rows = []
    columns: dict[str, None] = dict.fromkeys(BASE_COLUMNS)
    for row in rows:
        flat = {key: row[key] for key in BASE_COLUMNS}
        for key, value in flatten(row["record"], "record.").items():
            flat[key] = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
            columns.setdefault(key)
        flat_rows.append(flat)
    return write_csv(out, list(columns), flat_rows)


def write_export(archive: Archive, path: Path, kind: str) -> int:
    with open(path, "w", encoding="utf-8", newline="") as out:
        return export_jsonl(archive, out) if kind == "jsonl" else export_csv(archive, out)
