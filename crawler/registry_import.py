"""Imports into the agency registry's TOML: the national list of governments, then their portals.

Owns: merging generated entries with a registry file without losing anything in it (existing
entries, hand-made fields, comments and layout stay byte for byte; new entries are appended), and
adding `portal` URLs from a CSV to the entries they name (by 区划代码 or by name), with every row
that matches nothing reported by line and reason. Pure: text in, text out; the CLI reads and
writes the files (nianbao/commands/agencies.py).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from crawler.registry import Agency, RegistryError, load_text
from crawler.registry_divisions import Government
from storage.vocab import AgencyKind


def _toml_string(value: str) -> str:
    # JSON's string escapes are a subset of TOML's basic-string escapes.
    return json.dumps(value, ensure_ascii=False)


def render_entry(government: Government) -> str:
    """One `[[agency]]` table for a government from the division list."""
    return "\n".join([
        "[[agency]]",
        f"name = {_toml_string(government.name)}",
        f"region = {_toml_string(government.region_path)}",
        f'kind = "{AgencyKind.GOVERNMENT}"',
        f"code = {_toml_string(government.code)}",
    ]) + "\n"


@dataclass(frozen=True)
class Kept:
    government: Government
    existing: Agency  # the registry entry that already stands for it

    def describe(self) -> str:
        how = "same name" if self.existing.name == self.government.name else (
            "same 区划代码" if self.existing.code == self.government.code else "same region")
        return (f"{self.government.name} ({self.government.code}, {self.government.region_path}): kept as "
                f"{self.existing.name!r} in {self.existing.source} ({how})")


@dataclass(frozen=True)
class DivisionsImport:
    text: str  # the registry file's new text (unchanged when nothing was added)
    added: list[Government] = field(default_factory=list)
    kept: list[Kept] = field(default_factory=list)


def _same_government(government: Government, agency: Agency) -> bool:
    if agency.code == government.code or agency.name == government.name:
        return True
    return agency.code is None and agency.kind is AgencyKind.GOVERNMENT and agency.region == government.region


def merge_governments(governments: Iterable[Government], existing: Sequence[Agency], text: str,
                      header: str = "") -> DivisionsImport:
    """`text` (a registry file's text, or "" for a new file) with an entry appended for each
    government that no `existing` entry (that file's and the rest of the registry's) already
    stands for: same 区划代码, same name, or (entries without a code) a government entry with
    the same region path. Existing entries are never rewritten."""
    added: list[Government] = []
    kept: list[Kept] = []
    for government in governments:
        match = next((agency for agency in existing if _same_government(government, agency)), None)
        if match is not None:
            kept.append(Kept(government, match))
        else:
            added.append(government)
    if not added:
        return DivisionsImport(text, added, kept)
    parts = [text.rstrip("\n") + "\n\n" if text.strip() else header]
    parts.append("\n".join(render_entry(g) for g in added))
    return DivisionsImport("".join(parts), added, kept)


# -- portals --------------------------------------------------------------------------------

CODE_HEADERS = ("区划代码", "code", "行政区划代码")
NAME_HEADERS = ("name", "名称", "单位名称", "政府名称")
URL_HEADERS = ("portal", "url", "门户", "网址", "门户网址", "portal url")
_CODE = re.compile(r"^\d{6}(?:0{6})?$")  # a 区划代码, or its 12-digit statistical form
_TABLE = re.compile(r"^\s*\[\[\s*agency\s*\]\]\s*(?:#.*)?$")
_NAME_LINE = re.compile(r"^\s*name\s*=\s*\"[^\"\n]*\"\s*(?:#.*)?$")


@dataclass(frozen=True)
class PortalRow:
    line: int  # in the CSV file, from 1
    key: str  # a 区划代码 or a name
    url: str


@dataclass(frozen=True)
class Unmatched:
    line: int
    reason: str


@dataclass(frozen=True)
class PortalsImport:
    text: str
    added: list[tuple[PortalRow, str]] = field(default_factory=list)  # (row, entry name)
    kept: list[tuple[PortalRow, str]] = field(default_factory=list)  # the entry already had this portal
    unmatched: list[Unmatched] = field(default_factory=list)


def _is_http(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def read_portals_csv(text: str) -> tuple[list[PortalRow], list[Unmatched]]:
    """Rows of `区划代码 or name, portal URL`. A header row is optional; with one, the columns
    are found by name (区划代码/code, name/名称, portal/url/网址), and a row may give both a code
    and a name (the code is used)."""
    rows: list[PortalRow] = []
    bad: list[Unmatched] = []
    records = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    columns: tuple[int | None, int | None, int] = (None, None, 1)
    first = 0
    if records and records[0] and not any(_is_http(cell.strip()) for cell in records[0]):
        heads = [cell.strip().lower() for cell in records[0]]
        url_col = next((i for i, h in enumerate(heads) if h in URL_HEADERS), None)
        code_col = next((i for i, h in enumerate(heads) if h in CODE_HEADERS), None)
        name_col = next((i for i, h in enumerate(heads) if h in NAME_HEADERS), None)
        if url_col is None or (code_col is None and name_col is None):
            bad.append(Unmatched(1, f"header {','.join(records[0])!r} names no portal column and no "
                                    f"区划代码 or name column (expected e.g. 区划代码,portal)"))
            return rows, bad
        columns = (code_col, name_col, url_col)
        first = 1
    for number, record in enumerate(records[first:], start=first + 1):
        cells = [cell.strip() for cell in record]
        if not any(cells):
            continue
        code_col, name_col, url_col = columns
        if code_col is None and name_col is None:
            key = cells[0]
        else:
            code = cells[code_col] if code_col is not None and code_col < len(cells) else ""
            name = cells[name_col] if name_col is not None and name_col < len(cells) else ""
            key = code or name
        url = cells[url_col] if url_col < len(cells) else ""
        if not key:
            bad.append(Unmatched(number, "no 区划代码 or name"))
        elif not url:
            bad.append(Unmatched(number, f"{key}: no portal URL"))
        elif not _is_http(url):
            bad.append(Unmatched(number, f"{key}: {url!r} is not an http(s) URL"))
        else:
            rows.append(PortalRow(number, key, url))
    return rows, bad


def _find(key: str, agencies: Sequence[Agency], names_by_code: Mapping[str, str]) -> tuple[int | None, str]:
    """The index of the entry `key` names, or None and why not. A 区划代码 finds the entry with
    that code, or else (a hand-made entry has none) the one named as that code's government."""
    if _CODE.match(key):
        code = key[:6]
        hits = [i for i, a in enumerate(agencies) if a.code == code]
        if not hits and code in names_by_code:
            hits = [i for i, a in enumerate(agencies) if a.code is None and a.name == names_by_code[code]]
        if hits:
            return hits[0], ""
        known = f" ({names_by_code[code]})" if code in names_by_code else " (not in the division list either)"
        return None, f"no entry with 区划代码 {code}{known}"
    exact = [i for i, a in enumerate(agencies) if a.name == key]
    if exact:
        return exact[0], ""
    # A short form: the division's name (沭阳县), or a district's government without its city's
    # name (洪泽区人民政府 for 淮安市洪泽区人民政府); only when one entry fits.
    suffix = key if key.endswith(("人民政府", "行政公署")) else None
    hits = [i for i, a in enumerate(agencies)
            if a.name in (key + "人民政府", key + "行政公署") or (suffix and a.name.endswith(suffix))]
    if len(hits) == 1:
        return hits[0], ""
    if hits:
        return None, f"name {key!r} fits {len(hits)} entries ({', '.join(agencies[i].name for i in hits[:5])}); give the 区划代码"
    return None, f"no entry named {key!r}"


def add_portals(text: str, source: str, rows: Iterable[PortalRow], elsewhere: Sequence[Agency] = (),
                names_by_code: Mapping[str, str] | None = None) -> PortalsImport:
    """`text` (a registry file's) with `portal = "…"` added to each entry a row names. An entry
    that has a portal already keeps it (a different URL in the CSV is reported, not applied); a
    row naming an entry of another registry file (`elsewhere`) or none is reported.
    `names_by_code`: each 区划代码's government name (the division list), for entries without
    a code."""
    names_by_code = names_by_code or {}
    agencies = load_text(text, source)
    lines = text.splitlines(keepends=True)
    tables = [i for i, line in enumerate(lines) if _TABLE.match(line)]
    if len(tables) != len(agencies):
        raise RegistryError(f"{source}: found {len(tables)} '[[agency]]' lines for {len(agencies)} entries; "
                            f"portals are added only where each entry starts with its own [[agency]] line")
    added: list[tuple[PortalRow, str]] = []
    kept: list[tuple[PortalRow, str]] = []
    unmatched: list[Unmatched] = []
    chosen: dict[int, PortalRow] = {}
    for row in rows:
        index, why = _find(row.key, agencies, names_by_code)
        if index is None:
            other, _ = _find(row.key, elsewhere, names_by_code)
            if other is not None:
                why = f"{row.key} is {elsewhere[other].name!r} in {elsewhere[other].source}, not in {source}"
            unmatched.append(Unmatched(row.line, why))
            continue
        agency = agencies[index]
        if agency.portal is not None:
            if agency.portal == row.url:
                kept.append((row, agency.name))
            else:
                unmatched.append(Unmatched(row.line, f"{agency.name} already has portal {agency.portal}; "
                                                     f"kept (the CSV gives {row.url})"))
            continue
        if index in chosen:
            if chosen[index].url != row.url:
                unmatched.append(Unmatched(row.line, f"{agency.name} was given {chosen[index].url} on line "
                                                     f"{chosen[index].line}; this row's {row.url} not applied"))
            continue
        chosen[index] = row
        added.append((row, agency.name))
    for index in sorted(chosen, reverse=True):
        start = tables[index]
        end = tables[index + 1] if index + 1 < len(tables) else len(lines)
        at = next((i + 1 for i in range(start + 1, end) if _NAME_LINE.match(lines[i])), start + 1)
        if at == len(lines) and lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines.insert(at, f"portal = {_toml_string(chosen[index].url)}\n")
    new_text = "".join(lines)
    load_text(new_text, source)  # what is written must load
    unmatched.sort(key=lambda u: u.line)
    return PortalsImport(new_text, added, kept, unmatched)
