"""The report's tables as both document renderers lay them out, and a sample report to render.

`FormGrid` is one table of the official form as a full grid (every cell's text plus the merged
ranges, after shared/fixtures/real/template_2021_format.docx); `active_grid`,
`applications_grid` and `review_grid` build the three tables from a `ReportTables`.
`sample_tables` is a plausible report whose tables satisfy all the form's identities;
`full_width` gives text the full-width punctuation real reports print (（一）予以公开).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from parsing import schema
from parsing.schema import APPLICANT_COLUMNS, APPLICATION_LABELS, APPLICATION_ROWS, RESULTS_HEADING
from nianbao.devportal.render import APPLICANT_HEADER, REVIEW_HEADER, ReportTables, _active_values, fmt_value

Span = tuple[int, int, int, int]  # first column, first row, last column, last row (inclusive)

_FULL_WIDTH = str.maketrans({"(": "（", ")": "）", ",": "，", ":": "："})


def full_width(label: str) -> str:
    """Text as reports print it: （一）主动公开 (render.py's narrative is half-width)."""
    return label.translate(_FULL_WIDTH)


@dataclass(frozen=True)
class FormGrid:
    """One table of the form as a full grid.

    `cells[r][c]` is the text of each grid cell ("" under a merge and for a blank value);
    `spans` are the merged ranges; `widths` are column widths as fractions of the table width;
    `label_columns` are the leading columns holding labels (the rest hold values);
    `header_rows` is how many leading rows are column headings; `row_keys[r]` names the
    applications row a grid row holds (None elsewhere).
    """

    cells: list[list[str]]
    spans: list[Span]
    widths: list[float]
    label_columns: int
    header_rows: int
    row_keys: list[str | None]

    def split(self, row: int) -> tuple[FormGrid, FormGrid]:
        """Two grids, before and from `row`; a merge across the cut becomes one merge per part
        (its text stays in the first part, as a page break leaves a merged cell in Word)."""
        first: list[Span] = []
        second: list[Span] = []
        for c0, r0, c1, r1 in self.spans:
            if r1 < row:
                first.append((c0, r0, c1, r1))
            elif r0 >= row:
                second.append((c0, r0 - row, c1, r1 - row))
            else:
                first.append((c0, r0, c1, row - 1))
                second.append((c0, 0, c1, r1 - row))
        keep = lambda s: s[0] != s[2] or s[1] != s[3]  # noqa: E731 - a one-cell merge is no merge
        return (
            FormGrid(self.cells[:row], [s for s in first if keep(s)], self.widths, self.label_columns,
                     self.header_rows, self.row_keys[:row]),
            FormGrid(self.cells[row:], [s for s in second if keep(s)], self.widths, self.label_columns,
                     0, self.row_keys[row:]),
        )

    def row_of(self, key: str) -> int:
        return self.row_keys.index(key)


def active_grid(t: ReportTables) -> FormGrid:
    """二、主动公开政府信息情况 as one four-column table: each 第二十条 heading spans the table, a
    group with fewer value columns spans its last one to the edge (as the official form)."""
    cells: list[list[str]] = []
    spans: list[Span] = []
    for group in schema.ACTIVE_GROUPS[t.format]:
        cells.append([group.heading, "", "", ""])
        spans.append((0, len(cells) - 1, 3, len(cells) - 1))
        rows = [[schema.ACTIVE_ROW_HEADING, *group.column_labels]]
        rows += [[row.label, *_active_values(t, row.key, "")] for row in group.rows]
        for row in rows:
            if len(row) < 4:
                spans.append((len(row) - 1, len(cells), 3, len(cells)))
                row = row + [""] * (4 - len(row))
            cells.append(row)
    return FormGrid(cells, spans, [0.31, 0.23, 0.23, 0.23], 1, 0, [None] * len(cells))


def applications_grid(t: ReportTables) -> FormGrid:
    """三、收到和处理政府信息公开申请情况: three header rows, 三、本年度办理结果 down all result
    rows, each numbered group ((三)…(六) in 2021) down its items, unnumbered rows across."""
    cells: list[list[str]] = [
        [schema.APPLICATIONS_NOTE, "", "", schema.APPLICANTS_HEADING, "", "", "", "", "", ""],
        ["", "", "", APPLICANT_HEADER[0], schema.ORGANISATIONS_HEADING, "", "", "", "", APPLICANT_HEADER[-1]],
        ["", "", "", "", *APPLICANT_HEADER[1:6], ""],
    ]
    spans: list[Span] = [(0, 0, 2, 2), (3, 0, 9, 0), (3, 1, 3, 2), (4, 1, 8, 1), (9, 1, 9, 2)]
    keys: list[str | None] = [None, None, None]
    order = APPLICATION_ROWS[t.format]
    results = [r for r in order if APPLICATION_LABELS[r][0] == RESULTS_HEADING]
    group_size: dict[str, int] = {}
    for r in results:
        if APPLICATION_LABELS[r][2]:
            group_size[APPLICATION_LABELS[r][1]] = group_size.get(APPLICATION_LABELS[r][1], 0) + 1
    opened: set[str] = set()
    for r in order:
        top, mid, leaf = APPLICATION_LABELS[r]
        row_index = len(cells)
        labels = ["", "", ""]
        if not mid:
            labels[0] = top
            spans.append((0, row_index, 2, row_index))
        else:
            if top not in opened:
                labels[0] = top
                spans.append((0, row_index, 0, row_index + len(results) - 1))
                opened.add(top)
            if leaf:
                if mid not in opened:
                    labels[1] = mid
                    if group_size[mid] > 1:
                        spans.append((1, row_index, 1, row_index + group_size[mid] - 1))
                    opened.add(mid)
                labels[2] = leaf
            else:
                labels[1] = mid
                spans.append((1, row_index, 2, row_index))
        values = [fmt_value(t.applications[r][c]) for c in APPLICANT_COLUMNS]
        cells.append(labels + values)
        keys.append(r)
    widths = [0.036, 0.12, 0.314] + [0.53 / 7] * 7
    return FormGrid(cells, spans, widths, 3, 3, keys)


def review_grid(t: ReportTables) -> FormGrid:
    """四、行政复议、行政诉讼: 行政复议 | 行政诉讼 (未经复议直接起诉, 复议后起诉), outcomes."""
    direct, after_review = (schema.REVIEW_GROUP_LABELS[g] for g in schema.REVIEW_GROUPS[1:])
    cells = [
        [schema.REVIEW_GROUP_LABELS["review"], "", "", "", "", schema.LITIGATION_HEADING, *[""] * 9],
        [*REVIEW_HEADER, direct, *[""] * 4, after_review, *[""] * 4],
        [*[""] * 5, *REVIEW_HEADER, *REVIEW_HEADER],
        [fmt_value(t.review_litigation[g][o]) for g in schema.REVIEW_GROUPS for o in schema.REVIEW_OUTCOMES],
    ]
    spans: list[Span] = [(0, 0, 4, 0), (5, 0, 14, 0), (5, 1, 9, 1), (10, 1, 14, 1)]
    spans += [(c, 1, c, 2) for c in range(5)]
    return FormGrid(cells, spans, [1 / 15] * 15, 0, 3, [None] * 4)


def sample_tables(
    fmt: str = "2021", agency: str = "卫辉市信访局", year: int | None = None, seed: int = 7
) -> ReportTables:
    """A plausible report whose applications and review tables satisfy all the form's identities
    (so a parser that fills a missing cell from them fills it correctly)."""
    rng = random.Random(seed)
    results = [r for r in APPLICATION_ROWS[fmt]
               if APPLICATION_LABELS[r][0] == RESULTS_HEADING and r != "total_processed"]
    parts = APPLICANT_COLUMNS[:-1]
    apps: dict[str, dict[str, int | float | None]] = {}
    for r in results:
        apps[r] = {c: (rng.choice([0, 0, 1, 2, 5, 13, 120]) if c in ("natural_person", "enterprise") else
                       rng.choice([0, 0, 0, 1])) for c in parts}
    apps["total_processed"] = {c: sum(apps[r][c] for r in results) for c in parts}
    apps["carried_forward"] = {c: rng.choice([0, 1, 3]) for c in parts}
    apps["carried_over"] = {c: min(rng.choice([0, 2, 4]), apps["total_processed"][c]) for c in parts}
    apps["new_received"] = {c: apps["total_processed"][c] + apps["carried_forward"][c] - apps["carried_over"][c]
                            for c in parts}
    for row in apps.values():
        row["total"] = sum(row[c] for c in parts)
    applications = {r: apps[r] for r in APPLICATION_ROWS[fmt]}
    review = {}
    for g in schema.REVIEW_GROUPS:
        row = {o: rng.choice([0, 1, 2, 6]) for o in schema.REVIEW_PARTS}
        row["total"] = sum(row.values())
        review[g] = row
    if fmt == "2021":
        active = {
            "regulations": {"issued": 0, "repealed": 0, "in_force": 3},
            "normative_documents": {"issued": 4, "repealed": 1, "in_force": 27},
            "licensing": {"decisions": 1523}, "punishment": {"decisions": 86}, "coercion": {"decisions": None},
            "fees": {"amount": 36.75},
        }
    else:
        active = {
            "regulations": {"made": 0, "published": 0, "public_total": 2},
            "normative_documents": {"made": 3, "published": 3, "public_total": 19},
            "licensing": {"items_last_year": 45, "items_change": -2, "decisions": 2310},
            "other_services": {"items_last_year": 12, "items_change": 0, "decisions": 76},
            "punishment": {"items_last_year": 130, "items_change": 14, "decisions": 57},
            "coercion": {"items_last_year": 8, "items_change": None, "decisions": 3},
            "fees": {"items_last_year": 2, "items_change": 0},
            "procurement": {"projects": 6, "amount": 251.3},
        }
    return ReportTables(agency, year or (2021 if fmt == "2021" else 2020), fmt, active, applications, review)
