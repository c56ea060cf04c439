"""The numbers page (`/numbers`), its CSV (`/numbers.csv`) and JSON (`/api/stats`): `nianbao stats`
in the browser, plus the rates of `storage.rates`.

The URL is the state: `field` (a dotted path, the form's label or words of it, or `rate:refused` /
`rate:corrected`), `by` (agency | region | year), `agency` (repeat it to compare), `region`,
`kind`, `year` (2021 or 2019..2021), `format`, `check` (failed | ok), `top`. Three views come of
them: rank (by agency, every agency the filters keep, largest first), compare (by agency, the
agencies named) and series (by year, one agency's or several's reports). The numbers are
`storage.stats.stats` (and `storage.rates.rate_stats` over it); this module only shapes them.

One table (`Shown`) is what the page lists, what the chart draws (one mark per row), what the CSV
holds (through `storage.csv_out.write_csv`, BOM first) and what the JSON holds: the same columns,
the same rows, the same rounding.
"""

from __future__ import annotations

import functools
import io
import threading
from collections import Counter
from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, jsonify, render_template, request, url_for
from markupsafe import Markup, escape

from parsing.fields import FIELDS, SEPARATOR, FieldNameError, field_label, find_fields, resolve_field
from storage.csv_out import write_csv
from storage.number_frame import Frame, read_column, read_entries
from storage.rates import RATES, Rate, rate_stats
from storage.stats import GROUPINGS, MAX_TOP, StatsError, StatsQuery, stats

from .aggregates import PerState
from .chart import Chart, bar_chart
from .i18n import N_, gettext
from .request_values import ParamError, whole_number
from .search_params import query_from_args

DEFAULT_TOP = 25  # rows of agencies or regions when `top` is not given (years: all)
RATE_PREFIX = "rate:"
CANDIDATES_SHOWN = 60  # a word like 不予公开 names 56 cells
PARAMS = ("field", "by", "agency", "region", "kind", "year", "format", "check", "top")
GROUP_HEADS = {"agency": "机关 agency", "region": "地区 region", "year": "年度 year", None: "全部 all"}
HEADS = {
    "region": "地区 region", "kind": "类型 kind", "reports": "报告 reports", "count": "有数字 numbers",
    "nulls": "空白 blank", "absent": "无此栏 absent", "implausible": "不可信 implausible", "sum": "合计 sum",
    "min": "最小 min", "max": "最大 max", "mean": "平均 mean", "rate_percent": "比率 rate %",
    "missing_cells": "缺数单元格 cells without a number", "permalink": "链接 permalink",
}
FIELD_COLUMNS = ("reports", "count", "nulls", "absent", "implausible", "sum", "min", "max", "mean")
RATE_COLUMNS = ("reports", "numerator", "denominator", "rate_percent", "missing_cells")


@dataclass(frozen=True)
class NumbersQuery:
    measure: str  # a dotted field path, or "rate:<name>"
    stats: StatsQuery  # filters, by, top (field: the path, or "" for a rate)

    @property
    def rate(self) -> Rate | None:
        return RATES.get(self.measure[len(RATE_PREFIX):]) if self.measure.startswith(RATE_PREFIX) else None

    @property
    def label(self) -> str:
        rate = self.rate
        return rate.label if rate else field_label(self.measure)

    @property
    def view(self) -> str:
        if self.stats.by == "year":
            return "series"
        if self.stats.by == "agency":
            return "compare" if self.stats.agencies else "rank"
        return "region" if self.stats.by == "region" else "total"

    def args(self) -> list[tuple[str, str]]:
        """The canonical query string (the permalink): the field by its path, defaults left out."""
        q = self.stats
        pairs: list[tuple[str, str]] = [("field", self.measure), ("by", q.by or "")]
        pairs += [("agency", name) for name in q.agencies]
        year = "" if q.year_from is None else (str(q.year_from) if q.year_from == q.year_to
                                               else f"{q.year_from}..{q.year_to}")
        check = {True: "failed", False: "ok", None: ""}[q.check_failed]
        pairs += [("region", q.region or ""), ("kind", q.kind or ""), ("year", year), ("format", q.format or ""),
                  ("check", check), ("top", "" if q.top is None else str(q.top))]
        return [(k, v) for k, v in pairs if v]


