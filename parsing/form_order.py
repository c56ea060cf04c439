"""A second reading of each table: its values in the form's own order, for text whose labels
and values came apart.

PDF converters and pdf→markdown tools often print a table's label column apart from its
values: pdftotext without `-layout` and pdfminer give one cell per line with labels broken
mid-word and vertical headings one character per line; markdown converters give loose label
lines and bare value rows, a value row before its label, two labels on one line; table 四's
values can come in the order the PDF drew them rather than the form's. The label reader
(`tables`) attaches values to the label nearest them and is then wrong in ways no warning
mentions. But the form itself fixes where every value goes: when a table's number cells, in
the order the text gives them, are exactly as many as the form's cells, they fill the form
in order. That second reading is compared with the label reading, and the format's
identities (`checks`) decide between them:

- the two agree: nothing to say;
- only one fits every identity: it is kept, with a warning naming the rows it placed
  differently from the other reading (a reading that fits is still a reading: say so);
- both fit, or neither does: the cells where they differ are null, each named in a warning.
  Never a guess.

Table 四 may also come out of order in runs (a group's four parts in one run, its total in
another): every order of the runs is a candidate; the printed order wins when it fits the
identities, else the one order that fits, else (several fit, or none) the differing cells are
null with a warning.

A table whose cells are blank in places gives fewer numbers than cells: no second reading,
the label reading stands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from itertools import permutations, product
from math import prod

from .cells import CellValue
from .checks import failed_check_cells
from .labels import section_heading, table_marker
from .rows import Row, is_page_footer
from .schema import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    OTHER_ROWS_2021,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    SINGLE_OTHER_ROW,
    Format,
    application_rows,
)

Value = int | float | None
Grid = dict[str, dict[str, Value]]
# How a number cell becomes a record value: (dotted path, cell, is an amount, warnings) -> value;
# it may append warnings of its own to the list (units converted, notes, fractional counts).
Convert = Callable[[str, CellValue, bool, list[str]], Value]

MAX_ORDERS = 4096  # orders of table 三's runs tried (column by column, see _reading_orders)
MAX_REVIEW_RUNS = 7  # 7! = 5040 orders of table 四's runs; beyond that only the printed order
FORM_ORDER = "placed by the form's order"


def value_runs(rows: Iterable[Row]) -> dict[str, list[list[CellValue]]]:
    """Each table's value cells in the text's order, as runs: a label ends a run.

    A table is the rows from its marker (see `labels.table_marker`) to the next marker or
    section heading. Page footers split into cells (`| - 3 | - |`) and cells copied from a
    rowspan are not values. Blank cells are kept where a row has two or more value cells (a
    row of a table, `|  |  | 3 |`); whether they are the form's cells or a converter's padding
    is decided by the count (`_fitted_runs`).
    """
    runs: dict[str, list[list[CellValue]]] = {"active": [], "applications": [], "review": []}
    state: str | None = None
    fresh = True
    for row in rows:
        for cell in row.label_cells:
            marker = table_marker(cell.text)
            if marker:
                state = marker
            elif section_heading(cell.text) and state is not None:
                state = None
        if state not in runs or is_page_footer(row.text()):
            continue
        table = runs[state]
        cells = [c for c in row.cells if not c.continuation]
        tabular = sum(not c.is_label for c in cells) >= 2
        for cell in cells:
            if cell.is_label:
                fresh = True
            elif cell.value.kind == "number" or (tabular and cell.value.kind == "blank"):
                if fresh or not table:
                    table.append([])
                    fresh = False
                table[-1].append(cell.value)
    return runs


def _fitted_runs(runs: list[list[CellValue]], count: int) -> list[list[CellValue]] | None:
    """The runs whose cells are exactly `count`: the numbers alone (blank cells are padding,
    as markdown converters pad a short row), else numbers and blanks (a row printed blank);
    None when neither count is the form's."""
    numbers = [[c for c in run if c.kind == "number"] for run in runs]
    numbers = [run for run in numbers if run]
    if sum(len(run) for run in numbers) == count:
        return numbers
    if sum(len(run) for run in runs) == count and any(c.kind == "blank" for run in runs for c in run):
        return runs
    return None


@dataclass(frozen=True)
class Decision:
    """What the comparison of two readings of one table settled."""

    table: Grid
    warnings: tuple[str, ...]
    nulled: frozenset[tuple[str, str]]  # (row, column) left null because the readings disagree
    replaces: bool  # the table is the form order's, not the labels' reading with cells nulled


