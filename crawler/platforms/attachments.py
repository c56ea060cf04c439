"""Which links are attachments: the one rule, for a column's listed links and a report page's links.

`attachment_file` decides for one link (its target and its text); `attachment_links` collects a
report's detail page's attachment links. The spider asks `attachment_file` of every listed link
too: an attachment is fetched and archived as a file, anything else as a report page whose own
attachment links are followed. So the rule leans to "page": a report page taken for a file would
lose its attachments, while a file taken for a page is still archived (and parsed) whole.

Recognised (fixtures detail_with_attachments.html, hanweb_detail.html, vsb_detail.htm):

- a document extension (.pdf .doc .docx .wps) ending the path, in any case, percent-encoded or not;
- a pdf.js viewer (``…/viewer.html?file=/upload/x.pdf``): the file it shows;
- VSB's ``download.jsp?urltype=news.DownloadAttachUrl&owner=…&wbfileid=…``, Hanweb's
  ``downfile.jsp?classid=0&filename=…`` and other download handlers (``download.do``,
  ``down.aspx``…); their file name comes in Content-Disposition;
- on a path that is no HTML page: a query value naming a document (``show.jsp?file=a.pdf``), or a
  link text naming one (``<a href="/content?id=5">年报.pdf</a>``).

Not attachments: HTML pages (``.html``, ``.htm``, ``.shtml``) whatever their query or text names,
a folder or host that merely says "download" (``/xzzx/download/``, 下载中心), images, spreadsheets.
"""

from __future__ import annotations

import functools
import re
from urllib.parse import parse_qs, unquote, urljoin, urlsplit

from crawler.platforms.links import absolute, base_url, clean, parse_html
from crawler.platforms.pages import ListedLink

_DOCUMENT = re.compile(r"\.(?:pdf|docx?|wps)$", re.IGNORECASE)
_DOWNLOADERS = re.compile(r"(?:^|/)(?:download|downfile|down)\.(?:jsp|do|aspx?|php)$|/downfile", re.IGNORECASE)
_PAGE = (".html", ".htm", ".shtml")


# A report page's links are mostly its site's menus, the same on every page of the site: each
# (target, text) judged once (attachment_links was ~1 ms of CPU a report page, bench/crawl
# profile). Pure, so remembered; bounded.
@functools.lru_cache(maxsize=8192)
def attachment_file(url: str, text: str = "") -> str | None:
    """The file a link to `url` reading `text` downloads, or None when it is no attachment link
    (the rules in the module docstring, in their order)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query) if parts.query else {}
    last = parts.path.rsplit("/", 1)[-1].lower()
    if last.startswith("viewer"):  # pdf.js viewers: ...viewer.html?file=/upload/x.pdf
        inner = (query.get("file") or [""])[0]
        if _DOCUMENT.search(urlsplit(inner).path):
            return urljoin(url, inner)
    if _DOCUMENT.search(unquote(parts.path)):
        return url
    if "wbfileid" in {k.lower() for k in query}:  # VSB: download.jsp?urltype=news.DownloadAttachUrl&owner=…&wbfileid=…
        return url
    if _DOWNLOADERS.search(parts.path):  # Hanweb downfile.jsp: the name comes in Content-Disposition
        return url
    if last.endswith(_PAGE):
        return None
    if any(_DOCUMENT.search(value.strip()) for values in query.values() for value in values):
        return url
    if _DOCUMENT.search(text.strip()):
        return url
    return None


def attachment_links(url: str, body: str) -> tuple[ListedLink, ...]:
    """Links to PDF/DOC/DOCX/WPS attachments on a report's detail page, with their link text
    (the link's title attribute, else the file's name, where the link has no text)."""
    root = parse_html(body)
    if root is None:
        return ()
    base = base_url(root, url)
    found: dict[str, ListedLink] = {}
    for anchor in root.iter("a"):
        target = absolute(base, anchor.get("href"))
        if target is None:
            continue
        text = clean("".join(anchor.itertext())) or clean(anchor.get("title"))
        file_url = attachment_file(target, text)
        if file_url is None:
            continue
        title = text or unquote(urlsplit(file_url).path.rsplit("/", 1)[-1])
        if file_url not in found or (not found[file_url].title and title):
            found[file_url] = ListedLink(file_url, title, None)
    return tuple(found.values())
