"""Bytes to text, deciding the encoding from the bytes themselves.

Portals mislabel encodings (a GBK page declaring UTF-8 in its header, a meta tag saying
gb2312 on a UTF-8 page), so declared charsets are only a tie-breaker: a BOM wins, then strict
UTF-8 (which random GBK bytes essentially never pass), then the declared charset if the bytes
decode under it, then GB18030 (a superset of GBK/GB2312), then charset detection.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from .errors import InputTooLargeError, UnsupportedInputError
from .limits import Limits

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def declared_charset(body: bytes, content_type: str | None = None) -> str | None:
    if content_type:
        match = re.search(r"charset\s*=\s*[\"']?([A-Za-z0-9_.:-]+)", content_type, re.I)
        if match:
            return match.group(1)
    match = _META_CHARSET.search(body[:4096])
    return match.group(1).decode("ascii", "replace") if match else None


def _codec(name: str | None) -> str | None:
    if not name:
        return None
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    # gb2312/gbk labels are routinely used for text with characters outside them.
    return "gb18030" if codec in ("gb2312", "gbk", "hz") else codec


def decode_bytes(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """The text and the encoding it was decoded with."""
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body.decode(codec, errors="replace"), codec
    try:
        return body.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    for codec in (_codec(declared_charset(body, content_type)), "gb18030"):
        if codec and codec != "utf-8":
            try:
                return body.decode(codec), codec
            except UnicodeDecodeError:
                continue
    best = from_bytes(body).best()
    if best is not None:
        return str(best), best.encoding
    return body.decode("gb18030", errors="replace"), "gb18030"


def check_text_bytes(body: bytes, limits: Limits, *, html: bool) -> None:
    """Refuse, from the bytes and before anything is decoded, text no report could be.

    Decoding, splitting into lines and reading every line as a row of cells cost 10-30x the
    input in memory (a 60 MB text took 1.9 GB and 130 s), so the size is bounded here: binary data
    (NUL bytes beyond the 4 KB that `sniff` looks at), HTML over `max_html_bytes`, plain text over
    `max_text_bytes` or `max_text_lines`. Counting bytes copies nothing.
    """
    if not body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        nuls = body.count(b"\x00")
        if nuls > len(body) // 100:
            raise UnsupportedInputError(
                f"binary data ({nuls * 100 // len(body)}% of its {len(body)} bytes are NUL), not text or HTML"
            )
    if html and len(body) > limits.max_html_bytes:
        raise InputTooLargeError(f"{len(body)} bytes of HTML (limit {limits.max_html_bytes})")
    if not html:
        if len(body) > limits.max_text_bytes:
            raise InputTooLargeError(f"{len(body)} bytes of text (limit {limits.max_text_bytes})")
        if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            # Counted in code units, not bytes: 上 (U+4E0A) holds a \n byte, 不 (U+4E0D) a \r.
            # Bounded above by max_text_bytes, so this copy is small.
            text = body.decode("utf-16", errors="replace")
            lines = max(text.count("\n"), text.count("\r")) + 1
        else:
            lines = max(body.count(b"\n"), body.count(b"\r")) + 1
        if lines > limits.max_text_lines:
            raise InputTooLargeError(f"{lines} lines of text (limit {limits.max_text_lines})")