def _fill(keys: Iterable[tuple[str, tuple[str, ...], frozenset[str]]], numbers: list[CellValue],
          table: str, convert: Convert, warnings: list[str]) -> Grid:
    out: Grid = {}
    it = iter(numbers)
    for row, columns, amounts in keys:
        out[row] = {col: convert(f"{table}.{row}.{col}", next(it), col in amounts, warnings) for col in columns}
    return out


def _differing(a: Grid | None, b: Grid) -> list[tuple[str, str]]:
    a = a or {}
    return [
        (row, col)
        for row, cells in b.items()
        for col, value in cells.items()
        if (a.get(row) or {}).get(col) != value or type((a.get(row) or {}).get(col)) is not type(value)
    ] + [
        (row, col) for row, cells in a.items() if row not in b for col, value in cells.items() if value is not None
    ]


def _fits(fmt: Format, table: str, grid: Grid | None) -> bool:
    return grid is not None and not failed_check_cells(fmt, {table: grid})


def _rows_of(cells: Iterable[tuple[str, str]]) -> list[str]:
    return list(dict.fromkeys(row for row, _ in cells))


def _decide(fmt: Format, table: str, labelled: Grid | None, ordered: Grid, notes: list[str], *,
            what: str, identities: bool = True, troubled: bool = False) -> Decision | None:
    """Compare the label reading with the form-order reading of `table`; `notes` are the
    warnings that reading the ordered cells gave (kept only if it is adopted).

    A cell the labels left empty and the order fills is a gap; a cell both give, differently,
    is a conflict. Gaps alone: the order's reading is taken when it fits the identities (or
    the table has none). Conflicts: the identities must pick exactly one reading.
    """
    differing = _differing(labelled, ordered)
    if not differing:
        return None
    conflicts = [(r, c) for r, c in differing if labelled and (labelled.get(r) or {}).get(c) is not None]
    ordered_fits = _fits(fmt, table, ordered) if identities else True
    labelled_fits = _fits(fmt, table, labelled) if identities and conflicts else False

    def adopt(confirm: str) -> Decision:
        paths = ", ".join(f"{table}.{r}" for r in _rows_of(differing))
        return Decision(
            ordered,
            (*notes, f"{table}: labels and values apart in the text: {what} {FORM_ORDER} ({confirm}); "
                     f"rows it fills differently from what their labels gave: {paths}"),
            frozenset(),
            True,
        )

    if not identities and (not conflicts or len(conflicts) < len(differing)):
        # No identity to judge by: the form's order is taken when the labels' reading is
        # incomplete (cells it left empty that the order fills), never against a full one.
        return adopt("no identity can confirm it")
    if ordered_fits and not labelled_fits and identities:
        return adopt("every identity of the table holds")
    if labelled is None:
        return adopt("no label reading to compare with; the identities do not all hold as printed")
    if (troubled or len(conflicts) < len(differing)) and not labelled_fits:
        # Neither fits, but the labels' reading already went wrong (rows missing or twice,
        # value counts off, cells left empty that the form's order fills); the form's order
        # filled every cell exactly. The failed checks name the cells the identities cannot
        # vouch for.
        return adopt("the labels' reading was broken; the identities do not all hold as printed")
    if not conflicts or (labelled_fits and not ordered_fits):
        return None  # the labels' reading stands (its empty cells are already warned about)
    why = ("both fit the identities" if labelled_fits else "neither fits the identities") if identities else (
        "no identity can tell them apart")
    merged: Grid = {row: dict(cells) for row, cells in labelled.items()}
    warnings = []
    for row, col in conflicts:
        merged[row][col] = None
        warnings.append(
            f"{table}.{row}.{col}: two readings disagree ({why}): {labelled[row][col]} by its label, "
            f"{ordered.get(row, {}).get(col)} {FORM_ORDER}; left empty"
        )
    return Decision(merged, tuple(warnings), frozenset(conflicts), False)


def _rows_add_up(cells: list[CellValue], width: int) -> bool:
    """Every whole row of `cells` has its last cell (总计) equal to the sum of the others
    (a blank counts as 0, as in the checks): the row-totals identity, on one run alone."""
    def number(cell: CellValue) -> Decimal:
        return cell.number if cell.number is not None else Decimal(0)

    return all(
        number(cells[k + width - 1]) == sum((number(c) for c in cells[k:k + width - 1]), Decimal(0))
        for k in range(0, len(cells) - width + 1, width)
    )