class FieldChoice(ValueError):
    """`field` names several fields, or none: `candidates` are what it could mean, as
    (field value, label): the rates its words name first, then the fields."""

    def __init__(self, message: str, candidates: tuple[tuple[str, str], ...]) -> None:
        super().__init__(message)
        self.candidates = candidates


def measure_of(text: str) -> str:
    """A dotted path or rate:<name> for the words in `field`; FieldChoice when they name several
    fields or none."""
    text = text.strip()
    if text.startswith(RATE_PREFIX):
        if text[len(RATE_PREFIX):] not in RATES:
            raise ParamError(f"field={text!r}: no such rate; rates: {', '.join(RATE_PREFIX + n for n in RATES)}")
        return text
    for rate in RATES.values():
        if text in (rate.label, *rate.label.split(" ", 1)[:1]):
            return RATE_PREFIX + rate.name
    try:
        return resolve_field(text).path
    except FieldNameError as exc:
        fields = [(each.path, each.label) for each in exc.candidates or find_fields(text)]
        raise FieldChoice(str(exc), tuple(_rates_naming(text) + fields)) from None


def _rates_naming(text: str) -> list[tuple[str, str]]:
    """The rates whose words hold every word of `text` (不予公开 offers 不予公开率 before its 56 cells)."""
    words = [word for word in text.replace("·", " ").split() if word]
    found = []
    for rate in RATES.values():
        about = " ".join((rate.label, rate.numerator_label, rate.denominator_label))
        if words and all(word in about for word in words):
            found.append((RATE_PREFIX + rate.name, rate.label))
    return found


def query_of(args: Any) -> NumbersQuery | None:
    """The NumbersQuery the request's GET parameters say (None when no field is named yet)."""
    raw = (args.get("field") or "").strip()
    if not raw:
        return None
    measure = measure_of(raw)
    filters = query_from_args({k: args.get(k) for k in ("year", "region", "kind", "format", "check")})
    by = (args.get("by") or "agency").strip()
    if by not in GROUPINGS:
        raise ParamError(f"by={by!r}: expected {' or '.join(GROUPINGS)}")
    agencies = tuple(dict.fromkeys(name.strip() for name in args.getlist("agency") if name.strip()))
    top_raw = (args.get("top") or "").strip()
    top = whole_number("top", top_raw, 1, MAX_TOP) if top_raw else (None if by == "year" else DEFAULT_TOP)
    return NumbersQuery(measure, StatsQuery(
        measure if not measure.startswith(RATE_PREFIX) else "", year_from=filters.year_from, year_to=filters.year_to,
        region=filters.region, kind=filters.kind, agency=agencies or None, by=by, top=top, format=filters.format,
        check_failed=filters.check_failed))


@dataclass(frozen=True)
class Shown:
    """What the page shows: columns (keys), their heads (the CSV's header), rows of plain values."""

    query: NumbersQuery
    columns: tuple[str, ...]
    heads: tuple[str, ...]
    rows: tuple[dict[str, Any], ...]
    reports: int
    value_column: str  # what the chart draws

    def csv(self) -> str:
        out = io.StringIO()
        write_csv(out, self.columns, self.rows, header=self.heads)
        return out.getvalue()

    def to_dict(self) -> dict[str, Any]:
        q = self.query
        rate = q.rate
        return {
            "field": None if rate else q.measure, "rate": rate.to_dict() if rate else None, "label": q.label,
            "view": q.view, "by": q.stats.by, "reports": self.reports,
            "query": {k: v for k, v in asdict(q.stats).items() if k != "field"},
            "columns": [{"key": key, "head": head} for key, head in zip(self.columns, self.heads)],
            "rows": list(self.rows),
        }


def _round(value: float | None, places: int = 2) -> float | None:
    return None if value is None else round(value, places)


_ASKED_LOCK = threading.Lock()


