"""Matching row labels, table markers and section headings by meaning, not by exact string.

Real reports renumber (1./1、/（1）), reword (规范性文件/行政规范性文件, 事项/事务), glue a
vertical heading's characters onto a label (PDF text: "度 (二)部分公开"), wrap a label over
lines, and OCR slips characters (国家秘蜜). Each row is therefore recognised by a short
keyword that survives all of these, with a fuzzy comparison against the form's own wording as
the last resort. The keywords are this module's; the form's wording is parsing.schema's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz

from .cells import normalize_text
from .schema import (
    ACTIVE_ROWS,
    FORMATS,
    REVIEW_GROUP_LABELS,
    Format,
    application_label,
)

_QUOTES = re.compile(r"[\"'“”‘’「」『』]")
_NUMBERING = re.compile(r"^(?:[(\[]?[0-9一二三四五六七八九十]{1,2}[)\]]?[.、,]?)+")


@lru_cache(maxsize=16384)
def normalize_label(text: str) -> str:
    """Label text for matching: NFKC, no whitespace or quotes, one style of numbering."""
    text = normalize_text(text)
    text = text.replace("【", "(").replace("】", ")").replace("〔", "(").replace("〕", ")")
    text = _QUOTES.sub("", text)
    text = re.sub(r"\s+", "", text)
    return re.sub(r"(?<=\d)[、,.．](?=\D)", ".", text)


def strip_numbering(label: str) -> str:
    return _NUMBERING.sub("", label)


@dataclass(frozen=True)
class Rule:
    key: str
    pattern: re.Pattern[str]
    wording: str  # the form's own label as the fuzzy fallback compares it (`form_wording`)
    max_len: int = 80


_NOTE = re.compile(r"\(.*\)$")


def form_wording(label: str) -> str:
    """A label of the form as the fuzzy fallback compares it: normalised, without its numbering
    and its parenthetical note (（二）部分公开（区分处理的，…） → 部分公开)."""
    return _NOTE.sub("", strip_numbering(normalize_label(label)))


def _rule(key: str, pattern: str, label: str, max_len: int = 80) -> Rule:
    return Rule(key, re.compile(pattern), form_wording(label), max_len)


def _application_rule(key: str, pattern: str, max_len: int = 80, *, row: str | None = None) -> Rule:
    return _rule(key, pattern, application_label(row or key), max_len)


def _active_rule(key: str, pattern: str, max_len: int) -> Rule:
    """The newest format's label: 行政规范性文件 (2021), not 规范性文件 (2019)."""
    label = next(row.label for fmt in FORMATS for row in ACTIVE_ROWS[fmt] if row.key == key)
    return _rule(key, pattern, label, max_len)


# 三、收到和处理政府信息公开申请情况. `other_group` is the (六)其他处理 heading: in the 2019
# format it is itself a row (`other`), in the 2021 format it heads three rows.
APPLICATION_RULES: tuple[Rule, ...] = (
    _application_rule("new_received", r"本年新收|新收.{0,6}申请"),
    _application_rule("carried_over", r"上年结转"),
    _application_rule("carried_forward", r"结转下年|转下年度"),
    _application_rule("granted", r"予以公开"),
    _application_rule("partially_granted", r"部分公开"),
    _application_rule("denied_state_secret", r"国家秘密"),
    _application_rule("denied_prohibited", r"禁止公开|其他法律"),
    _application_rule("denied_security", r"三安全|一稳定|危及"),
    _application_rule("denied_third_party", r"第三方"),
    _application_rule("denied_internal", r"内部事[务项]|三类内部"),
    _application_rule("denied_process", r"过程性|四类过程"),
    _application_rule("denied_enforcement_files", r"执法案卷"),
    _application_rule("denied_query", r"查询事[项务]|行政查询"),
    _application_rule("unavailable_not_held", r"不掌握"),
    _application_rule("unavailable_needs_creation", r"现成信息|另行制作"),
    _application_rule("unavailable_unclear", r"补正后|仍不明确"),
    _application_rule("not_processed_petition", r"信访|举报投诉"),
    _application_rule("not_processed_duplicate", r"重复申请"),
    _application_rule("not_processed_publication", r"出版物"),
    _application_rule("not_processed_excessive", r"大量反复|大量.{0,2}申请"),
    _application_rule("not_processed_confirmation", r"确认或重新|重新出具|要求行政机关确认"),
    _application_rule("other_no_correction", r"逾期不补正|不补正"),
    _application_rule("other_unpaid_fee", r"收费通知|缴纳费用|逾期未按"),
    _application_rule("other_group", r"其他处理", max_len=12, row="other"),
    _application_rule("other_other", r"^(?:\W?\d\W?)?其他$", max_len=6),
    _application_rule("total_processed", r"总计$", max_len=8),
)

