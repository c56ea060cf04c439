"""The national web's truth, as data: what a complete crawl must find, and what it must not.

`truth_of(plans, port)` derives it from the generator's plans in their current state (before or
after `move()`). Every record carries full URLs on `port`.

- `agencies`: every government (registered: it is in `nianbao agencies import --divisions`) and
  every department and township its portal lists (registered False: to be *discovered*).
- `columns`: every column of every portal, with the path of links from the home page (`depth`:
  links followed from the home page; a column's later list pages share its depth), whether a
  polite crawler can read it (`access`: open, robots, script_only; `reachable`: open and linked
  from open pages), its redirect stub, and where it was before a move.
- `reports`: every report (URL holding it, its agency, year, title, form), the column listing
  it, its `depth` and `reachable`. A copy of another portal's report (`copy_of`) is a report of
  that other agency at its own URL.
- `noise`: every item of a column that is no report of the column's owner, and why: news
  (`notice`, `work_points`), `interpretation` (一图读懂/解读) — never to be archived as reports —
  and `other_agency`: another government's report (a copy here or a link to its portal), to be
  filed under `file_under`, never under the column's owner.
- `moves`: the columns `move()` moves (done or not yet), old and new address, and what the old
  address answers (404, or a redirect to the home page).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from .paths import ID_PLATFORMS, column_pages, first_page, ids_of, moved_base, robots_prefix
from .plan import Access, ColumnPlan, NoiseKind, PortalPlan

NOT_REPORTS: tuple[NoiseKind, ...] = ("notice", "work_points", "interpretation")


def url_of(host: str, port: int, path: str) -> str:
    return f"http://{host}:{port}{path}"


@dataclass(frozen=True)
class PortalTruth:
    host: str
    url: str  # the home page
    government: str
    code: str
    platform: str
    layout: str
    platform_url: str  # the government-information platform page
    robots_disallow: tuple[str, ...]  # the 年报 paths robots.txt walls (besides /admin/, /search/)


@dataclass(frozen=True)
class AgencyTruth:
    name: str
    kind: Literal["government", "department"]
    unit: Literal["government", "department", "township"]
    region: str
    code: str | None
    registered: bool  # a government from the division registry; departments are discovered
    government: str  # the government whose portal lists it (itself for a government)
    portal: str  # that portal's home page URL


@dataclass(frozen=True)
class ColumnTruth:
    key: str
    portal: str  # host
    agency: str  # the column's owner
    role: str  # root (linked from the platform page), index, year, unit, agency (a unit's own column)
    parent: str | None
    year: int | None
    title: str
    link_text: str  # the wording of the link leading to it
    platform: str
    url: str  # its first list page now
    pages: tuple[str, ...]  # every list page (hanweb/gkmlpt: the column page; the rest by POST/API)
    access: Access
    reachable: bool
    depth: int
    stub: str | None  # a location.replace page the platform page links instead
    moved_from: str | None  # its first page before `move()`
    has_items: bool


@dataclass(frozen=True)
class ReportTruth:
    url: str  # the URL holding the report: the detail page, or the attachment
    page: str | None  # the detail page (== url for HTML reports; None: the list links the file)
    agency: str
    year: int
    title: str  # as the list shows it
    form: str  # html, pdf, docx
    column: str  # the listing column's key
    listed_by: str  # the listing column's owner
    depth: int
    reachable: bool
    unreachable_because: str | None  # "robots", "script_only" (a column on the way is)
    copy_of: str | None  # the original's URL on its own portal (a copy listed in another's column)


@dataclass(frozen=True)
class NoiseTruth:
    url: str  # what the list links
    title: str
    kind: NoiseKind
    reason: str
    column: str
    listed_by: str
    file_under: str | None  # other_agency: the agency it belongs to; else None (never a report)
    depth: int
    reachable: bool


@dataclass(frozen=True)
class MoveTruth:
    column: str
    portal: str
    old_url: str
    new_url: str
    old_answer: Literal["404", "redirect_home"]  # the old first page: 404, or 302 to the home page
    done: bool


@dataclass(frozen=True)
class Truth:
    port: int
    seed: int
    portals: tuple[PortalTruth, ...]
    agencies: tuple[AgencyTruth, ...]
    columns: tuple[ColumnTruth, ...]
    reports: tuple[ReportTruth, ...]
    noise: tuple[NoiseTruth, ...]
    moves: tuple[MoveTruth, ...]

    def agency(self, name: str) -> AgencyTruth:
        for agency in self.agencies:
            if agency.name == name:
                return agency
        raise KeyError(name)

    def reachable_reports(self) -> tuple[ReportTruth, ...]:
        """The reports a complete polite crawl archives (not behind robots or a script-only page)."""
        return tuple(r for r in self.reports if r.reachable)

    def reports_of(self, agency: str) -> tuple[ReportTruth, ...]:
        return tuple(r for r in self.reports if r.agency == agency)

    def report_urls(self) -> dict[str, ReportTruth]:
        return {r.url: r for r in self.reports}

    def not_report_urls(self) -> set[str]:
        """URLs that must never be archived as reports (news, interpretations)."""
        return {n.url for n in self.noise if n.kind in NOT_REPORTS}

    def columns_of(self, host: str) -> tuple[ColumnTruth, ...]:
        return tuple(c for c in self.columns if c.portal == host)

    def portal_csv(self) -> str:
        """区划代码,name,portal rows for `nianbao agencies import --portals`."""
        lines = ["区划代码,name,portal"]
        lines += [f"{p.code},{p.government},{p.url}" for p in self.portals]
        return "\n".join(lines) + "\n"


def _reach(plan: PortalPlan) -> dict[str, tuple[int, bool, str | None]]:
    """Per column: (depth, reachable, why not) by following the links a polite crawler may."""
    platform_depth = 2 if plan.middle else 1
    out: dict[str, tuple[int, bool, str | None]] = {}

    def visit(column: ColumnPlan, depth: int, blocked: str | None) -> None:
        why = blocked or (column.access if column.access != "open" else None)
        out[column.key] = (depth, why is None, why)
        for child in column.children:
            visit(plan.columns[child], depth + 1, why)

    for key in plan.roots:
        root = plan.columns[key]
        visit(root, platform_depth + 1 + (1 if root.stub else 0), None)
    return out


def _portal_truths(plan: PortalPlan, port: int) -> Iterator[object]:
    host = plan.host
    reach = _reach(plan)
    walled = tuple(robots_prefix(c) for c in plan.columns.values() if c.access == "robots")
    yield PortalTruth(host, url_of(host, port, "/"), plan.government.name, plan.government.code, plan.platform,
                      plan.layout, url_of(host, port, plan.platform_path), walled)
    home = url_of(host, port, "/")
    for agency in plan.agencies:
        yield AgencyTruth(agency.name, agency.kind, agency.unit, agency.region, agency.code,
                          agency.kind == "government", agency.government, home)
    for column in plan.columns.values():
        depth, reachable, why = reach[column.key]
        old = None
        if column.moved:
            old = url_of(host, port, first_page(_with_base(column, column.original_base)))
        yield ColumnTruth(column.key, host, column.agency, column.role, column.parent, column.year, column.title,
                          column.link_text, column.platform, url_of(host, port, first_page(column)),
                          tuple(url_of(host, port, p) for p in column_pages(column)), column.access, reachable, depth,
                          url_of(host, port, column.stub) if column.stub else None, old, bool(column.items))
        for item in column.items:
            entry = item.entry
            if item.offsite is not None:
                target = url_of(item.offsite[0], port, item.offsite[1])
                yield NoiseTruth(target, entry.title, "other_agency", item.reason, column.key, column.agency,
                                 item.agency, depth + 1, reachable)
                continue
            behind_page = entry.form != "html" and entry.path is not None
            if item.agency is not None and entry.tables is not None:
                yield ReportTruth(url_of(host, port, entry.report_path),
                                  url_of(host, port, entry.path) if entry.path else None, item.agency,
                                  item.year or entry.tables.year, entry.title, entry.form, column.key, column.agency,
                                  depth + (2 if behind_page else 1), reachable, why,
                                  url_of(item.copy_of[0], port, item.copy_of[1]) if item.copy_of else None)
            if item.noise is not None:
                yield NoiseTruth(url_of(host, port, entry.link_path), entry.title, item.noise, item.reason,
                                 column.key, column.agency, item.agency, depth + 1, reachable)


def _with_base(column: ColumnPlan, base: str) -> ColumnPlan:
    from dataclasses import replace

    params = {**column.params, **ids_of(column.platform, base)}
    return replace(column, base=base, params=params, original_base=column.original_base)


def move_truths(plan: PortalPlan, port: int) -> list[MoveTruth]:
    """The moves `move()` makes on this portal (done when the plan has moved)."""
    if not plan.movable:
        return []
    host = plan.host
    root = plan.root
    out = []
    for column in plan.columns.values():
        old_base = column.original_base
        if plan.moved:
            if not column.moved:
                continue
            new_base = column.base
        elif column is root and plan.platform in ID_PLATFORMS:
            new_base = moved_base(root)
        elif plan.platform not in ID_PLATFORMS and (old_base == root.original_base
                                             or old_base.startswith(root.original_base + "/")):
            new_base = plan.move_target + old_base[len(root.original_base):]
        else:
            continue
        answer = plan.old_root_answer if column is root else "404"
        out.append(MoveTruth(column.key, host, url_of(host, port, first_page(_with_base(column, old_base))),
                             url_of(host, port, first_page(_with_base(column, new_base))), answer, plan.moved))
    return out


def truth_of(plans: list[PortalPlan], port: int, seed: int) -> Truth:
    buckets: dict[type, list[object]] = {t: [] for t in (PortalTruth, AgencyTruth, ColumnTruth, ReportTruth,
                                                          NoiseTruth)}
    moves: list[MoveTruth] = []
    for plan in plans:
        for record in _portal_truths(plan, port):
            buckets[type(record)].append(record)
        moves += move_truths(plan, port)
    return Truth(port, seed, tuple(buckets[PortalTruth]), tuple(buckets[AgencyTruth]),  # type: ignore[arg-type]
                 tuple(buckets[ColumnTruth]), tuple(buckets[ReportTruth]), tuple(buckets[NoiseTruth]),  # type: ignore[arg-type]
                 tuple(moves))