def shown(archive: Any, query: NumbersQuery, agency_link: Any, kept: PerState | None = None) -> Shown:
    """Run the query (storage.stats / storage.rates) and shape the rows the page shows; the
    numbers are `kept` per archive state when given (the same view asked again is not summed again)."""
    def numbers(key: tuple, compute: Any) -> Any:
        return kept.get(key, compute) if kept is not None else compute()

    # A field asked for again in this archive state is summed from the current versions' numbers held
    # in arrays (storage.number_frame: the SQL's answers; a view over a field already read ~0.5-14 ms
    # where the SQL over every report takes 12-44). The first time, SQL: reading a field's cells costs
    # about what one SQL view does, which pays only when the field is asked for again (bench/web.py's
    # wide set of fields asks most once; read on first sight, /numbers took 1.3x its CPU).
    frame = None
    if kept is not None:
        asked = numbers(("numbers asked",), Counter)  # per state and process: fields' views so far
        paths = query.rate.paths if query.rate else (query.stats.field,)
        with _ASKED_LOCK:
            asked.update(paths)
            seen_before = all(asked[path] > 1 for path in paths)
        if seen_before:
            frame = Frame.of(
                archive, numbers(("number-entries",), lambda: read_entries(archive)),
                lambda path, entries: numbers(("number-column", path), lambda: read_column(archive, path, entries)))

    by = query.stats.by
    group = by or "group"
    extra = ("region", "kind") if by == "agency" else ()
    link = ("permalink",) if by == "agency" else ()
    rate = query.rate
    rows = []
    if rate:
        result = numbers(("rate", rate.name, query.stats), lambda: rate_stats(archive, rate.name, query.stats, frame))
        for row in result.rows:
            rows.append({group: row.group, **({"region": row.region, "kind": row.kind} if extra else {}),
                         "reports": row.reports, "numerator": row.numerator, "denominator": row.denominator,
                         "rate_percent": _round(None if row.rate is None else row.rate * 100),
                         "missing_cells": row.missing_cells})
        measures, value = RATE_COLUMNS, "rate_percent"
        heads = dict(HEADS, numerator=rate.numerator_label, denominator=rate.denominator_label)
    else:
        result = numbers(("stats", query.stats), lambda: stats(archive, query.stats, frame))
        for row in result.rows:
            rows.append({group: row.group, **({"region": row.region, "kind": row.kind} if extra else {}),
                         "reports": row.count + row.nulls + row.absent + row.implausible, "count": row.count,
                         "nulls": row.nulls, "absent": row.absent, "implausible": row.implausible, "sum": row.sum,
                         "min": row.min, "max": row.max, "mean": _round(row.mean)})
        measures, value, heads = FIELD_COLUMNS, "sum", HEADS
    if link:
        for row in rows:
            row["permalink"] = agency_link(row[group]) if row[group] else None
    columns = (group, *extra, *measures, *link)
    return Shown(query, columns, tuple(GROUP_HEADS.get(by, group) if c == group else heads[c] for c in columns),
                 tuple(rows), result.reports, value)


def chart_of(table: Shown) -> Chart:
    q = table.query
    group = q.stats.by or "group"
    unit = " (%)" if q.rate else ""
    view = {"rank": N_("agencies ranked"), "compare": N_("agencies compared"), "series": N_("by year"),
            "region": N_("by region"), "total": N_("in total")}[q.view]
    title = f"{q.label}{unit} · " + gettext(view)
    marks = [(str(row[group]) if row[group] is not None else "—", row[table.value_column],
              display(row[table.value_column])) for row in table.rows]
    value_axis = (q.label + unit) if q.rate else f"{q.label} · " + gettext(N_("sum"))
    return bar_chart(title, value_axis, GROUP_HEADS.get(q.stats.by, "全部 all"), marks, vertical=q.view == "series")


# -- the field picker --------------------------------------------------------------------------

def field_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The form's fields in its order, grouped by table and row: [(group label, [(path, label)])]."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for each in FIELDS:
        row = each.label.split(SEPARATOR)[0]
        groups.setdefault(f"{each.table_label} — {row}", []).append((each.path, each.label))
    return list(groups.items())


# The picker lists every number cell of both forms (~400 options, twice: the select and the
# search box's list): the same HTML on every /numbers page but for the one selected, so it is
# written once per process, not iterated by the template each time (a third of the page's
# templating in bench/web.py's profile).

@functools.lru_cache(maxsize=1)
def _field_options() -> tuple[tuple[str, str, str], ...]:
    """(optgroup opening or "", path, the option's HTML after its value) in the form's order."""
    out = []
    for group, fields in field_groups():
        for number, (path, label) in enumerate(fields):
            opening = f'<optgroup label="{escape(group)}">' if number == 0 else ""
            out.append((opening, path, f">{escape(label)}</option>" + ("</optgroup>" if number == len(fields) - 1 else "")))
    return tuple(out)