def _run_readings(run: list[CellValue], width: int) -> list[list[CellValue]]:
    """One run (starting at a row's first cell) read each way a converter may have streamed
    it: row by row; column by column after some rows printed row by row; column by column
    with the total column streamed before the last part column (pdfminer orders text boxes
    by position)."""
    readings = [run]
    rows = len(run) // width
    if len(run) % width or rows < 2:
        return readings
    shapes = [(p, width - 1) for p in range(rows - 1)] + [(0, t) for t in range(width - 1)]
    for prefix_rows, total_at in shapes:
        prefix = prefix_rows * width
        block = run[prefix:]
        n = len(block) // width
        columns = [block[k * n:(k + 1) * n] for k in range(width)]
        columns.append(columns.pop(total_at))
        readings.append(run[:prefix] + [columns[col][row] for row in range(n) for col in range(width)])
    return readings


def _reading_orders(runs: list[list[CellValue]], width: int) -> Iterator[list[CellValue]]:
    """The table's numbers in each order the text may give them: row by row (the printed
    order) first, then every combination of the runs' readings (`_run_readings`) whose rows
    add up within each run; none but the printed one when they are more than MAX_ORDERS."""
    printed = [c for run in runs for c in run]
    yield printed
    options: list[list[list[CellValue]]] = []
    offset = 0
    for run in runs:
        if offset % width:
            options.append([run])  # a run starting inside a row is only ever read as printed
        else:
            options.append([r for r in _run_readings(run, width) if _rows_add_up(r, width)] or [run])
        offset += len(run)
    if prod(len(o) for o in options) > MAX_ORDERS:
        return  # too many to try them all, and a search cut short could not say "the only one"
    for choice in product(*options):
        out = [c for reading in choice for c in reading]
        if out != printed:
            yield out


def reconcile_applications(fmt: Format, labelled: Grid | None, runs: list[list[CellValue]],
                           convert: Convert, *, troubled: bool = False) -> Decision | None:
    if not any(c.kind == "number" for run in runs for c in run):
        return None
    layouts = [application_rows(fmt)]
    if fmt == "2021":  # the 2019 single row （六）其他处理 printed in a 2021 table
        layouts.append(application_rows(fmt, [SINGLE_OTHER_ROW]))
    width = len(APPLICANT_COLUMNS)
    for layout in layouts:
        printed = [r for r in layout if not (SINGLE_OTHER_ROW in layout and r in OTHER_ROWS_2021)]
        total = width * len(printed)
        fitted = _fitted_runs(runs, total)
        if fitted is None:
            continue
        keys = [(r, APPLICANT_COLUMNS, frozenset()) for r in printed]

        def fill(numbers: list[CellValue], notes: list[str]) -> Grid:
            grid = _fill(keys, numbers, "applications", convert, notes)
            return {r: grid.get(r) or {c: None for c in APPLICANT_COLUMNS} for r in layout}

        what = f"its {total} values"
        if SINGLE_OTHER_ROW in layout:
            what += (" (the 2019-format single row （六）其他处理 in a 2021-format table: the report "
                     "mixes formats)")
        orders = _reading_orders(fitted, width)
        notes: list[str] = []
        printed_order = fill(next(orders), notes)
        if labelled is not None and not _differing(labelled, printed_order):
            return None  # the common case: both readings agree
        if _fits(fmt, "applications", printed_order):
            return _decide(fmt, "applications", labelled, printed_order, notes, what=what + " are",
                           troubled=troubled)
        fitting: dict[str, list[CellValue]] = {}
        for numbers in orders:
            grid = fill(numbers, [])
            if _fits(fmt, "applications", grid):
                fitting.setdefault(repr(grid), numbers)
        if len(fitting) == 1:
            (numbers,) = fitting.values()
            notes = []
            return _decide(fmt, "applications", labelled, fill(numbers, notes), notes,
                           what=what + ", printed partly column by column, are", troubled=troubled)
        return _decide(fmt, "applications", labelled, printed_order, notes, what=what + " are",
                       troubled=troubled)
    return None


def _transposed_runs(runs: list[list[CellValue]], widths: list[int]) -> list[CellValue] | None:
    """The numbers with every run that covers two or more whole rows of one width read column
    by column instead (pdfminer streams a small table block so); None if no run does."""
    out: list[CellValue] = []
    row, changed = 0, False
    for run in runs:
        start, covered = row, 0
        while row < len(widths) and covered + widths[row] <= len(run):
            covered += widths[row]
            row += 1
        n = row - start
        if covered != len(run):
            return None  # a run that ends inside a row: no whole-row block to turn
        if n >= 2 and len(set(widths[start:row])) == 1:
            w = widths[start]
            out.extend(run[col * n + r] for r in range(n) for col in range(w))
            changed = True
        else:
            out.extend(run)
    return out if changed else None


