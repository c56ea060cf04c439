"""The web UI and its read-only JSON API (Flask + Jinja2, autoescaped; no JavaScript).

Flask because the archive's API is synchronous SQLAlchemy (an async framework would buy nothing),
Jinja2 escapes everything by default, and its test client needs no extra package. `nianbao serve`
runs it under waitress (a pure-Python, threaded production WSGI server).

Every page sets a strict Content-Security-Policy (no script at all, styles only from /static), so
report text, which is untrusted HTML, can only ever appear as text. Archived copies are served
byte for byte under `Content-Security-Policy: sandbox` with `nosniff`, and as attachments unless
they are HTML. Their readable copies (`/captures/<id>/view`: nianbao.web.replay, decoded by the
charset the bytes show, links neutralised; a PDF inline) are served under the same sandbox and
may only be framed by nianbao's own pages (`/captures/<id>`, the report page), in an
`<iframe sandbox>`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
import threading
from dataclasses import replace
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from flask import Flask, Response, abort, jsonify, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from parsing.sniff import sniff
from parsing.errors import ParseError
from storage import Archive
from storage.clock import Clock, china_today, system_clock
from storage.vocab import AgencyKind

from ..evidence import EVIDENCE_LABELS, finding_path, status_path
from ..monitoring.words import MonitorStatus
from ..output import hits_csv
from . import i18n, page_cache, reads, replay
from .aggregates import PerState, SharedStore
from .compliance import summary_levels
from .diff import diff_records
from .form import SECTION_LABELS, cell_label, form_tables
from .request_values import ParamError, RowIdConverter, as_of_date, report_year, row_id
from .search_params import PARAMS, all_hits, query_from_args, region_levels, result_dict
from .status_grid import STATUSES, cell_path, grid_years, monitor_grid, page_number, status_filter

log = logging.getLogger(__name__)

UI_CSP = ("default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
          "base-uri 'none'; frame-src 'self'; frame-ancestors 'none'")
# An archived page is untrusted: no script (sandbox without allow-scripts), nothing loaded from
# anywhere (no beacons to the portal), its own inline styles allowed so it looks as captured.
CAPTURE_CSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"
# The readable copy: the same sandbox, framed by nianbao's own pages only.
READABLE_CSP = CAPTURE_CSP + "; form-action 'none'; base-uri 'none'; frame-ancestors 'self'"
DEFAULT_EXPORT_CAP = 5000
URL_SAFE = ":/?#[]@!$&'()*+,;=%~"


def create_app(archive: Archive, *, registry: Path | None = None, export_cap: int = DEFAULT_EXPORT_CAP,
               search_fn: Callable[..., Any] | None = None, clock: Clock = system_clock,
               default_language: str = i18n.DEFAULT_LANGUAGE, shared_cache: Path | None = None) -> Flask:
    """The WSGI app over an opened archive. `registry` (a TOML file or folder) feeds the
    monitoring pages; `export_cap` bounds CSV/JSON downloads of search results; `clock` says
    what day it is for the monitoring pages; `default_language` (zh or en) is the interface's when
    neither ?lang=, its cookie nor the browser's Accept-Language names one (nianbao.web.i18n);
    `shared_cache`: a folder where one of several server processes leaves the monitoring
    evaluations and pages it computed for the others (nianbao.web.aggregates.SharedStore)."""
    app = Flask(__name__)
    i18n.install(app, default_language)
    app.url_map.converters["row_id"] = RowIdConverter
    app.config.update(EXPORT_CAP=export_cap, JSON_AS_ASCII=False)
    app.json.ensure_ascii = False
    app.json.sort_keys = False
    # Deadlines are Chinese calendar days (31 January / 31 March), so "today" is today in China.
    def today() -> dt.date:
        return china_today(clock)

    def searcher() -> Callable[..., Any]:
        if search_fn is not None:
            return search_fn
        from storage.search import search

        return search

    # -- helpers ---------------------------------------------------------------------------
    def wants_json() -> bool:
        return request.path.startswith("/api/")

    def error(status: int, message: str, **context: Any):
        if status >= 500:
            log.warning("%s %s: %s", request.method, request.full_path, message)
        if wants_json():
            response = jsonify({"error": message, "status": status})
            response.status_code = status
            return response
        return render_template("error.html", status=status, message=message, **context), status

    def permalink(report_id: int, version_id: int | None = None) -> str:
        args = {"version": version_id} if version_id else {}
        return url_for("report_page", report_id=report_id, _external=True, **args)

    def search_url(_endpoint: str | None = None, **changes: Any) -> str:
        """This search with some parameters changed (None removes one), on this page or another."""
        args = {k: v for k, v in request.args.items() if k in PARAMS or k == "page"}
        args.update({k: v for k, v in changes.items()})
        args = {k: v for k, v in args.items() if v not in (None, "")}
        path = url_for(_endpoint) if _endpoint else request.path
        return path + ("?" + urlencode(args) if args else "")

    def ui_path(path: str | None) -> str | None:
        return request.script_root + path if path else None

    app.jinja_env.globals.update(finding_href=lambda f: ui_path(finding_path(f.get("kind", ""), f)),
                                 status_href=lambda s: ui_path(status_path(s)),
                                 cell_href=lambda s: ui_path(cell_path(s)), STATUSES=STATUSES,  # the status grid
                                 EVIDENCE_LABELS=EVIDENCE_LABELS)
    # Templates build the same links again and again (every agency's on each year's monitor page,
    # 2,059 of them; werkzeug's build was a fifth of its templating, bench/web.py): a relative
    # link depends only on the script root, the endpoint and its values, so it is built once.
    build_url = app.jinja_env.globals["url_for"]

    @functools.lru_cache(maxsize=100_000)
    def built_url(root: str, endpoint: str, values: tuple) -> str:
        return build_url(endpoint, **dict(values))

    def template_url_for(endpoint: str, **values: Any) -> str:
        if endpoint.startswith(".") or any(name.startswith("_") for name in values):
            return build_url(endpoint, **values)  # relative to a blueprint, external, anchored: as asked
        try:
            return built_url(request.script_root, endpoint, tuple(sorted(values.items())))
        except TypeError:  # an unhashable value (a list of query values)
            return build_url(endpoint, **values)

    app.jinja_env.globals["url_for"] = template_url_for
    app.jinja_env.tests["web_url"] = lambda url: isinstance(url, str) and url.lower().startswith(("http://", "https://"))
    app.jinja_env.globals.update(search_url=search_url, permalink=permalink, SECTION_LABELS=SECTION_LABELS,
                                 cell_label=cell_label, AGENCY_KINDS=[kind.value for kind in AgencyKind])

    @app.after_request
    def security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", UI_CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers["Referrer-Policy"] = "no-referrer"
        return response

    @app.errorhandler(reads.NotFound)
    def not_found(exc: reads.NotFound):
        return error(404, str(exc))

    @app.errorhandler(ParamError)
    def bad_param(exc: ParamError):
        return error(400, str(exc))

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException):
        return error(exc.code or 500, exc.description or exc.name)

    # -- search ----------------------------------------------------------------------------
    def run_search(facets: bool, page: bool = False):
        """The query, its result and a problem; `page`: the facets as the search page lists them
        (the region facet one level below the filter: search_params.region_levels)."""
        from storage.search import QueryError, counted_facets, facet_table

        query = query_from_args(request.args, facets=facets)
        try:
            if not facets or search_fn is not None:
                return query, searcher()(archive, query), None
            # The facets count every match: kept per archive state and query (paging through the
            # results, or coming back to them, does not count them again), with how many matches
            # there are when they were counted from their ids; the page is asked alone.
            token = kept.token()
            table = (kept.get(("facet table",), lambda: facet_table(archive), token)
                     if archive.engine.dialect.name == "sqlite" else None)
            key = ("facets", replace(query, page=1, per_page=1))
            counts, total = kept.get(key, lambda: counted_facets(archive, query, table), token)
            if page and "region" in counts:  # kept with them
                counts = kept.get(("page facets", key), lambda: dict(
                    counts, region=region_levels(counts["region"], query.region)), token)
            found = searcher()(archive, replace(query, facets=False), total=total)
            return query, replace(found, query=query, facets=counts), None
        except QueryError as exc:
            return query, None, str(exc)

    @app.get("/")
    def search_page():
        query, result, problem = run_search(facets=True, page=True)
        status = 400 if problem else 200
        if result is not None and "region" in result.facets and search_fn is not None:  # else run_search did
            result = replace(result, facets=dict(result.facets, region=region_levels(result.facets["region"], query.region)))
        return render_template("search.html", query=query, result=result, problem=problem, args=request.args,
                               export_cap=app.config["EXPORT_CAP"]), status

    @app.get("/api/search")
    def search_api():
        query, result, problem = run_search(facets=(request.args.get("facets") in ("1", "true")))
        if problem:
            return error(400, problem)
        return jsonify(result_dict(result))

    def export_hits():
        from storage.search import QueryError

        query = query_from_args(request.args, facets=False)
        try:
            total, hits = all_hits(archive, query, app.config["EXPORT_CAP"], searcher())
        except QueryError as exc:
            abort(400, str(exc))
        return total, hits

    @app.get("/search.csv")
    def search_csv():
        total, hits = export_hits()
        response = Response(hits_csv(hits, permalink), mimetype="text/csv")
        response.headers["Content-Disposition"] = 'attachment; filename="nianbao-search.csv"'
        response.headers["X-Nianbao-Total"] = str(total)
        response.headers["X-Nianbao-Exported"] = str(len(hits))
        return response

    @app.get("/search.json")
    def search_json():
        total, hits = export_hits()
        body = {"total": total, "exported": len(hits), "cap": app.config["EXPORT_CAP"],
                "truncated": len(hits) < total,
                "hits": [dict(h.to_dict(), permalink=permalink(h.report_id, h.version_id)) for h in hits]}
        response = Response(json.dumps(body, ensure_ascii=False, indent=1), mimetype="application/json")
        response.headers["Content-Disposition"] = 'attachment; filename="nianbao-search.json"'
        return response

    # -- reports ---------------------------------------------------------------------------
    def report_context(report_id: int) -> dict[str, Any]:
        version = row_id("version", request.args.get("version"))
        return reads.report_detail(archive, report_id, version)

    @functools.lru_cache(maxsize=4096)
    def payload_kind(capture_id: int) -> str | None:
        """What a capture's bytes are (html, pdf, ...), read once: a capture never changes."""
        _, body = reads.capture_payload(archive, capture_id)
        return replay.payload_type(body)

    @app.get("/reports/<row_id:report_id>")
    def report_page(report_id: int):
        report = report_context(report_id)
        kind = payload_kind(report["capture"]["id"])
        return render_template("report.html", report=report, tables=form_tables(report["record"]),
                               cite_url=permalink(report["id"], report["version"]["id"]),
                               source_kind=kind if kind in replay.READABLE_KINDS else None)

    @app.get("/api/reports/<row_id:report_id>")
    def report_api(report_id: int):
        report = report_context(report_id)
        report["permalink"] = permalink(report["id"], report["version"]["id"])
        report["archived_copy"] = url_for("capture_raw", capture_id=report["capture"]["id"], _external=True)
        return jsonify(report)

    def diff_context(report_id: int) -> dict[str, Any]:
        a = row_id("a", request.args.get("a"))
        b = row_id("b", request.args.get("b"))
        report = reads.report_detail(archive, report_id)
        ids = [v["id"] for v in report["versions"]]
        if a is None or b is None:
            if len(ids) < 2:
                raise ParamError(f"report {report_id} has one version only; nothing to compare")
            a, b = (ids[-2], ids[-1]) if a is None and b is None else (a or ids[0], b or ids[-1])
        old, old_meta = reads.version_record(archive, report_id, a)
        new, new_meta = reads.version_record(archive, report_id, b)
        return {"report": report, "a": old_meta, "b": new_meta, "diff": diff_records(old, new)}

    @app.get("/reports/<row_id:report_id>/diff")
    def diff_page(report_id: int):
        return render_template("diff.html", **diff_context(report_id))

    @app.get("/api/reports/<row_id:report_id>/diff")
    def diff_api(report_id: int):
        context = diff_context(report_id)
        return jsonify({"report_id": report_id, "a": context["a"], "b": context["b"], **context["diff"]})

    # -- archived copies -------------------------------------------------------------------
    @app.get("/captures/<row_id:capture_id>/raw")
    def capture_raw(capture_id: int):
        meta, body = reads.capture_payload(archive, capture_id)
        try:
            payload_type = sniff(body)
        except ParseError:
            payload_type = None
        content_type = meta["content_type"] or {"html": "text/html", "text": "text/plain; charset=utf-8",
                                                "pdf": "application/pdf"}.get(payload_type or "", "application/octet-stream")
        response = Response(body, status=200)
        response.headers["Content-Type"] = content_type
        response.headers["Content-Security-Policy"] = CAPTURE_CSP
        response.headers["X-Nianbao-Captured-At"] = meta["captured_at"]
        # Portals use Chinese in URLs; a header value must be Latin-1, so the URL goes percent-encoded.
        response.headers["X-Nianbao-Source-Url"] = quote(meta["final_url"] or meta["url"], safe=URL_SAFE)
        response.headers["X-Nianbao-Sha256"] = meta["sha256"]
        if not content_type.split(";")[0].strip().lower() in ("text/html", "application/xhtml+xml"):
            extension = {"pdf": "pdf", "docx": "docx", "doc": "doc", "html": "html",
                         "text": "txt"}.get(payload_type or "", "bin")
            response.headers["Content-Disposition"] = f'attachment; filename="capture-{capture_id}.{extension}"'
        return response

    def capture_context(capture_id: int) -> dict[str, Any]:
        meta, body = reads.capture_payload(archive, capture_id)
        shown = replay.readable(body, meta["content_type"], capture_id)
        return dict(meta, payload_type=replay.payload_type(body), decoded_as=shown.decoded_as if shown else None,
                    readable=shown is not None, report_id=reads.report_of_capture(archive, capture_id))

    @app.get("/captures/<row_id:capture_id>/view")
    def capture_view(capture_id: int):
        meta, body = reads.capture_payload(archive, capture_id)
        shown = replay.readable(body, meta["content_type"], capture_id)
        if shown is None:
            raise reads.NotFound(f"capture {capture_id} has no readable copy (download it exactly as captured: "
                                 f"{url_for('capture_raw', capture_id=capture_id)})")
        response = Response(shown.body, status=200)
        response.headers["Content-Type"] = shown.content_type
        response.headers["Content-Security-Policy"] = READABLE_CSP
        response.headers["X-Frame-Options"] = "SAMEORIGIN"
        response.headers["X-Nianbao-Sha256"] = meta["sha256"]
        if shown.decoded_as:
            response.headers["X-Nianbao-Decoded-As"] = shown.decoded_as
        if shown.inline_name:
            response.headers["Content-Disposition"] = f'inline; filename="{shown.inline_name}"'
        return response

    @app.get("/captures/<row_id:capture_id>")
    def capture_page(capture_id: int):
        return render_template("capture.html", capture=capture_context(capture_id))

    @app.get("/api/captures/<row_id:capture_id>")
    def capture_api(capture_id: int):
        context = capture_context(capture_id)
        return jsonify(dict(context, raw=url_for("capture_raw", capture_id=capture_id, _external=True),
                            view=url_for("capture_view", capture_id=capture_id, _external=True)
                            if context["readable"] else None))

    # -- agencies and monitoring -------------------------------------------------------------
    # Once per archive state (nianbao.web.aggregates): facets; evaluations (a few MB each for a
    # national registry); monitor pages (4 MB each for 2,059 agencies).
    kept = PerState(archive)
    shared = SharedStore(shared_cache) if shared_cache is not None else None
    kept_evaluations = PerState(archive, size=64, shared=shared)
    kept_pages = PerState(archive, size=16, shared=shared)
    read_registry: dict[tuple, list[Any]] = {}  # by the registry files' (path, mtime, size)
    read_registry_lock = threading.Lock()

    def read_registry_now() -> tuple[tuple, list[Any]]:
        """The registry and its files' signature, read again only when one of its files changed
        (bench/web.py: re-reading a 2,059-agency TOML on every request was two thirds of the
        agency page's time)."""
        from crawler.registry import DEFAULT_CONFIG, load_registry

        config = Path(registry) if registry is not None else DEFAULT_CONFIG
        files = sorted(config.glob("*.toml")) if config.is_dir() else [config]
        signature = tuple((str(f), st.st_mtime_ns, st.st_size) for f in files if f.exists() for st in [f.stat()])
        with read_registry_lock:
            if signature not in read_registry:
                read_registry.clear()
                read_registry[signature] = load_registry(registry)
            return signature, read_registry[signature]

    def registry_agencies() -> list[Any]:
        return read_registry_now()[1]

    def monitor(year: int, as_of: dt.date, *, region: str | None = None, kind: str | None = None,
                token: tuple | None = None) -> dict[str, Any]:
        """The registry's (or its region's or kind's) evaluation for `year` as of `as_of`: seconds
        on a national registry, so kept per archive state, registry and filters."""
        from nianbao.monitoring import evaluate, region_matches

        signature, agencies = read_registry_now()
        if region:
            agencies = [a for a in agencies if region_matches(a.region_path, region)]
        if kind:
            agencies = [a for a in agencies if a.kind == kind]
        return kept_evaluations.get(("monitor", year, as_of, signature, region, kind),
                        lambda: evaluate(archive, agencies, year, as_of).to_dict(), token)

    def agency_context(name: str) -> dict[str, Any]:
        agency = reads.agency_detail(archive, name)
        statuses, problem = [], None
        from crawler.registry import RegistryError

        try:
            listed = [a for a in registry_agencies() if a.name == name]
        except RegistryError as exc:  # configuration: say what is wrong with it, keep the page
            listed, problem = [], f"agency registry could not be read: {exc}"
        if listed:
            as_of = as_of_date(request.args.get("as_of"), today())
            # Every year due (missing ones too), from the first judged year to last year, and any
            # later year it already has a report for (status_grid.grid_years).
            reported = {int(y) for y in agency["reports_by_year"] if y.isdigit()}
            token = kept.token()
            for year in reversed(grid_years(as_of.year, reported)):
                statuses.extend(dict(row, year=year) for row in year_statuses(year, as_of, token).get(name, ()))
        elif problem is None:
            problem = f"{name} is not in the agency registry, so there are no statuses for it"
        agency["statuses"] = statuses
        agency["statuses_note"] = problem
        return agency

    def year_statuses(year: int, as_of: dt.date, token: tuple) -> dict[str, list[dict[str, Any]]]:
        """The registry's statuses for `year` by agency name. An agency's status is judged from its
        own entry, reports and runs alone (nianbao.monitoring.evaluation.judge): its rows of the
        whole registry's evaluation, which the monitor page keeps, are the ones it would have alone."""
        return kept_evaluations.get(("statuses by agency", year, as_of, read_registry_now()[0]),
                                    lambda: statuses_by_agency(monitor(year, as_of, token=token)), token)

    @app.get("/agencies/<path:name>")
    def agency_page(name: str):
        return render_template("agency.html", agency=agency_context(name))

    @app.get("/api/agencies/<path:name>")
    def agency_api(name: str):
        return jsonify(agency_context(name))

    def monitor_context(year: int) -> dict[str, Any]:
        report_year(year)
        as_of = as_of_date(request.args.get("as_of"), today())
        from nianbao.monitoring import FIRST_JUDGED_YEAR, judged_year

        if not judged_year(year):
            return {"year": year, "as_of": as_of.isoformat(), "judged": False,
                    "reason": f"{year} is not judged: the monitor judges report years from {FIRST_JUDGED_YEAR}, "
                              f"the first year the national formats cover",
                    "agencies": [], "findings": [], "summary": [], "discovered": {"agencies": [], "findings": []}}
        from crawler.registry import RegistryError

        try:
            signature, registry_all = read_registry_now()
        except RegistryError as exc:  # configuration error: a clear message, not a traceback
            abort(500, f"agency registry {registry or 'config/agencies'} could not be read: {exc}")
        region, kind = request.args.get("region") or None, request.args.get("kind") or None
        # Departments and townships discovered from the governments' portals: rows of their own,
        # outside the compliance summary (nianbao.monitoring.discovered).
        from nianbao.monitoring.discovered import evaluate_discovered

        token = kept.token()
        found = kept_evaluations.get(("discovered", year, as_of, signature, region, kind),
                         lambda: evaluate_discovered(archive, registry_all, year, as_of, region=region,
                                                     kind=kind).to_dict(), token)
        return {**monitor(year, as_of, region=region, kind=kind, token=token), "judged": True,
                "discovered": {"agencies": found["agencies"], "findings": found["findings"]}}

    @app.get("/monitor/<int:year>")
    def monitor_page(year: int):
        status, page_asked = status_filter(request.args.get("status")), page_number(request.args.get("page"))

        def page() -> bytes:
            report = monitor_context(year)
            # The agency × year grid (nianbao.web.status_grid): the other years' statuses are the
            # agency pages' (kept per year), this year's rows filtered by status, a page at a time.
            as_of, token = dt.date.fromisoformat(report["as_of"]), kept.token()
            grid = monitor_grid(report, grid_years(as_of.year, shown=year), lambda y: year_statuses(y, as_of, token),
                                status=status, page=page_asked) if report["judged"] else None
            summary = summary_levels(report.get("summary", []), request.args.get("region"))  # one level below the filter
            return render_template("monitor.html", report=report, grid=grid, summary=summary,
                                   chart=compliance_chart(summary)).encode("utf-8")

        # The page draws the whole registry's evaluation (kept per archive state): for 2,059
        # agencies 4 MB of HTML and ~1 s of templating (bench/web.py), the same for everyone who
        # asks this year, day and filters in this language, until the archive or registry changes.
        from crawler.registry import RegistryError

        try:
            signature = read_registry_now()[0]
        except RegistryError:
            return Response(page(), mimetype="text/html")  # which says what is wrong with it
        language = app.extensions[i18n.EXTENSION]().language.code
        as_of = as_of_date(request.args.get("as_of"), today())
        key = ("monitor page", year, as_of, request.full_path, request.script_root, language, signature)
        return Response(kept_pages.get(key, page), mimetype="text/html")

    @app.get("/api/monitor/<int:year>")
    def monitor_api(year: int):
        """The evaluation as JSON; `?status=` keeps the agencies of one status, as the page's grid
        does (the summary and findings stay whole: they count every agency)."""
        status = status_filter(request.args.get("status"))
        report = monitor_context(year)
        if status is not None:
            report = {**report, "status": status,
                      "agencies": [row for row in report["agencies"] if row.get("status") == status]}
        return jsonify(report)

    @app.get("/monitor")
    def monitor_index():
        from nianbao.monitoring import FIRST_JUDGED_YEAR

        year = today().year - 1
        return render_template("monitor_index.html", years=list(range(year, max(year - 6, FIRST_JUDGED_YEAR - 1), -1)))

    from .numbers import numbers_blueprint

    app.register_blueprint(numbers_blueprint(archive))  # /numbers, /numbers.csv, /api/stats

    @app.get("/api")
    def api_index():
        return jsonify({"endpoints": [
            "/api/search?q=&year=&agency=&region=&kind=&format=&check=&all_versions=&page=&per_page=&facets=",
            "/api/reports/{id}?version={version_id}", "/api/reports/{id}/diff?a={version_id}&b={version_id}",
            "/api/captures/{id}", "/api/agencies/{name}", "/api/monitor/{year}?as_of=&region=&kind=&status=",
            "/api/stats?field=&by=agency|region|year&agency=&region=&kind=&year=&format=&check=&top=",
        ]})

    # Whole answers kept per archive state, day and registry (nianbao.web.page_cache). Installed
    # last, so its after-request hook runs first: it keeps what the page made, and the other hooks
    # (security headers, the language cookie) run again on a kept answer. Not with a search
    # function of the caller's: its answers are not the archive's.
    def answer_context() -> tuple:
        from crawler.registry import RegistryError

        try:
            signature = read_registry_now()[0]
        except RegistryError:  # the pages say what is wrong with it
            signature = None
        return today(), signature

    if search_fn is None:
        page_cache.install(app, kept.token, answer_context)
    return app


def statuses_by_agency(report: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """An evaluation's status rows by agency name, in their order (the agency page's lookup)."""
    by_name: dict[str, list[dict[str, Any]]] = {}
    for row in report["agencies"]:
        by_name.setdefault(row["agency"], []).append(row)
    return by_name


def compliance_chart(summary: list[dict[str, Any]]) -> dict[str, Any]:
    """Stacked bars per region and kind (one segment per monitor status), as numbers an inline SVG
    can draw without script or inline style."""
    width = 500
    bars = []
    parts = tuple(status.value for status in MonitorStatus)
    for row in summary:
        counts = [(p, int(row.get(p) or 0)) for p in parts]
        total = sum(c for _, c in counts) or 1
        x = 0.0
        segments = []
        for part, count in counts:
            w = width * count / total
            if count:
                segments.append({"part": part, "x": round(x, 2), "width": round(w, 2), "count": count})
            x += w
        bars.append({"label": f"{row.get('region') or '—'} · {row.get('kind') or ''}", "segments": segments,
                     "rate": row.get("on_time_rate")})
    return {"width": width, "bars": bars, "parts": parts}
