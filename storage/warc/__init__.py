"""WARC in and out: every capture as WARC 1.1 records, and captures from any crawler's WARC.

Export (`export_warc`) writes one `warcinfo` record, then each capture in capture order:

- a capture with an HTTP status: a `response` record (the captured status line and headers in
  their order, the stored payload) followed by its `request` record (a GET of the URL, no body);
- a revisit (same URL, same payload as an earlier capture): a `revisit` record, profile
  identical-payload-digest, pointing at the earlier capture's URL, date and record ID, with
  this capture's HTTP headers and no payload;
- a local file (no HTTP status): a `resource` record with its Content-Type and payload.
- a DOM a browser rendered (role `rendered`, crawler/browser.py): a `conversion` record, its
  `WARC-Refers-To` the response (or revisit) record it was rendered from, the browser's fields
  (`X-Nianbao-Via: browser`, `-User-Agent`, `-Viewport`, `-Rendered-From`) as WARC fields; the
  import makes it a capture of role `rendered` again (never parsed), tied to the response its
  `-Rendered-From` or `WARC-Refers-To` names.

Conventions, also stated in the file's warcinfo record:

- The archive keeps payloads decoded (what the parser reads). So that the HTTP block stays
  true to its bytes, the headers describing the transfer are renamed with the `X-Archive-Orig-`
  prefix other archivers use: always `Transfer-Encoding` and `Content-Encoding`, and
  `Content-Length` when it differs from the stored payload's length. The record's
  `X-Nianbao-Renamed-Headers` lists the renamed headers' 0-based positions, so an import puts
  back exactly the headers captured (a captured header that already began with
  `X-Archive-Orig-`, e.g. from a Wayback page, is left alone).
- HTTP headers are written as UTF-8 (warcio would %-encode non-ASCII values, e.g. a
  `Content-Disposition` filename in Chinese, and the import would not get them back).
- `WARC-Date` is the capture time in UTC, with fractional seconds only when stored.
- `X-Nianbao-Final-URL` is the URL after redirects (the report's URL); `X-Nianbao-Agency` the
  registry's name of the publisher of the report at that URL. Redirect hops are not kept
  except as their own captures.
- Record IDs are UUID5s of (record type, URL, capture time), so exporting the same archive
  twice gives the same records (only the warcinfo differs).
- Digests are warcio's: sha1 in base32, the payload digest over the payload as written (the
  decoded payload, so it differs from a digest of the bytes on the wire when those were encoded).

Import (`import_warc`) reads any WARC 1.0/1.1 file, plain or gzipped, in two passes: the first
reads every record and checks it (gzip stream, lengths, block digests, dates); only when the
whole file is sound does the second pass ingest, so a broken file adds nothing (a file whose
payloads fit in 128 MB is not read again: the checked records are kept). Captures are stored
500 to a transaction by a group commit (storage/group_commit.py) while the file is read on, and
parsed in worker processes. Payloads come decoded as warcio's `content_stream` gives them
(chunked, gzip, deflate, br); the HTTP headers are kept as the crawler wrote them. An import
stopped half-way (a full disk, a kill) keeps whole batches and can simply be run again: ingest
is idempotent on (URL, capture time).

The package: `conventions` (the nianbao field names, `WarcError`, dates, record IDs, digests),
`export` (writing), `reader` (reading and checking records) and `importer` (records to
captures, revisits resolved, ingest). Every name is importable from `storage.warc`.
"""

from .conventions import (
    AGENCY,
    CAPTURE_TYPES,
    FINAL_URL,
    ORIG_PREFIX,
    RECORD_NAMESPACE,
    RENAMED,
    WarcError,
    parse_warc_date,
    payload_digest,
    record_id,
    warc_date,
)
from .export import TRANSFER_HEADERS, UNKNOWN_TYPE, export_warc
from .importer import ImportSummary, import_warc, normalize_digest
from .reader import GZIP_MAGIC, NO_BLANK_LINE, WarcRecordIn, read_records, renamed_positions

__all__ = [
    "AGENCY",
    "CAPTURE_TYPES",
    "FINAL_URL",
    "GZIP_MAGIC",
    "NO_BLANK_LINE",
    "ORIG_PREFIX",
    "RECORD_NAMESPACE",
    "RENAMED",
    "TRANSFER_HEADERS",
    "UNKNOWN_TYPE",
    "ImportSummary",
    "WarcError",
    "WarcRecordIn",
    "export_warc",
    "import_warc",
    "normalize_digest",
    "parse_warc_date",
    "payload_digest",
    "read_records",
    "record_id",
    "renamed_positions",
    "warc_date",
]
