"""A form printed with every cell blank (the official 2021 template, an agency that left its
cells empty) as text whose blank cells do not show: each table it prints is in the record with
every cell null, and a warning says so (blank in the report, or values its text lost), so that
no value is guessed and no cell is silently wrong. A table with one number in it is read as
before."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import docx

from nianbao.evaluation.scoring import flagged_by_warning
from parsing import parse_text
from parsing.schema import APPLICATION_ROWS, REVIEW_GROUPS
from parsing.rows import text_to_rows
from parsing.tables import BLANK_TABLE, read_tables

TEMPLATE = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real" / "template_2021_format.docx"


@cache
def template_text() -> str:
    """The official template as a converter without cell padding gives it: paragraphs, then
    each table row's distinct non-empty cells on one line."""
    document = docx.Document(str(TEMPLATE))
    lines = [p.text for p in document.paragraphs if p.text.strip()]
    for table in document.tables:
        for row in table.rows:
            seen: list[str] = []
            for cell in row.cells:
                text = cell.text.strip()
                if text and text not in seen:
                    seen.append(text)
            if seen:
                lines.append("  ".join(seen))
    return "\n".join(lines)


def test_blank_template_gives_every_table_with_null_cells_and_says_so() -> None:
    record = parse_text(template_text())
    assert record.format == "2021"
    assert set(record.applications) == set(APPLICATION_ROWS["2021"])
    assert set(record.review_litigation) == set(REVIEW_GROUPS)
    cells = {k: v for k, v in record.flatten().items() if k.split(".")[0] in ("active", "applications", "review_litigation")}
    assert len(cells) == 200
    assert all(v is None for v in cells.values())
    for table in ("active", "applications", "review_litigation"):
        assert any(w.startswith(f"{table}: {BLANK_TABLE}") for w in record.warnings), table
    assert flagged_by_warning("applications.granted.total", record.warnings)
    assert not record.checks or all(c.ok for c in record.checks)


def test_a_single_number_in_the_table_means_it_is_not_blank() -> None:
    text = template_text().replace("（一）予以公开", "（一）予以公开  1  0  0  0  0  0  1", 1)
    record = parse_text(text)
    assert record.applications["granted"]["natural_person"] == 1
    assert not any(w.startswith(f"applications: {BLANK_TABLE}") for w in record.warnings)


def test_headings_without_the_form_are_no_blank_table() -> None:
    text = "\n".join([
        "三、收到和处理政府信息公开申请情况",
        "本年新收政府信息公开申请数量为零。",
        "（一）予以公开",
        "四、政府信息公开行政复议、行政诉讼情况",
        "本年度未发生行政复议、行政诉讼。",
    ])
    reading = read_tables(text_to_rows(text), "2021")
    assert reading.applications is None
    assert reading.review_litigation is None
    assert not any(BLANK_TABLE in w for w in reading.warnings)
