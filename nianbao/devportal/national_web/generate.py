"""Generating the national web from a seed: for each government of a region (from
crawler.registry_divisions), a portal on its own loopback address with its platform, its
navigation wordings, its 年报 column tree in one of five layouts, its departments and townships,
their reports for several years and the noise beside them.

Deterministic: one seed and one list of governments give the same web, byte for byte. Which
portals carry a robots wall, a script-only column, a script-redirect stub, or a root that
`move()` moves is chosen once per web (at least one of each for webs of 5 portals or more);
everything else per portal from a random source seeded by (seed, 区划代码).

Layouts of the 年报 tree (nested sub-columns live in folders under their parent's):
- flat_all: one column listing every report of the government, its departments and townships;
- flat_units: the government's column, and beside it on the platform page a 部门 index and a
  乡镇街道 index, each linking one column per unit (their own reports, titles often without
  the unit's name);
- by_year: an index of year sub-columns ("2023年", …/gknb2023/), each listing every unit's
  report of that year;
- year_unit: year sub-columns, each split into 政府 / 部门 / 乡镇街道 columns (…/2023n/xzjd/);
- unit_tree: an index of 本级 (the government's column), a 部门 index and a 乡镇街道 index, the
  latter two linking one column per unit.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime

from crawler.registry_divisions import Government, Level, national_governments, select_region
from nianbao.devportal.sites import Entry, tables_for

from . import wording as w
from .paths import ID_PLATFORMS, attachment_path, cicro_base, detail_path, epoint_base, ids_of, moved_base
from .plan import Agency, ColumnPlan, Item, Layout, Platform, PortalPlan

PLATFORM_MIX: tuple[Platform, ...] = ("trs", "trs", "trs", "hanweb", "hanweb", "hanweb", "vsb", "vsb", "ucap", "ucap",
                                      "static", "static", "epoint", "cicro")
EPOINT_PROJECTS = ("/EWB-FRONT", "/EpointWebBuilder")  # projectName, as real Epoint sites name it
EPOINT_CATEGORY_GROUPS = ("003", "005", "006", "014")  # the 政府信息公开 branch a site's 年报 columns sit in
LAYOUTS: tuple[Layout, ...] = ("flat_all", "flat_units", "by_year", "year_unit", "unit_tree")
GOVERNMENT_YEARS = (2019, 2020, 2021, 2022, 2023)
DEPARTMENT_YEARS = (2021, 2022, 2023)
TOWNSHIP_YEARS = (2022, 2023)
ADDRESS_BLOCK = 3  # portals live on 127.3.x.y (the devportal uses 127.0.0.x, bench/_scale_portal 127.1.x.y)
MAX_PORTALS = 250 * 250


class GenerationError(ValueError):
    """The web cannot be generated as asked (an unknown region, too many portals)."""


def address(index: int) -> str:
    """127.3.x.y for portal `index` (y from 1 to 250: no .0, no .255)."""
    if not 0 <= index < MAX_PORTALS:
        raise GenerationError(f"at most {MAX_PORTALS} portals")
    return f"127.{ADDRESS_BLOCK}.{index // 250}.{index % 250 + 1}"


def governments(region: str, limit: int | None = None) -> list[Government]:
    """The region's governments in the registry's order (the province, then each city and its
    counties), the first `limit` of them."""
    try:
        chosen = select_region(national_governments(), region)
    except ValueError as exc:
        raise GenerationError(str(exc)) from exc
    return chosen[:limit] if limit is not None else chosen


def _place(government: Government) -> str:
    """What a government's units put before their name: 沭阳县, 南京市鼓楼区, 江苏省."""
    return government.name.removesuffix("人民政府").removesuffix("行政公署")


