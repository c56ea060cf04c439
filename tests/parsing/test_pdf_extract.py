"""The PDF reader's own table and outside-text extraction (parsing/pdf.py `extract_table`,
`text_outside`) give exactly what pdfplumber's `Table.extract()` and
`page.outside_bbox(...).extract_text()` give: they only avoid laying the page's chars out more
than once. Compared on the real reports (../shared/fixtures/real) and on generated ones, so a
pdfplumber upgrade that changes its own extraction fails here instead of drifting silently.
"""

from __future__ import annotations

import io
from functools import cache
from pathlib import Path

import pdfplumber
import pytest

from nianbao.devportal.documents.pdf import render_pdf
from nianbao.devportal.documents.tables import sample_tables
from parsing.pdf import _PageChars, extract_table, text_outside

REAL = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "real"


@cache
def pdf_bytes(name: str) -> bytes:
    if name == "generated_2021_split":
        return render_pdf(sample_tables("2021"), split_applications_at="denied_prohibited", pages_of_filler=1)
    if name == "generated_2019":
        return render_pdf(sample_tables("2019", agency="淮安市人民政府", year=2020, seed=3))
    return (REAL / name).read_bytes()


CASES = ["generated_2021_split", "generated_2019", *sorted(p.name for p in REAL.glob("*.pdf"))]


@pytest.mark.parametrize("name", CASES)
def test_extract_table_matches_pdfplumber(name: str) -> None:
    compared = 0
    with pdfplumber.open(io.BytesIO(pdf_bytes(name))) as pdf:
        for page in pdf.pages:
            chars = _PageChars(page.chars)
            for table in page.find_tables():
                assert extract_table(table, chars) == table.extract()
                compared += 1
    assert compared >= 2  # every case has ruled tables


@pytest.mark.parametrize("name", CASES)
def test_text_outside_matches_pdfplumber(name: str) -> None:
    pages_with_tables = 0
    with pdfplumber.open(io.BytesIO(pdf_bytes(name))) as pdf:
        for page in pdf.pages:
            tables = page.find_tables()
            cropped = page
            for table in tables:
                cropped = cropped.outside_bbox(table.bbox)
            assert text_outside(page, tables) == cropped.extract_text()
            pages_with_tables += bool(tables)
    assert pages_with_tables >= 1


def test_extract_table_ignores_a_char_without_a_midpoint() -> None:
    """A NaN coordinate is in no box for pdfplumber (every comparison is false); it is dropped
    before the sort it would otherwise scramble."""
    with pdfplumber.open(io.BytesIO(pdf_bytes("generated_2019"))) as pdf:
        page = pdf.pages[0]
        table = page.find_tables()[0]
        expected = table.extract()
        chars = [dict(c) for c in page.chars]
        chars.insert(len(chars) // 2, {**chars[0], "top": float("nan"), "bottom": float("nan")})
        assert extract_table(table, _PageChars(chars)) == expected
