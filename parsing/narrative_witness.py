"""The narrative as a second witness: totals the report states in words, set against its tables.

Reports say their totals in prose as well as in tables 三 and 四: 共受理政府信息公开申请 3119 件,
办结 80 件, 结转下年度继续办理 13 件, 政府信息公开行政复议 351 件, 行政诉讼 46 件. Each such
statement is compared with the table cell it speaks of; a disagreement becomes a warning that
quotes the sentence. Never an error and never a correction: the prose may count a part (the
2024 洪泽 report, shared/fixtures/real/hongze_district_2024.pdf: 区政府办代表区政府受理政府信息
公开申请 17 件, where table 三 counts 95 for the district government), or either may be wrong.

Conservative by design: a statement counts only when it is a clause of the form "verb + 政府信息
公开申请 + number + unit" (or one of the few shapes below), inside a sentence about this year's
disclosure applications, and no word of the clause before the number narrows it to a part
(其中, 通过网上, 自然人, 涉及…), points to another year (上年, 去年, 2022年 in a 2023 report) or
to another matter (行政许可办结 146 件, seed 000). Numbers in digits or in Chinese numerals
(十二件, 一百零三件); an approximate number (5500 余条, 约) is no statement.

The shapes and guards were written while reading the seeds (shared/fixtures/seeds), the three
real PDFs and 上海市人民政府 2023's wording, which are also what tests/parsing/
test_narrative_witness.py runs them on: "no false alarm" there is the material they were tuned
on, not a measured precision. No held-out set of reports measures how often they misread one.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from .record import Table

# A number, then its unit with nothing between (so "5500 余条" and "万余件" never match).
_NUM = r"(?P<num>\d+(?:,\d{3})*|[零〇一二两三四五六七八九十百千万]+)(?:件|份|个|宗|起|条)"
_TOTAL = r"(?:共计|合计|总计|总数为|共|计|为)?"
_DISCLOSURE = r"(?:政府信息公开|信息公开|依申请公开)"

# 受理申请56件(含上年结转3件): the number counts last year's too (tests/fixtures/parsing/
# text_shanghai_overview.md), so it speaks of new_received + carried_over.
_RECEIVED = ("applications.new_received.total",)
_INCLUDING_CARRIED = re.compile(r"[(（]?(?:含|包括|包含)上一?年度?结转")

# Where each quantity sits in the tables: one cell, or the sum of several (行政诉讼: both groups).
_LITIGATION = ("review_litigation.litigation_direct.total", "review_litigation.litigation_after_review.total")


@dataclass(frozen=True)
class _Statement:
    """One shape of sentence that states a whole-agency total."""

    name: str
    paths: tuple[str, ...]  # the table cells whose sum the number speaks of
    pattern: re.Pattern[str]
    context: str  # "applications" or "review": what the sentence must be about
    past_allowed: bool = False  # 上年结转 speaks of last year by definition


_STATEMENTS: tuple[_Statement, ...] = (
    _Statement(
        "applications received",
        _RECEIVED,
        re.compile(rf"(?:受理|收到|新收|接收|接到)了?(?:各类)?{_DISCLOSURE}申请(?:数量)?{_TOTAL}{_NUM}"),
        "applications",
    ),
    _Statement(
        # Seed 002: 全区依申请公开93件,上年结转0件,现已办结80件,结转下年度继续办理13件.
        "applications received",
        _RECEIVED,
        re.compile(rf"(?:^|(?<=[,、:(]))(?:全年|本年度?|全[区市县省]|我[区市县省局委办])?依申请公开(?:申请)?{_TOTAL}{_NUM}"),
        "applications",
    ),
    _Statement(
        "applications processed",
        ("applications.total_processed.total",),
        re.compile(rf"办结了?(?:{_DISCLOSURE}申请|申请)?{_TOTAL}{_NUM}"),
        "applications",
    ),
    _Statement(
        "applications carried forward",
        ("applications.carried_forward.total",),
        re.compile(rf"结转(?:至|到)?下一?年度?(?:继续)?(?:办理)?的?(?:申请)?{_TOTAL}{_NUM}"),
        "applications",
    ),
    _Statement(
        "applications carried over",
        ("applications.carried_over.total",),
        re.compile(rf"上一?年度?结转的?(?:{_DISCLOSURE}申请|申请)?{_TOTAL}{_NUM}"),
        "applications",
        past_allowed=True,
    ),
    _Statement(
        "administrative reviews",
        ("review_litigation.review.total",),
        re.compile(rf"行政复议(?:案件|申请)?{_TOTAL}{_NUM}"),
        "review",
    ),
    _Statement(
        "administrative litigation",
        _LITIGATION,
        re.compile(rf"行政诉讼(?:案件)?{_TOTAL}{_NUM}"),
        "review",
    ),
)

# Words that, before the number in its clause, make the number a part, not the whole.
_PART_WORDS = re.compile(
    r"其中|通过|网上|网络|在线|线上|线下|信函|邮寄|当面|现场|传真|邮件|电话|自然人|法人|企业|组织|"
    r"涉及|关于|有关|分别|按时|按期|逾期|超期|复议后|直接起诉|维持|纠正|审结|撤销|败诉|胜诉|驳回"
)
# Words that, before the number in its clause, point to another matter than disclosure requests.
_OTHER_MATTER = re.compile(r"许可|处罚|强制|信访|投诉|举报|建议|提案|热线|咨询|留言|来信|来访|12345")
# Words that point to another time than the year reported on.
_OTHER_TIME = re.compile(r"上一?年|去年|前年|往年|同比|较|比|历年|以来")
_YEAR = re.compile(r"((?:19|20)\d\d)年")
# Longer "sentences" are not prose (OCR noise, a table read as text without stops): no statement is
# read from them, and the guards below, which look back over the sentence, stay linear.
_LONGEST_SENTENCE = 1000
_SENTENCE_END = re.compile(r"[。！？!?;；]")
_CLAUSE_END = re.compile(r"[,，、:：()（）]")

_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def chinese_number(text: str) -> int | None:
    """十二 -> 12, 一百零三 -> 103, 两千 -> 2000, 3,119 -> 3119; None for what is not one number."""
    if text[0].isdigit():
        return int(text.replace(",", ""))
    if text in ("零", "〇"):
        return 0
    if not any(char in _DIGITS for char in text):
        return None  # 万, 十: a unit alone is no count (十 alone for 10 is not worth the risk)
    total, section, digit = 0, 0, None
    for char in text:
        if char in "零〇":
            continue  # a place holder: 一百零三
        if char in _DIGITS:
            if digit is not None:
                return None  # 一二: two digits in a row is no number
            digit = _DIGITS[char]
        elif char in _UNITS:
            section += (1 if digit is None else digit) * _UNITS[char]
            digit = None
        elif char == "万":
            total = (total + section + (digit or 0)) * 10000
            section, digit = 0, None
        else:
            return None
    return total + section + (digit or 0)


def _sentences(sections: Mapping[str, str | None]) -> list[tuple[str, str]]:
    """(section key, sentence) for every sentence of the narrative; lines wrapped by the PDF or
    the page (洪泽 2023: 受理政府信息公开申请 21 件 split over two lines) are joined first."""
    out: list[tuple[str, str]] = []
    for key, body in sections.items():
        if not body:
            continue
        text = "".join(body.split("\n"))  # quoted as printed; matched in NFKC (compact below)
        for sentence in _SENTENCE_END.split(text):
            if sentence.strip() and len(sentence) <= _LONGEST_SENTENCE:
                out.append((key, sentence.strip()))
    return out


def _cell(tables: Mapping[str, Table | None], path: str) -> int | float | None | str:
    """The cell's value, None when blank; "absent" when the table or row is."""
    table_name, row, column = path.split(".")
    table = tables.get(table_name)
    if table is None or row not in table or column not in table[row]:
        return "absent"
    return table[row][column]


