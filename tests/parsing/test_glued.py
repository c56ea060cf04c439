"""parsing.glued: page text whose table cells were glued together, cut only where the form's
identities leave one way; elsewhere null with a warning. On the dev half's real page texts
(tests/fixtures/collected/pingtan_2019.txt, pingtan_2021.txt) and on small runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from parsing import parse_report
from parsing.glued import cuts, is_glued, read_glued
from parsing.schema import APPLICANT_COLUMNS, REVIEW_OUTCOMES

COLLECTED = Path(__file__).resolve().parents[1] / "fixtures" / "collected"


@pytest.fixture(scope="module")
def pingtan_2021():
    path = COLLECTED / "pingtan_2021.txt"
    return parse_report(path.read_bytes(), url=path.as_uri())


def test_cuts_respect_leading_zeros_spaces_and_decimals() -> None:
    assert cuts("7000007", 7) == [["7", "0", "0", "0", "0", "0", "7"]]
    assert cuts("000", 3) == [["0", "0", "0"]]
    assert len(cuts("693665", 3)) == 10  # 6|9|3665, 6|93|665, …: no identity can choose
    assert cuts("500000 5", 7) == [["5", "0", "0", "0", "0", "0", "5"]]  # the space is a cut
    assert cuts("24252.311082", 1) == [["24252.311082"]]
    assert cuts("0", 2) == []
    assert cuts("35-15", 2) == [["35", "-15"]]  # 本年增/减: the minus sign is a cut
    several = cuts("2648-18538", 3)  # 26|48|-18538, 2648|-185|38, …: no identity in table 二
    assert ["2648", "-185", "38"] in several and ["26", "48", "-18538"] in several
    assert all(any(v.startswith("-") for v in cut) for cut in several)


def test_a_glued_page_is_read_with_its_sections(pingtan_2021) -> None:
    record = pingtan_2021
    assert record.format == "2021" and record.year == 2021
    assert record.title == "平潭综合实验区2021年度政府信息公开工作年度报告"
    assert all(record.sections[k] for k in ("overview", "active_disclosure", "problems"))


def test_table_three_rows_cut_by_their_totals_and_then_by_the_columns(pingtan_2021) -> None:
    """'640020470' has one cut whose total holds (64 0 0 2 0 4 70); '270020130' has two
    (27 0 0 2 0 1 30 and 2 7 0 0 20 1 30): the columns' identities keep the first."""
    apps = pingtan_2021.applications
    assert apps["new_received"] == dict(zip(APPLICANT_COLUMNS, [64, 0, 0, 2, 0, 4, 70]))
    assert apps["granted"] == dict(zip(APPLICANT_COLUMNS, [27, 0, 0, 2, 0, 1, 30]))
    assert apps["unavailable_not_held"] == dict(zip(APPLICANT_COLUMNS, [22, 0, 0, 0, 0, 3, 25]))
    assert not pingtan_2021.failed_checks


def test_table_four_cut_into_its_groups(pingtan_2021) -> None:
    review = pingtan_2021.review_litigation
    assert review["review"] == dict(zip(REVIEW_OUTCOMES, [1, 0, 2, 0, 3]))
    assert review["litigation_direct"] == dict(zip(REVIEW_OUTCOMES, [12, 0, 0, 0, 12]))


def test_a_table_two_row_with_several_cuts_is_null_and_named(pingtan_2021) -> None:
    """'693665' (行政规范性文件: issued, repealed, in force) cannot be cut without a guess."""
    row = pingtan_2021.active["normative_documents"]
    assert row == {"issued": None, "repealed": None, "in_force": None}
    for column in row:
        assert any(w.startswith(f"active.normative_documents.{column}: ") and "693665" in w
                   for w in pingtan_2021.warnings)
    assert pingtan_2021.active["licensing"]["decisions"] == 2293
    # '000' has one cut, taken, but said: a blank cell would leave no trace in glued digits.
    assert pingtan_2021.active["regulations"] == {"issued": 0, "repealed": 0, "in_force": 0}
    assert any(w.startswith("active.regulations: cut from the glued digits '000'") for w in pingtan_2021.warnings)


def test_ordinary_text_is_not_taken_for_glued() -> None:
    seed = Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "seeds" / "000_1cbfe8eba3cb4c24.txt"
    text = seed.read_text(encoding="utf-8")
    assert read_glued(text) is None
    assert not is_glued("一、本年新收政府信息公开申请数量 5 0 0 0 0 0 5")


def test_a_glued_2019_report_is_read() -> None:
    path = COLLECTED / "pingtan_2019.txt"
    record = parse_report(path.read_bytes(), url=path.as_uri())
    assert record.format == "2019"
    assert record.applications["new_received"] == dict(zip(APPLICANT_COLUMNS, [23, 0, 0, 0, 0, 0, 23]))
    assert record.applications["not_processed_duplicate"]["total"] == 3
