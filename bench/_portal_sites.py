"""Larger simulated portals for bench/crawl.py, built from nianbao/devportal's sites (unchanged there).

Two ways to make a crawl fetch more pages; filler documents are never reports, so the crawler
only lists them and the extra requests are list pages:

- `long_columns(filler)`: the default portal, every column padded with `filler` documents and
  its `max_pages` raised in the registry so the whole column is walked (a few very long columns).
- `many_agencies(copies, filler)`: the default portal plus `copies - 1` more agencies of each
  platform, each a copy of that platform's site under its own place name, on its own 127.0.0.N
  (N from 20 up), its column padded with `filler` documents but kept within the registry's
  default `max_pages` (what a crawl of a large registry looks like: many columns of ordinary
  length). The blocked, down and mirror sites are not copied. Past `max_copies()` (one address
  each, 127.0.0.20-254: about 12,000 pages), only longer columns make more pages: with
  `long=True` every column may pass the default `max_pages`, raised in the registry.
"""

from __future__ import annotations

from dataclasses import replace

from nianbao.devportal.sites import Site, list_pages, new_sites

UNLIMITED_LIST_PAGES = 1_000_000
DEFAULT_MAX_PAGES = 50  # crawler.registry.Agency.max_pages
FIRST_COPY_OCTET = 20
LAST_OCTET = 254
PLATFORM_SITES = ("trs", "hanweb", "vsb", "ucap", "gkmlpt", "static")
# The place names in the default sites' agencies, replaced in each copy.
PLACES = ("云溪", "南岭", "青石", "临港")
_SYLLABLES = "东西南北金银玉白赤丹安宁平和永兴长乐清河"


def max_copies() -> int:
    return 1 + (LAST_OCTET - FIRST_COPY_OCTET + 1) // len(PLATFORM_SITES)


def long_columns(filler: int) -> dict[str, Site]:
    sites = new_sites(filler=filler)
    for site in sites.values():
        if site.region is not None:
            site.registry["max_pages"] = UNLIMITED_LIST_PAGES
    return sites


def column_pages(site: Site) -> int:
    """List pages the crawler fetches for the column (gkmlpt's shell page does not count
    against max_pages: the spider requests its JSON API at the shell's depth)."""
    pages = len(list_pages(site))
    return pages - 1 if site.platform == "gkmlpt" else pages


def filler_within_default_limit() -> int:
    """The most filler documents per column that keep every column within the default max_pages."""
    filler = 0
    while True:
        sites = new_sites(filler=filler + 1)
        if max(column_pages(sites[key]) for key in PLATFORM_SITES) > DEFAULT_MAX_PAGES:
            return filler
        filler += 1


def _place_names(copy: int) -> dict[str, str]:
    """Two-character place names for copy `copy` (1, 2, ...), distinct across copies."""
    names = {}
    for i, place in enumerate(PLACES):
        n = (copy - 1) * len(PLACES) + i
        first, second = divmod(n, len(_SYLLABLES))  # 400 names: enough for max_copies()
        names[place] = _SYLLABLES[first] + _SYLLABLES[second]
    return names


def _renamed(site: Site, copy: int, octet: int) -> Site:
    places = _place_names(copy)

    def rename(text: str) -> str:
        for old, new in places.items():
            text = text.replace(old, new)
        return text

    site.key = f"{site.key}{copy}"
    site.octet = octet
    site.name = rename(site.name)
    site.region = rename(site.region) if site.region else site.region
    if "allowed_domains" in site.registry:
        site.registry["allowed_domains"] = [site.host]
    for entry in site.entries:
        entry.title = rename(entry.title)
        if entry.tables is not None:
            entry.tables = replace(entry.tables, agency=rename(entry.tables.agency))
    return site


def many_agencies(copies: int, filler: int, *, long: bool = False) -> dict[str, Site]:
    if not 1 <= copies <= max_copies():
        raise ValueError(f"copies must be 1..{max_copies()} (one 127.0.0.N per site), not {copies}")
    sites = new_sites(filler=filler)
    octet = FIRST_COPY_OCTET
    for copy in range(1, copies):
        fresh = new_sites(filler=filler)
        for key in PLATFORM_SITES:
            site = _renamed(fresh[key], copy, octet)
            sites[site.key] = site
            octet += 1
    if long:
        for site in sites.values():
            if site.region is not None:
                site.registry["max_pages"] = UNLIMITED_LIST_PAGES
    return sites