ACTIVE_RULES: tuple[Rule, ...] = (
    _active_rule("normative_documents", r"规范性文件", max_len=16),
    _active_rule("regulations", r"规章", max_len=8),
    _active_rule("licensing", r"行政许可", max_len=12),
    _active_rule("other_services", r"对外管理服务", max_len=16),
    _active_rule("punishment", r"行政处罚", max_len=12),
    _active_rule("coercion", r"行政强制", max_len=12),
    _active_rule("fees", r"事业性收费", max_len=16),
    _active_rule("procurement", r"集中采购", max_len=16),
)

_APPLICANT_HEADER = re.compile(r"自然人|商业企业|科研机构|法律服务机构|公益组织|法人或其他组织|申请人情况")


def is_applicant_header(label: str) -> bool:
    """A cell of the applications table's column header (自然人, 商业企业, …)."""
    return bool(_APPLICANT_HEADER.search(normalize_label(label)))


# For reports that print 四、行政复议、行政诉讼 one row per group (5 values each).
REVIEW_GROUP_RULES: tuple[Rule, ...] = (
    _rule("litigation_direct", r"直接起诉", REVIEW_GROUP_LABELS["litigation_direct"], max_len=20),
    _rule("litigation_after_review", r"复议后起诉", REVIEW_GROUP_LABELS["litigation_after_review"], max_len=20),
    _rule("review", r"^行政复议$", REVIEW_GROUP_LABELS["review"], max_len=8),
)


@lru_cache(maxsize=16384)
def match_rule(label: str, rules: tuple[Rule, ...], *, fuzzy: bool = True) -> str | None:
    """The key of the rule this label means, or None.

    When several keywords occur (a group heading glued to its sub-row, "(六)其他处理1.申请人…"),
    the one found latest in the label wins: sub-rows come after their group's heading.
    """
    label = normalize_label(label)
    if not label:
        return None
    best: tuple[int, str] | None = None
    for rule in rules:
        if len(label) > rule.max_len:
            continue
        matches = list(rule.pattern.finditer(label))
        found = matches[-1] if matches else None
        if found is not None and (best is None or found.start() > best[0]):
            best = (found.start(), rule.key)
    if best is not None:
        return best[1]
    if fuzzy:
        return _fuzzy_match(label, rules)
    return None


_INNER_NUMBERING = re.compile(r"\(?[0-9一二三四五六七八九十]{1,2}[).、]")


def _fuzzy_match(label: str, rules: tuple[Rule, ...]) -> str | None:
    """OCR slips and typos: the closest wording, if clearly closer than any other.

    A group heading glued before the row's own label ("不予公开1.属于国家秘蜜") is compared
    both whole and from its last numbering marker on.
    """
    parts = {strip_numbering(label), _INNER_NUMBERING.split(label)[-1]}
    parts = {p for p in parts if len(p) >= 4}
    if not parts:
        return None
    scored = sorted(
        (
            (max(fuzz.ratio(part, rule.wording) for part in parts), rule.key)
            for rule in rules
            if len(rule.wording) >= 4
        ),
        reverse=True,
    )
    if not scored:
        return None
    best_score, best_key = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else 0
    if best_score >= 75 and best_score - runner_up >= 10:
        return best_key
    return None


