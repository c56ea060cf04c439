"""A capture made readable: an HTML page decoded by its real charset and re-served as UTF-8 with
its links neutralised, a text decoded the same way, a PDF handed to the browser inline.

Portals mislabel encodings (a GBK page sent with `charset=UTF-8`), so the copy served exactly as
captured (`/captures/<id>/raw`) shows mojibake in a browser that trusts the header. The charset is
decided here from the bytes exactly as the parser decides it (`parsing.decode.decode_bytes`), so
what a reader sees is the text nianbao read. The readable copy is still untrusted markup: it is
served under the archive's sandbox CSP, and nothing in it may reach the portal: links keep their
target as a tooltip (`title`) but lose their `href`, and whatever would load or navigate
(`<script>`, `<base>`, `<meta http-equiv=refresh>`, frames, form actions, event handlers) is
dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree

from parsing.decode import decode_bytes
from parsing.errors import ParseError
from parsing.sniff import sniff

# Elements that load, run or navigate: dropped with their content.
_DROPPED = ("script", "noscript", "base", "iframe", "frame", "frameset", "object", "embed", "applet", "link", "portal")
# Attributes whose value is a URL something would fetch or go to.
_URL_ATTRIBUTES = ("href", "src", "srcset", "action", "formaction", "background", "poster", "data", "ping",
                   "longdesc", "lowsrc", "dynsrc", "xlink:href", "codebase", "cite", "manifest")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>", re.I)
READABLE_KINDS = ("html", "text", "pdf")  # what `readable` can show; anything else is downloaded


@dataclass(frozen=True)
class Readable:
    """What `/captures/<id>/view` serves: a body, its content type, and (for text) the charset the
    bytes were decoded with."""

    body: bytes
    content_type: str
    decoded_as: str | None = None  # the codec that decoded the captured bytes (None: not decoded)
    inline_name: str | None = None  # a filename for Content-Disposition: inline


def payload_type(body: bytes) -> str | None:
    """"html", "pdf", "text", "docx", ... as `parsing.sniff` reads the bytes; None when unknown."""
    try:
        return sniff(body)
    except ParseError:
        return None


def neutralised_html(text: str) -> str:
    """`text` (a decoded page) with links disarmed and nothing that loads or navigates, as a
    UTF-8 document."""
    text = _XML_DECLARATION.sub("", text, count=1)  # lxml refuses a str that declares an encoding
    if not text.strip():
        return '<!doctype html><meta charset="utf-8">'
    document = lxml.html.document_fromstring(text)
    for element in list(document.iter()):
        if not isinstance(element.tag, str):  # comments, processing instructions: never rendered
            continue
        tag = element.tag.lower()
        if tag in _DROPPED or (tag == "meta" and (element.get("http-equiv") or element.get("charset"))):
            element.drop_tree()
            continue
        for name in list(element.attrib):
            lowered = name.lower()
            if lowered.startswith("on"):
                del element.attrib[name]
            elif lowered in _URL_ATTRIBUTES:
                value = element.attrib.pop(name)
                if tag == "a" and lowered == "href" and value.strip():
                    element.set("title", f"link (not followed in the archive): {value.strip()}")
                    element.set("data-archived-href", value.strip())
    head = document.find("head")
    if head is None:
        head = etree.Element("head")
        document.insert(0, head)
    charset = etree.Element("meta")
    charset.set("charset", "utf-8")
    head.insert(0, charset)
    return "<!doctype html>\n" + lxml.html.tostring(document, encoding="unicode")


def readable(body: bytes, content_type: str | None, capture_id: int) -> Readable | None:
    """The readable copy of a capture's `body` (its captured `content_type` only breaks ties, as
    in the parser); None when there is none to show (a Word file, binary data: download those)."""
    kind = payload_type(body)
    if kind == "pdf":
        return Readable(body, "application/pdf", inline_name=f"capture-{capture_id}.pdf")
    if kind not in READABLE_KINDS:
        return None
    text, codec = decode_bytes(body, content_type)
    if kind == "html":
        return Readable(neutralised_html(text).encode("utf-8"), "text/html; charset=utf-8", decoded_as=codec)
    return Readable(text.encode("utf-8"), "text/plain; charset=utf-8", decoded_as=codec)
