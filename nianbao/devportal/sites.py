"""What the simulated portal publishes: its sites, their columns, the expected crawl outcome.

Each site is one portal platform on its own loopback address (127.0.0.N, all on one port), so
Scrapy's per-host politeness never serialises two of them. A site's column is a list of
`Entry`s, newest first: annual reports (an HTML page, or a page that links the PDF/DOCX holding
the report, or the attachment linked from the list itself), decoys that must never be archived
as reports (notices about compiling reports, 工作要点, sector reports of schools and hospitals, a
draft under a robots.txt-disallowed path, a mirror off the official domain) and other documents.

| site    | address     | platform | agency (kind)                      | column                          |
|---------|-------------|----------|------------------------------------|---------------------------------|
| trs     | 127.0.0.11  | trs      | 云溪市财政局 (department)          | /xxgk/ndbg/index.html           |
| hanweb  | 127.0.0.12  | hanweb   | 云溪市人民政府 (government)        | /col/col123/index.html          |
| vsb     | 127.0.0.13  | vsb      | 云溪市生态环境局 (department)      | /xxgk/ndbg.htm                  |
| ucap    | 127.0.0.14  | ucap     | 云溪市临港区人民政府 (government)  | /xxgk/gknb/index.shtml          |
| gkmlpt  | 127.0.0.15  | gkmlpt   | 南岭市住房和城乡建设局 (department)| /gkmlpt/index#2653              |
| static  | 127.0.0.16  | static   | 青石县人民政府 (government)        | /zwgk/ndbg/index.htm            |
| blocked | 127.0.0.17  | -        | 云溪市公安局 (department)          | HTTP 412 JS challenge           |
| down    | 127.0.0.18  | -        | 云溪市水利局 (department)          | nothing listens                 |
| mirror  | 127.0.0.19  | -        | (not an agency)                    | a copy of a 云溪市财政局 report  |

Misbehaviour: vsb's /xxgk/ndbg/2.htm answers 503 twice before it works (counted per portal
start); ucap's 2022 report page answers after 2 s; static's robots.txt disallows /private/,
where a draft report is served; blocked answers HTTP 412; down has no server at all.

`new_sites()` gives a fresh, mutable description (a `Portal` owns one and changes it with
`publish`/`edit`/`remove`; `new_sites(filler=N)` pads every column for benchmarks, and
`report_entry`, `other_entry`, `decoy_entry`, `pad_column` build columns of other sites;
`mix_column` lists other agencies' reports, an interpretation and a news item in a column);
`registry_toml(port)` is the registry of its agencies (`agencies_toml` writes any registry). What a crawl of it must find is
expected.py's.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal
from urllib.parse import parse_qsl, urlencode, urlsplit

from nianbao.devportal.render import ReportTables
from nianbao.devportal.documents import sample_tables

Role = Literal["report", "decoy", "other"]
Form = Literal["html", "pdf", "docx"]
Outcome = Literal["ok", "blocked", "down"]

DEFAULT_ROBOTS = "User-agent: *\nDisallow: /admin/\nDisallow: /search/\n"


@dataclass
class Entry:
    """One item of a column list."""

    id: int
    title: str
    published: datetime  # Beijing time, as the page prints it
    role: Role
    path: str | None  # the detail page; None when the list links the attachment itself
    tables: ReportTables | None = None  # reports, and decoys shaped like reports
    form: Form = "html"  # "html": the tables are on the page; "pdf"/"docx": in `attachment`
    attachment: str | None = None  # path (and query) of the file holding the report
    offsite: str | None = None  # the list links this site's `path` instead (a mirror)
    reason: str = ""  # why a decoy is not a report
    slow: bool = False  # the detail page answers after SLOW_SECONDS
    version: int = 1  # bumped by `edit`
    removed: bool = False  # answers 404
    listed: bool = True  # shown in the column list

    @property
    def report_path(self) -> str:
        """Where the report's bytes are: the attachment, else the page."""
        path = self.attachment or self.path
        assert path is not None
        return path

    @property
    def link_path(self) -> str:
        """What the list links: the detail page, else the attachment."""
        path = self.path or self.attachment
        assert path is not None
        return path


