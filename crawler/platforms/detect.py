"""Which platform serves a list page, and reading the page with that platform's reader.

A registry entry's `platform` key overrides detection. Every platform the registry names
(`crawler.registry.PLATFORMS`) has a reader here.

Detection reads the list's own structure: its data layout, its pager script, the shape of its
item links, then the URL. Footer widgets every government site carries are taken out first and
decide nothing: the national site-error widget ``pucha.kaipuyun.cn/exposure/jiucuo.js`` (made by
开普云, on TRS, Hanweb and static sites alike; fixture trs_countpage_template.html), the 党政机关
标识 ``dcs.conac.cn`` and statistics counters (``kaipuyun.cn/count``, cnzz).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from html import unescape
from urllib.parse import urljoin, urlsplit

from crawler.platforms.cicro import is_cicro, read_cicro
from crawler.platforms.epoint import is_epoint, read_epoint
from crawler.platforms.gkmlpt import GKMLPT_SID, read_gkmlpt
from crawler.platforms.hanweb import HANWEB_COLUMN, is_hanweb, read_hanweb
from crawler.platforms.openinfo import is_openinfo, read_openinfo
from crawler.platforms.pages import ListPage, ListPageError
from crawler.platforms.static import read_static
from crawler.platforms.trs import read_trs
from crawler.platforms.ucap import read_ucap
from crawler.platforms.vsb import read_vsb
from crawler.registry import PLATFORMS

log = logging.getLogger(__name__)

# Footer widgets: <script src=…> tags (and the jiucuo widget's <span>) from the national
# services every government site embeds, whatever its CMS.
_FOOTER_WIDGETS = re.compile(
    r"""<script\b[^>]*\bsrc\s*=\s*['"][^'"]*(?:kaipuyun\.cn|conac\.cn|cnzz\.com)[^'"]*['"][^>]*>\s*</script\s*>|"""
    r"""<span\b[^>]*\bid\s*=\s*['"]_span_jiucuo['"][^>]*>.*?</span\s*>|"""
    r"""<script\b[^>]*>[^<]*(?:conac\.cn|kaipuyun\.cn)[^<]*</script\s*>""",
    re.IGNORECASE | re.DOTALL,
)
# TRS's pager scripts: the createPageHTML call or the inline ``var countPage = 2//共多少页``.
_TRS_PAGER = re.compile(r"createPageHTML|\bvar\s+countPage\s*=\s*\d+")
# 开普云/UCAP's own list markup: its /ucap/ paths and the ucap names in its templates (never the
# footer widgets above, which 开普云 serves to every site).
_UCAP_MARKERS = re.compile(r"/ucap/|\bucap(?:cms|_)|\bucapcms\b", re.IGNORECASE)
# (Searched only in a page whose lowercase holds "ucap": the case-blind search of every page cost
# more than the rest of detection; no other letters fold to u, c, a or p.)
_TRS_DETAIL = re.compile(r"""href\s*=\s*['"]([^'"]*/t\d{8}_\d+\.s?html?)['"]""", re.IGNORECASE)
_VSB_MARKERS = re.compile(
    r"Visual\s*SiteBuilder|/system/resource/|_sitegray|/system/_content/download\.jsp|"
    r"""id\s*=\s*['"]line_u\d""",
    re.IGNORECASE,
)
_VSB_DETAIL = re.compile(r"""href\s*=\s*['"]([^'"]*\binfo/\d+/\d+\.htm)['"]""", re.IGNORECASE)

_READERS: dict[str, Callable[[str, str], ListPage]] = {
    "trs": read_trs,
    "hanweb": read_hanweb,
    "vsb": read_vsb,
    "ucap": read_ucap,
    "gkmlpt": read_gkmlpt,
    "static": read_static,
    "cicro": read_cicro,
    "openinfo": read_openinfo,
    "epoint": read_epoint,
}
# Readers of POST answers whose paging is in the body they answered (`sent`).
_READS_SENT = {"epoint"}
assert set(_READERS) == set(PLATFORMS), "every registry platform needs a reader"


def detect_platform(url: str, body: str) -> str:
    """The platform serving this list page, from markers in the body and the shape of the URL.

    Strong markers first (a script or data layout only that platform emits), then URL shapes.
    """
    path = urlsplit(url).path.lower()
    body = without_footer_widgets(body)
    text = body.lstrip()
    if re.search(r"/gkmlpt(?:/|$)", path):
        return "gkmlpt"
    if text.startswith("{") and '"articles"' in text:
        return "gkmlpt"
    if "/gkmlpt/" in body and GKMLPT_SID.search(body):
        return "gkmlpt"
    if is_epoint(url, body):
        return "epoint"
    # The list's own URL or its frame / pager links (never a footer): openInfo.action /
    # OpenInfoRight.action (fixtures openinfo_*.html), iList.jsp (fixtures cicro_ilist_*.html).
    if is_openinfo(url, body):
        return "openinfo"
    if is_cicro(url, body):
        return "cicro"
    if is_hanweb(url, body):
        return "hanweb"
    if _TRS_PAGER.search(body):
        return "trs"
    if _VSB_MARKERS.search(body):
        return "vsb"
    if _own_links(_TRS_DETAIL, url, body):
        return "trs"
    if path.endswith(".shtml") or ("ucap" in body.lower() and _UCAP_MARKERS.search(body)):
        return "ucap"
    if path.endswith(".htm") and _own_links(_VSB_DETAIL, url, body):
        return "vsb"
    if HANWEB_COLUMN.search(path):
        return "hanweb"
    return "static"


def _own_links(pattern: re.Pattern[str], url: str, body: str) -> bool:
    """Whether the page links an item of that shape on its own host: a list that links another
    portal's TRS report (a city column listing the province's) is not TRS for it."""
    host = urlsplit(url).hostname
    return any(urlsplit(urljoin(url, unescape(m[1]))).hostname == host for m in pattern.finditer(body))


def without_footer_widgets(body: str) -> str:
    """The page without the national footer widgets, which say nothing of its platform."""
    return _FOOTER_WIDGETS.sub(" ", body)


def parse_list_page(url: str, body: str, platform: str | None = None, *, sent: str | None = None) -> ListPage:
    """Read one list page: its items and the later pages of its column.

    `body` is decoded text: HTML, Hanweb's datastore XML, gkmlpt's or Epoint's JSON, a site
    script. `platform` overrides detection (a registry entry's `platform` key). `sent`: the body
    of the POST this page answers (Epoint's list API pages by its body).
    """
    platform = platform or detect_platform(url, body)
    reader = _READERS.get(platform)
    if reader is None:
        raise ListPageError(f"{url}: unknown platform {platform!r} (known: {', '.join(PLATFORMS)})")
    page = reader(url, body, sent) if platform in _READS_SENT else reader(url, body)
    log.debug("%s: %s list page, %d links, %d later pages", url, platform, len(page.links), len(page.next_pages))
    return page
