"""A record as a readable terminal summary: the tables laid out like the form, failures in red."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from parsing.record import Record
from parsing.schema import APPLICANT_COLUMNS, REVIEW_OUTCOMES

APPLICANT_HEADERS = ("自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计")
REVIEW_LABELS = {"review": "行政复议", "litigation_direct": "诉讼·直接起诉", "litigation_after_review": "诉讼·复议后起诉"}
REVIEW_HEADERS = ("维持", "纠正", "其他", "未审结", "总计")


ROW_LABELS = {
    "new_received": "一、本年新收", "carried_over": "二、上年结转", "granted": "(一)予以公开",
    "partially_granted": "(二)部分公开", "denied_state_secret": "(三)1.国家秘密",
    "denied_prohibited": "(三)2.法律法规禁止", "denied_security": "(三)3.三安全一稳定",
    "denied_third_party": "(三)4.第三方权益", "denied_internal": "(三)5.内部事务",
    "denied_process": "(三)6.过程性信息", "denied_enforcement_files": "(三)7.执法案卷",
    "denied_query": "(三)8.查询事项", "unavailable_not_held": "(四)1.不掌握",
    "unavailable_needs_creation": "(四)2.需另行制作", "unavailable_unclear": "(四)3.补正后不明确",
    "not_processed_petition": "(五)1.信访举报投诉", "not_processed_duplicate": "(五)2.重复申请",
    "not_processed_publication": "(五)3.公开出版物", "not_processed_excessive": "(五)4.大量反复",
    "not_processed_confirmation": "(五)5.确认或重新出具", "other_no_correction": "(六)1.逾期不补正",
    "other_unpaid_fee": "(六)2.逾期未缴费", "other_other": "(六)3.其他", "other": "(六)其他处理",
    "total_processed": "(七)总计", "carried_forward": "四、结转下年度",
}
ACTIVE_LABELS = {
    "regulations": "规章", "normative_documents": "行政规范性文件", "licensing": "行政许可",
    "other_services": "其他对外管理服务事项", "punishment": "行政处罚", "coercion": "行政强制",
    "fees": "行政事业性收费", "procurement": "政府集中采购",
}
ACTIVE_COLUMN_LABELS = {
    "issued": "本年制发", "repealed": "本年废止", "in_force": "现行有效", "decisions": "处理决定",
    "amount": "金额(万元)", "made": "本年新制作", "published": "本年新公开", "public_total": "对外公开总数",
    "items_last_year": "上一年项目数", "items_change": "本年增/减", "projects": "采购项目数",
}


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def render_summary(record: Record, source: str) -> Group:
    parts: list = []
    head = Text()
    head.append(record.title or "(untitled)", style="bold")
    head.append(f"\n{source}\n", style="dim")
    head.append(
        f"agency: {record.agency or '?'}   year: {record.year or '?'}   format: {record.format or '?'}"
        f"   published: {record.published_on or '?'}"
    )
    parts.append(head)

    if record.active is not None:
        table = Table(title="二、主动公开政府信息情况", title_justify="left", show_header=False)
        table.add_column("row", no_wrap=True)
        table.add_column("values")
        for row, cols in record.active.items():
            values = "   ".join(f"{ACTIVE_COLUMN_LABELS.get(c, c)} {_cell(v)}" for c, v in cols.items())
            table.add_row(ACTIVE_LABELS.get(row, row), values)
        parts.append(table)

    if record.applications is not None:
        table = Table(title="三、收到和处理政府信息公开申请情况", title_justify="left")
        table.add_column("", no_wrap=True)
        for header in APPLICANT_HEADERS:
            table.add_column(header, justify="right")
        for row, cols in record.applications.items():
            table.add_row(ROW_LABELS.get(row, row), *(_cell(cols.get(c)) for c in APPLICANT_COLUMNS))
        parts.append(table)

    if record.review_litigation is not None:
        table = Table(title="四、行政复议、行政诉讼", title_justify="left")
        table.add_column("", no_wrap=True)
        for header in REVIEW_HEADERS:
            table.add_column(header, justify="right")
        for group, cols in record.review_litigation.items():
            table.add_row(REVIEW_LABELS.get(group, group), *(_cell(cols.get(c)) for c in REVIEW_OUTCOMES))
        parts.append(table)

    checks = Text("checks\n", style="bold")
    for check in record.checks:
        style = "green" if check.ok else "bold red"
        checks.append(f"  {'ok  ' if check.ok else 'FAIL'} {check.rule}", style=style)
        if not check.ok:
            checks.append(f": {check.detail}", style="red")
        checks.append("\n")
    if not record.checks:
        checks.append("  (no tables to check)\n", style="dim")
    parts.append(checks)
    if record.warnings:
        warnings = Text("warnings\n", style="bold yellow")
        for warning in record.warnings:
            warnings.append(f"  ! {warning}\n", style="yellow")
        parts.append(warnings)
    return Group(*parts)


def print_summary(record: Record, source: str, console: Console) -> None:
    console.print(render_summary(record, source))
    console.rule(style="dim")
