"""The record's three tables laid out as the official form prints them, for the report page.

Rows, columns and labels follow ../shared/spec/record.md in both formats (2021: 国办公开办函
〔2021〕30号; 2019). The output is a grid of `FormCell`s with rowspans and colspans already
decided, so the template only walks it. A blank cell (null in the record) stays blank, never 0;
the cells of a failed check (parsing.checks.failed_check_cells) carry the rules that cover them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from parsing.checks import failed_check_cells
from parsing.schema import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    Format,
)

# The form's own labels. tests/render.py holds the same labels for rendering test reports; the
# application may not import from tests/, so the form's wording is written down here too.
ACTIVE_GROUPS: dict[str, list[tuple[str, list[str], list[str]]]] = {
    # (第二十条 heading, column labels, rows)
    "2021": [
        ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["regulations", "normative_documents"]),
        ("第二十条第（五）项", ["本年处理决定数量"], ["licensing"]),
        ("第二十条第（六）项", ["本年处理决定数量"], ["punishment", "coercion"]),
        ("第二十条第（八）项", ["本年收费金额（单位：万元）"], ["fees"]),
    ],
    "2019": [
        ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["regulations", "normative_documents"]),
        ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["licensing", "other_services"]),
        ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["punishment", "coercion"]),
        ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["fees"]),
        ("第二十条第（九）项", ["采购项目数量", "采购总金额（单位：万元）"], ["procurement"]),
    ],
}
ACTIVE_LABELS: dict[str, dict[str, str]] = {
    "2021": {"regulations": "规章", "normative_documents": "行政规范性文件", "licensing": "行政许可",
             "punishment": "行政处罚", "coercion": "行政强制", "fees": "行政事业性收费"},
    "2019": {"regulations": "规章", "normative_documents": "规范性文件", "licensing": "行政许可",
             "other_services": "其他对外管理服务事项", "punishment": "行政处罚", "coercion": "行政强制",
             "fees": "行政事业性收费", "procurement": "政府集中采购"},
}

RESULTS = "三、本年度办理结果"
APPLICATION_LABELS: dict[str, tuple[str, str, str]] = {
    # row -> (level-1, level-2, level-3 label), as the form prints them
    "new_received": ("一、本年新收政府信息公开申请数量", "", ""),
    "carried_over": ("二、上年结转政府信息公开申请数量", "", ""),
    "granted": (RESULTS, "（一）予以公开", ""),
    "partially_granted": (RESULTS, "（二）部分公开（区分处理的，只计这一情形，不计其他情形）", ""),
    "denied_state_secret": (RESULTS, "（三）不予公开", "1.属于国家秘密"),
    "denied_prohibited": (RESULTS, "（三）不予公开", "2.其他法律行政法规禁止公开"),
    "denied_security": (RESULTS, "（三）不予公开", "3.危及“三安全一稳定”"),
    "denied_third_party": (RESULTS, "（三）不予公开", "4.保护第三方合法权益"),
    "denied_internal": (RESULTS, "（三）不予公开", "5.属于三类内部事务信息"),
    "denied_process": (RESULTS, "（三）不予公开", "6.属于四类过程性信息"),
    "denied_enforcement_files": (RESULTS, "（三）不予公开", "7.属于行政执法案卷"),
    "denied_query": (RESULTS, "（三）不予公开", "8.属于行政查询事项"),
    "unavailable_not_held": (RESULTS, "（四）无法提供", "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": (RESULTS, "（四）无法提供", "2.没有现成信息需要另行制作"),
    "unavailable_unclear": (RESULTS, "（四）无法提供", "3.补正后申请内容仍不明确"),
    "not_processed_petition": (RESULTS, "（五）不予处理", "1.信访举报投诉类申请"),
    "not_processed_duplicate": (RESULTS, "（五）不予处理", "2.重复申请"),
    "not_processed_publication": (RESULTS, "（五）不予处理", "3.要求提供公开出版物"),
    "not_processed_excessive": (RESULTS, "（五）不予处理", "4.无正当理由大量反复申请"),
    "not_processed_confirmation": (RESULTS, "（五）不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": (RESULTS, "（六）其他处理",
                            "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请"),
    "other_unpaid_fee": (RESULTS, "（六）其他处理",
                         "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请"),
    "other_other": (RESULTS, "（六）其他处理", "3.其他"),
    "other": (RESULTS, "（六）其他处理", ""),
    "total_processed": (RESULTS, "（七）总计", ""),
    "carried_forward": ("四、结转下年度继续办理", "", ""),
}
APPLICANT_LABELS = dict(zip(APPLICANT_COLUMNS, ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]))
REVIEW_GROUP_LABELS = {"review": "行政复议", "litigation_direct": "未经复议直接起诉", "litigation_after_review": "复议后起诉"}
REVIEW_OUTCOME_LABELS = dict(zip(REVIEW_OUTCOMES, ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]))
TABLE_LABELS = {"active": "二、主动公开政府信息情况", "applications": "三、收到和处理政府信息公开申请情况",
                "review_litigation": "四、政府信息公开行政复议、行政诉讼情况"}
SECTION_LABELS = {"overview": "一、总体情况", "active_disclosure": "二、主动公开政府信息情况",
                  "applications": "三、收到和处理政府信息公开申请情况",
                  "review_litigation": "四、政府信息公开行政复议、行政诉讼情况",
                  "problems": "五、存在的主要问题及改进情况", "other": "六、其他需要报告的事项"}
APPLICATIONS_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


@dataclass(frozen=True)
class FormCell:
    text: str
    header: bool = False
    rowspan: int = 1
    colspan: int = 1
    path: str | None = None  # the record's dotted path, for value cells
    failed_rules: tuple[str, ...] = ()  # the failed checks whose identities include this cell

    @property
    def failed(self) -> bool:
        return bool(self.failed_rules)


@dataclass(frozen=True)
class FormTable:
    key: str  # active | applications | review_litigation
    title: str
    rows: tuple[tuple[FormCell, ...], ...]

    @property
    def section(self) -> str:
        """The narrative section (record.sections key) the table belongs to."""
        return "active_disclosure" if self.key == "active" else self.key


def format_value(value: Any, signed: bool = False) -> str:
    """A cell as the form shows it: blank for null, a sign on 本年增/减."""
    if value is None:
        return ""
    if signed and isinstance(value, (int, float)) and value > 0:
        return f"+{value}"
    return str(value)


def cell_label(path: str, fmt: str) -> str:
    """The form's words for a dotted cell path, e.g. 三、本年度办理结果 （一）予以公开 · 自然人."""
    table, row, col = (path.split(".") + ["", ""])[:3]
    if table == "applications":
        words = [part for part in APPLICATION_LABELS.get(row, (row, "", "")) if part]
        return " ".join(words[1:] or words) + " · " + APPLICANT_LABELS.get(col, col)
    if table == "review_litigation":
        group = REVIEW_GROUP_LABELS.get(row, row)
        return group + " · " + REVIEW_OUTCOME_LABELS.get(col, col)
    if table == "active":
        label = ACTIVE_LABELS.get(fmt, ACTIVE_LABELS["2021"]).get(row, row)
        for _, headers, rows in ACTIVE_GROUPS.get(fmt, []):
            spec = next((r for r in ACTIVE_ROWS[fmt] if r.key == row), None) if row in rows else None
            if spec and col in spec.columns:
                return label + " · " + headers[spec.columns.index(col)]
        return f"{label} · {col}"
    return path


