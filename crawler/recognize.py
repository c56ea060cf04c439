"""Is this link an annual report, and for which year? Decided from the title, never position.

A report column lists much else: notices about compiling reports, 工作要点, 统计数据, sector
reports (schools, hospitals, utilities) and reports on other years. `report_year` answers for a
link title; the parser later confirms from the content (tables, markers) before a record is
archived as a report. Whether a link is an attachment is crawler.platforms.attachments' rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsing.cells import normalize_text
from parsing.metadata import year_from_title
from parsing.report import SECTOR_WORDS

_REPORT = re.compile(r"(?:政府|政务)?信息公开.{0,8}(?:年度)?(?:工作)?(?:年度)?报告|信息公开年报")
_NOT_REPORT = re.compile(
    r"通知|通报|函$|方案|要点|意见|公告|编制|报送|统计(?:表|数据)|指南|目录|制度|办法|规定|解读|征集|答复"
)
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
    if _NOT_REPORT.search(text):
        return Verdict(False, None, f"a notice or other document about reports ({text})")
    if _SECTOR.search(text):
        return Verdict(False, None, f"a sector report ({text})")
    year = year_from_title(text)
    return Verdict(True, year, "titled as an annual report" + ("" if year else ", year not in the title"))
