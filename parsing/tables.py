"""Reading the three tables (主动公开, 依申请, 复议诉讼) out of a sequence of rows.

The reader walks the rows once. Table markers (第二十条…, 本年新收…, 行政复议…) say which
table the rows belong to; in each, a row is recognised by its label's meaning
(`labels.match_rule`) and takes the values that follow its label: in the same row, or, when
the row holds none (a wrapped label, one cell per line, a split markdown table), in the
value-only rows after it. Row values are right-aligned to the form's column count: the
total column is the last one however ragged the row is.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from .cells import CellValue, amount_value, count_value
from .labels import (
    ACTIVE_RULES,
    APPLICATION_RULES,
    REVIEW_GROUP_RULES,
    TableName,
    format_scores,
    is_applicant_header,
    match_rule,
    normalize_label,
    table_marker,
)
from .form_order import RECONCILERS, Grid, value_runs
from .plausibility import FRACTIONAL_COUNT
from .rows import Row
from .schema import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    OTHER_ROWS_2021,
    SINGLE_OTHER_ROW,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    Format,
    active_row,
    application_rows,
)

log = logging.getLogger(__name__)

Value = int | float | None
MISSING = CellValue("text", "<missing>")
# A blank value cell read from a scan (parsing.ocr marks it `uncertain`): null, and said when its
# row holds numbers.
SCANNED_BLANK = "blank in the scan beside the row's numbers, read as null"
# A table printed without a value in any cell (see `_Reader._blank_tables`); the warning is
# "<table>: BLANK_TABLE (…)", and it names every cell of the table.
# Table 四's form, printed: its two litigation groups and its outcome columns (行政复议 is in
# the table's own heading as well, so it does not tell the form is printed).
_REVIEW_FORM_WORDS = {"litigation_direct": re.compile("直接起诉"), "litigation_after_review": re.compile("复议后起诉"),
                      "outcomes": re.compile("结果维|结果纠|尚未审|维持.{0,3}纠正")}
BLANK_TABLE = "printed with no value in any cell (blank in the report, or lost from its text)"  # a position the row did not fill at all


@dataclass
class TableReading:
    """What the rows said, before checks: values as published, and what could not be read."""

    format: Format
    active: dict[str, dict[str, Value]] | None = None
    applications: dict[str, dict[str, Value]] | None = None
    review_litigation: dict[str, dict[str, Value]] | None = None
    missing: set[tuple[str, str, str]] = field(default_factory=set)  # unreadable: (table, row, column)
    absent: set[tuple[str, str, str]] = field(default_factory=set)  # cells of rows not found
    warnings: list[str] = field(default_factory=list)

    @property
    def found_any(self) -> bool:
        return any(t is not None for t in (self.active, self.applications, self.review_litigation))


def detect_format(rows: list[Row], year: int | None) -> tuple[Format, str | None]:
    """The format, from the tables' own markers; the year decides only a tie (with a warning)."""
    compact = "".join(c.text for row in rows for c in row.cells if c.is_label)
    scores = format_scores(compact)
    if scores["2021"] != scores["2019"]:
        return ("2021" if scores["2021"] > scores["2019"] else "2019"), None
    guess: Format = "2019" if year is not None and year <= 2020 else "2021"
    return guess, f"format: the tables carry no format markers; assumed {guess} from the year"


def _normalize_values(cells: list[CellValue], width: int) -> tuple[list[CellValue], str | None]:
    """Fit a row's value cells to the form's `width` columns, right-aligned."""
    cells = list(cells)
    printed = len(cells)
    while len(cells) > width and cells[-1].kind == "blank":
        cells.pop()
    while len(cells) > width and cells[0].kind == "blank":
        cells.pop(0)
    if len(cells) == width < printed and any(c.kind == "blank" for c in cells):
        # Blank cells were dropped at the ends to fit, and blanks remain: which of them stood
        # where is a guess (a scanned cell split by a digit 1 taken for a rule left two blanks and
        # shifted its row: dev scan real hongze_district_2024 at 150 dpi, a null said nowhere).
        return cells, (f"{printed} value cells for {width} columns; blank cells at the ends dropped,"
                       " so its blank cells may stand in the wrong columns")
    if len(cells) > width:
        extra = len(cells) - width
        return cells[extra:], f"{len(cells)} value cells for {width} columns; the first {extra} ignored"
    if len(cells) < width:
        if all(c.kind == "blank" for c in cells):
            return [CellValue("blank", "")] * width, None
        short = width - len(cells)
        return [MISSING] * short + cells, f"{len(cells)} value cells for {width} columns"
    return cells, None


