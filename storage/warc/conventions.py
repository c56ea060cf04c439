"""nianbao's WARC conventions, shared by the export and the import: the nianbao field names,
the error, `WARC-Date` written and read, record IDs and payload digests (the conventions
themselves are described in storage/warc/__init__.py)."""

from __future__ import annotations

import datetime as dt
import re
import uuid

from warcio.timeutils import iso_date_to_datetime
from warcio.utils import Digester

from ..clock import utc

FINAL_URL = "X-Nianbao-Final-URL"
AGENCY = "X-Nianbao-Agency"
RENAMED = "X-Nianbao-Renamed-Headers"
ORIG_PREFIX = "X-Archive-Orig-"
RECORD_NAMESPACE = uuid.UUID("5f0c9a52-5d51-4c7e-9a43-2f1b8f7d6c11")  # for nianbao's record IDs
# Records that become captures: "conversion" is a DOM a browser rendered (role rendered); the rest
# (request, warcinfo, metadata, ...) are skipped.
CAPTURE_TYPES = ("response", "resource", "revisit", "conversion")
RENDERED_FROM = "X-Nianbao-Rendered-From"  # "<url> <WARC-Date>" of the response a DOM was rendered from


class WarcError(Exception):
    """A WARC file cannot be read or written; the message names the file and where."""


def warc_date(moment: dt.datetime) -> str:
    """W3C-ISO8601 in UTC, with fractional seconds only as far as they were stored."""
    moment = utc(moment)
    text = moment.strftime("%Y-%m-%dT%H:%M:%S")
    if moment.microsecond:
        text += f".{moment.microsecond:06d}".rstrip("0")
    return text + "Z"


def record_id(kind: str, url: str, moment: dt.datetime) -> str:
    return f"<urn:uuid:{uuid.uuid5(RECORD_NAMESPACE, f'{kind} {url} {warc_date(moment)}')}>"


def payload_digest(body: bytes) -> str:
    digester = Digester("sha1")
    digester.update(body)
    return str(digester)


def parse_warc_date(text: str, where: str = "") -> dt.datetime:
    """A WARC-Date as an aware UTC datetime; fractions beyond microseconds are dropped."""
    match = re.fullmatch(r"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", text.strip())
    try:
        if match:
            whole, fraction, zone = match.groups()
            micros = (fraction or "")[:6].ljust(6, "0")
            moment = dt.datetime.fromisoformat(f"{whole}.{micros}{'+00:00' if zone == 'Z' else zone}")
        else:
            moment = iso_date_to_datetime(text.strip(), tz_aware=True)  # reduced precision, e.g. 2024-01-02T03:04Z
    except (ValueError, TypeError) as exc:
        raise WarcError(f"{where}: WARC-Date {text!r} is not a W3C-ISO8601 date") from exc
    return moment.astimezone(dt.timezone.utc)
