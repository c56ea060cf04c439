"""`nianbao fields`: every number field of the record with the form's label and its table, the
names `nianbao stats` takes (a dotted path, or a label or words of one). The list is
parsing.fields'."""

from __future__ import annotations

import click
from rich.table import Table
from rich.text import Text

from parsing.fields import find_fields

from ..output import print_csv, print_json, terminal_console
from .options import json_or_csv

FIELD_COLUMNS = ("field", "label", "table", "table_label", "formats", "label_2019")


@click.command("fields")
@click.argument("text", required=False, default="")
@json_or_csv("Print the fields as JSON (path, label, table, formats, each format's label).",
             "Print the fields as CSV.")
def fields_command(text: str, as_json: bool, as_csv: bool) -> None:
    """List the record's number fields with the form's labels: what `nianbao stats` takes,
    by path or by label. TEXT keeps the fields whose path or label holds every word of it.

    \b
    Examples:
      nianbao fields
      nianbao fields 予以公开
      nianbao fields 复议 纠正
      nianbao fields review_litigation --csv > fields.csv
    """
    found = find_fields(text)
    if not found:
        raise click.ClickException(f"no field's path or label holds {text!r}")
    if as_json:
        print_json([each.to_dict() for each in found])
        return
    rows = [{"field": each.path, "label": each.label, "table": each.table, "table_label": each.table_label,
             "formats": " ".join(each.formats),
             "label_2019": each.label_in("2019") if each.label_in("2019") != each.label else None}
            for each in found]
    if as_csv:
        print_csv(FIELD_COLUMNS, rows)
        return
    console = terminal_console(160)
    table = Table()
    for column in ("field", "label", "table", "formats"):
        table.add_column(column, overflow="fold")
    for row in rows:
        label = Text(row["label"])
        if row["label_2019"]:
            label.append(f"\n2019: {row['label_2019']}", style="dim")
        table.add_row(row["field"], label, row["table_label"], row["formats"])
    console.print(table)
    console.print(f"{len(rows)} fields")
