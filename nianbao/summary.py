"""A record as a readable terminal summary: the tables laid out like the form, failures in red,
each check named by its rule and the form's words for it (parsing.fields)."""

from __future__ import annotations

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from parsing import schema
from parsing.fields import labelled_detail, rule_label
from parsing.record import Record
from parsing.schema import APPLICANT_COLUMNS, REVIEW_OUTCOMES


def _cell(value: object) -> str:
    return "—" if value is None else str(value)


def _active_table(active: dict, fmt: schema.Format) -> Table:
    """二、: a row per row of the form, its values each after its column's label."""
    table = Table(title=schema.SECTION_TITLES["active_disclosure"], title_justify="left", show_header=False)
    table.add_column("row", no_wrap=True)
    table.add_column("values")
    labels = {row.key: row.label for row in schema.ACTIVE_ROWS[fmt]}
    columns = schema.ACTIVE_COLUMN_LABELS[fmt]
    for row, cols in active.items():
        values = "   ".join(f"{columns.get(c, c)} {_cell(v)}" for c, v in cols.items())
        table.add_row(labels.get(row, row), values)
    return table


def _applications_table(applications: dict) -> Table:
    """三、: the form's rows under its own headings; a heading over several rows (三、本年度办理结果,
    （三）不予公开) has a row of its own, as the form prints it across them."""
    table = Table(title=schema.SECTION_TITLES["applications"], title_justify="left")
    table.add_column("", overflow="fold")  # the long labels fold onto a second line, not cut off
    for column in APPLICANT_COLUMNS:
        table.add_column(schema.APPLICANT_LABELS[column].text, justify="right")
    headed: set[str] = set()
    for row, cols in applications.items():
        own = schema.application_label(row) if row in schema.APPLICATION_LABELS else row
        for heading in schema.APPLICATION_LABELS.get(row, ())[:2]:
            if heading and heading != own and heading not in headed:
                headed.add(heading)
                table.add_row(heading)
        table.add_row(own, *(_cell(cols.get(c)) for c in APPLICANT_COLUMNS))
    return table


def _review_table(review: dict) -> Table:
    """四、: a row per group (行政复议, and 行政诉讼's two), a column per outcome."""
    table = Table(title=schema.SECTION_TITLES["review_litigation"], title_justify="left")
    table.add_column("", no_wrap=True)
    for outcome in REVIEW_OUTCOMES:
        table.add_column(schema.REVIEW_OUTCOME_LABELS[outcome], justify="right")
    for group, cols in review.items():
        label = schema.REVIEW_GROUP_LABELS.get(group, group)
        if group != "review":
            label = f"{schema.LITIGATION_HEADING}·{label}"
        table.add_row(label, *(_cell(cols.get(c)) for c in REVIEW_OUTCOMES))
    return table


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

    fmt = record.format if record.format in schema.FORMATS else "2021"
    if record.active is not None:
        parts.append(_active_table(record.active, fmt))
    if record.applications is not None:
        parts.append(_applications_table(record.applications))
    if record.review_litigation is not None:
        parts.append(_review_table(record.review_litigation))

    checks = Text("checks\n", style="bold")
    for check in record.checks:
        style = "green" if check.ok else "bold red"
        checks.append(f"  {'ok  ' if check.ok else 'FAIL'} {check.rule}", style=style)
        checks.append(f"（{rule_label(check.rule)}）", style="dim" if check.ok else "red")
        if not check.ok:
            checks.append(f": {labelled_detail(check.rule, check.detail)}", style="red")
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