@dataclass
class Site:
    """One site of the portal: an agency's report column on one platform."""

    key: str
    octet: int
    platform: str | None  # the registry's platform name the crawler should detect
    name: str  # the agency (or site) name
    region: str | None = None  # None: not an agency (the mirror)
    kind: Literal["department", "government"] | None = None
    list_path: str = "/"
    charset: str = "utf-8"  # what the pages are encoded in
    per_page: int = 5
    entries: list[Entry] = field(default_factory=list)
    params: dict[str, int | str] = field(default_factory=dict)  # platform ids (column, sid, ...)
    robots: str = DEFAULT_ROBOTS
    serving: bool = True  # False: nothing listens on the address
    blocked: bool = False  # every page answers HTTP 412 with a JS challenge
    browser_case: str | None = None  # a case only a browser reads (nianbao.devportal.browser_cases)
    flaky: dict[str, int] = field(default_factory=dict)  # list page -> 503 answers before it works
    registry: dict[str, object] = field(default_factory=dict)  # optional registry keys
    notes: str = ""
    next_id: int = 1

    @property
    def host(self) -> str:
        return f"127.0.0.{self.octet}"

    @property
    def listed(self) -> list[Entry]:
        return [e for e in self.entries if e.listed]

    def entry_at(self, path: str) -> Entry:
        for entry in self.entries:
            if path in (entry.path, entry.attachment):
                return entry
        raise KeyError(f"{self.key}: no entry at {path}")

    def take_id(self) -> int:
        value = self.next_id
        self.next_id += 13
        return value


SLOW_SECONDS = 2.0


# ---------------------------------------------------------------------------------------------
# Path schemes, one per platform (what a real site of that CMS calls its pages)


def detail_path(site: Site, entry_id: int, when: datetime) -> str:
    if site.platform == "trs" or site.key == "blocked":
        return f"/xxgk/ndbg/{when:%Y%m}/t{when:%Y%m%d}_{entry_id}.html"
    if site.platform == "hanweb":
        return f"/art/{when.year}/{when.month}/{when.day}/art_{site.params['columnid']}_{entry_id}.html"
    if site.platform == "vsb":
        return f"/info/{site.params['column']}/{entry_id}.htm"
    if site.platform == "ucap":
        digest = hashlib.md5(f"{site.key}/{entry_id}".encode()).hexdigest()
        return f"/xxgk/gknb/{when:%Y%m}/{digest}.shtml"
    if site.platform == "gkmlpt":
        return f"/gkmlpt/content/{entry_id // 1_000_000}/{entry_id}/post_{entry_id}.html"
    if site.platform == "static":
        return f"/zwgk/ndbg/{when:%Y-%m}/{when:%d}/content_{entry_id}.htm"
    return f"/ndbg/t{when:%Y%m%d}_{entry_id}.html"


def attachment_path(site: Site, entry_id: int, when: datetime, ext: str) -> str:
    if site.platform == "hanweb":
        return f"/module/download/downfile.jsp?classid=0&filename={when:%y%m%d%H%M}{entry_id}.{ext}"
    if site.platform == "vsb":
        return (f"/system/_content/download.jsp?urltype=news.DownloadAttachUrl"
                f"&owner={site.params['owner']}&wbfileid={entry_id * 7 + 3}")
    if site.platform == "gkmlpt":
        return f"/attachment/0/{entry_id // 1000}/{entry_id}/{entry_id * 3 + 1}.{ext}"
    if site.platform == "static":
        return f"/zwgk/ndbg/files/{when:%Y%m%d}{entry_id}.{ext}"
    folder = "/xxgk/gknb" if site.platform == "ucap" else "/xxgk/ndbg"
    return f"{folder}/{when:%Y%m}/P0{when:%Y%m%d}{entry_id}.{ext}"


def page_count(site: Site) -> int:
    if site.platform == "hanweb":
        return max(1, math.ceil(len(site.listed) / int(site.params["perpage"])))
    return max(1, math.ceil(len(site.listed) / site.per_page))


def hanweb_group(site: Site) -> int:
    """Records per jpage group: the column page embeds the first group, POSTs fetch the rest."""
    return int(site.params["perpage"]) * int(site.params["groupsize"])


