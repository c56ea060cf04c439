"""The shape of the record's tables in each national format, and the form's own words.

Everything that names a table row or column lives here, so the mapping code, the checks,
the renderers and the tests all agree on one list (../shared/spec/record.md): the record's
keys, and the labels the official form prints for them, written once. The wording is the
form's: the 2021 format (国办公开办函〔2021〕30号, its blank template is
shared/fixtures/real/template_2021_format.docx) and the 2019 format, with the template's
full-width punctuation. Where the two formats word a label differently, the label is kept per
format (规范性文件 in 2019, 行政规范性文件 in 2021). Other wordings that reports print for a
label, which the renderers of test reports print too, are a label's `variants`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Format = Literal["2021", "2019"]
FORMATS: tuple[Format, ...] = ("2021", "2019")


@dataclass(frozen=True)
class Label:
    """A label as the official form prints it (`text`), and other wordings reports print."""

    text: str
    variants: tuple[str, ...] = ()  # e.g. the template's 商业\n企业 read as text: 商业 企业


# 申请人情况 columns, in the order the form prints them.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person",
    "enterprise",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_COLUMNS[:-1]
APPLICANT_LABELS: dict[str, Label] = {
    "natural_person": Label("自然人"),
    # The template breaks these two in their narrow cells (商业\n企业); text extracted from a
    # report then reads 商业 企业 (the pipe shape of nianbao/devportal/render.py prints that).
    "enterprise": Label("商业企业", variants=("商业 企业",)),
    "research": Label("科研机构", variants=("科研 机构",)),
    "social_org": Label("社会公益组织"),
    "legal_service": Label("法律服务机构"),
    "other_org": Label("其他"),
    "total": Label("总计"),
}
APPLICANTS_HEADING = "申请人情况"  # over all seven columns
ORGANISATIONS_HEADING = "法人或其他组织"  # over enterprise … other_org
APPLICATIONS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"  # the header's corner

_RESULT_ROWS_COMMON: tuple[str, ...] = (
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_prohibited",
    "denied_security",
    "denied_third_party",
    "denied_internal",
    "denied_process",
    "denied_enforcement_files",
    "denied_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "not_processed_petition",
    "not_processed_duplicate",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
)

# (六)其他处理: one row in the 2019 format, three in the 2021 format.
SINGLE_OTHER_ROW = "other"
OTHER_ROWS_2021: tuple[str, ...] = ("other_no_correction", "other_unpaid_fee", "other_other")

# The result rows that (七)总计 sums, per format.
RESULT_ROWS: dict[Format, tuple[str, ...]] = {
    "2021": _RESULT_ROWS_COMMON + OTHER_ROWS_2021,
    "2019": _RESULT_ROWS_COMMON + (SINGLE_OTHER_ROW,),
}


# Some 2021-format reports keep the 2019 form's single row （六）其他处理 where the 2021 form has
# its three rows (洪泽区 2023 and 2024, shared/fixtures/real/hongze_district_*.pdf). The record
# keeps that row's numbers under the 2019 key, `other`, beside the 2021 rows (which are null).
def result_rows(fmt: Format, rows: Iterable[str] = ()) -> tuple[str, ...]:
    """The result rows that (七)总计 sums in an applications table of format `fmt` holding `rows`:
    the format's own, plus `other` where a 2021 table prints the 2019 single row."""
    if fmt == "2021" and SINGLE_OTHER_ROW in rows:
        return RESULT_ROWS[fmt] + (SINGLE_OTHER_ROW,)
    return RESULT_ROWS[fmt]


def application_rows(fmt: Format, rows: Iterable[str] = ()) -> tuple[str, ...]:
    """Every row of an applications table of format `fmt` holding `rows`, in the order the form
    prints them: `result_rows` between the two counts above and the two totals below."""
    return ("new_received", "carried_over") + result_rows(fmt, rows) + ("total_processed", "carried_forward")


# Every row of the applications table, in the order the form prints them.
APPLICATION_ROWS: dict[Format, tuple[str, ...]] = {fmt: application_rows(fmt) for fmt in FORMATS}


RESULTS_HEADING = "三、本年度办理结果"
_DENIED, _UNAVAILABLE, _NOT_PROCESSED, _OTHER = "（三）不予公开", "（四）无法提供", "（五）不予处理", "（六）其他处理"

