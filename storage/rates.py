"""The rates journalists quote, defined once, and computed per group from `storage.stats`.

    from storage.rates import RATES, rate_stats
    result = rate_stats(archive, "refused", StatsQuery("", year_from=2023, year_to=2023, by="agency"))
    [(row.group, row.numerator, row.denominator, row.rate) for row in result.rows]

A rate is a sum of number cells over a sum of number cells, both of the same reports:

- `refused`: share of applications refused, （三）不予公开 (its eight rows' 总计) over （七）总计
  of 三、本年度办理结果 (`applications.total_processed.total`);
- `corrected`: share corrected on review, 行政复议 · 结果纠正 over 行政复议 · 总计.

Null-aware: null is "not known", never 0. A group's numerator (or denominator) is known only when
every report of the group holds a plausible number in every cell of it (a blank, absent or
implausible cell anywhere makes it null: summing the cells that are there would pair one set of
reports' refusals with another set's applications); a rate over a null or zero denominator is
null. `missing_cells` says how many cells of the group's reports hold no usable number, so a null
is never unexplained. The cells are counted and summed by `storage.stats.cell_sums`, all of a rate's
in one statement, exactly as `storage.stats.stats` counts and sums each (no second way of reading
the numbers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from parsing.fields import field_label

from .number_frame import Frame
from .stats import StatsError, StatsQuery, cell_sums

__all__ = ["RATES", "Rate", "RateResult", "RateRow", "rate_stats", "ratio", "strict_sum"]


@dataclass(frozen=True)
class Rate:
    name: str  # the URL's and the CLI's word for it
    label: str  # what the page calls it
    numerator: tuple[str, ...]  # dotted cell paths, summed
    denominator: tuple[str, ...]
    numerator_label: str
    denominator_label: str

    @property
    def paths(self) -> tuple[str, ...]:
        return self.numerator + self.denominator

    def to_dict(self) -> dict[str, Any]:
        return {"rate": self.name, "label": self.label, "numerator": list(self.numerator),
                "denominator": list(self.denominator), "numerator_label": self.numerator_label,
                "denominator_label": self.denominator_label}


_DENIED = tuple(f"applications.{row}.total" for row in (
    "denied_state_secret", "denied_prohibited", "denied_security", "denied_third_party", "denied_internal",
    "denied_process", "denied_enforcement_files", "denied_query"))

RATES: dict[str, Rate] = {rate.name: rate for rate in (
    Rate("refused", "不予公开率 share of applications refused", _DENIED, ("applications.total_processed.total",),
         "（三）不予公开 · 总计", field_label("applications.total_processed.total")),
    Rate("corrected", "复议纠正率 share corrected on review", ("review_litigation.review.corrected",),
         ("review_litigation.review.total",), field_label("review_litigation.review.corrected"),
         field_label("review_litigation.review.total")),
)}


def strict_sum(values: Iterable[float | int | None]) -> float | int | None:
    """The sum, or None when any value is None (an unknown part makes the whole unknown)."""
    total: float | int = 0
    for value in values:
        if value is None:
            return None
        total += value
    return total


def ratio(numerator: float | int | None, denominator: float | int | None) -> float | None:
    """numerator / denominator; None over a null or zero denominator, or of a null numerator."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


@dataclass(frozen=True)
class RateRow:
    group: str | int | None
    reports: int  # current reports in the group
    numerator: float | int | None
    denominator: float | int | None
    rate: float | None  # 0..1 (a share), None when not known
    missing_cells: int  # cells of the group's reports the rate needs that hold no usable number
    region: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class RateResult:
    rate: Rate
    query: StatsQuery  # its field is empty: the rate names the cells
    rows: tuple[RateRow, ...]
    reports: int


def _known_sum(counts: Sequence[int], sums: Sequence[float | int | None], reports: int) -> float | int | None:
    """The sum of the cells' sums when every report has a number in every cell, else None."""
    return strict_sum(total if count == reports else None for count, total in zip(counts, sums))


def rate_stats(archive: Any, name: str, query: StatsQuery, frame: Frame | None = None) -> RateResult:
    """Rate `name` per group of `query` (its field is ignored; its filters, `by` and `top` hold),
    its cells summed in SQL or from `frame` (storage.number_frame).
    Rows of agencies and regions: the highest rate first, unknown rates last; years in order."""
    rate = RATES.get(name)
    if rate is None:
        raise StatsError(f"rate {name!r} is not one of {', '.join(RATES)}")
    groups, reports = cell_sums(archive, query, rate.paths, frame)
    split = len(rate.numerator)
    out = []
    for row in groups:
        numerator = _known_sum(row.counts[:split], row.sums[:split], row.reports)
        denominator = _known_sum(row.counts[split:], row.sums[split:], row.reports)
        missing = sum(row.reports - count for count in row.counts)
        out.append(RateRow(row.group, row.reports, numerator, denominator, ratio(numerator, denominator), missing,
                           row.region, row.kind))
    if query.by == "year":
        out.sort(key=lambda row: (row.group is None, row.group or 0))
    else:
        out.sort(key=lambda row: (row.rate is None, -(row.rate or 0), -(row.denominator or 0), str(row.group)))
    if query.top is not None:
        out = out[: query.top]
    return RateResult(rate, replace(query, field=""), tuple(out), reports)