def hanweb_proxy_target(start: int, end: int, perpage: int) -> str:
    return f"/module/web/jpage/dataproxy.jsp?startrecord={start}&endrecord={end}&perpage={perpage}"


def gkmlpt_api_target(site: Site, page: int) -> str:
    return f"/gkmlpt/api/all/{site.params['cat']}?page={page}&sid={site.params['sid']}"


def list_pages(site: Site) -> tuple[str, ...]:
    """Every list page of the column as the crawler requests it (path and query), in order.
    Hanweb's later groups are POST targets; gkmlpt's pages are its JSON API."""
    if not site.serving or site.blocked or site.region is None:
        return (site.list_path.split("#")[0],)
    n = page_count(site)
    if site.platform == "trs":
        return ("/xxgk/ndbg/index.html", *(f"/xxgk/ndbg/index_{i}.html" for i in range(1, n)))
    if site.platform == "hanweb":
        group, perpage = hanweb_group(site), int(site.params["perpage"])
        starts = range(group + 1, len(site.listed) + 1, group)
        return (site.list_path, *(hanweb_proxy_target(s, s + group - 1, perpage) for s in starts))
    if site.platform == "vsb":
        return ("/xxgk/ndbg.htm", *(f"/xxgk/ndbg/{n - i}.htm" for i in range(1, n)))
    if site.platform == "ucap":
        return ("/xxgk/gknb/index.shtml", *(f"/xxgk/gknb/index_{i}.shtml" for i in range(2, n + 1)))
    if site.platform == "gkmlpt":
        return ("/gkmlpt/index", *(gkmlpt_api_target(site, i) for i in range(1, n + 1)))
    return ("/zwgk/ndbg/index.htm", *(f"/zwgk/ndbg/index_{i}.htm" for i in range(2, n + 1)))


# ---------------------------------------------------------------------------------------------
# The initial portal


def report_title(agency: str, year: int) -> str:
    return f"{agency}{year}年政府信息公开工作年度报告"


def tables_for(agency: str, year: int, version: int = 1) -> ReportTables:
    """The numbers `agency` reports for `year` (version 2, 3… after edits): the 2019 form before
    2021, the 2021 form from then on; the form's identities hold."""
    fmt = "2021" if year >= 2021 else "2019"
    seed = zlib.crc32(f"{agency}/{year}".encode()) % 100_000 + 7919 * (version - 1)
    return sample_tables(fmt, agency=agency, year=year, seed=seed)