def _value_cell(record: Mapping[str, Any], failed: Mapping[tuple[str, str, str], tuple[str, ...]],
                table: str, row: str, col: str, signed: bool = False) -> FormCell:
    value = record.get(table, {}).get(row, {}).get(col)
    return FormCell(format_value(value, signed), path=f"{table}.{row}.{col}",
                    failed_rules=failed.get((table, row, col), ()))


def _active(record: Mapping[str, Any], fmt: Format, failed) -> FormTable:
    rows: list[tuple[FormCell, ...]] = []
    width = 1 + max(len(headers) for _, headers, _ in ACTIVE_GROUPS[fmt])
    specs = {spec.key: spec for spec in ACTIVE_ROWS[fmt]}
    for heading, headers, keys in ACTIVE_GROUPS[fmt]:
        rows.append((FormCell(heading, header=True, colspan=width),))
        span = (width - 1) // len(headers)
        extra = (width - 1) - span * len(headers)
        rows.append((FormCell("信息内容", header=True),
                     *(FormCell(h, header=True, colspan=span + (extra if i == len(headers) - 1 else 0))
                       for i, h in enumerate(headers))))
        for key in keys:
            cells = [FormCell(ACTIVE_LABELS[fmt][key], header=True)]
            for i, col in enumerate(specs[key].columns):
                cell = _value_cell(record, failed, "active", key, col, signed=(col == "items_change"))
                colspan = span + (extra if i == len(specs[key].columns) - 1 else 0)
                cells.append(FormCell(cell.text, path=cell.path, failed_rules=cell.failed_rules, colspan=colspan))
            rows.append(tuple(cells))
    return FormTable("active", TABLE_LABELS["active"], tuple(rows))