def _features(seed: int, count: int) -> dict[str, set[int]]:
    """Which portals get a robots wall, a script-only root, a redirect stub, a movable root:
    disjoint sets, at least one each from 5 portals on."""
    rng = random.Random(f"{seed}/features")
    order = list(range(count))
    rng.shuffle(order)
    sizes = {"robots": max(1, round(count * 0.05)), "script_only": max(1, round(count * 0.04)),
             "stub": max(1, round(count * 0.08)), "movable": max(1, round(count * 0.3))}
    out: dict[str, set[int]] = {}
    at = 0
    for name, size in sizes.items():
        out[name] = set(order[at:at + size]) if count >= 5 else set()
        at += size
    if count < 5 and count:
        out["movable"] = {order[0]}
    return out


class _Builder:
    """Builds one portal's plan."""

    def __init__(self, seed: int, index: int, government: Government, platform: Platform, layout: Layout) -> None:
        self.rng = random.Random(f"{seed}/{government.code}")
        self.g = government
        self.place = _place(government)
        self.platform = platform
        self.layout = layout
        self.cids = iter(range(1000 + self.rng.randrange(0, 90_000, 10), 10**7, 7))
        self.plan = PortalPlan(
            index=index, government=government, host=address(index), platform=platform, layout=layout,
            charset="utf-8", agencies=[], platform_path="", platform_wording="", middle=None, columns={}, roots=[],
            nav_noise=[], next_id=10_001 + self.rng.randrange(0, 900_000),
        )
        if platform == "epoint":  # its own random source: the other platforms' portals stay as they were
            site_rng = random.Random(f"{seed}/{government.code}/epoint")
            self.plan.site = {
                "siteGuid": str(uuid.UUID(int=site_rng.getrandbits(128), version=4)),
                "projectName": site_rng.choice(EPOINT_PROJECTS),
                # 营口's variant: the API reads only a body wrapped as {"params": …}, custom a JSON string
                "wrapped": "1" if site_rng.random() < 0.3 else "",
                "group": site_rng.choice(EPOINT_CATEGORY_GROUPS), "deptcode": f"{site_rng.randint(1, 12):03d}001",
            }

    # agencies

    def agencies(self) -> None:
        g, rng = self.g, self.rng
        region = g.region_path
        agencies = [Agency(g.name, "government", region, g.code, self.plan.host, "government", g.name)]
        for dept, folder in rng.sample(w.DEPARTMENTS, rng.randint(3, 5)):
            if g.level is Level.PROVINCE:
                for old, new in w.PROVINCE_DEPARTMENT.items():
                    if dept.endswith(old):
                        dept = dept.removesuffix(old) + new
                        break
            agencies.append(Agency(self.place + dept, "department", region, None, self.plan.host, "department",
                                   g.name, folder))
        if g.level is Level.COUNTY:
            names: set[str] = set()
            for i in range(rng.randint(2, 4)):
                kind, suffix = rng.choice(w.TOWN_KINDS)
                while True:
                    town = "".join(rng.sample(w.TOWN_SYLLABLES, 2))
                    if town not in names:
                        names.add(town)
                        break
                agencies.append(Agency(f"{self.place}{town}{suffix}", "department", region, None, self.plan.host,
                                       "township", g.name, f"xz{i + 1:02d}"))
        self.plan.agencies = agencies

    # columns

    def column(self, title: str, link_text: str, base: str, agency: str, role: str, parent: str | None,
               year: int | None = None) -> ColumnPlan:
        platform = self.platform
        params: dict[str, int | str] = {}
        if platform == "hanweb":
            cid = next(self.cids)
            base = f"/col/col{cid}"
            params = {"columnid": cid, "unitid": 400_000 + cid, "webid": 1, "perpage": self.rng.choice((5, 6, 8)),
                      "groupsize": self.rng.choice((2, 3))}
        elif platform == "vsb":
            params = {"column": next(self.cids), "owner": 1_000_000_000 + self.plan.index}
        elif platform == "gkmlpt":
            params = {"cat": next(self.cids), "sid": str(700_000 + self.plan.index)}
        elif platform == "cicro":
            cat = next(self.cids)
            base = cicro_base(cat)
            params = {"cat": cat}
        elif platform == "epoint":
            category, dept = self._epoint_ids(role, parent)
            base = epoint_base(category, dept)
            params = {"categorynum": category, "deptcode": dept}
        if platform == "trs":
            params["pager"] = self.rng.choice(("createPageHTML", "createPageHTML", "countPage"))
        key = f"{self.g.code}:{title}" if parent is None else f"{parent}/{title}"
        column = ColumnPlan(key, title, link_text, platform, base, agency, role, parent, year,  # type: ignore[arg-type]
                            per_page=self.rng.choice((4, 5, 6)), params=params)
        self.plan.columns[key] = column
        if parent is not None:
            self.plan.columns[parent].children.append(key)
        return column

    def _epoint_ids(self, role: str, parent: str | None) -> tuple[str, str]:
        """An Epoint column's categorynum and deptcode: a root takes a category of its own, a
        year/unit/index sub-column its parent's category and a three-digit group more, a unit's
        own column (role agency) its parent's category under the unit's own deptcode."""
        site = self.plan.site
        if parent is None:
            roots = sum(1 for c in self.plan.columns.values() if c.parent is None)
            return f"{site['group']}{6 + roots:03d}", site["deptcode"]
        up = self.plan.columns[parent]
        n = len(up.children) + 1
        if role == "agency":
            return str(up.params["categorynum"]), f"{up.params['deptcode']}{n:03d}"
        return f"{up.params['categorynum']}{n:03d}", str(up.params["deptcode"])

    def tree(self) -> dict[str, list[ColumnPlan]]:
        """The layout's columns; returns where each unit's reports go: agency name -> columns
        listing them, and "noise:<year>" -> the columns the year's noise goes to."""
        rng, g, plan = self.rng, self.g, self.plan
        base = rng.choice(w.ROOT_FOLDERS)
        wording = rng.choice(w.ROOT_WORDINGS)
        short = self.place[-3:] if len(self.place) > 3 else self.place
        gov, depts, towns = plan.agencies[0], [a for a in plan.agencies if a.unit == "department"], \
            [a for a in plan.agencies if a.unit == "township"]
        where: dict[str, list[ColumnPlan]] = {}
        layout = self.layout

        def unit_columns(parent: ColumnPlan, units: list, kind: str) -> None:
            for unit in units:
                col = self.column(unit.name, unit.name, f"{parent.base}/{unit.folder}", unit.name, "agency", parent.key)
                where[unit.name] = [col]

        if layout == "flat_all":
            root = self.column(wording, wording, base, g.name, "root", None)
            for a in plan.agencies:
                where[a.name] = [root]
            where["noise"] = [root]
        elif layout in ("flat_units", "unit_tree"):
            if layout == "flat_units":
                own = self.column(wording, wording, base, g.name, "root", None)
                holders = {}
                for kind, units in (("departments", depts), ("townships", towns)):
                    if units:
                        text = rng.choice(w.UNIT_ROOT_WORDINGS[kind])
                        folder = rng.choice(w.UNIT_FOLDERS[kind])
                        holders[kind] = self.column(text, text, base.rsplit("/", 1)[0] + "/" + folder, g.name,
                                                    "root", None)
            else:
                root = self.column(wording, wording, base, g.name, "root", None)
                text = rng.choice(w.UNIT_WORDINGS["government"]).format(short=short)
                own = self.column(text, text, f"{base}/{rng.choice(w.UNIT_FOLDERS['government'])}", g.name, "unit",
                                  root.key)
                holders = {}
                for kind, units in (("departments", depts), ("townships", towns)):
                    if units:
                        text = rng.choice(w.UNIT_WORDINGS[kind])
                        holders[kind] = self.column(text, text, f"{base}/{rng.choice(w.UNIT_FOLDERS[kind])}", g.name,
                                                    "index", root.key)
            where[gov.name] = [own]
            where["noise"] = [own]
            for kind, units in (("departments", depts), ("townships", towns)):
                if units:
                    unit_columns(holders[kind], units, kind)
        else:  # by_year, year_unit
            root = self.column(wording, wording, base, g.name, "root", None)
            folder, year_text = rng.choice(w.YEAR_FOLDERS), rng.choice(w.YEAR_WORDINGS)
            unit_folders = {k: rng.choice(v) for k, v in w.UNIT_FOLDERS.items()}
            unit_texts = {k: rng.choice(v).format(short=short) for k, v in w.UNIT_WORDINGS.items()}
            for year in sorted(GOVERNMENT_YEARS, reverse=True):
                text = year_text.format(y=year)
                ycol = self.column(text, text, f"{base}/{folder.format(y=year)}", g.name, "year", root.key, year)
                if layout == "by_year":
                    where[f"year:{year}"] = [ycol]
                    continue
                for kind, units in (("government", [gov]), ("departments", depts), ("townships", towns)):
                    if units and not (kind != "government" and year < min(DEPARTMENT_YEARS)):
                        ucol = self.column(unit_texts[kind], unit_texts[kind], f"{ycol.base}/{unit_folders[kind]}",
                                           g.name, "unit", ycol.key, year)
                        where[f"year:{year}:{kind}"] = [ucol]
        return where

    # items

    def _entry_for(self, column: ColumnPlan, title: str, when: datetime, role: str, tables=None, form: str = "html",
                   direct: bool = False, reason: str = "") -> Entry:
        entry_id = self.plan.take_id()
        path = None if direct else detail_path(column, entry_id, when)
        attachment = attachment_path(column, entry_id, when, form) if form != "html" else None
        return Entry(entry_id, title, when, role, path, tables, form=form, attachment=attachment,  # type: ignore[arg-type]
                     reason=reason)

    def _report_when(self, agency: Agency, year: int) -> datetime:
        rng = self.rng
        if agency.unit == "government":
            return datetime(year + 1, 3, rng.randint(15, 31), rng.randint(8, 17), rng.choice((0, 10, 30)))
        return datetime(year + 1, 1, rng.randint(8, 31), rng.randint(8, 17), rng.choice((0, 20, 40)))

    def reports(self, where: dict[str, list[ColumnPlan]]) -> None:
        rng = self.rng
        for agency in self.plan.agencies:
            years = {"government": GOVERNMENT_YEARS, "department": DEPARTMENT_YEARS,
                     "township": TOWNSHIP_YEARS}[agency.unit]
            if agency.unit != "government" and rng.random() < 0.15:
                years = tuple(y for y in years if y != rng.choice(years))
            for year in years:
                column = self._report_column(where, agency, year)
                own = column.agency == agency.name
                pattern = rng.choice(w.SHORT_TITLES if own and rng.random() < 0.35 else w.REPORT_TITLES)
                title = pattern.format(a=agency.name, y=year)
                roll = rng.random()
                form = "html" if roll < 0.62 else "pdf" if roll < 0.9 else "docx"
                direct = form == "pdf" and rng.random() < 0.2
                entry = self._entry_for(column, title, self._report_when(agency, year), "report",
                                        tables_for(agency.name, year), form, direct)
                column.items.append(Item(entry, agency.name, year))

    def _report_column(self, where: dict[str, list[ColumnPlan]], agency: Agency, year: int) -> ColumnPlan:
        if agency.name in where:
            return where[agency.name][0]
        if f"year:{year}" in where:
            return where[f"year:{year}"][0]
        kind = {"government": "government", "department": "departments", "township": "townships"}[agency.unit]
        return where[f"year:{year}:{kind}"][0]

    def noise(self, where: dict[str, list[ColumnPlan]]) -> list[tuple[ColumnPlan, int]]:
        """News items and interpretations in the government's columns; returns where an other
        agency's report is to be listed (filled in once every portal exists)."""
        rng, g = self.rng, self.g

        def column_for(year: int) -> ColumnPlan:
            if "noise" in where:
                return where["noise"][0]
            return (where.get(f"year:{year}") or where[f"year:{year}:government"])[0]

        for _ in range(rng.randint(1, 2)):
            year = rng.choice((2021, 2022, 2023))
            title = rng.choice(w.NOTICE_TITLES).format(a=g.name, y=year)
            col = column_for(year)
            when = datetime(year, rng.randint(11, 12), rng.randint(1, 28), 9, 0)
            col.items.append(Item(self._entry_for(col, title, when, "decoy", reason="notice"), None, None, "notice",
                                  "a notice about compiling reports"))
        if rng.random() < 0.6:
            year = rng.choice((2022, 2023, 2024))
            col = column_for(min(year, 2023))
            when = datetime(year, rng.randint(2, 4), rng.randint(1, 28), 10, 0)
            title = rng.choice(w.WORK_POINTS_TITLES).format(a=g.name, y=year)
            col.items.append(Item(self._entry_for(col, title, when, "decoy", reason="工作要点"), None, None,
                                  "work_points", "政务公开工作要点 (news)"))
        for _ in range(rng.randint(1, 2)):
            year = rng.choice((2021, 2022, 2023))
            col = column_for(year)
            when = datetime(year + 1, 4, rng.randint(1, 28), 15, 0)
            title = rng.choice(w.INTERPRETATION_TITLES).format(a=g.name, y=year)
            col.items.append(Item(self._entry_for(col, title, when, "decoy", reason="interpretation"), None, None,
                                  "interpretation", "an interpretation of a report (一图读懂/解读), not a report"))
        others = []
        for _ in range(rng.choice((0, 1, 1, 2))):
            year = rng.choice((2022, 2023))
            others.append((column_for(year), year))
        return others