def _when(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M")


def report_entry(site: Site, year: int, when: str, *, form: Form = "html", direct: bool = False,
                 slow: bool = False) -> Entry:
    """`site`'s annual report for `year`, published at `when` ("YYYY-MM-DD HH:MM", Beijing time), with
    the next id: an HTML page, or (`form` "pdf"/"docx") a page linking the attachment, or with
    `direct` the attachment linked from the list itself; `slow` pages answer after SLOW_SECONDS."""
    at = _when(when)
    entry_id = site.take_id()
    path = None if direct else detail_path(site, entry_id, at)
    attachment = attachment_path(site, entry_id, at, form) if form != "html" else None
    return Entry(entry_id, report_title(site.name, year), at, "report", path, tables_for(site.name, year),
                 form=form, attachment=attachment, slow=slow)


def decoy_entry(site: Site, title: str, when: str, reason: str, *, tables: ReportTables | None = None,
                path: str | None = None) -> Entry:
    """A document that must never be archived as a report (`reason` says why), shaped like one
    when given `tables`; at its platform's detail path unless `path`."""
    at = _when(when)
    entry_id = site.take_id()
    return Entry(entry_id, title, at, "decoy", path or detail_path(site, entry_id, at), tables, reason=reason)


def other_entry(site: Site, title: str, when: str) -> Entry:
    """A document of the column that is no report and no decoy (a notice, a budget, a guide)."""
    at = _when(when)
    entry_id = site.take_id()
    return Entry(entry_id, title, at, "other", detail_path(site, entry_id, at))


def listed_report_entry(site: Site, agency: str, year: int, when: str) -> Entry:
    """`agency`'s report for `year` listed in `site`'s column, as real 年报 columns list the
    city's, a township's or a department's report beside their own: a report (its tables say
    whose), never the column owner's."""
    at = _when(when)
    entry_id = site.take_id()
    return Entry(entry_id, report_title(agency, year), at, "report", detail_path(site, entry_id, at),
                 tables_for(agency, year))


def mix_column(site: Site, city: str, township: str) -> list[Entry]:
    """`site`'s column as real ones are mixed, for the attribution crawl test: the `city`
    government's 2023 report, an (unregistered) `township`'s, and an interpretation and a news
    item about the city's report, shaped like it (decoys: the link titles say what they are).
    The new entries, put after the column's newest."""
    entries = [
        listed_report_entry(site, city, 2023, "2024-03-28 10:00"),
        listed_report_entry(site, township, 2023, "2024-03-15 10:00"),
        decoy_entry(site, f"一图读懂{report_title(city, 2023)}", "2024-03-28 11:00", "an interpretation",
                    tables=tables_for(city, 2023)),
        decoy_entry(site, f"我市{report_title(city, 2023).removeprefix(city)}正式发布", "2024-03-28 12:00",
                    "a news item", tables=tables_for(city, 2023)),
    ]
    site.entries[1:1] = entries
    return entries


def _trs() -> Site:
    site = Site("trs", 11, "trs", "云溪市财政局", "江苏省/云溪市", "department", "/xxgk/ndbg/index.html",
                charset="gbk", per_page=5, next_id=5_012_345,
                registry={"allowed_domains": ["127.0.0.11"]},
                notes="TRS WCM: GBK pages sent as UTF-8, later list pages only in createPageHTML(), "
                      "a mirror link off the official domain")
    name = site.name
    site.entries = [
        decoy_entry(site, f"{name}2024年政务公开工作要点", "2024-03-12 10:00", "工作要点"),
        report_entry(site, 2023, "2024-01-25 09:30"),
        decoy_entry(site, "关于做好2023年度政府信息公开工作年度报告编制发布工作的通知", "2023-12-15 16:20",
               "a notice about compiling reports"),
        other_entry(site, f"{name}2022年度部门决算公开", "2023-06-30 11:00"),
        report_entry(site, 2022, "2023-01-20 15:00"),
        other_entry(site, f"{name}政府信息公开指南（2022年修订）", "2022-09-01 09:00"),
        report_entry(site, 2021, "2022-01-24 10:10"),
        Entry(7_654_321, report_title(name, 2020), _when("2021-02-01 08:00"), "decoy",
              "/ndbg/t20210201_7654321.html", offsite="mirror", reason="a mirror off the official domain"),
        other_entry(site, f"{name}2020年度法治政府建设情况报告", "2021-01-29 17:00"),
        report_entry(site, 2020, "2021-01-28 09:00"),
        report_entry(site, 2019, "2020-01-21 14:30"),
        other_entry(site, f"{name}关于公开2019年部门预算的说明", "2019-05-10 09:00"),
    ]
    return site


def _hanweb() -> Site:
    site = Site("hanweb", 12, "hanweb", "云溪市人民政府", "江苏省/云溪市", "government", "/col/col123/index.html",
                next_id=7_650_001, params={"columnid": 123, "unitid": 456789, "webid": 1, "perpage": 3, "groupsize": 2},
                registry={"platform": "hanweb"},
                notes="Hanweb/大汉: records in a <datastore> script, later groups by POST to dataproxy.jsp, "
                      "a report page that only links its PDF through downfile.jsp")
    name = site.name
    site.entries = [
        report_entry(site, 2023, "2024-03-28 17:30"),
        decoy_entry(site, "云溪市人民政府办公室关于印发云溪市2024年政务公开工作要点的通知", "2024-02-20 10:00",
               "工作要点"),
        decoy_entry(site, "关于做好2023年度政府信息公开工作年度报告编制工作的通知", "2023-12-05 09:00",
               "a notice about compiling reports"),
        report_entry(site, 2022, "2023-03-30 16:00", form="pdf"),
        other_entry(site, "云溪市2022年国民经济和社会发展统计公报", "2023-03-10 09:00"),
        other_entry(site, f"{name}关于2022年重点领域信息公开专栏的说明", "2022-09-15 11:00"),
        report_entry(site, 2021, "2022-03-29 10:00"),
        other_entry(site, f"{name}2021年度规范性文件清理结果", "2021-11-20 15:00"),
        report_entry(site, 2020, "2021-03-30 09:30"),
        report_entry(site, 2019, "2020-03-27 09:30"),
        other_entry(site, f"{name}政府信息公开指南", "2019-12-01 09:00"),
    ]
    return site


def _vsb() -> Site:
    site = Site("vsb", 13, "vsb", "云溪市生态环境局", "江苏省/云溪市", "department", "/xxgk/ndbg.htm", per_page=4,
                next_id=3401, params={"column": 1021, "owner": 1_234_567_890},
                flaky={"/xxgk/ndbg/2.htm": 2},
                notes="博达 VSB: ndbg.htm then ndbg/2.htm, ndbg/1.htm; a DOCX report through download.jsp "
                      "served as application/octet-stream; ndbg/2.htm answers 503 twice")
    name = site.name
    site.entries = [
        report_entry(site, 2023, "2024-01-22 16:00", form="docx"),
        decoy_entry(site, "关于报送2023年度政府信息公开工作年度报告的通知", "2023-11-20 09:00",
               "a notice about compiling reports"),
        other_entry(site, "2023年上半年云溪市生态环境质量状况", "2023-06-05 10:00"),
        report_entry(site, 2022, "2023-01-18 11:00"),
        report_entry(site, 2021, "2022-01-21 09:00"),
        other_entry(site, f"{name}关于开展2021年生态环境宣传周活动的公告", "2021-08-01 09:00"),
        decoy_entry(site, f"{name}2021年政务公开工作要点", "2021-03-15 09:00", "工作要点"),
        report_entry(site, 2020, "2021-01-26 10:00"),
        report_entry(site, 2019, "2020-01-20 10:00"),
        other_entry(site, f"{name}内设机构及职能", "2019-06-01 09:00"),
    ]
    return site


def _ucap() -> Site:
    site = Site("ucap", 14, "ucap", "云溪市临港区人民政府", "江苏省/云溪市/临港区", "government",
                "/xxgk/gknb/index.shtml", per_page=4, next_id=100_001,
                notes="开普云/UCAP: .shtml column and pages; one detail page answers after 2 s; "
                      "one report is a PDF linked from the list itself")
    name = site.name
    site.entries = [
        report_entry(site, 2023, "2024-03-26 09:00"),
        decoy_entry(site, f"{name}2024年政务公开工作要点", "2024-02-28 15:00", "工作要点"),
        report_entry(site, 2022, "2023-03-29 10:30", slow=True),
        other_entry(site, f"{name}2022年法治政府建设年度报告", "2022-12-01 09:00"),
        report_entry(site, 2021, "2022-03-30 09:00", form="pdf", direct=True),
        report_entry(site, 2020, "2021-03-30 16:00"),
        other_entry(site, f"{name}政府信息公开指南", "2020-05-01 09:00"),
    ]
    return site


def _gkmlpt() -> Site:
    site = Site("gkmlpt", 15, "gkmlpt", "南岭市住房和城乡建设局", "广东省/南岭市", "department",
                "/gkmlpt/index#2653", per_page=5, next_id=4_309_001, params={"sid": "755123", "cat": 2653},
                notes="广东 gkmlpt: the column page carries the SID in a script, the category in the URL "
                      "fragment; the list is JSON from /gkmlpt/api/all/<cat>?page=N&sid=…")
    name = site.name
    site.entries = [
        report_entry(site, 2023, "2024-01-30 10:00"),
        other_entry(site, f"{name}关于2023年度建筑施工安全生产检查情况的通报", "2023-10-11 09:00"),
        report_entry(site, 2022, "2023-01-29 09:00"),
        decoy_entry(site, "关于做好2022年度政府信息公开工作年度报告编制和发布工作的通知", "2022-12-20 10:00",
               "a notice about compiling reports"),
        other_entry(site, f"{name}2022年政务公开工作台账", "2022-06-01 09:00"),
        report_entry(site, 2021, "2022-01-28 17:00"),
        report_entry(site, 2020, "2021-01-29 09:00"),
    ]
    return site


def _static() -> Site:
    site = Site("static", 16, "static", "青石县人民政府", "江苏省/云溪市/青石县", "government",
                "/zwgk/ndbg/index.htm", per_page=4, next_id=5001,
                robots="User-agent: *\nDisallow: /private/\nDisallow: /admin/\n",
                notes="A plain static list with 下一页 links; sector reports of a school, a primary school "
                      "and a hospital; a draft report under /private/, which robots.txt disallows")
    name = site.name
    site.entries = [
        report_entry(site, 2023, "2024-03-29 10:00"),
        decoy_entry(site, f"{report_title(name, 2023)}（征求意见稿）", "2024-03-20 09:00",
               "under /private/, disallowed by robots.txt", tables=tables_for(name, 2023, version=9),
               path="/private/ndbg/2024-03/20/content_draft.htm"),
        decoy_entry(site, "青石县第一中学2023年信息公开工作年度报告", "2024-01-15 10:00", "a sector report (a school)",
               tables=tables_for("青石县第一中学", 2023)),
        decoy_entry(site, "青石县实验小学2022—2023学年信息公开工作年度报告", "2023-12-20 10:00",
               "a sector report (a school year)", tables=tables_for("青石县实验小学", 2023)),
        report_entry(site, 2022, "2023-03-30 09:00"),
        decoy_entry(site, "青石县人民医院2022年信息公开工作年度报告", "2023-02-10 09:00", "a sector report (a hospital)",
               tables=tables_for("青石县人民医院", 2022)),
        report_entry(site, 2021, "2022-03-31 16:00"),
        other_entry(site, f"{name}关于调整县政府领导分工的通知", "2021-12-01 09:00"),
        report_entry(site, 2020, "2021-03-31 10:00"),
        other_entry(site, f"{name}2020年政府工作报告", "2020-08-01 09:00"),
    ]
    return site


def _mirror(trs: Site) -> Site:
    site = Site("mirror", 19, None, "政务信息转载网", list_path="/", next_id=1)
    original = next(e for e in trs.entries if e.role == "report" and e.tables and e.tables.year == 2020)
    copy_of = next(e for e in trs.entries if e.offsite == "mirror")
    site.entries = [Entry(copy_of.id, copy_of.title, copy_of.published, "other", copy_of.path, original.tables)]
    return site


def pad_column(site: Site, count: int) -> None:
    """`count` more documents (none a report) at the end of the column, a day apart going back:
    long columns for benchmarks, with the same reports to find."""
    oldest = min(e.published for e in site.entries)
    for i in range(1, count + 1):
        at = oldest - timedelta(days=i)
        entry_id = site.take_id()
        site.entries.append(Entry(entry_id, f"{site.name}关于印发{at.year}年度专项工作方案的通知（第{i}号）", at, "other",
                                  detail_path(site, entry_id, at)))


def new_sites(filler: int = 0) -> dict[str, Site]:
    """A fresh description of the whole portal, keyed by site; `filler` pads every column with
    that many other documents (for benchmarks: more list pages, the same reports)."""
    trs = _trs()
    sites = [
        trs, _hanweb(), _vsb(), _ucap(), _gkmlpt(), _static(),
        Site("blocked", 17, None, "云溪市公安局", "江苏省/云溪市", "department", "/xxgk/ndbg/index.html", blocked=True,
             registry={"platform": "trs"}, notes="Answers every page with HTTP 412 and a JS challenge"),
        Site("down", 18, None, "云溪市水利局", "江苏省/云溪市", "department", "/col/col456/index.html", serving=False,
             notes="Nothing listens on this address"),
        _mirror(trs),
    ]
    for site in sites:
        if filler and site.platform is not None:
            pad_column(site, filler)
    return {site.key: site for site in sites}


# ---------------------------------------------------------------------------------------------
# Changes between crawls (the Portal calls these under its lock)


def publish_report(site: Site, year: int | None = None, *, form: Form = "html",
                   tables: ReportTables | None = None, when: datetime | None = None) -> Entry:
    """A new report at the top of the column: an HTML page, or a page linking a PDF/DOCX."""
    if site.region is None or not site.serving or site.blocked:
        raise ValueError(f"{site.key}: not a site that publishes reports")
    years = [e.tables.year for e in site.entries if e.role == "report" and e.tables]
    year = year or (tables.year if tables else max(years, default=2023) + 1)
    tables = tables or tables_for(site.name, year)
    newest = max((e.published for e in site.entries), default=datetime(2024, 4, 1, 9, 0))
    at = when or max(newest + timedelta(days=1), datetime(year + 1, 1, 20, 9, 0))
    entry_id = site.take_id()
    attachment = attachment_path(site, entry_id, at, form) if form != "html" else None
    entry = Entry(entry_id, report_title(tables.agency, tables.year), at, "report",
                  detail_path(site, entry_id, at), tables, form=form, attachment=attachment)
    site.entries.insert(0, entry)
    return entry


def edit_report(site: Site, path: str) -> Entry:
    """A new version of the report at `path`: other numbers, same URL."""
    entry = site.entry_at(path)
    if entry.role != "report" or entry.tables is None:
        raise ValueError(f"{site.key}{path}: not a report")
    old = entry.tables
    version = entry.version
    new = old
    while new.applications == old.applications and new.active == old.active:
        version += 1
        fresh = tables_for(old.agency, old.year, version)
        new = replace(old, active=fresh.active, applications=fresh.applications,
                      review_litigation=fresh.review_litigation)
    entry.tables, entry.version = new, version
    return entry


def remove_report(site: Site, path: str, *, unlist: bool = False) -> Entry:
    """The report at `path` answers 404 (its list link stays unless `unlist`)."""
    entry = site.entry_at(path)
    entry.removed = True
    if unlist:
        entry.listed = False
    return entry


# ---------------------------------------------------------------------------------------------
# URLs


def normalize_target(target: str) -> str:
    """A request target with its query parameters sorted, so `a=1&b=2` finds `b=2&a=1`."""
    parts = urlsplit(target)
    if not parts.query:
        return parts.path
    return parts.path + "?" + urlencode(sorted(parse_qsl(parts.query, keep_blank_values=True)))


def site_url(host: str, port: int, path: str) -> str:
    return f"http://{host}:{port}{path}"


# ---------------------------------------------------------------------------------------------
# The registry


def _toml_value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)  # a JSON string is a TOML basic string
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise TypeError(f"no TOML for {value!r}")