@functools.lru_cache(maxsize=1024)
def field_select_options(selected: str | None) -> Markup:
    """The select's optgroups of fields, `selected` (a path) marked."""
    return Markup("\n".join(f'{opening}<option value="{escape(path)}"{" selected" if path == selected else ""}{rest}'
                             for opening, path, rest in _field_options()))


@functools.lru_cache(maxsize=1)
def field_datalist_options() -> Markup:
    """The search box's list: every field's label."""
    return Markup("".join(f'<option value="{escape(label)}">' for _group, fields in field_groups()
                          for _path, label in fields))


def candidates_of(found: tuple[tuple[str, str], ...]) -> list[tuple[str, str]]:
    return list(found[:CANDIDATES_SHOWN])


# -- routes ------------------------------------------------------------------------------------

def numbers_blueprint(archive: Any) -> Blueprint:
    """/numbers, /numbers.csv and /api/stats over `archive`."""
    pages = Blueprint("numbers", __name__)
    kept = PerState(archive, size=256)  # views and fields' cells, per archive state (nianbao.web.aggregates)

    def agency_link(name: str) -> str:
        return url_for("agency_page", name=name, _external=True)

    def numbers_url(endpoint: str = "numbers.numbers_page", query: NumbersQuery | None = None, external: bool = False,
                    **changes: Any) -> str:
        """This view with some parameters changed (None removes one; a list repeats one)."""
        pairs = [(k, v) for k, v in (query.args() if query else request.args.items(multi=True)) if k in PARAMS]
        for key, value in changes.items():
            pairs = [(k, v) for k, v in pairs if k != key]
            values = value if isinstance(value, list | tuple) else [value]
            pairs += [(key, str(v)) for v in values if v not in (None, "")]
        base = url_for(endpoint, _external=external)
        return base + ("?" + urlencode(pairs) if pairs else "")

    def answer() -> tuple[NumbersQuery | None, Shown | None]:
        query = query_of(request.args)
        return query, shown(archive, query, agency_link, kept) if query else None

    @pages.get("/numbers")
    def numbers_page():
        context: dict[str, Any] = {"field_select_options": field_select_options, "rates": list(RATES.values()),
                                   "field_datalist_options": field_datalist_options(), "args": request.args,
                                   "numbers_url": numbers_url, "RATE_PREFIX": RATE_PREFIX, "display": display, "raw_field": (request.args.get("field") or "").strip()}
        status = 200
        try:
            query, table = answer()
        except FieldChoice as exc:
            query, table, status = None, None, 400
            context.update(problem=str(exc).split("\n")[0], candidates=candidates_of(exc.candidates))
        except StatsError as exc:
            query, table, status = None, None, 400
            context["problem"] = str(exc)
        context.update(query=query, table=table, chart=chart_of(table) if table else None,
                       permalink=numbers_url(query=query, external=True) if query else None)
        return render_template("numbers.html", **context), status

    def problem(message: str, candidates: list[tuple[str, str]] | None = None):
        body: dict[str, Any] = {"error": message, "status": 400}
        if candidates is not None:
            body["candidates"] = [{"field": path, "label": label} for path, label in candidates]
        response = jsonify(body)
        response.status_code = 400
        return response

    @pages.get("/api/stats")
    def stats_api():
        try:
            query, table = answer()
        except FieldChoice as exc:
            return problem(str(exc), candidates_of(exc.candidates))
        except StatsError as exc:
            return problem(str(exc))
        if table is None:
            return problem("field is missing: a dotted path, the form's label (words of it), or one of "
                           + ", ".join(RATE_PREFIX + name for name in RATES))
        return jsonify(dict(table.to_dict(), permalink=numbers_url(query=query, external=True)))

    @pages.get("/numbers.csv")
    def numbers_csv():
        try:
            query, table = answer()
        except (FieldChoice, StatsError) as exc:
            raise ParamError(str(exc)) from None
        if table is None:
            raise ParamError("field is missing")
        response = Response(table.csv(), mimetype="text/csv")
        name = query.measure.replace(RATE_PREFIX, "rate-")
        response.headers["Content-Disposition"] = f'attachment; filename="nianbao-numbers-{name}-{query.view}.csv"'
        return response

    return pages


def display(value: Any) -> str:
    """A cell as the table shows it: None as —, numbers as written in the CSV."""
    return "—" if value is None else str(value)


__all__ = ["DEFAULT_TOP", "NumbersQuery", "Shown", "chart_of", "display", "field_groups", "measure_of",
           "numbers_blueprint", "query_of", "shown"]
