"""A judgment as the monitor keeps it (storage.monitor_state's `judgment` column, migration 0012):
MessagePack written and read by msgspec, straight from and into the judging types (`Judged`,
`AgencyStatus`, `Finding`; their enums by value, dates as ISO text, the narrative's first capture
time as a MessagePack timestamp). The narrative's MinHash signature is kept beside it, as bytes.

A national evaluation read from the database in a new process (`nianbao monitor` from cron)
decodes every agency's kept judgment: as JSON through the standard library and rebuilt field by
field it was ~24 CPU us a judgment (most of that process's time at 100,000 agencies); decoded by
msgspec into the classes themselves it is ~7 us, and a quarter smaller.
"""

from __future__ import annotations

import datetime as dt

import msgspec
import numpy as np

from storage.monitor_state import Judgment

from .copies import CopyDoc
from .findings import Finding
from .judging import Judged
from .statuses import AgencyStatus


class _Doc(msgspec.Struct, array_like=True, frozen=True):
    """A `CopyDoc` without its agency (the row's) and signature (a column of its own)."""

    report_id: int
    version_id: int
    url: str
    year: int
    sha256: str
    first_seen: dt.datetime


class _Judgment(msgspec.Struct, array_like=True, frozen=True):
    status: AgencyStatus
    findings: tuple[Finding, ...]
    copied: tuple[Finding, ...]
    doc: _Doc | None


_encoder = msgspec.msgpack.Encoder()
_decoder = msgspec.msgpack.Decoder(_Judgment)


def encode(judged: Judged) -> Judgment:
    """`judged` as kept: the judgment's bytes and its narrative's signature (None: no narrative)."""
    doc = judged.doc
    kept = None if doc is None else _Doc(doc.report_id, doc.version_id, doc.url, doc.year, doc.sha256, doc.first_seen)
    data = _encoder.encode(_Judgment(judged.status, judged.findings, judged.copied, kept))
    return data, None if doc is None else doc.signature.astype("<u4").tobytes()


def decode(agency: str, data: bytes, signature: bytes | None) -> Judged:
    """The judgment `encode` kept for `agency`."""
    kept = _decoder.decode(data)
    doc = kept.doc
    return Judged(kept.status, kept.findings, kept.copied, None if doc is None else CopyDoc(
        agency, doc.report_id, doc.version_id, doc.url, doc.year, doc.sha256, doc.first_seen,
        np.frombuffer(signature, dtype="<u4")))  # (read-only, over the bytes: nothing writes a signature)
