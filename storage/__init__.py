"""The archive: captures, reports and their versions in SQLite or PostgreSQL, bytes in a
content-addressed blob store, WARC in and out.

    from storage import Archive, CaptureIn
    archive = Archive.open()              # $NIANBAO_DATA, $NIANBAO_DATABASE_URL
    archive.ingest(CaptureIn(url, body, captured_at, status=200, headers=...))
"""

from .archive import Archive, CaptureConflictError, CaptureIn, CheckResult, IngestResult, ReparseSummary
from .blobs import BlobError, BlobStore

__all__ = ["Archive", "BlobError", "CaptureConflictError", "BlobStore", "CaptureIn", "CheckResult", "IngestResult", "ReparseSummary"]