def reconcile_active(fmt: Format, labelled: Grid | None, runs: list[list[CellValue]],
                     convert: Convert, *, troubled: bool = False) -> Decision | None:
    keys = [(spec.key, spec.columns, frozenset(spec.amount_columns)) for spec in ACTIVE_ROWS[fmt]]
    fitted = _fitted_runs(runs, sum(len(columns) for _, columns, _ in keys))
    if fitted is None or not any(c.kind == "number" for run in fitted for c in run):
        return None
    runs = fitted
    numbers = [cell for run in runs for cell in run]
    notes: list[str] = []
    ordered = _fill(keys, numbers, "active", convert, notes)
    transposed = _transposed_runs(runs, [len(columns) for _, columns, _ in keys])
    if transposed is not None:
        # Row by row or column by column: table 二 has no identity to tell; where the two
        # differ the cells are left empty.
        other = _fill(keys, transposed, "active", convert, [])
        unsure = [(r, c) for r, cells in ordered.items() for c in cells if cells[c] != other[r][c]]
        for r, c in unsure:
            ordered[r][c] = None
            notes.append(f"active.{r}.{c}: its block of values may be printed row by row or column by "
                         f"column ({other[r][c]} if by column); no identity can tell; left empty")
    return _decide(fmt, "active", labelled, ordered, notes, what=f"its {len(numbers)} values are",
                   identities=False)


def reconcile_review(fmt: Format, labelled: Grid | None, runs: list[list[CellValue]],
                     convert: Convert, *, troubled: bool = False,
                     witness: Callable[[Grid], int] | None = None) -> Decision | None:
    """`witness` counts the narrative's statements (行政复议 N 件…) a candidate agrees with: among
    orders that fit the identities, those the narrative agrees with most are kept."""
    fitted = _fitted_runs(runs, len(REVIEW_GROUPS) * len(REVIEW_OUTCOMES))
    if fitted is None or not any(c.kind == "number" for run in fitted for c in run):
        return None
    runs = fitted
    keys = [(g, REVIEW_OUTCOMES, frozenset()) for g in REVIEW_GROUPS]

    def fill(order: Iterable[int], notes: list[str]) -> Grid:
        return _fill(keys, [c for i in order for c in runs[i]], "review_litigation", convert, notes)

    notes: list[str] = []
    printed = fill(range(len(runs)), notes)
    if labelled is not None and not _differing(labelled, printed):
        return None  # the common case: both readings agree
    if _fits(fmt, "review_litigation", printed) or len(runs) > MAX_REVIEW_RUNS:
        return _decide(fmt, "review_litigation", labelled, printed, notes, what="its 15 values are",
                       troubled=troubled)
    fitting: dict[str, tuple[tuple[int, ...], Grid]] = {}
    for order in permutations(range(len(runs))):
        grid = fill(order, [])
        if _fits(fmt, "review_litigation", grid):
            fitting.setdefault(repr(grid), (order, grid))
    if len(fitting) > 1 and witness is not None:
        agreement = {key: witness(grid) for key, (_, grid) in fitting.items()}
        best = max(agreement.values())
        narrowed = {key: fitting[key] for key, n in agreement.items() if n == best}
        said = f"; the narrative's totals narrow {len(fitting)} fitting orders to {len(narrowed)}"
        fitting = narrowed
    else:
        said = ""
    if len(fitting) == 1:
        ((order, _),) = fitting.values()
        notes = []
        only = fill(order, notes)
        return _decide(fmt, "review_litigation", labelled, only, notes,
                       what=f"its values come in {len(runs)} runs out of the form's order; the one order "
                            f"of those runs that fits the identities{said} is")
    if len(fitting) > 1 and not _fits(fmt, "review_litigation", labelled):
        grids = [grid for _, grid in fitting.values()]
        unsure = [(g, o) for g in REVIEW_GROUPS for o in REVIEW_OUTCOMES
                  if any(x[g][o] != grids[0][g][o] for x in grids)]
        agreed: Grid = {g: {o: None if (g, o) in unsure else grids[0][g][o] for o in REVIEW_OUTCOMES}
                        for g in REVIEW_GROUPS}
        warnings = tuple(
            f"review_litigation.{g}.{o}: the table's values come out of order and {len(grids)} orders "
            "fit the identities; left empty" for g, o in unsure
        ) + (f"review_litigation: values out of the form's order in the text; {len(grids)} orders of its "
             f"{len(runs)} runs fit the identities{said}; only the cells they agree on are kept",)
        return Decision(agreed, warnings, frozenset(unsure), True)
    return _decide(fmt, "review_litigation", labelled, printed, notes, what="its 15 values are",
                   troubled=troubled)


RECONCILERS: Mapping[str, tuple[str, Callable[..., Decision | None]]] = {
    "active": ("active", reconcile_active),
    "applications": ("applications", reconcile_applications),
    "review": ("review_litigation", reconcile_review),
}