# Each row's label in the form's three label columns (level 1, level 2, level 3; "" where the
# row's label spans the columns to its right). The same in both formats, but for (六)其他处理:
# one row `other` in 2019, three rows under that heading in 2021.
APPLICATION_LABELS: dict[str, tuple[str, str, str]] = {
    "new_received": ("一、本年新收政府信息公开申请数量", "", ""),
    "carried_over": ("二、上年结转政府信息公开申请数量", "", ""),
    "granted": (RESULTS_HEADING, "（一）予以公开", ""),
    "partially_granted": (RESULTS_HEADING, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    "denied_state_secret": (RESULTS_HEADING, _DENIED, "1.属于国家秘密"),
    "denied_prohibited": (RESULTS_HEADING, _DENIED, "2.其他法律行政法规禁止公开"),
    "denied_security": (RESULTS_HEADING, _DENIED, "3.危及“三安全一稳定”"),
    "denied_third_party": (RESULTS_HEADING, _DENIED, "4.保护第三方合法权益"),
    "denied_internal": (RESULTS_HEADING, _DENIED, "5.属于三类内部事务信息"),
    "denied_process": (RESULTS_HEADING, _DENIED, "6.属于四类过程性信息"),
    "denied_enforcement_files": (RESULTS_HEADING, _DENIED, "7.属于行政执法案卷"),
    "denied_query": (RESULTS_HEADING, _DENIED, "8.属于行政查询事项"),
    "unavailable_not_held": (RESULTS_HEADING, _UNAVAILABLE, "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": (RESULTS_HEADING, _UNAVAILABLE, "2.没有现成信息需要另行制作"),
    "unavailable_unclear": (RESULTS_HEADING, _UNAVAILABLE, "3.补正后申请内容仍不明确"),
    "not_processed_petition": (RESULTS_HEADING, _NOT_PROCESSED, "1.信访举报投诉类申请"),
    "not_processed_duplicate": (RESULTS_HEADING, _NOT_PROCESSED, "2.重复申请"),
    "not_processed_publication": (RESULTS_HEADING, _NOT_PROCESSED, "3.要求提供公开出版物"),
    "not_processed_excessive": (RESULTS_HEADING, _NOT_PROCESSED, "4.无正当理由大量反复申请"),
    "not_processed_confirmation": (RESULTS_HEADING, _NOT_PROCESSED, "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": (RESULTS_HEADING, _OTHER, "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_unpaid_fee": (RESULTS_HEADING, _OTHER, "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_other": (RESULTS_HEADING, _OTHER, "3.其他"),
    "other": (RESULTS_HEADING, _OTHER, ""),
    "total_processed": (RESULTS_HEADING, "（七）总计", ""),
    "carried_forward": ("四、结转下年度继续办理", "", ""),
}


def application_label(row: str) -> str:
    """The row's own label: its last label column (（一）予以公开, 1.属于国家秘密)."""
    return next(part for part in reversed(APPLICATION_LABELS[row]) if part)


@dataclass(frozen=True)
class ActiveRow:
    """One row of 二、主动公开政府信息情况: its key and label, the 第二十条 item it is printed
    under, and the value columns it carries."""

    key: str
    label: str
    item: str  # the heading of its group: 第二十条第（一）项
    columns: tuple[str, ...]
    amount_columns: tuple[str, ...] = ()  # columns in 万元 (decimals allowed, 元 converted)


_ITEM_1, _ITEM_5, _ITEM_6, _ITEM_8, _ITEM_9 = (f"第二十条第（{n}）项" for n in "一五六八九")
_DOCUMENTS_2021 = ("issued", "repealed", "in_force")
_DOCUMENTS_2019 = ("made", "published", "public_total")
_ITEMS_2019 = ("items_last_year", "items_change", "decisions")

ACTIVE_ROWS: dict[Format, tuple[ActiveRow, ...]] = {
    "2021": (
        ActiveRow("regulations", "规章", _ITEM_1, _DOCUMENTS_2021),
        ActiveRow("normative_documents", "行政规范性文件", _ITEM_1, _DOCUMENTS_2021),
        ActiveRow("licensing", "行政许可", _ITEM_5, ("decisions",)),
        ActiveRow("punishment", "行政处罚", _ITEM_6, ("decisions",)),
        ActiveRow("coercion", "行政强制", _ITEM_6, ("decisions",)),
        ActiveRow("fees", "行政事业性收费", _ITEM_8, ("amount",), amount_columns=("amount",)),
    ),
    "2019": (
        ActiveRow("regulations", "规章", _ITEM_1, _DOCUMENTS_2019),
        ActiveRow("normative_documents", "规范性文件", _ITEM_1, _DOCUMENTS_2019),
        ActiveRow("licensing", "行政许可", _ITEM_5, _ITEMS_2019),
        ActiveRow("other_services", "其他对外管理服务事项", _ITEM_5, _ITEMS_2019),
        ActiveRow("punishment", "行政处罚", _ITEM_6, _ITEMS_2019),
        ActiveRow("coercion", "行政强制", _ITEM_6, _ITEMS_2019),
        ActiveRow("fees", "行政事业性收费", _ITEM_8, _ITEMS_2019[:2]),
        ActiveRow("procurement", "政府集中采购", _ITEM_9, ("projects", "amount"), amount_columns=("amount",)),
    ),
}

# Each format's column labels. The 2019 format gives 采购总金额 no unit (so does the 2019-format
# seed report 003; the record holds it in 万元 all the same, spec/record.md); the 2021 format
# names the unit of 本年收费金额. 规范性文件 above is the 2019 word too (seed 003).
ACTIVE_COLUMN_LABELS: dict[Format, dict[str, str]] = {
    "2021": {
        "issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数",
        "decisions": "本年处理决定数量", "amount": "本年收费金额（单位：万元）",
    },
    "2019": {
        "made": "本年新制作数量", "published": "本年新公开数量", "public_total": "对外公开总数量",
        "items_last_year": "上一年项目数量", "items_change": "本年增/减", "decisions": "处理决定数量",
        "projects": "采购项目数量", "amount": "采购总金额",
    },
}
ACTIVE_ROW_HEADING = "信息内容"  # the label column's heading in every group


@dataclass(frozen=True)
class ActiveGroup:
    """One 第二十条 item of 二、 as the form prints it: its heading, column labels and rows."""

    heading: str
    columns: tuple[str, ...]
    column_labels: tuple[str, ...]
    rows: tuple[ActiveRow, ...]


def _active_groups(fmt: Format) -> tuple[ActiveGroup, ...]:
    groups: list[ActiveGroup] = []
    for row in ACTIVE_ROWS[fmt]:
        if groups and groups[-1].heading == row.item:
            groups[-1] = ActiveGroup(row.item, groups[-1].columns, groups[-1].column_labels, groups[-1].rows + (row,))
        else:
            labels = tuple(ACTIVE_COLUMN_LABELS[fmt][c] for c in row.columns)
            groups.append(ActiveGroup(row.item, row.columns, labels, (row,)))
    return tuple(groups)


ACTIVE_GROUPS: dict[Format, tuple[ActiveGroup, ...]] = {fmt: _active_groups(fmt) for fmt in FORMATS}

REVIEW_GROUPS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
REVIEW_OUTCOMES: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
REVIEW_PARTS: tuple[str, ...] = REVIEW_OUTCOMES[:-1]
REVIEW_GROUP_LABELS: dict[str, str] = {
    "review": "行政复议",
    "litigation_direct": "未经复议直接起诉",
    "litigation_after_review": "复议后起诉",
}
LITIGATION_HEADING = "行政诉讼"  # over litigation_direct and litigation_after_review
REVIEW_OUTCOME_LABELS: dict[str, str] = dict(zip(REVIEW_OUTCOMES, ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")))

SECTION_KEYS: tuple[str, ...] = (
    "overview",
    "active_disclosure",
    "applications",
    "review_litigation",
    "problems",
    "other",
)
SECTION_TITLES: dict[str, str] = {
    "overview": "一、总体情况",
    "active_disclosure": "二、主动公开政府信息情况",
    "applications": "三、收到和处理政府信息公开申请情况",
    "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
    "problems": "五、存在的主要问题及改进情况",
    "other": "六、其他需要报告的事项",
}


def active_row(fmt: Format, key: str) -> ActiveRow:
    for row in ACTIVE_ROWS[fmt]:
        if row.key == key:
            return row
    raise KeyError(f"no active-disclosure row {key!r} in the {fmt} format")
