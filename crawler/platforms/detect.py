"""Which platform serves a list page, and reading the page with that platform's reader.

A registry entry's `platform` key overrides detection. Every platform the registry names
(`crawler.registry.PLATFORMS`) has a reader here.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from urllib.parse import urlsplit

from crawler.platforms.gkmlpt import GKMLPT_SID, read_gkmlpt
from crawler.platforms.hanweb import read_hanweb
from crawler.platforms.pages import ListPage, ListPageError
from crawler.platforms.static import read_static
from crawler.platforms.trs import read_trs
from crawler.platforms.ucap import read_ucap
from crawler.platforms.vsb import read_vsb
from crawler.registry import PLATFORMS

log = logging.getLogger(__name__)

_TRS_DETAIL = re.compile(r"""href\s*=\s*['"][^'"]*/t\d{8}_\d+\.s?html?['"]""", re.IGNORECASE)
_VSB_MARKERS = re.compile(
    r"Visual\s*SiteBuilder|/system/resource/|_sitegray|/system/_content/download\.jsp|"
    r"""id\s*=\s*['"]line_u\d""",
    re.IGNORECASE,
)
_VSB_DETAIL = re.compile(r"""href\s*=\s*['"][^'"]*\binfo/\d+/\d+\.htm['"]""", re.IGNORECASE)

_READERS: dict[str, Callable[[str, str], ListPage]] = {
    "trs": read_trs,
    "hanweb": read_hanweb,
    "vsb": read_vsb,
    "ucap": read_ucap,
    "gkmlpt": read_gkmlpt,
    "static": read_static,
}
assert set(_READERS) == set(PLATFORMS), "every registry platform needs a reader"


def detect_platform(url: str, body: str) -> str:
    """The platform serving this list page, from markers in the body and the shape of the URL.

    Strong markers first (a script or data layout only that platform emits), then URL shapes.
    """
    path = urlsplit(url).path.lower()
    text = body.lstrip()
    if re.search(r"/gkmlpt(?:/|$)", path):
        return "gkmlpt"
    if text.startswith("{") and '"articles"' in text:
        return "gkmlpt"
    if "/gkmlpt/" in body and GKMLPT_SID.search(body):
        return "gkmlpt"
    if re.search(r"<datastore>|\.jpage\s*\(|/module/web/jpage/|/module/jpage/", body, re.IGNORECASE) or (
        "dataproxy.jsp" in path
    ):
        return "hanweb"
    if "createPageHTML" in body:
        return "trs"
    if _VSB_MARKERS.search(body):
        return "vsb"
    if _TRS_DETAIL.search(body):
        return "trs"
    if re.search(r"kaipuyun|\bucap\b|/ucap/", body, re.IGNORECASE) or path.endswith(".shtml"):
        return "ucap"
    if path.endswith(".htm") and _VSB_DETAIL.search(body):
        return "vsb"
    if re.search(r"/col/col\d+/", path):
        return "hanweb"
    return "static"


def parse_list_page(url: str, body: str, platform: str | None = None) -> ListPage:
    """Read one list page: its items and the later pages of its column.

    `body` is decoded text: HTML, Hanweb's datastore XML, or gkmlpt's JSON. `platform`
    overrides detection (a registry entry's `platform` key).
    """
    platform = platform or detect_platform(url, body)
    reader = _READERS.get(platform)
    if reader is None:
        raise ListPageError(f"{url}: unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    page = reader(url, body)
    log.debug("%s: %s list page, %d links, %d later pages", url, platform, len(page.links), len(page.next_pages))
    return page
