"""The shape of the record's tables in each national format (../shared/spec/record.md).

Everything that names a table row or column lives here, so the mapping code, the checks,
the renderers and the tests all agree on one list.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Format = Literal["2021", "2019"]
FORMATS: tuple[Format, ...] = ("2021", "2019")

# 申请人情况 columns, in the order the form prints them.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person",
    "enterprise",
    "research",
    "social_org",
    "legal_service",
    "other_org",
    "total",
)
APPLICANT_PARTS: tuple[str, ...] = APPLICANT_COLUMNS[:-1]

_RESULT_ROWS_COMMON: tuple[str, ...] = (
    "granted",
    "partially_granted",
    "denied_state_secret",
    "denied_prohibited",
    "denied_security",
    "denied_third_party",
    "denied_internal",
    "denied_process",
    "denied_enforcement_files",
    "denied_query",
    "unavailable_not_held",
    "unavailable_needs_creation",
    "unavailable_unclear",
    "not_processed_petition",
    "not_processed_duplicate",
    "not_processed_publication",
    "not_processed_excessive",
    "not_processed_confirmation",
)

# The result rows that (七)总计 sums, per format.
RESULT_ROWS: dict[Format, tuple[str, ...]] = {
    "2021": _RESULT_ROWS_COMMON + ("other_no_correction", "other_unpaid_fee", "other_other"),
    "2019": _RESULT_ROWS_COMMON + ("other",),
}

# Every row of the applications table, in the order the form prints them.
APPLICATION_ROWS: dict[Format, tuple[str, ...]] = {
    fmt: ("new_received", "carried_over") + rows + ("total_processed", "carried_forward")
    for fmt, rows in RESULT_ROWS.items()
}


@dataclass(frozen=True)
class ActiveRow:
    """One row of 二、主动公开政府信息情况: its key and the value columns it carries."""

    key: str
    columns: tuple[str, ...]
    amount_columns: tuple[str, ...] = ()  # columns in 万元 (decimals allowed, 元 converted)


ACTIVE_ROWS: dict[Format, tuple[ActiveRow, ...]] = {
    "2021": (
        ActiveRow("regulations", ("issued", "repealed", "in_force")),
        ActiveRow("normative_documents", ("issued", "repealed", "in_force")),
        ActiveRow("licensing", ("decisions",)),
        ActiveRow("punishment", ("decisions",)),
        ActiveRow("coercion", ("decisions",)),
        ActiveRow("fees", ("amount",), amount_columns=("amount",)),
    ),
    "2019": (
        ActiveRow("regulations", ("made", "published", "public_total")),
        ActiveRow("normative_documents", ("made", "published", "public_total")),
        ActiveRow("licensing", ("items_last_year", "items_change", "decisions")),
        ActiveRow("other_services", ("items_last_year", "items_change", "decisions")),
        ActiveRow("punishment", ("items_last_year", "items_change", "decisions")),
        ActiveRow("coercion", ("items_last_year", "items_change", "decisions")),
        ActiveRow("fees", ("items_last_year", "items_change")),
        ActiveRow("procurement", ("projects", "amount"), amount_columns=("amount",)),
    ),
}

REVIEW_GROUPS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
REVIEW_OUTCOMES: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
REVIEW_PARTS: tuple[str, ...] = REVIEW_OUTCOMES[:-1]

SECTION_KEYS: tuple[str, ...] = (
    "overview",
    "active_disclosure",
    "applications",
    "review_litigation",
    "problems",
    "other",
)


def active_row(fmt: Format, key: str) -> ActiveRow:
    for row in ACTIVE_ROWS[fmt]:
        if row.key == key:
            return row
    raise KeyError(f"no active-disclosure row {key!r} in the {fmt} format")