# --- table markers: which table a run of rows belongs to --------------------------------

TableName = str  # "active" | "applications" | "review" | "none"

_TABLE_MARKERS: tuple[tuple[TableName, re.Pattern[str]], ...] = (
    ("none", re.compile(r"存在的?主要问题|其他需要报告|改进情况|问题及改进")),
    ("review", re.compile(r"^行政复议|行政复议.{0,2}行政诉讼")),
    (
        "applications",
        re.compile(r"本年新收|申请人情况|收到和处理.{0,8}申请|勾稽关系|依申请公开.{0,6}情况$"),
    ),
    (
        "active",
        re.compile(r"第二十条|本年制发件数|本年新制作数量|主动公开政府信息.{0,2}情况$|^信息内容$"),
    ),
)


@lru_cache(maxsize=16384)
def table_marker(label: str) -> TableName | None:
    """The table this label opens (a heading or a table's own header), or None."""
    label = normalize_label(label)
    if not label or len(label) > 60:
        return None
    for name, pattern in _TABLE_MARKERS:
        if pattern.search(label):
            return name
    return None


# --- format markers ----------------------------------------------------------------------

FORMAT_MARKERS: dict[Format, tuple[str, ...]] = {
    "2021": (
        r"本年制发件数",
        r"本年废止件数",
        r"现行有效件数",
        r"本年处理决定数量",
        r"本年收费金额",
        r"逾期不补正",
        r"收费通知",
        r"其他处理\W*1\W?申请人",
    ),
    "2019": (
        r"本年新制作数量",
        r"本年新公开数量",
        r"对外公开总数量",
        r"上一年项目数量",
        r"本年增\W?减",
        r"第二十条第\(九\)项",
        r"政府集中采购",
        r"其他对外管理服务事项",
        r"其他处理\W*\(七\)",
    ),
}


def format_scores(compact_text: str) -> dict[Format, int]:
    """How many of each format's own table markers the text (whitespace removed) contains."""
    text = normalize_label(compact_text)
    return {
        fmt: sum(1 for marker in markers if re.search(marker, text))
        for fmt, markers in FORMAT_MARKERS.items()
    }


# --- section headings ----------------------------------------------------------------------

_TOP_NUMBER = re.compile(r"^(?:第[一二三四五六七八九十]+部分[、.,:]?|[一二三四五六七八九十]{1,2}[、.,:])")
_BARE_HEADING_END = re.compile(r"(?:情况|事项|问题|措施|概述|概况)$")
_SECTION_KEYWORDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("problems", re.compile(r"存在的?主要问题|存在.{0,4}问题|问题及改进|改进情况|改进措施")),
    ("other", re.compile(r"其他需要?报告|其他.{0,2}事项|需要说明")),
    ("review_litigation", re.compile(r"行政复议|行政诉讼")),
    ("applications", re.compile(r"收到和处理|依申请公开|申请公开.{0,4}情况")),
    ("active_disclosure", re.compile(r"主动公开")),
    ("overview", re.compile(r"总体情况|基本情况|概述|概况")),
)
# Rows of the applications table look like headings ("四、结转下年度继续办理"); never sections.
_TABLE_ROW_HEADINGS = re.compile(r"本年新收|上年结转|办理结果|结转下年")


@lru_cache(maxsize=16384)
def section_heading(line: str) -> str | None:
    """The section key a line heads (一、总体情况 → "overview"), or None for body text.

    A heading is short and numbered at the top level (一、/第一部分) or is the bare wording;
    sub-headings such as （二）依申请公开 belong to the section they sit in.
    """
    label = normalize_label(line)
    if not label or len(label) > 40 or _TABLE_ROW_HEADINGS.search(label):
        return None
    numbered = _TOP_NUMBER.match(label)
    if label.startswith("("):
        return None
    body = label[numbered.end():] if numbered else label
    if not numbered and (len(body) > 24 or not _BARE_HEADING_END.search(body)):
        return None
    for key, pattern in _SECTION_KEYWORDS:
        if pattern.search(body):
            return key
    return None
