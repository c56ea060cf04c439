"""The national web's description, as the generator makes it and `move()` changes it: one
`PortalPlan` per government, its `ColumnPlan`s (the 年报 column, its sub-columns by year and by
unit, the departments' and townships' own columns) and each column's `Item`s (reports and noise,
each a devportal `sites.Entry` that the page renderers of markup.py know how to draw).

Plans are mutable and internal; what a test reads is the frozen truth (truth.py) derived from
them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from crawler.registry_divisions import Government
from nianbao.devportal.sites import Entry

Platform = Literal["trs", "hanweb", "vsb", "ucap", "static", "gkmlpt", "epoint", "cicro"]
Role = Literal["root", "index", "year", "unit", "agency"]
Access = Literal["open", "robots", "script_only"]
NoiseKind = Literal["notice", "work_points", "interpretation", "other_agency"]
Layout = Literal["flat_all", "flat_units", "by_year", "year_unit", "unit_tree"]


@dataclass(frozen=True)
class Agency:
    """An agency of the web: a registered government, or one of its departments or townships
    (kind "department", found only from its government's portal)."""

    name: str
    kind: Literal["government", "department"]
    region: str  # 江苏省/宿迁市/沭阳县 (a department: its government's region)
    code: str | None  # 区划代码 (governments only)
    portal: str  # host of the portal that lists it
    unit: Literal["government", "department", "township"]
    government: str  # the government it belongs to (itself for a government)
    folder: str = ""  # its own column's folder, for departments and townships


@dataclass
class Item:
    """One entry of a column: a report (`noise` None) or a noise item."""

    entry: Entry
    agency: str | None  # whose report (None: noise that is no report)
    year: int | None
    noise: NoiseKind | None = None
    reason: str = ""
    offsite: tuple[str, str] | None = None  # (host, path) of another portal's report the list links
    copy_of: tuple[str, str] | None = None  # a copy, on this portal, of another portal's report


@dataclass
class ColumnPlan:
    key: str  # "<区划代码>:<name>", unique in the web
    title: str  # the column's own name, printed on its page
    link_text: str  # the wording of the link that leads to it
    platform: Platform
    # the folder its list pages live in (hanweb: /col/colN; vsb: base.htm and base/N.htm); epoint and
    # cicro columns are a query, not a folder: base is the column's first page (paths.py)
    base: str
    agency: str  # the agency owning the column (a year/unit column of a government: the government)
    role: Role
    parent: str | None  # the column (key) whose page links it; None: the platform page links it
    year: int | None = None
    children: list[str] = field(default_factory=list)  # sub-columns, in link order (index pages)
    items: list[Item] = field(default_factory=list)  # newest first
    per_page: int = 5
    params: dict[str, int | str] = field(default_factory=dict)
    access: Access = "open"
    stub: str | None = None  # a location.replace page linked instead of the root (script redirect)
    original_base: str = ""

    def __post_init__(self) -> None:
        self.original_base = self.original_base or self.base

    @property
    def moved(self) -> bool:
        return self.base != self.original_base


@dataclass
class PortalPlan:
    index: int
    government: Government
    host: str
    platform: Platform
    layout: Layout
    charset: str
    agencies: list[Agency]  # the government first, then departments, then townships
    platform_path: str
    platform_wording: str
    middle: tuple[str, str] | None  # (path, wording) of a page between home and the platform
    columns: dict[str, ColumnPlan]  # the 年报 root first
    roots: list[str]  # columns the platform page links
    nav_noise: list[tuple[str, str]]
    movable: bool = False  # `move()` moves its 年报 root
    move_target: str = ""  # the root's folder after the move
    old_root_answer: Literal["404", "redirect_home"] = "404"
    site: dict[str, str] = field(default_factory=dict)  # epoint: siteGuid, projectName, wrapped ("1"/"")
    moved: bool = False
    next_id: int = 10_001

    @property
    def root(self) -> ColumnPlan:
        return self.columns[self.roots[0]]

    @property
    def government_name(self) -> str:
        return self.government.name

    def take_id(self) -> int:
        value = self.next_id
        self.next_id += 7
        return value
