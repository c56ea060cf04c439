"""parsing.plausibility: implausible numbers warned, named by cell and value, kept as printed.

Over the seeds and the real PDFs (no false alarm), hand-made texts (seed 002 with a negative
count, a 10^32, a fractional count, a negative amount written into its tables) and the bounds.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from parsing import parse_report, parse_text
from parsing.plausibility import implausibility, implausible_warnings, is_amount, plausible_range

SHARED = Path(__file__).resolve().parents[3] / "shared"
DOCUMENTS = sorted((SHARED / "fixtures" / "seeds").glob("*.txt")) + sorted((SHARED / "fixtures" / "real").glob("*.pdf"))
SEED_002 = SHARED / "fixtures" / "seeds" / "002_63ce56ee0dfdf8c9.txt"
HUGE = 10**32


def _implausible(warnings: tuple[str, ...]) -> list[str]:
    return [w for w in warnings if "implausible value" in w]


def test_plausibility_fixtures_are_there() -> None:
    """The no-false-alarm test reads globs: an empty one would skip it, not fail."""
    names = {path.name for path in DOCUMENTS}
    assert SEED_002.name in names
    assert {"hongze_district_2023.pdf", "hongze_district_2024.pdf", "huaian_city_2024.pdf"} <= names


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: p.name)
def test_plausibility_published_reports_raise_no_false_alarm(document: Path) -> None:
    assert _implausible(parse_report(document.read_bytes()).warnings) == []


def _seed_002_with(*replacements: tuple[str, str]):
    text = SEED_002.read_text(encoding="utf-8")
    for old, new in replacements:
        assert old in text, old
        text = text.replace(old, new)
    return parse_text(text)


def test_plausibility_huge_count_is_warned_and_kept_as_printed() -> None:
    record = _seed_002_with(("行政处罚 | 2465 |", f"行政处罚 | {HUGE} |"))
    assert record.active["punishment"]["decisions"] == HUGE  # never silently changed
    assert _implausible(record.warnings) == [
        f"active.punishment.decisions: implausible value {HUGE}, more than any agency's (at most 10^8); kept as printed"
    ]


def test_plausibility_negative_count_and_negative_amount_are_warned() -> None:
    record = _seed_002_with(("规章 | 0 | 0 | 0 |", "规章 | -3 | 0 | 0 |"), ("行政事业性收费 | 2614 |", "行政事业性收费 | -26.5 |"))
    assert record.active["regulations"]["issued"] == -3 and record.active["fees"]["amount"] == -26.5
    assert _implausible(record.warnings) == [
        "active.regulations.issued: implausible value -3, a negative count; kept as printed",
        "active.fees.amount: implausible value -26.5, a negative amount; kept as printed",
    ]


def test_plausibility_fractional_count_is_warned_once() -> None:
    # The table reader already says "count is not a whole number"; no second warning for it.
    record = _seed_002_with(("3 | 1 | 0 | 0 | 4 | 0 |", "3 | 1 | 0 | 0 | 4.5 | 0 |"))
    assert record.review_litigation["review"]["total"] == 4.5
    about_cell = [w for w in record.warnings if w.startswith("review_litigation.review.total:")]
    assert about_cell == ["review_litigation.review.total: count is not a whole number: '4.5'"]


def test_plausibility_fractional_count_from_elsewhere_is_warned() -> None:
    tables = {"applications": {"granted": {"total": 2.5}}}
    assert implausible_warnings(tables) == [
        "applications.granted.total: implausible value 2.5, a count that is not a whole number; kept as printed"
    ]


def test_plausibility_applications_over_a_million_are_warned() -> None:
    tables = {"applications": {"new_received": {"natural_person": 1_000_001, "total": 1_000_000}}}
    [warning] = implausible_warnings(tables)
    assert warning.startswith("applications.new_received.natural_person: implausible value 1000001")


@pytest.mark.parametrize("path, value", [
    ("active.fees.amount", 36.75),  # an amount keeps its decimals
    ("active.procurement.amount", 5446.75),
    ("active.licensing.items_change", -2),  # 本年增/减 is signed
    ("active.punishment.decisions", 12_000_000),  # traffic tickets of a large city
    ("applications.new_received.total", 3119),
    ("review_litigation.review.total", 0),
])
def test_plausibility_plausible_values_pass(path: str, value: int | float) -> None:
    assert implausibility(path, value) is None


@pytest.mark.parametrize("path, value, reason", [
    ("applications.granted.total", -1, "a negative count"),
    ("review_litigation.review.total", 1.5, "a count that is not a whole number"),
    ("active.licensing.items_change", -(10**9), "less than any agency's (at least -10^8)"),
    ("active.procurement.amount", 2e9, "more than any agency's (at most 10^9万元)"),
    ("applications.new_received.total", HUGE, "more than any agency's (at most 10^6)"),
])
def test_plausibility_reasons(path: str, value: int | float, reason: str) -> None:
    assert implausibility(path, value) == reason


def test_plausibility_amounts_and_ranges() -> None:
    assert is_amount("active.fees.amount") and is_amount("active.procurement.amount")
    assert not is_amount("active.fees.items_last_year") and not is_amount("applications.granted.total")
    assert plausible_range("review_litigation.review.total") == (0, 10**6)
    assert plausible_range("active.licensing.items_change") == (-(10**8), 10**8)
