"""Whose report is it? The registered agency a parsed report names (its title first, then its
opening), matched to the registry by name within the region; or, said with the reason, an agency
the registry lacks, or a name that fits several agencies (not guessed).

Real 年报 columns list other agencies' reports (a county's column holds the city's, a township's,
a department's): a report goes to the agency it names, never to the column's owner for being
listed there. Only a report that names no agency at all is the owner's, on the column's word.

Owns the name variants of one agency:
- its parent divisions' names, written or not, within its own region: 淮安市洪泽区人民政府 =
  洪泽区人民政府 in 江苏省/淮安市 (hongze_district_2023.pdf and _2024.pdf name themselves both
  ways, ../shared/fixtures/real/README.md); a prefix of another region does not match;
- 政府 for 人民政府 (淮安市政府), 政府办 for 人民政府办公室; an office is a different organ from
  its government (人民政府办公室 is not 人民政府);
- common abbreviations of organ names, reduced to one form on both sides (发改局 = 发展和改革局,
  科委 = 科学技术委员会, 管委会 = 管理委员会), used only when one agency fits;
- the registry's `former_names` (renames);
- a bare division in the title (淮安市2023年政府信息公开工作年度报告, 平潭综合实验区2023年度…)
  is that division's government;
- an organ named without its place (财政局2023年…) is the one of the column's own region;
- one character off the column owner's own name, where no agency has that name, is the owner's
  (the real shuyang_county_2025 report calls itself 沐阳县人民政府 throughout, for 沭阳县).
Several agencies fitting one name (a 城关镇 in two counties) are told apart by the region of
the column that listed the report, else left ambiguous.

Pure: no I/O, no clock; crawler.pipelines files what this decides.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from parsing.cells import normalize_text
from storage.vocab import AgencyKind

from .registry import Agency


class Filed(StrEnum):
    OWN = "own"  # the column owner's own report
    OTHER = "other"  # another registered agency's report, listed in this column
    UNREGISTERED = "unregistered"  # names an agency the registry lacks: kept, filed under none
    AMBIGUOUS = "ambiguous"  # its name fits several registered agencies: not guessed
    UNNAMED = "unnamed"  # names no agency, and no column says whose it is

    @property
    def registered(self) -> bool:
        return self in (Filed.OWN, Filed.OTHER)


@dataclass(frozen=True)
class Attribution:
    filed: Filed
    agency: str | None  # the registry's name of the agency it is filed under (OWN, OTHER)
    named: str | None  # the agency as the report names it
    source: str  # where the name was read: "title", "opening", "text", or "column" (none named)
    reason: str


# Abbreviated and full forms of organ words, reduced to one form (the short one) on both sides,
# longest first. Pairs name the same organ; an office is never its government.
_REDUCTIONS: tuple[tuple[str, str], ...] = (
    ("发展和改革委员会", "发改委"), ("发展改革委员会", "发改委"), ("发展和改革", "发改"), ("发展改革", "发改"),
    ("人力资源和社会保障", "人社"), ("人力资源社会保障", "人社"),
    ("住房和城乡建设", "住建"), ("住房城乡建设", "住建"),
    ("市场监督管理", "市场监管"),
    ("卫生健康委员会", "卫健委"), ("卫生和健康委员会", "卫健委"), ("卫生健康局", "卫健局"),
    ("科学技术委员会", "科委"), ("科学技术局", "科技局"),
    ("教育委员会", "教委"), ("教育体育局", "教体局"), ("教育和体育局", "教体局"),
    ("管理委员会", "管委会"),
    ("文化广电和旅游", "文旅"), ("文化广电旅游", "文旅"), ("文化和旅游", "文旅"),
    ("自然资源和规划", "自然资源规划"),
    ("退役军人事务局", "退役军人局"), ("医疗保障局", "医保局"), ("应急管理局", "应急局"),
    ("城市管理局", "城管局"), ("政务服务管理办公室", "政务办"), ("政务服务管理局", "政务服务局"),
)
# 政府 for 人民政府 (淮安市政府, 淮安市政府办公室); 政府办 for the office.
_GOVERNMENT = re.compile(r"(?<!人民)政府")
_GOVERNMENT_OFFICE = re.compile(r"人民政府办(?!公)")
_YEAR = re.compile(r"((?:19|20)\d{2}|[〇零○一二三四五六七八九]{4})\s*年(?:度)?")
_ORGAN = (r"(?:人民政府办公室|人民政府办公厅|人民政府|政府办公室|政府办|政府|行政公署|街道办事处|办事处|管理委员会"
          r"|管委会|委员会|委|管理局|总局|局|厅|办公室|办|中心|研究院|院|署|站|所|馆|队)")
_PLACE = r"(?:省|自治区|市|区|县|州|旗|盟|镇|乡|街道|地区|新区|实验区|开发区)"
_LOOKS_NAMED = re.compile(rf"^[\u4e00-\u9fa5（）]{{2,40}}(?:{_ORGAN}|{_PLACE})$")
_NAME_AFTER_YEAR = re.compile(rf"^([\u4e00-\u9fa5（）]{{2,40}}?{_ORGAN})(?:政府|政务)?信息公开")
_NAME_BEFORE_SUBJECT = re.compile(r"^([\u4e00-\u9fa5（）]{2,40}?)(?:政府|政务)?信息公开")
_LABEL = re.compile(r"^[【\[][^】\]]{0,12}[】\]]")
_QUOTES = re.compile(r"[《》“”\"'「」【】\[\]]")


def canonical(name: str) -> str:
    """One agency's name in the form its variants share: spaces out, 人民政府 for 政府, the
    short form of abbreviated organ words."""
    text = normalize_text(name).replace(" ", "").replace("(", "（").replace(")", "）")
    text = _GOVERNMENT.sub("人民政府", text)
    text = _GOVERNMENT_OFFICE.sub("人民政府办公室", text)
    for full, short in _REDUCTIONS:
        text = text.replace(full, short)
    return text


def named_in_title(title: str | None) -> str | None:
    """The agency (or bare division) a report's title names, as written: the words before the
    year (淮安市洪泽区人民政府2024年…), else those between the year and 信息公开 (2024年上海市科委
    政府信息公开…), else those before 信息公开 in a title without a year. None when the title
    names nobody (2023年度政府信息公开工作年度报告)."""
    if not title:
        return None
    text = _LABEL.sub("", normalize_text(title).replace(" ", ""))  # 【年度报告】某区统计局…
    text = _QUOTES.sub("", text)
    match = _YEAR.search(text)
    if match and "信息公开" not in text[:match.start()]:  # not 淮安市政府信息公开工作年度报告（2019年）
        before = text[:match.start()].strip(":：,，-—_")
        if "关于" in before:  # "X办公室关于Y县2023年…": the report is Y县's
            before = before.rsplit("关于", 1)[1]
        if before:
            return before if _LOOKS_NAMED.match(before) else None
        after = _NAME_AFTER_YEAR.match(text[match.end():])
        return after.group(1) if after else None
    head = _NAME_BEFORE_SUBJECT.match(text.removeprefix("关于"))
    if head and _LOOKS_NAMED.match(head.group(1)):
        return head.group(1)
    return None


def _strip_parents(name: str, parents: Sequence[str], *, whole: bool = False) -> str:
    """`name` without the leading names of `parents` (in order, each optional); never all of it
    unless `whole` (then "" says the name was made only of parents' names)."""
    for parent in parents:
        if name.startswith(parent) and (whole or len(name) > len(parent)):
            name = name[len(parent):]
    return name


def _misprint_of(name: str, owner: Agency, divisions: frozenset[str]) -> bool:
    """Whether `name` is `owner`'s name with one character of its place wrong, the wrong place
    being no division at all (沐阳县人民政府 for 沭阳县人民政府; not 泗阳县人民政府, a real county)."""
    mine, theirs, place = canonical(owner.name), canonical(name), owner.region[-1]
    at = mine.find(place)
    if not divisions or place not in divisions or at < 0 or len(mine) != len(theirs):
        return False
    differ = [i for i, (a, b) in enumerate(zip(mine, theirs, strict=True)) if a != b]
    return (len(differ) == 1 and at <= differ[0] < at + len(place)
            and theirs[at:at + len(place)] not in divisions)


@dataclass(frozen=True)
class _Candidate:
    agency: Agency
    by: str  # what made it fit, for the reason


class Registry:
    """The registry indexed by the name variants of each agency."""

    def __init__(self, agencies: Iterable[Agency], divisions: Iterable[str] = ()) -> None:
        """`divisions`: the names of China's divisions (沭阳县, 泗阳县, …; registry_divisions'
        data), by which a misprinted place is told from a real one; without them no name is taken
        for a misprint."""
        self.agencies = tuple(agencies)
        self.divisions = frozenset(divisions)
        self.by_name = {a.name: a for a in self.agencies}
        # canonical name without the parent divisions' names -> agencies
        self._keys: dict[str, list[tuple[Agency, str]]] = defaultdict(list)
        # canonical name without any of its region's names (its own place too) -> agencies
        self._bare: dict[str, list[Agency]] = defaultdict(list)
        # a division's name -> the governments of it
        self._places: dict[str, list[Agency]] = defaultdict(list)
        for agency in self.agencies:
            for name, how in ((agency.name, "its name"), *((f, "its former name") for f in agency.former_names)):
                stripped = _strip_parents(canonical(name), agency.region[:-1])
                if agency not in (a for a, _ in self._keys[stripped]):
                    self._keys[stripped].append((agency, f"{how} {name}"))
                bare = _strip_parents(canonical(name), agency.region)
                if bare != stripped and agency not in self._bare[bare]:
                    self._bare[bare].append(agency)
            if agency.kind == AgencyKind.GOVERNMENT:
                self._places[agency.region[-1]].append(agency)

    def fitting(self, name: str) -> list[_Candidate]:
        """The agencies whose name `name` is, with or without parent divisions of their own region
        before it (淮安市洪泽区人民政府 fits 洪泽区人民政府 of 江苏省/淮安市, not one of 宿迁市)."""
        text = canonical(name)
        found: dict[str, _Candidate] = {}
        for start in range(len(text) - 1):
            for agency, how in self._keys.get(text[start:], ()):
                rest = _strip_parents(text[:start], agency.region[:-1], whole=True)
                if rest == "":
                    found.setdefault(agency.name, _Candidate(agency, how))
        return list(found.values())

    def governing(self, place: str) -> list[_Candidate]:
        """The governments of the division `place` names (淮安市, 江苏省淮安市, 平潭综合实验区)."""
        text = canonical(place)
        found: dict[str, _Candidate] = {}
        for start in range(len(text) - 1):
            for agency in self._places.get(text[start:], ()):
                rest = _strip_parents(text[:start], agency.region[:-1], whole=True)
                if rest == "":
                    found.setdefault(agency.name, _Candidate(agency, f"the government of {text[start:]}"))
        return list(found.values())

    def unplaced(self, name: str, region: tuple[str, ...]) -> list[_Candidate]:
        """The agencies of `region` itself whose name is `name` with their place before it (财政局
        in 江苏省/云溪市 is 云溪市财政局)."""
        return [_Candidate(a, f"{name} of {'/'.join(region)}") for a in self._bare.get(canonical(name), ())
                if a.region == region]


def _closest(candidates: list[_Candidate], column: Agency | None) -> list[_Candidate]:
    """Of several fitting agencies, those nearest the column's region (a 城关镇 of the county
    whose column listed it); all of them when the column cannot tell."""
    if len(candidates) < 2 or column is None:
        return candidates

    def shared(candidate: _Candidate) -> int:
        n = 0
        for a, b in zip(candidate.agency.region, column.region, strict=False):
            if a != b:
                break
            n += 1
        return n

    best = max(shared(c) for c in candidates)
    return [c for c in candidates if shared(c) == best]


def _resolve(name: str, source: str, registry: Registry, column: Agency | None) -> Attribution:
    candidates = registry.fitting(name)
    if not candidates:
        candidates = registry.governing(name)
    if not candidates and column is not None:
        candidates = registry.unplaced(name, column.region)
    candidates = _closest(candidates, column)
    where = {"title": "its title", "opening": "its opening", "text": "its text"}[source]
    if len(candidates) == 1:
        agency, by = candidates[0].agency, candidates[0].by
        own = column is not None and agency.name == column.name
        listed = "" if own or column is None else f", listed in {column.name}'s column"
        return Attribution(Filed.OWN if own else Filed.OTHER, agency.name, name, source,
                           f"{where} names {name}: {agency.name} ({agency.region_path}) by {by}{listed}")
    if candidates:
        names = "、".join(f"{c.agency.name} ({c.agency.region_path})" for c in candidates)
        return Attribution(Filed.AMBIGUOUS, None, name, source,
                           f"{where} names {name}, which fits {names}; the column's region does not decide: "
                           "not guessed")
    if column is not None and _misprint_of(name, column, registry.divisions):
        return Attribution(Filed.OWN, column.name, name, source,
                           f"{where} names {name}, no registered agency: the column owner {column.name} with "
                           "one character of its place misprinted (no division has that name)")
    return Attribution(Filed.UNREGISTERED, None, name, source,
                       f"{where} names {name}, which is not in the registry: kept, filed under no agency")


def _named_in_text(text: str, registry: Registry) -> str | None:
    """The first registered agency's name (as its variants are written) in the report's opening."""
    opening = normalize_text(text)[:300].replace(" ", "")
    best: tuple[int, int, str] | None = None
    for agency in registry.agencies:
        for name in (agency.name, *agency.former_names):
            for variant in {name, _strip_parents(name, agency.region[:-1])}:
                at = opening.find(variant)
                if at >= 0 and (best is None or (at, -len(variant)) < best[:2]):
                    best = (at, -len(variant), variant)
    return best[2] if best else None


def attribute(title: str | None, record_agency: str | None, text: str | None, registry: Registry,
              column: Agency | None) -> Attribution:
    """Whose report this is: the agency its title names, else the organ its opening names (the
    parser's `record.agency`), else a registered agency named in its first lines; matched to
    `registry` (`column`: the agency whose column listed it). A report naming nobody is the
    column owner's (the column is the only evidence), or UNNAMED without a column."""
    for source, name in (("title", named_in_title(title)), ("opening", record_agency)):
        if name and name.strip():
            return _resolve(name.strip(), source, registry, column)
    found = _named_in_text(text or "", registry)
    if found:
        return _resolve(found, "text", registry, column)
    if column is not None:
        return Attribution(Filed.OWN, column.name, None, "column",
                           f"names no agency in its title or opening: filed under {column.name}, whose column "
                           "lists it")
    return Attribution(Filed.UNNAMED, None, None, "column", "names no agency, and no column lists it")
