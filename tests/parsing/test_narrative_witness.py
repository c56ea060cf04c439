"""parsing.narrative_witness: totals stated in the narrative set against tables 三 and 四.

Over the seeds (no false alarm; seed 002 states four totals, all agree), the real PDFs (洪泽 2024
states a part: 17 against 95, a warning quoting the sentence; 淮安 2024 states five totals, all
agree) and hand-made sentences for each shape and each guard.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsing import parse_report, parse_text
from parsing.narrative_witness import chinese_number, narrative_warnings, narrative_witnesses

SHARED = Path(__file__).resolve().parents[3] / "shared"
SEEDS = sorted((SHARED / "fixtures" / "seeds").glob("*.txt"))
REAL = SHARED / "fixtures" / "real"
SEED_002 = SHARED / "fixtures" / "seeds" / "002_63ce56ee0dfdf8c9.txt"
SEED_002_SENTENCE = "2023年,全区依申请公开93件,上年结转0件,现已办结80件,结转下年度继续办理13件。"


def _narrative(record_warnings: tuple[str, ...]) -> list[str]:
    return [w for w in record_warnings if "the narrative states" in w]


@pytest.fixture(scope="module")
def real_records() -> dict[str, object]:
    return {path.stem: parse_report(path.read_bytes()) for path in sorted(REAL.glob("*.pdf"))}


# Tables as the record holds them (only the cells the witness reads).
APPLICATIONS = {
    "new_received": {"total": 95},
    "carried_over": {"total": 3},
    "total_processed": {"total": 90},
    "carried_forward": {"total": 8},
}
REVIEW = {
    "review": {"total": 4},
    "litigation_direct": {"total": 2},
    "litigation_after_review": {"total": None},  # blank: counted as 0, as in the checks
}


def _witness(text: str, year: int | None = 2024, section: str = "overview"):
    return narrative_witnesses({section: text}, APPLICATIONS, REVIEW, year)


# -- seeds and real documents ----------------------------------------------------------------


def test_narrative_witness_fixtures_are_there() -> None:
    """The parametrized tests below read globs: an empty one would skip them, not fail."""
    assert SEED_002 in SEEDS
    assert {"hongze_district_2023.pdf", "hongze_district_2024.pdf", "huaian_city_2024.pdf"} <= {
        path.name for path in REAL.glob("*.pdf")
    }


@pytest.mark.parametrize("seed", SEEDS, ids=lambda p: p.name[:3])
def test_narrative_witness_seeds_raise_no_false_alarm(seed: Path) -> None:
    record = parse_report(seed.read_bytes())
    assert _narrative(record.warnings) == []


def test_narrative_witness_seed_002_states_four_totals_that_agree() -> None:
    record = parse_report(SEED_002.read_bytes())
    found = narrative_witnesses(record.sections, record.applications, record.review_litigation, record.year)
    assert sorted((w.paths[0], w.stated) for w in found) == [
        ("applications.carried_forward.total", 13),
        ("applications.carried_over.total", 0),
        ("applications.new_received.total", 93),
        ("applications.total_processed.total", 80),
    ]
    assert all(w.agrees for w in found)


def test_narrative_witness_hongze_2024_part_counted_is_a_warning(real_records) -> None:
    record = real_records["hongze_district_2024"]
    [warning] = _narrative(record.warnings)
    assert warning.startswith("applications.new_received.total: the narrative states applications received 17, the table 95")
    assert "“2024 年，区政府办代表区政府受理政府信息公开申请 17 件，" in warning  # quoted as printed
    assert record.applications["new_received"]["total"] == 95  # the table is not "corrected"
    assert not any(c.rule.startswith("narrative") for c in record.checks)  # a warning, not a check


def test_narrative_witness_huaian_2024_five_totals_agree(real_records) -> None:
    record = real_records["huaian_city_2024"]
    found = narrative_witnesses(record.sections, record.applications, record.review_litigation, record.year)
    assert {(w.quantity, w.stated) for w in found} == {
        ("applications received", 3119),
        ("applications carried over", 34),
        ("administrative reviews", 351),
        ("administrative litigation", 46),  # 未经复议直接起诉 26 + 复议后起诉 20
    }
    assert all(w.agrees for w in found) and _narrative(record.warnings) == []


def test_narrative_witness_hongze_2023_joins_a_wrapped_sentence(real_records) -> None:
    record = real_records["hongze_district_2023"]
    found = narrative_witnesses(record.sections, record.applications, record.review_litigation, record.year)
    assert [(w.stated, w.agrees) for w in found] == [(21, True)]


# -- hand-made sentences ------------------------------------------------------------------------


@pytest.mark.parametrize("sentence, path, stated", [
    ("全年共受理政府信息公开申请90件。", "applications.new_received.total", 90),
    ("本机关收到政府信息公开申请 90 件。", "applications.new_received.total", 90),
    ("全年新收政府信息公开申请九十件。", "applications.new_received.total", 90),
    ("收到政府信息公开申请95件,办结88件,结转下年度继续办理8件。", "applications.total_processed.total", 88),
    ("收到政府信息公开申请95件,结转下一年10件。", "applications.carried_forward.total", 10),
    ("收到政府信息公开申请95件,上年结转4件。", "applications.carried_over.total", 4),
    ("因政府信息公开被申请行政复议5起。", "review_litigation.review.total", 5),
    ("政府信息公开行政诉讼案件3件。", "review_litigation.litigation_direct.total", 3),
])
def test_narrative_witness_disagreement_warns_with_path_and_sentence(sentence: str, path: str, stated: int) -> None:
    [warning] = narrative_warnings({"overview": sentence}, APPLICATIONS, REVIEW, 2024)
    assert warning.startswith(path)
    assert f"states {_quantity(path)} {stated}," in warning
    assert sentence.rstrip("。") in warning


def _quantity(path: str) -> str:
    return {
        "applications.new_received.total": "applications received",
        "applications.total_processed.total": "applications processed",
        "applications.carried_forward.total": "applications carried forward",
        "applications.carried_over.total": "applications carried over",
        "review_litigation.review.total": "administrative reviews",
        "review_litigation.litigation_direct.total": "administrative litigation",
    }[path]


def test_narrative_witness_shanghai_city_phrasing() -> None:
    # 上海市人民政府 2023's wording (a public report's text): 受理 is the new requests, 答复 is
    # not read, 含上年度结转申请 is the carried-over count, 信息公开类行政复议 the review total.
    text = ("市政府办公厅代表市政府共受理政府信息公开申请859件，申请数量较去年回落12.3%；答复政府信息公开申请"
            "805件（含上年度结转申请18件，另有72件申请按照《条例》顺延到下年度答复），均在法定期限内予以答复。"
            "信息公开类行政复议7件，诉讼9件，均获维持。")
    applications = {"new_received": {"total": 859}, "carried_over": {"total": 18},
                    "total_processed": {"total": 805}, "carried_forward": {"total": 72}}
    review = {"review": {"total": 7}, "litigation_direct": {"total": 9}, "litigation_after_review": {"total": 0}}
    found = narrative_witnesses({"overview": text}, applications, review, 2023)
    assert {(w.quantity, w.stated, w.agrees) for w in found} == {
        ("applications received", 859, True), ("applications carried over", 18, True),
        ("administrative reviews", 7, True),
    }


def test_narrative_witness_litigation_is_both_groups_summed() -> None:
    [found] = _witness("因政府信息公开被提起行政诉讼2件。")
    assert found.paths == ("review_litigation.litigation_direct.total",
                           "review_litigation.litigation_after_review.total")
    assert found.in_table == 2 and found.agrees


def test_narrative_witness_received_including_carried_over_counts_both() -> None:
    # 受理 98 件 (含上年结转 3 件) = new_received 95 + carried_over 3 (fixture text_shanghai_overview.md)
    found = _witness("全年共受理政府信息公开申请98件(含上年结转3件),已办结90件。")
    assert {(w.quantity, w.in_table, w.agrees) for w in found} == {
        ("applications received", 98, True),
        ("applications carried over", 3, True),
        ("applications processed", 90, True),
    }


@pytest.mark.parametrize("sentence", [
    "其中,通过网上申请平台收到政府信息公开申请40件。",  # a part: 其中, a channel
    "自然人收到政府信息公开申请12件。",  # an applicant type
    "2023年受理政府信息公开申请70件。",  # another year
    "较上年受理政府信息公开申请50件有所增加。",  # a comparison
    "2024年行政许可办结146件,行政处罚办结593件。",  # another matter (seed 000)
    "全年办理行政复议案件500件。",  # reviews in general, not about disclosure
    "主动公开政府信息5500余条,受理政府信息公开申请百余件。",  # approximate
    "区政府网站发布信息1136条。",  # not a total the tables hold
])
def test_narrative_witness_ignores_what_is_not_a_whole_total(sentence: str) -> None:
    assert _witness(sentence) == []


def test_narrative_witness_after_qizhong_the_sentence_speaks_of_a_part() -> None:
    found = _witness("收到政府信息公开申请95件,其中予以公开60件,办结30件。")
    assert [(w.quantity, w.stated) for w in found] == [("applications received", 95)]


def test_narrative_witness_reads_no_statement_from_text_without_stops() -> None:
    # OCR noise or a table read as text: 700,000 characters without a stop are not a sentence
    # (and looking back over them for each of 50,000 matches would take hours).
    assert _witness("受理政府信息公开申请3件," * 50_000) == []


def test_narrative_witness_no_table_no_witness() -> None:
    assert narrative_witnesses({"overview": "受理政府信息公开申请12件。"}, None, None, 2024) == []


def test_narrative_witness_agreement_is_silent_in_a_parsed_report() -> None:
    text = SEED_002.read_text(encoding="utf-8")
    assert SEED_002_SENTENCE in text
    record = parse_text(text.replace(SEED_002_SENTENCE, "2023年,全区共受理政府信息公开申请九十三件,办结80件。"))
    assert _narrative(record.warnings) == []


def test_narrative_witness_disagreement_in_a_parsed_report_is_a_warning_only() -> None:
    text = SEED_002.read_text(encoding="utf-8")
    record = parse_text(text.replace(SEED_002_SENTENCE, "2023年,全区共受理政府信息公开申请十二件。"))
    [warning] = _narrative(record.warnings)
    assert "applications received 12, the table 93" in warning and "十二件" in warning
    assert record.applications["new_received"]["total"] == 93
    assert record.failed_checks == parse_report(SEED_002.read_bytes()).failed_checks


@pytest.mark.parametrize("text, value", [
    ("十二", 12), ("二十一", 21), ("一百零三", 103), ("两千", 2000), ("三万二千", 32000),
    ("零", 0), ("3,119", 3119), ("万", None), ("一二", None),
])
def test_chinese_number(text: str, value: int | None) -> None:
    assert chinese_number(text) == value
