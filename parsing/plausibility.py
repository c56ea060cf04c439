"""Numbers no agency can have published truthfully: negative counts, fractional counts, sizes
beyond any agency, a 10^32 from a garbled text layer.

The value stays in the record exactly as printed (never changed, never dropped): the finding is a
warning naming the cell and the value. `plausible_range` is the one definition of the bounds;
storage.stats uses it too, to keep such values out of its sums and count them apart.

Bounds, and why:
- applications and review_litigation counts: 0 .. 10^6. The busiest agencies receive some ten
  thousand disclosure requests a year (淮安市人民政府 2024: 3119); a million is none's.
- active-disclosure counts: 0 .. 10^8. 行政处罚 decisions include traffic tickets, which a large
  city's or province's police count in the tens of millions; a hundred million is none's.
- items_change (2019 format, 本年增/减) is signed: -10^8 .. 10^8.
- amounts (万元: 收费金额, 采购总金额): 0 .. 10^9 万元 (10 万亿元, more than the whole country's
  government procurement in a year); decimals are allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from .record import Table
from .schema import ACTIVE_ROWS

MAX_APPLICATIONS = 10**6
MAX_ACTIVE_COUNT = 10**8
MAX_AMOUNT = 10**9  # 万元
SIGNED_COLUMNS = frozenset({"items_change"})
# The table reader's words for a count printed with a fraction (parsing.tables); this module
# does not warn a second time about a cell already warned so.
FRACTIONAL_COUNT = "count is not a whole number"


def is_amount(path: str) -> bool:
    """Whether a dotted record path is an amount in 万元 (decimals allowed) rather than a count."""
    parts = path.split(".")
    if len(parts) != 3 or parts[0] != "active":
        return False
    return any(parts[2] in row.amount_columns for fmt in ACTIVE_ROWS for row in ACTIVE_ROWS[fmt] if row.key == parts[1])


def plausible_range(path: str) -> tuple[int, int]:
    """The (low, high) bounds, inclusive, of a plausible value of the cell at a dotted path."""
    table, _row, column = path.split(".")
    if table != "active":
        return 0, MAX_APPLICATIONS
    if is_amount(path):
        return 0, MAX_AMOUNT
    if column in SIGNED_COLUMNS:
        return -MAX_ACTIVE_COUNT, MAX_ACTIVE_COUNT
    return 0, MAX_ACTIVE_COUNT


def implausibility(path: str, value: int | float) -> str | None:
    """Why the value cannot be what the cell means, or None when it can."""
    low, high = plausible_range(path)
    amount = is_amount(path)
    if value < 0 and low == 0:
        return "a negative amount" if amount else "a negative count"
    if not amount and isinstance(value, float) and not value.is_integer():
        return "a count that is not a whole number"
    unit = "万元" if amount else ""
    if value > high:
        return f"more than any agency's (at most {_power(high)}{unit})"
    if value < low:
        return f"less than any agency's (at least {_power(low)}{unit})"
    return None


def _power(bound: int) -> str:
    """10**6 -> "10^6", -10**8 -> "-10^8": the bounds as a reader takes them in."""
    return ("-" if bound < 0 else "") + f"10^{len(str(abs(bound))) - 1}"


def _cells(tables: Mapping[str, Table | None]) -> Iterator[tuple[str, int | float]]:
    for name, table in tables.items():
        if table is None:
            continue
        for row, columns in table.items():
            for column, value in columns.items():
                if value is not None and not isinstance(value, bool):
                    yield f"{name}.{row}.{column}", value


def implausible_warnings(tables: Mapping[str, Table | None], already: Iterable[str] = ()) -> list[str]:
    """A warning for every cell whose value is implausible, naming the cell and the value.

    `already` are the record's warnings so far: a fractional count the table reader has already
    warned about (FRACTIONAL_COUNT) is not warned twice.
    """
    said = tuple(already)
    warnings: list[str] = []
    for path, value in _cells(tables):
        reason = implausibility(path, value)
        if reason is None:
            continue
        repeated = f"{path}: {FRACTIONAL_COUNT}"
        if reason.startswith("a count that is not") and any(w.startswith(repeated) for w in said):
            continue
        warnings.append(f"{path}: implausible value {value!r}, {reason}; kept as printed")
    return warnings
