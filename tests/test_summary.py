"""The CLI's terminal summary (nianbao.summary) prints the official form's words (parsing.schema)."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from nianbao.devportal.documents import sample_tables
from nianbao.devportal.render import render_pipe
from nianbao.summary import render_summary
from parsing import parse_text, schema


def summary_text(fmt: schema.Format) -> str:
    record = parse_text(render_pipe(sample_tables(fmt)))
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(render_summary(record, "sample"))
    return console.export_text()


@pytest.mark.parametrize("fmt", schema.FORMATS)
def test_summary_prints_every_label_of_the_format_in_the_forms_words(fmt: schema.Format) -> None:
    text = summary_text(fmt)
    words = [schema.SECTION_TITLES[k] for k in ("active_disclosure", "applications", "review_litigation")]
    words += [row.label for row in schema.ACTIVE_ROWS[fmt]] + list(schema.ACTIVE_COLUMN_LABELS[fmt].values())
    words += [part for row in schema.APPLICATION_ROWS[fmt] for part in schema.APPLICATION_LABELS[row] if part]
    words += [label.text for label in schema.APPLICANT_LABELS.values()]
    words += [*schema.REVIEW_GROUP_LABELS.values(), *schema.REVIEW_OUTCOME_LABELS.values()]
    assert [w for w in words if w not in text] == []


def test_summary_of_a_2019_report_prints_the_2019_forms_words() -> None:
    text = summary_text("2019")
    assert "规范性文件" in text and "行政规范性文件" not in text
    assert "采购总金额" in text and "本年制发件数" not in text
