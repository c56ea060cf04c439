"""The CLI's terminal summary (nianbao.summary) prints the official form's words (parsing.schema)."""

from __future__ import annotations

import dataclasses
import io

import pytest
from rich.console import Console

from nianbao.devportal.documents import sample_tables
from nianbao.devportal.render import render_pipe
from nianbao.summary import render_summary
from parsing import parse_text, schema
from parsing.record import Check


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


def test_summary_names_a_failed_check_in_the_forms_words() -> None:
    record = parse_text(render_pipe(sample_tables("2021")))
    broken = Check("applications.balance", False, "natural_person: new_received 3 + carried_over 0 = 3 ≠ "
                   "total_processed 2 + carried_forward 0 = 2")
    record = dataclasses.replace(record, checks=[broken])
    console = Console(width=400, record=True, file=io.StringIO())
    console.print(render_summary(record, "sample"))
    text = console.export_text()
    assert "FAIL applications.balance（第一项加第二项之和，等于第三项加第四项之和）" in text
    assert "自然人: 一、本年新收政府信息公开申请数量 3 + 二、上年结转政府信息公开申请数量 0 = 3 ≠ （七）总计 2" in text
    assert "new_received" not in text