def agencies_toml(agencies: Iterable[Mapping[str, object]], *, comment: str | None = None) -> str:
    """Registry entries as a registry file (crawler/registry.py's format): one [[agency]] per
    mapping, its keys in order, each value written as TOML; `comment` as a first line."""
    lines = [f"# {comment}", ""] if comment else []
    for keys in agencies:
        lines.append("[[agency]]")
        lines += [f"{key} = {_toml_value(value)}" for key, value in keys.items()]
        lines.append("")
    return "\n".join(lines)


def registry_toml(port: int, *, crawl_delay: float | None = None, sites: dict[str, Site] | None = None) -> str:
    """The portal's agencies as a registry file (`agencies_toml`): one [[agency]] per site that
    is an agency, its list URL on `port`. `crawl_delay` (seconds) is written for every agency
    when given; the TRS entry limits allowed_domains to its own host (the mirror is off it), the
    Hanweb and blocked entries name their platform, the others leave it to detection."""
    sites = sites if sites is not None else new_sites()
    entries = []
    for site in sites.values():
        if site.region is None:
            continue
        keys: dict[str, object] = {
            "name": site.name,
            "region": site.region,
            "kind": site.kind,
            "list_urls": [site_url(site.host, port, site.list_path)],
            **copy.deepcopy(site.registry),
        }
        if crawl_delay is not None:
            keys["crawl_delay"] = float(crawl_delay)
        if site.notes:
            keys["notes"] = site.notes
        entries.append(keys)
    return agencies_toml(entries, comment=f"The simulated portal (nianbao/devportal) on port {port}: "
                                          "one agency per platform.")
