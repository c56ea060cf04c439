"""A scan's OCR stops at its time budget (Limits.max_seconds), inside a page too: the parse
answers "OCR exceeded N s" soon after the budget, not when every running page has finished."""

from __future__ import annotations

import time
from dataclasses import replace

import pytest

from nianbao.devportal.documents import render_pdf, sample_tables, scan_pdf
from parsing import parse_report
from parsing.errors import InputTooLargeError
from parsing.limits import DEFAULT_LIMITS


@pytest.mark.parametrize("budget", [0.5, 3.0])
def test_ocr_stops_at_its_time_budget(budget: float) -> None:
    scan = scan_pdf(render_pdf(sample_tables("2021")), noise=0.03, seed=1)
    started = time.monotonic()
    with pytest.raises(InputTooLargeError, match="OCR exceeded"):
        parse_report(scan, "http://www.example.gov.cn/scan.pdf", limits=replace(DEFAULT_LIMITS, max_seconds=budget))
    # Tesseract is killed at the deadline; what remains is rasterising and killing the children.
    assert time.monotonic() - started < budget + 15
