"""Which links of a portal page lead towards the 年报: scored, with the reasons in words.

Pure: a page's URL and decoded HTML in, `ScoredLink`s out; no Scrapy, no network, no clock. The
walk (crawler.discovery.walk) decides what to fetch from these scores.

A link is one of:

- ``platform``: the government-information platform (信息公开, 政务公开, 政府信息公开, 法定主动公开
  内容, 政府信息公开目录 …; URLs under xxgk/, zwgk/, zfxxgk/, gongkai/ …). Real shapes: 邯郸's
  platform page (fixture hd_xxgk_platform.html), 靖安县's home-page menu (jxjaxzf_home_nav.html).
- ``column``: a 年报 column (政府信息公开年报, 公开年报, 工作年报, 年度报告; URLs with zfxxgknb,
  xxgknb, gknb, ndbg, nianbao, ``frame=nb`` …). A link titled with a year and 年度报告 whose
  address is an article (``t20240125_123.html``, ``content_….shtml``, a PDF) is a *report*, not a
  column: it is left to the reports spider.
- ``year``: on a 年报 column, a sub-column for one year ("2023年", "2023年度"; ``gknb2023/``,
  ``2023n/``, ``xxgknb2019_list.shtml``), shapes from Beijing's district trees (fixture
  zfxxgknb_year_tree.html).
- ``unit``: on a 年报 column, a sub-column for one unit or group of units (乡镇街道, 部门年报, a
  town's name; ``xzjd/``, ``bmnb/``), inside the column's own folder.
- ``departments``: the platform's list of departments' own platforms or columns (部门信息公开, 部门
  年报, 乡镇街道信息公开); recorded as evidence, and walked after the 年报 columns for the units'
  own 年报 columns (crawler.discovery.walk).

Words that look close but are other things are refused with their reason: 企业年报 (company
filings), 法治政府建设年度报告, 统计年报, 决算/预算, 指南, 依申请公开, 制度 ….
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import parse_qsl, urlsplit

from crawler.platforms.links import absolute, anchor_title, base_url, clean, parse_html


class LinkKind(StrEnum):
    PLATFORM = "platform"
    COLUMN = "column"
    YEAR = "year"
    UNIT = "unit"
    DEPARTMENTS = "departments"


@dataclass(frozen=True)
class ScoredLink:
    url: str  # absolute, without fragment
    text: str  # the anchor's title as shown (title attribute when it says more)
    kind: LinkKind
    score: float  # higher: surer
    reasons: tuple[str, ...]  # why, in words (the evidence)


# -- words ------------------------------------------------------------------------------------
_PLATFORM_TEXT = re.compile(
    r"^(?:政府)?(?:信息公开|政务公开|政务信息公开)(?:专栏|平台|网|目录|栏目|门户)?$|^法定主动公开(?:内容|信息)?$|"
    r"^(?:政府)?信息公开目录$|^主动公开(?:目录|内容)?$|^政府信息公开(?:专栏|平台|目录)$|^公开目录$|^政务公开$"
)
# Home-page menu words for a page that leads on to the platform (a 政务公开 landing page): less
# sure than the platform's own names ("政务信息" is news on some portals), so scored lower.
_MIDDLE_TEXT = re.compile(r"^(?:公开透明|政务信息|透明政府|阳光政务)$")
_COLUMN_TEXT = re.compile(
    r"(?:政府|政务)?信息公开(?:工作)?(?:年报|年度报告)|^公开年报$|^工作年报$|^年度报告$|^年报$|"
    r"信息公开年度(?:工作)?报告|^(?:政府信息公开)?年报(?:专栏|栏目)$|^政务公开(?:工作)?(?:年报|年度报告)$"
)
# Anchors that move around a list or the site rather than name a place.
_NAVIGATION = frozenset({"首页", "尾页", "末页", "上一页", "下一页", "上页", "下页", "前页", "后页", "更多", "更多>>",
                         "more", "more>>", "查看更多", "返回", "返回顶部", "跳转", "go", "确定", ">", "<", ">>", "<<"})
# Close words that name other things: refused, with why.
_NOT_COLUMN = re.compile(r"企业|法治|统计|决算|预算|财政|审计|信用|环境|社会责任|公报|工作报告|解读|一图|指南|通知")
# A unit's name may hold 财政, 审计, 统计, 环境 (泗阳县审计局): only what names no organ is refused.
_NOT_UNIT = re.compile(r"企业|公报|工作报告|解读|一图|指南|通知")
_NOT_PLATFORM = re.compile(r"指南|依申请|制度|规定|意见箱|年报|年度报告|解读|申请")
_DEPARTMENTS_TEXT = re.compile(
    r"^(?:市|县|区|州|盟|旗)?(?:政府)?(?:部门|乡镇|街道|乡镇街道|乡镇（街道）|镇街)(?:信息公开|政府信息公开|年报|公开)?$|"
    r"^(?:市|县|区)政府部门信息公开$"
)
_YEAR_TEXT = re.compile(r"^((?:19|20)\d{2})\s*年?度?\s*(?:政府信息公开)?(?:工作)?(?:年报|年度报告)?$")
_UNIT_TEXT = re.compile(
    r"^(?:[\u4e00-\u9fff]{1,20}(?:镇|乡|街道|街道办事处|办事处|局|厅|委|委员会|办公室|中心|管委会|管理委员会|"
    r"政府|人民政府)|本级|政府年报|乡镇街道|乡镇（街道）|乡镇|街道|镇街|部门|市直部门|县直部门|区直部门|"
    r"(?:部门|乡镇|街道|镇街|乡镇街道|乡镇（街道）)(?:信息公开|政府信息公开)?年报)$"
)

# -- URL shapes -------------------------------------------------------------------------------
_PLATFORM_URL = re.compile(r"(?:^|/)(?:zfxxgk|xxgk|zwgk|gongkai|zfxxgkml|xxgkml|fdzdgknr|govinfo|public|zwgkzl)"
                           r"(?:[_\d]*)(?:/|$|\.)", re.IGNORECASE)
_COLUMN_URL = re.compile(r"(?:^|[/_])(?:zfxxgknb|xxgknb|gknb|zwgknb|ndbg|xxgkndbg|zfxxgkndbg|gzndbg|nianbao|ndgzbg)"
                         r"(?:[_\d]*)(?:/|$|\.|_list)", re.IGNORECASE)
_COLUMN_QUERY = re.compile(r"(?:^|&)(?:frame|type|cat|channel)=(?:nb|ndbg|gknb)(?:&|$)", re.IGNORECASE)
_YEAR_URL = re.compile(r"(?:^|[/_a-z])((?:19|20)\d{2})(?:n|nb|nd|_list)?(?:/|\.s?html?$|$)", re.IGNORECASE)
_UNIT_URL = re.compile(r"/(?:xzjd|xz|jd|jdxz|bm|bmnb|bmgk|xznb|jdnb|zxjd\d*)(?:/|$)", re.IGNORECASE)
# A column's address on platforms whose columns are numbered, not foldered (Hanweb /col/col123/):
# a unit's column there is nowhere inside its parent's folder.
_NUMBERED_COLUMN_URL = re.compile(r"/col/col\d+(?:/|$)", re.IGNORECASE)
# Query parameters that page through one list rather than name another column.
_PAGE_PARAMETER = re.compile(r"page|^pn$|^p$|^start", re.IGNORECASE)
# An article or a file, not a column: TRS t20240125_123.html, Hanweb art/2024/…, content_….shtml,
# CMS Item/123.aspx, a dated folder 202402/….html, an attachment.
_ARTICLE_URL = re.compile(
    r"/t\d{8}_\d+\.s?html?$|/art/\d{4}/|content_\w+\.s?html?$|/Item/\d+\.aspx$|/\d{6}/[^/]+\.s?html?$|"
    # VSB (博达) articles /info/1234/5678.htm, gkmlpt /gkmlpt/content/…, download scripts
    r"/info/\d+/\d+\.s?html?$|/gkmlpt/content/|/download(?:file)?\.jsp$|/downfile\.jsp$|"
    r"/\d{4}-\d{2}/\d{2}/|\.(?:pdf|docx?|xlsx?|wps|zip|rar|ofd)$",
    re.IGNORECASE,
)


def is_article_url(url: str) -> bool:
    """Whether the address is one document (a page or a file), not a column."""
    return bool(_ARTICLE_URL.search(urlsplit(url).path))


def _path(url: str) -> str:
    return urlsplit(url).path


def _column_url(url: str) -> bool:
    parts = urlsplit(url)
    return bool(_COLUMN_URL.search(parts.path) or _COLUMN_QUERY.search(parts.query))


def _folder(url: str) -> str:
    """The folder a column page stands for: /a/b/ for /a/b/index.html, /a/b/ for /a/b/."""
    path = _path(url)
    return path if path.endswith("/") else path.rsplit("/", 1)[0] + "/"


def _inside(url: str, page_url: str) -> bool:
    """Whether `url` is below the column page's own folder: /a/b/ for /a/b/index.html; for a
    page named otherwise, the folder of its name (VSB: /zwgk/bmnb.htm keeps its columns in
    /zwgk/bmnb/), so that the site's menu (/xwzx/ beside /gknb.htm) is not inside."""
    page = _path(page_url)
    name = page.rsplit("/", 1)[1]
    if not name or re.match(r"(?:index|default)(?:_\d+)?\.\w+$", name, re.IGNORECASE):
        folder = _folder(page_url)
    else:
        folder = page.rsplit(".", 1)[0] + "/"
    path = _path(url)
    return folder != "/" and path.startswith(folder) and path != page