def _other_government(plans: list[PortalPlan], plan: PortalPlan, rng: random.Random) -> PortalPlan | None:
    """Whose report a column lists besides its own: the city's, else the province's, else a
    neighbour's (in the web)."""
    by_region = {p.government.region: p for p in plans}
    region = plan.government.region
    for candidate in (region[:2], region[:1]):
        other = by_region.get(candidate)
        if other is not None and other is not plan and len(candidate) < len(region):
            if rng.random() < 0.7:
                return other
    neighbours = [p for p in plans if p is not plan and abs(p.index - plan.index) <= 2]
    return rng.choice(neighbours) if neighbours else None


def _other_reports(seed: int, plans: list[PortalPlan], wanted: dict[int, list[tuple[ColumnPlan, int]]]) -> None:
    for plan in plans:
        rng = random.Random(f"{seed}/{plan.government.code}/others")
        for column, year in wanted.get(plan.index, []):
            other = _other_government(plans, plan, rng)
            if other is None:
                continue
            original = next((item for c in other.columns.values() for item in c.items
                             if item.agency == other.government.name and item.year == year and item.noise is None),
                            None)
            if original is None:
                continue
            entry = original.entry
            # Another's report is listed under its full name (a bare "2023年度…" is its own column's).
            title = w.REPORT_TITLES[0].format(a=other.government.name, y=year)
            reason = f"{other.government.name}'s report, listed in {plan.government.name}'s column"
            if rng.random() < 0.5:
                link = Entry(plan.take_id(), title, entry.published, "other", entry.link_path,
                             entry.tables, form=entry.form, attachment=entry.attachment, offsite=other.host)
                column.items.append(Item(link, other.government.name, year, "other_agency", reason,
                                         offsite=(other.host, entry.link_path)))
            else:
                entry_id = plan.take_id()
                copy = Entry(entry_id, title, entry.published, "report", detail_path(column, entry_id,
                             entry.published), entry.tables)
                column.items.append(Item(copy, other.government.name, year, "other_agency", reason,
                                         copy_of=(other.host, entry.report_path)))


