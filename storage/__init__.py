"""The archive: captures, reports and their versions in SQLite or PostgreSQL, bytes in a
content-addressed blob store, WARC in and out.

    from storage import Archive, CaptureIn
    archive = Archive.open()              # $NIANBAO_DATA, $NIANBAO_DATABASE_URL
    archive.ingest(CaptureIn(url, body, captured_at, status=200, headers=...))

The names below are imported when first asked for (PEP 562): `storage.archive` brings
SQLAlchemy, the models and the search index (the parser only when it first parses), and most of
the package's modules
(storage.vocab, storage.clock, storage.db) are used by processes that never open an archive
(`nianbao --version`, a command's --help, `nianbao agencies`)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .archive import Archive, CaptureConflictError, CaptureIn, CheckResult, IngestResult, ReparseSummary
    from .blobs import BlobError, BlobStore

_HOMES = {
    "Archive": "archive", "CaptureConflictError": "archive", "CaptureIn": "archive", "CheckResult": "archive",
    "IngestResult": "archive", "ReparseSummary": "archive", "BlobError": "blobs", "BlobStore": "blobs",
}

__all__ = ["Archive", "BlobError", "CaptureConflictError", "BlobStore", "CaptureIn", "CheckResult", "IngestResult", "ReparseSummary"]


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'storage' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{home}", __name__), name)
    globals()[name] = value  # asked once: later reads find it without this function
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