def _query_column(url: str, page_url: str) -> bool:
    """Whether `url` is another column of the same CMS page as the column's own: the same path,
    another query beyond its page number (Epoint's govInfoPub.html?categorynum=…&deptcode=…,
    Cicro's iList.jsp?cat_id=…: columns named by their query, never inside a folder)."""
    there, here = urlsplit(url), urlsplit(page_url)
    if (there.netloc, there.path) != (here.netloc, here.path) or not there.query:
        return False

    def column(query: str) -> set[tuple[str, str]]:
        return {(k.lower(), v) for k, v in parse_qsl(query, keep_blank_values=True) if not _PAGE_PARAMETER.search(k)}

    return column(there.query) != column(here.query)


def score_link(url: str, text: str, page_url: str, *, on_column: bool = False) -> ScoredLink | None:
    """What one link is, from its text and address; None when it leads nowhere discovery goes.
    `on_column`: the page is a 年报 column, where year and unit sub-columns are looked for."""
    text = clean(text)
    if not text or len(text) > 40 or text.lower() in _NAVIGATION or text.isdigit():
        return None
    article = is_article_url(url)
    column_url = _column_url(url)
    # Sub-columns first: on a column, "2023年" is a year's column, not a platform.
    if on_column and not article:
        year = _YEAR_TEXT.match(text)
        if year:
            reasons = [f"on a 年报 column, titled '{text}' (the year {year[1]})"]
            score = 3.0
            segment = next((part for part in _path(url).split("/") if year[1] in part), None)
            if segment is not None and _YEAR_URL.search("/" + segment + "/"):
                reasons.append(f"its address names the year ({segment})")
                score += 1.0
            return ScoredLink(url, text, LinkKind.YEAR, score, tuple(reasons))
        if _UNIT_TEXT.match(text) and not _NOT_UNIT.search(text):
            inside = _inside(url, page_url)
            unit_url = bool(_UNIT_URL.search(_path(url)))
            numbered = bool(_NUMBERED_COLUMN_URL.search(_path(url)))
            by_query = _query_column(url, page_url)
            if inside or unit_url or numbered or by_query:
                reasons = [f"on a 年报 column, titled '{text}' (a unit or group of units)"]
                if inside:
                    reasons.append(f"inside the column's folder ({_path(page_url)})")
                if unit_url:
                    reasons.append(f"its address is a unit folder ({_UNIT_URL.search(_path(url))[0]})")
                if numbered and not (inside or unit_url):
                    reasons.append(f"its address is a numbered column ({_path(url)})")
                if by_query and not (inside or unit_url or numbered):
                    reasons.append(f"the column's own page with another column's query ({urlsplit(url).query})")
                return ScoredLink(url, text, LinkKind.UNIT, 2.0 + inside + unit_url, tuple(reasons))
    if _COLUMN_TEXT.search(text) or (column_url and re.search(r"年报|年度报告", text)):
        if _NOT_COLUMN.search(text):
            return None  # 企业年报, 法治政府建设年度报告, 统计年报 …: other things
        if article or re.search(r"(?:19|20)\d{2}", text) and not on_column:
            return None  # one year's report (or a document about reports), for the reports spider
        reasons = [f"titled '{text}' (a 年报 column's name)"]
        score = 3.0
        if column_url:
            reasons.append(f"its address names a 年报 column ({urlsplit(url).path or url})")
            score += 1.0
        if "信息公开" in text:
            score += 0.5
        return ScoredLink(url, text, LinkKind.COLUMN, score, tuple(reasons))
    if (column_url and not article and not _NOT_COLUMN.search(text) and not re.search(r"(?:19|20)\d{2}", text)
            and _folder(url) != _folder(page_url)):  # a page of this very column (index_1.html) is no new column
        return ScoredLink(url, text, LinkKind.COLUMN, 2.0,
                          (f"its address names a 年报 column ({urlsplit(url).path}), titled '{text}'",))
    if _DEPARTMENTS_TEXT.match(text):
        return ScoredLink(url, text, LinkKind.DEPARTMENTS, 1.0, (f"titled '{text}' (the departments' platforms)",))
    if article:
        return None
    if _PLATFORM_TEXT.match(text) and not _NOT_PLATFORM.search(text):
        reasons = [f"titled '{text}' (the information platform's name)"]
        score = 2.0
        if _PLATFORM_URL.search(_path(url)):
            reasons.append(f"its address is a platform's ({_path(url)})")
            score += 0.5
        if "法定主动公开" in text or "政府信息公开" in text:
            score += 0.25
        return ScoredLink(url, text, LinkKind.PLATFORM, score, tuple(reasons))
    if _MIDDLE_TEXT.match(text):
        return ScoredLink(url, text, LinkKind.PLATFORM, 1.5,
                          (f"titled '{text}' (a menu word for the page leading to the information platform)",))
    return None


def score_links(url: str, html: str, *, on_column: bool = False) -> list[ScoredLink]:
    """Every link of the page that leads towards the 年报, best first; each URL once (its best
    reading). `on_column`: the page is a 年报 column (year and unit sub-columns count)."""
    root = parse_html(html)
    if root is None:
        return []
    base = base_url(root, url)
    best: dict[str, ScoredLink] = {}
    for anchor in root.iter("a"):
        target = absolute(base, anchor.get("href"))
        if target is None or target == url:
            continue
        scored = score_link(target, anchor_title(anchor), url, on_column=on_column)
        if scored is not None and (target not in best or scored.score > best[target].score):
            best[target] = scored
    return sorted(best.values(), key=lambda link: -link.score)