def _charset(plan: PortalPlan) -> str:
    """TRS writes GBK where every name on the portal has a GBK form."""
    if plan.platform != "trs":
        return "utf-8"
    texts = [a.name for a in plan.agencies] + [i.entry.title for c in plan.columns.values() for i in c.items]
    try:
        "".join(texts).encode("gbk")
    except UnicodeEncodeError:
        return "utf-8"
    return "gbk"


def _cycle(mix: list[Platform], rng: random.Random) -> list[Platform]:
    """The order portals take platforms in: one of each platform first, then the mix's other
    copies, each part shuffled; so a web of as many portals as platforms has them all, and a
    large one has them in the mix's shares."""
    distinct = sorted(set(mix))
    rng.shuffle(distinct)
    rest = list(mix)
    for platform in distinct:
        rest.remove(platform)
    rng.shuffle(rest)
    return distinct + rest


def generate(seed: int, governments_: list[Government]) -> list[PortalPlan]:
    """Every portal of the web, in the governments' order."""
    if len(governments_) > MAX_PORTALS:
        raise GenerationError(f"at most {MAX_PORTALS} portals")
    web_rng = random.Random(f"{seed}/web")
    guangdong = [g for g in governments_ if g.region[0] == "广东省"]
    mix = _cycle(list(PLATFORM_MIX) + (["gkmlpt"] * 3 if guangdong else []), web_rng)
    layouts = list(LAYOUTS)
    web_rng.shuffle(layouts)
    features = _features(seed, len(governments_))
    plans: list[PortalPlan] = []
    wanted: dict[int, list[tuple[ColumnPlan, int]]] = {}
    for index, government in enumerate(governments_):
        platform: Platform = mix[index % len(mix)]  # type: ignore[assignment]
        if platform == "gkmlpt" and government.region[0] != "广东省":
            platform = "static"
        layout = "flat_all" if platform == "gkmlpt" else layouts[index % len(layouts)]
        builder = _Builder(seed, index, government, platform, layout)
        rng = builder.rng
        builder.agencies()
        where = builder.tree()
        builder.reports(where)
        wanted[index] = builder.noise(where)
        plan = builder.plan
        plan.platform_path = rng.choice(w.PLATFORM_PATHS)
        plan.platform_wording = rng.choice(w.PLATFORM_WORDINGS)
        if rng.random() < 0.3:
            plan.middle = (rng.choice(w.MIDDLE_PATHS), rng.choice(w.MIDDLE_WORDINGS))
        plan.nav_noise = [(text.format(place=builder.place), path) for text, path in rng.sample(w.NAV_NOISE, 3)]
        plan.roots = [key for key, column in plan.columns.items() if column.parent is None]
        root = plan.root
        if index in features["robots"] and platform != "gkmlpt":
            root.access = "robots"
        elif index in features["script_only"] and platform != "gkmlpt":
            root.access = "script_only"
        if index in features["stub"] and platform != "gkmlpt":
            root.stub = plan.platform_path + rng.choice(("nb.html", "ndbg.html", "gknb/index.html"))
        if index in features["movable"] and platform != "gkmlpt":
            plan.movable = True
            plan.move_target = rng.choice(w.MOVED_FOLDERS)
            plan.old_root_answer = rng.choice(("404", "redirect_home"))
        for column in plan.columns.values():
            column.items.sort(key=lambda item: item.entry.published, reverse=True)
        plans.append(plan)
    _other_reports(seed, plans, wanted)
    for plan in plans:
        for column in plan.columns.values():
            column.items.sort(key=lambda item: item.entry.published, reverse=True)
        plan.charset = _charset(plan)
    return plans


def move(plan: PortalPlan, rng: random.Random | None = None) -> list[ColumnPlan]:
    """Move the portal's 年报 root (and every column in folders under it) to its new folder;
    hanweb, epoint and cicro roots get a new column id (their sub-columns, named by ids of their
    own, stay). Returns the columns that moved."""
    root = plan.root
    moved: list[ColumnPlan] = []
    if plan.platform in ID_PLATFORMS:
        root.base = moved_base(root)
        root.params = {**root.params, **ids_of(plan.platform, root.base)}
        if plan.platform == "hanweb":
            root.params["unitid"] = 400_000 + int(root.params["columnid"])
        moved.append(root)
    else:
        old = root.original_base
        for column in plan.columns.values():
            if column.base == old or column.base.startswith(old + "/"):
                column.base = plan.move_target + column.base[len(old):]
                moved.append(column)
    plan.moved = True
    return moved