def cell_to_value(path: str, cell: CellValue, is_amount: bool, warnings: list[str]) -> Value:
    """A cell's record value; what is not a plain number is said in `warnings`, by `path`."""
    if cell is MISSING or cell.kind == "blank":
        return None
    if cell.kind == "unreadable":
        warnings.append(f"{path}: unreadable cell: {cell.raw}")
        return None
    if cell.uncertain:
        warnings.append(f"{path}: OCR unsure of {cell.raw}")
    if cell.kind == "text":
        warnings.append(f"{path}: unreadable cell {cell.raw!r}")
        return None
    assert cell.number is not None
    if cell.note:
        warnings.append(f"{path}: note kept out of the number: {cell.note}")
    if is_amount:
        if cell.unit == "元":
            warnings.append(f"{path}: {cell.raw.strip()} converted to 万元")
        return amount_value(cell.number, cell.unit)
    value = count_value(cell.number)
    if isinstance(value, float):
        warnings.append(f"{path}: {FRACTIONAL_COUNT}: {cell.raw!r}")
    return value


class _Reader:
    def __init__(self, rows: list[Row], fmt: Format) -> None:
        self.rows = rows
        self.fmt = fmt
        self.reading = TableReading(format=fmt)
        self.seen: dict[tuple[str, str], bool] = {}  # -> had numbers
        self.review_had_numbers = False
        self.review_heading: str | None = None  # a table-四 group heading awaiting its values
        # rows per table in document order: ("row", key, values) or ("unlabelled", label, values)
        self.sequence: dict[str, list[tuple[str, str, list[CellValue]]]] = {"active": [], "applications": []}
        # A form printed with every cell blank (an empty template, an agency with nothing to
        # report that left the cells empty): the rows and review groups whose labels were
        # recognised with no value anywhere, and the tables in which a number was seen.
        self.blank_labels: dict[str, set[str]] = {"active": set(), "applications": set(), "review": set()}
        self.numbers_in: set[str] = set()

    # -- values --------------------------------------------------------------------------
    def _following_values(self, start: int, width: int) -> tuple[list[CellValue], int]:
        """Value cells in the value-only rows from `start` on; returns them and the next row."""
        found: list[CellValue] = []
        j = start
        while j < len(self.rows) and len(found) < width:
            row = self.rows[j]
            if row.has_label:
                break
            values = [c.value for c in row.cells if not c.continuation]
            found.extend(values)
            j += 1
            if len(values) > 1:
                break  # a whole row of values
        return found, j

    def _row_values(self, i: int, width: int) -> tuple[list[CellValue] | None, int]:
        own = self.rows[i].values_after_labels()
        if any(v.kind == "number" for v in own):
            return own, i + 1
        following, j = self._following_values(i + 1, width)
        if any(v.kind == "number" for v in following) or (following and not own):
            return following, j
        if own:
            return own, i + 1
        return None, i + 1

    def _store(self, table: str, row_key: str, columns: tuple[str, ...],
               cells: list[CellValue], amounts: tuple[str, ...] = ()) -> dict[str, Value]:
        fitted, problem = _normalize_values(cells, len(columns))
        path = f"{table}.{row_key}"
        if problem:
            self.reading.warnings.append(f"{path}: {problem}")
        self._note_scanned_blanks(path, columns, fitted)
        out: dict[str, Value] = {}
        for column, cell in zip(columns, fitted):
            out[column] = self._value(f"{path}.{column}", cell, column in amounts)
            if cell is MISSING or cell.kind == "unreadable":
                self.reading.missing.add((table, row_key, column))
        return out

    def _note_scanned_blanks(self, path: str, columns: tuple[str, ...], cells: list[CellValue]) -> None:
        """A cell a scan shows blank beside numbers in its row is null, and said: a light digit
        (a thin 0 blurred at 150 dpi) can leave no ink above the paper's level at all, and a lost
        0 is a null no check can name when the row's sums hold (dev stress scan
        html_hanweb_2021_split_applications@ARPL-UMing-unruled at 150 dpi: 行政复议 结果纠正).
        A row printed all blank is left alone."""
        if not any(c.kind == "number" for c in cells):
            return
        blank = [column for column, c in zip(columns, cells) if c.kind == "blank" and c.uncertain]
        if blank:
            self.reading.warnings.append(
                f"{path}: {SCANNED_BLANK} ({', '.join(blank)}); a light digit may be lost there, compare with the scan")

    def _value(self, path: str, cell: CellValue, is_amount: bool) -> Value:
        return cell_to_value(path, cell, is_amount, self.reading.warnings)

    # -- labels --------------------------------------------------------------------------
    def _match(self, row: Row, rules) -> str | None:
        labels = row.label_cells
        for cell in reversed(labels):
            key = match_rule(cell.text, rules, fuzzy=False)
            if key:
                return key
        if len(labels) > 1:
            key = match_rule("".join(c.text for c in labels), rules, fuzzy=False)
            if key:
                return key
        for cell in reversed(labels):
            key = match_rule(cell.text, rules, fuzzy=True)
            if key:
                return key
        return None

    def _match_wrapped(self, i: int, rules) -> tuple[str | None, int | None]:
        """A label wrapped around its numbers: "1.申请人无正当理由逾期" / "0 0 …" / "不补正…"."""
        j = i + 1
        while j < len(self.rows) and not self.rows[j].has_label:
            j += 1
        if j == i + 1 or j >= len(self.rows):
            return None, None
        tail = self.rows[j]
        if tail.values_after_labels():
            return None, None
        joined = "".join(c.text for c in self.rows[i].label_cells + tail.label_cells)
        return match_rule(joined, rules, fuzzy=False), j

    def _application_key(self, key: str) -> str:
        """The record's row for a matched label. (六)其他处理 is the 2019 single row `other`; in a
        2021 table it is either the heading of three rows (no numbers of its own, skipped) or
        the 2019 row printed in a 2021 table (decided in `_complete_single_other`)."""
        if key == "other_group" or (self.fmt == "2019" and key == "other_other"):
            return SINGLE_OTHER_ROW
        return key

    # -- the walk ------------------------------------------------------------------------
    def read(self) -> TableReading:
        state: TableName | None = None
        skip: set[int] = set()
        i = 0
        while i < len(self.rows):
            row = self.rows[i]
            if i in skip:
                i += 1
                continue
            for cell in row.label_cells:
                marker = table_marker(cell.text)
                if marker:
                    state = marker
            if state is not None and any(v.kind == "number" for v in row.values_after_labels()):
                self.numbers_in.add(state)
            if state == "review":
                text = "".join(c.text for c in row.label_cells).replace(" ", "")
                self.blank_labels["review"].update(k for k, p in _REVIEW_FORM_WORDS.items() if p.search(text))
                i = self._review_row(i)
                continue
            if state not in ("active", "applications") or not row.has_label:
                i += 1
                continue
            if state == "applications" and any(is_applicant_header(c.text) for c in row.label_cells):
                i += 1  # the column header: its 其他 and 总计 are columns, not rows
                continue
            rules = ACTIVE_RULES if state == "active" else APPLICATION_RULES
            key = self._match(row, rules)
            if key is None:
                key, tail = self._match_wrapped(i, rules)
                if key is not None and tail is not None:
                    skip.add(tail)
            if key is not None and state == "applications":
                key = self._application_key(key)
            if key is None:
                self._note_unlabelled(state, i)
                i += 1
                continue
            if state == "active" and key not in {r.key for r in ACTIVE_ROWS[self.fmt]}:
                self.reading.warnings.append(
                    f"active.{key}: row of the other format ignored ({normalize_label(row.text())})"
                )
                i += 1
                continue
            width = (
                len(active_row(self.fmt, key).columns) if state == "active" else len(APPLICANT_COLUMNS)
            )
            values, nxt = self._row_values(i, width)
            if values is None:
                self.blank_labels[state].add(key)
                i += 1
                continue
            self._assign(state, key, values)
            self.sequence[state].append(("row", key, values))
            i = nxt
        for state in self.sequence:
            self._place_unlabelled(state)
        self._blank_tables()
        return self.reading

    def _blank_tables(self) -> None:
        """A table whose form is printed (most of its row labels, or all three review groups,
        recognised) without a single value in it: every cell null, and said. Blank cells are
        null (spec), and a table whose values its text lost (a converter, an OCR engine) reads
        the same way, so the warning names both."""
        reading = self.reading
        wanted = {"active": len(ACTIVE_ROWS[self.fmt]), "applications": len(APPLICATION_ROWS[self.fmt]),
                  "review": len(_REVIEW_FORM_WORDS)}
        for state, name in (("active", "active"), ("applications", "applications"), ("review", "review_litigation")):
            labels = self.blank_labels[state]
            if getattr(reading, name) is not None or state in self.numbers_in:
                continue
            if len(labels) < (wanted[state] if state == "review" else (wanted[state] + 1) // 2):
                continue
            reading.warnings.append(
                f"{name}: {BLANK_TABLE} ({len(labels)} of its {wanted[state]} "
                f"{'headings' if state == 'review' else 'rows'} recognised): every cell null"
            )
            if state == "active":
                reading.active = {spec.key: {c: None for c in spec.columns} for spec in ACTIVE_ROWS[self.fmt]}
            elif state == "applications":
                reading.applications = {r: {c: None for c in APPLICANT_COLUMNS} for r in APPLICATION_ROWS[self.fmt]}
            else:
                reading.review_litigation = {g: {o: None for o in REVIEW_OUTCOMES} for g in REVIEW_GROUPS}

    def _note_unlabelled(self, state: str, i: int) -> None:
        """A row whose label means nothing we know but which carries values (an OCR-mangled or
        reworded label): kept for placement by position."""
        own = self.rows[i].values_after_labels()
        numbers = sum(v.kind == "number" for v in own)
        if (state == "applications" and len(own) >= len(APPLICANT_COLUMNS) - 1 and numbers >= 2) or (
            state == "active" and numbers >= 1
        ):
            self.sequence[state].append(("unlabelled", normalize_label(self.rows[i].text())[:40], own))

    def _columns(self, state: str, key: str) -> int:
        return len(active_row(self.fmt, key).columns) if state == "active" else len(APPLICANT_COLUMNS)

    def _place_unlabelled(self, state: str) -> None:
        """Rows with unreadable labels between two recognised rows take the form's missing rows
        between those two, in order, when their counts (and widths) agree."""
        sequence = self.sequence[state]
        order = APPLICATION_ROWS[self.fmt] if state == "applications" else [r.key for r in ACTIVE_ROWS[self.fmt]]
        anchors = [(n, item[1]) for n, item in enumerate(sequence) if item[0] == "row" and item[1] in order]
        bounds = [(-1, None)] + anchors + [(len(sequence), None)]
        for (start, before), (end, after) in zip(bounds, bounds[1:]):
            run = [item for item in sequence[start + 1 : end] if item[0] == "unlabelled"]
            if not run:
                continue
            lo = order.index(before) + 1 if before else 0
            hi = order.index(after) if after else len(order)
            gap = [r for r in order[lo:hi] if (state, r) not in self.seen]
            if len(gap) != len(run) or any(
                len(_normalize_values(values, self._columns(state, key))[0]) != self._columns(state, key)
                or sum(v.kind == "number" for v in values) > self._columns(state, key)
                for key, (_, _, values) in zip(gap, run)
            ):
                continue
            for key, (_, label, values) in zip(gap, run):
                self.reading.warnings.append(
                    f"{state}.{key}: label not recognised ({label}); placed by its position "
                    f"between {before or 'the start'} and {after or 'the end'}"
                )
                self._assign(state, key, values)

    def _assign(self, state: str, key: str, values: list[CellValue]) -> None:
        has_numbers = any(v.kind == "number" for v in values)
        if (state, key) in self.seen:
            if has_numbers and not self.seen[(state, key)]:
                pass  # an earlier all-blank match was a header cell; the row with numbers wins
            else:
                self.reading.warnings.append(f"{state}.{key}: row appears twice; the first one kept")
                return
        self.seen[(state, key)] = has_numbers
        if state == "active":
            spec = active_row(self.fmt, key)
            table = self.reading.active = self.reading.active or {}
            table[key] = self._store("active", key, spec.columns, values, spec.amount_columns)
        else:
            table = self.reading.applications = self.reading.applications or {}
            table[key] = self._store("applications", key, APPLICANT_COLUMNS, values)

    def _review_row(self, i: int) -> int:
        row = self.rows[i]
        width = len(REVIEW_GROUPS) * len(REVIEW_OUTCOMES)
        own = row.values_after_labels()
        if row.has_label:
            group = self._match(row, REVIEW_GROUP_RULES)
            numbers = [v for v in own if v.kind == "number"]
            if group and len(numbers) and len(own) <= len(REVIEW_OUTCOMES) + 2:
                self._store_review_group(group, own)
                return i + 1
            # A group's heading over a small table of its own (行政复议 / 结果维持 … 总计 / values):
            # the next row of exactly one group's values is that group's.
            self.review_heading = group if group and not numbers else self.review_heading
            if len([v for v in own if v.kind != "blank"]) < width // 2:
                return i + 1
            values, nxt = own, i + 1
        else:
            values, nxt = self._following_values(i, width)
            heading, self.review_heading = self.review_heading, None
            if heading and len(values) == len(REVIEW_OUTCOMES) and (
                self.reading.review_litigation is None or heading not in self.reading.review_litigation
            ):
                self._store_review_group(heading, values)
                return nxt
            if not any(v.kind == "number" for v in values) and len(values) < width:
                return nxt
        has_numbers = any(v.kind == "number" for v in values)
        if self.reading.review_litigation is not None and (self.review_had_numbers or not has_numbers):
            return nxt
        self.review_had_numbers = has_numbers  # an all-blank row before the numbers was a header
        fitted, problem = _normalize_values(values, width)
        if problem:
            self.reading.warnings.append(f"review_litigation: {problem}")
        table: dict[str, dict[str, Value]] = {}
        for g, group in enumerate(REVIEW_GROUPS):
            chunk = fitted[g * len(REVIEW_OUTCOMES) : (g + 1) * len(REVIEW_OUTCOMES)]
            self._note_scanned_blanks(f"review_litigation.{group}", REVIEW_OUTCOMES, chunk)
            table[group] = {}
            for outcome, cell in zip(REVIEW_OUTCOMES, chunk):
                table[group][outcome] = self._value(f"review_litigation.{group}.{outcome}", cell, False)
                if cell is MISSING or cell.kind == "unreadable":
                    self.reading.missing.add(("review_litigation", group, outcome))
        self.reading.review_litigation = table
        return nxt

    def _store_review_group(self, group: str, values: list[CellValue]) -> None:
        table = self.reading.review_litigation = self.reading.review_litigation or {}
        table[group] = self._store("review_litigation", group, REVIEW_OUTCOMES, values)


def read_tables(rows: list[Row], fmt: Format, *, witness: Callable[[Grid], int] | None = None) -> TableReading:
    """The tables in `rows`; `witness` counts the narrative statements a candidate table 四
    agrees with (see `form_order.reconcile_review`)."""
    reading = _Reader(rows, fmt).read()
    _complete(reading)
    _second_reading(reading, rows, witness)
    return reading


def _second_reading(reading: TableReading, rows: list[Row], witness: Callable[[Grid], int] | None) -> None:
    """Each table read again by the form's order (`form_order`), and the two reconciled."""
    runs = value_runs(rows)
    for marker, (name, reconcile) in RECONCILERS.items():
        troubled = any(_is_about(w, name) and _TROUBLE.search(w) for w in reading.warnings)
        extra = {"witness": witness} if marker == "review" else {}
        decision = reconcile(reading.format, getattr(reading, name), runs[marker], cell_to_value,
                             troubled=troubled, **extra)
        if decision is None:
            continue
        if decision.replaces:
            # The form's order replaced the labels' reading: what was said of that reading
            # (rows not found, rows twice, unlabelled rows placed) no longer holds.
            reading.warnings = [w for w in reading.warnings if not _is_about(w, name)]
            reading.missing = {m for m in reading.missing if m[0] != name}
            reading.absent = {m for m in reading.absent if m[0] != name}
        else:
            reading.missing -= {(name, row, col) for row, col in decision.nulled}
        setattr(reading, name, decision.table)
        reading.warnings.extend(decision.warnings)


# What the label reader says when its reading of a table went wrong (not a cell's note or unit).
_TROUBLE = re.compile(r"rows not found|groups not found|appears twice|value cells for|not recognised")


def _is_about(warning: str, table: str) -> bool:
    return warning.startswith((f"{table}.", f"{table}:"))


def _complete_single_other(reading: TableReading, found: dict[str, dict[str, Value]]) -> tuple[str, ...]:
    """The rows of a 2021 applications table, given what was `found`: the format's, plus the
    2019 single row `other` when the table prints （六）其他处理 as one row with values instead
    of its three rows (洪泽区 2023/2024, shared/fixtures/real/hongze_district_*.pdf). The three
    rows, not printed, are then null, and not "unreadable": the single row holds their sum."""
    rows = APPLICATION_ROWS["2021"]
    single = found.get(SINGLE_OTHER_ROW)
    if single is None:
        return rows
    printed = [r for r in OTHER_ROWS_2021 if r in found]
    has_numbers = any(v is not None for v in single.values())
    if printed or not has_numbers:
        # The group's heading over its rows (blank cells after it in one-cell-per-line text), or
        # numbers of its own besides its rows (a subtotal?): not kept.
        del found[SINGLE_OTHER_ROW]
        reading.missing = {c for c in reading.missing if c[:2] != ("applications", SINGLE_OTHER_ROW)}
        if printed and has_numbers:
            reading.warnings.append(
                f"applications.{SINGLE_OTHER_ROW}: （六）其他处理 prints numbers of its own above its "
                f"rows {', '.join(printed)}; the heading's numbers are not kept"
            )
        return rows
    reading.warnings.append(
        f"applications.{SINGLE_OTHER_ROW}: the report mixes formats: its 2021-format table prints the "
        f"2019-format single row （六）其他处理; its numbers are kept as applications.{SINGLE_OTHER_ROW}, "
        f"and the 2021 rows {', '.join(OTHER_ROWS_2021)}, which it does not print, are null"
    )
    for r in OTHER_ROWS_2021:
        found[r] = {c: None for c in APPLICANT_COLUMNS}
    return application_rows("2021", found)


def _complete(reading: TableReading) -> None:
    """A table that was found has every row of its format; rows the report lacks are null."""
    if reading.applications is not None:
        found = reading.applications
        rows = (
            _complete_single_other(reading, found) if reading.format == "2021" else APPLICATION_ROWS["2019"]
        )
        for r in found:
            if r not in rows:
                reading.warnings.append(
                    f"applications.{r}: a row of the other format in a {reading.format}-format table; "
                    "its numbers are not in the record"
                )
        absent = [r for r in rows if r not in found]
        if absent:
            reading.warnings.append("applications: rows not found: " + ", ".join(absent))
        reading.applications = {r: found.get(r) or {c: None for c in APPLICANT_COLUMNS} for r in rows}
        for r in absent:
            for c in APPLICANT_COLUMNS:
                reading.absent.add(("applications", r, c))
    if reading.active is not None:
        found = reading.active
        absent = [spec.key for spec in ACTIVE_ROWS[reading.format] if spec.key not in found]
        if absent:
            reading.warnings.append("active: rows not found: " + ", ".join(absent))
        reading.active = {
            spec.key: found.get(spec.key) or {c: None for c in spec.columns}
            for spec in ACTIVE_ROWS[reading.format]
        }
    if reading.review_litigation is not None:
        found = reading.review_litigation
        absent = [g for g in REVIEW_GROUPS if g not in found]
        if absent:
            reading.warnings.append("review_litigation: groups not found: " + ", ".join(absent))
        reading.review_litigation = {
            g: found.get(g) or {o: None for o in REVIEW_OUTCOMES} for g in REVIEW_GROUPS
        }