def _applications(record: Mapping[str, Any], fmt: Format, failed) -> FormTable:
    rows: list[tuple[FormCell, ...]] = [
        (FormCell(APPLICATIONS_NOTE, header=True, rowspan=3, colspan=3),
         FormCell("申请人情况", header=True, colspan=7)),
        (FormCell("自然人", header=True, rowspan=2), FormCell("法人或其他组织", header=True, colspan=5),
         FormCell("总计", header=True, rowspan=2)),
        tuple(FormCell(APPLICANT_LABELS[c], header=True) for c in APPLICANT_COLUMNS[1:-1]),
    ]
    order = APPLICATION_ROWS[fmt]
    labels = [APPLICATION_LABELS[row] for row in order]
    for i, row in enumerate(order):
        first, second, third = labels[i]
        cells: list[FormCell] = []
        if i == 0 or labels[i - 1][0] != first:
            span = sum(1 for _ in _run(labels, i, lambda lab: lab[0] == first))
            cells.append(FormCell(first, header=True, rowspan=span, colspan=1 if second else 3))
        if second and (i == 0 or labels[i - 1][:2] != (first, second)):
            span = sum(1 for _ in _run(labels, i, lambda lab: lab[:2] == (first, second)))
            cells.append(FormCell(second, header=True, rowspan=span, colspan=1 if third else 2))
        if third:
            cells.append(FormCell(third, header=True))
        cells.extend(_value_cell(record, failed, "applications", row, col) for col in APPLICANT_COLUMNS)
        rows.append(tuple(cells))
    return FormTable("applications", TABLE_LABELS["applications"], tuple(rows))


def _run(labels: list[tuple[str, str, str]], start: int, same) -> list[int]:
    run = []
    for j in range(start, len(labels)):
        if not same(labels[j]):
            break
        run.append(j)
    return run


def _review(record: Mapping[str, Any], failed) -> FormTable:
    parts = len(REVIEW_OUTCOMES)
    rows = (
        (FormCell("行政复议", header=True, colspan=parts), FormCell("行政诉讼", header=True, colspan=2 * parts)),
        tuple(
            [FormCell(REVIEW_OUTCOME_LABELS[o], header=True, rowspan=2) for o in REVIEW_OUTCOMES]
            + [FormCell(REVIEW_GROUP_LABELS[g], header=True, colspan=parts) for g in REVIEW_GROUPS[1:]]
        ),
        tuple(FormCell(REVIEW_OUTCOME_LABELS[o], header=True) for _ in REVIEW_GROUPS[1:] for o in REVIEW_OUTCOMES),
        tuple(_value_cell(record, failed, "review_litigation", g, o) for g in REVIEW_GROUPS for o in REVIEW_OUTCOMES),
    )
    return FormTable("review_litigation", TABLE_LABELS["review_litigation"], rows)


def form_tables(record: Mapping[str, Any]) -> list[FormTable]:
    """The record's tables as the form lays them out; tables the report lacks are left out."""
    fmt: Format = "2019" if record.get("format") == "2019" else "2021"
    present = {k: record[k] for k in ("applications", "review_litigation") if record.get(k) is not None}
    failed = failed_check_cells(fmt, present)
    tables = []
    if record.get("active") is not None:
        tables.append(_active(record, fmt, failed))
    if record.get("applications") is not None:
        tables.append(_applications(record, fmt, failed))
    if record.get("review_litigation") is not None:
        tables.append(_review(record, failed))
    return tables


def failed_cells(record: Mapping[str, Any]) -> dict[str, tuple[str, ...]]:
    """Dotted cell path -> the failed rules covering it (the JSON API's form of the highlight)."""
    fmt: Format = "2019" if record.get("format") == "2019" else "2021"
    present = {k: record[k] for k in ("applications", "review_litigation") if record.get(k) is not None}
    return {".".join(cell): rules for cell, rules in sorted(failed_check_cells(fmt, present).items())}
