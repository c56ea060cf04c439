"""Is this link an annual report, and for which year? Decided from the title, never position.

A report column lists much else: notices about compiling reports, 工作要点, 统计数据, sector
reports (schools, hospitals, utilities), reports on other years, news items about reports
(我市2023年政府信息公开工作年度报告正式发布, …培训会) and interpretations of them (一图读懂…年度报告,
…年度报告解读, 图解). `report_year` answers for a link title; the parser later confirms from the
content (tables, markers) before a record is archived as a report, and `not_a_report_page`
answers for the title a page gives itself, which may say what its link did not (an
interpretation page reproduces the report's tables). Whether a link is an attachment is
crawler.platforms.attachments' rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsing.cells import normalize_text
from parsing.metadata import year_from_title
from parsing.report import SECTOR_WORDS

# 信息公开工作年报 too: "2021年度信息公开工作年报" heads reports in their own units' columns.
_REPORT = re.compile(r"(?:政府|政务)?信息公开.{0,8}(?:年度)?(?:工作)?(?:年度)?报告|信息公开(?:工作)?年报")
_NOT_REPORT = re.compile(
    r"通知|通报|函$|方案|要点|意见|公告|编制|报送|统计(?:表|数据)|指南|目录|制度|办法|规定|解读|征集|答复"
)
# Interpretations of a report, and news items about one: whatever numbers they repeat, the
# report is elsewhere.
# Words only: no agency's name holds them (新闻 does: 新闻出版局; 会议 does: 政治协商会议).
_INTERPRETATION = re.compile(r"一图|图解|图说|读懂|看懂|解读|问答|答记者问")
_NEWS = re.compile(r"召开|培训会|培训班|座谈|发布会|正式发布|顺利发布|获评|荣获|评为|排名|调研|工作动态|简报|快讯")
# The parser's sector words, plus companies: a link title is all there is to go on here.
_SECTOR = re.compile(SECTOR_WORDS + r"|集团|公司")


@dataclass(frozen=True)
class Verdict:
    is_report: bool
    year: int | None
    reason: str


def report_year(title: str) -> Verdict:
    """Whether a link titled `title` is a 政府信息公开工作年度报告, and the year it covers."""
    text = normalize_text(title)
    if not _REPORT.search(text):
        return Verdict(False, None, "not titled as an information-disclosure report")
    reason = not_a_report_page(text)
    if reason:
        return Verdict(False, None, reason)
    if _NOT_REPORT.search(text):
        return Verdict(False, None, f"a notice or other document about reports ({text})")
    if _SECTOR.search(text):
        return Verdict(False, None, f"a sector report ({text})")
    year = year_from_title(text)
    return Verdict(True, year, "titled as an annual report" + ("" if year else ", year not in the title"))


def not_a_report_page(title: str | None) -> str | None:
    """Why a page titled `title` is no annual report although it is about one (an
    interpretation, a news item, a notice about compiling reports), or None."""
    text = normalize_text(title or "")
    if _INTERPRETATION.search(text):
        return f"an interpretation of a report, not the report ({text})"
    if _NEWS.search(text):
        return f"a news item about reports, not a report ({text})"
    if re.search(r"通知|通报", text):
        return f"a notice about reports, not a report ({text})"
    return None