def _states_whole(statement: _Statement, sentence: str, start: int, year: int | None, key: str) -> bool:
    """Whether the match at `start` states the whole agency's total for the year reported on."""
    compact_before = sentence[:start]
    clause = _CLAUSE_END.split(compact_before)[-1]
    if "其中" in compact_before:  # everything after 其中 in the sentence speaks of a part
        return False
    if _PART_WORDS.search(clause) or _OTHER_MATTER.search(clause):
        return False
    if not statement.past_allowed and _OTHER_TIME.search(clause):
        return False
    for found in _YEAR.finditer(compact_before):
        if year is not None and int(found.group(1)) != year:
            return False
    if statement.context == "applications":
        return "申请" in sentence[: start] or "申请" in sentence[start:].split(",")[0]
    return "信息公开" in sentence or key == "review_litigation"


@dataclass(frozen=True)
class Witness:
    """One narrative statement of a total, and what the tables hold for it."""

    quantity: str  # "applications received", "administrative reviews", ...
    paths: tuple[str, ...]  # the table cells whose sum it speaks of
    stated: int
    in_table: int | float
    sentence: str

    @property
    def agrees(self) -> bool:
        return self.stated == self.in_table

    def warning(self) -> str:
        return (
            f"{' + '.join(self.paths)}: the narrative states {self.quantity} {self.stated}, "
            f"the table {self.in_table} (a part counted, or one of them wrong): “{self.sentence}”"
        )


def narrative_witnesses(
    sections: Mapping[str, str | None],
    applications: Table | None,
    review_litigation: Table | None,
    year: int | None,
) -> list[Witness]:
    """Every narrative statement of a whole total whose table cells the record has."""
    tables = {"applications": applications, "review_litigation": review_litigation}
    found: list[Witness] = []
    for key, sentence in _sentences(sections):
        compact = re.sub(r"\s+", "", unicodedata.normalize("NFKC", sentence))
        for statement in _STATEMENTS:
            for match in statement.pattern.finditer(compact):
                if not _states_whole(statement, compact, match.start(), year, key):
                    continue
                stated = chinese_number(match["num"])
                paths = statement.paths
                if paths == _RECEIVED and _INCLUDING_CARRIED.match(compact, match.end()):
                    paths = _RECEIVED + ("applications.carried_over.total",)
                cells = [_cell(tables, path) for path in paths]
                if stated is None or "absent" in cells or all(v is None for v in cells):
                    continue  # no cell, or only blank ones (left empty, say, as unreadable): nothing to compare
                in_table = sum(0 if v is None else v for v in cells)  # a blank counts as 0, as in the checks
                found.append(Witness(statement.name, paths, stated, in_table, sentence))
    return found


def narrative_warnings(
    sections: Mapping[str, str | None],
    applications: Table | None,
    review_litigation: Table | None,
    year: int | None,
) -> list[str]:
    """A warning for each narrative sentence whose stated total disagrees with its table cells."""
    warnings: list[str] = []
    for witness in narrative_witnesses(sections, applications, review_litigation, year):
        if not witness.agrees and witness.warning() not in warnings:
            warnings.append(witness.warning())
    return warnings
