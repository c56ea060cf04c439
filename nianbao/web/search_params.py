"""The search page's GET parameters <-> a `storage.search.SearchQuery`, and a result as plain data.

The URL is the query: every filter is a GET parameter, so any result page is a permalink.
Parameters: q, year (2021 or 2019..2021), agency, region, kind, format, check (failed|ok),
all_versions (1), page, per_page.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any
from collections.abc import Mapping

from .request_values import ParamError, whole_number

PARAMS = ("q", "year", "agency", "region", "kind", "format", "check", "all_versions", "per_page")
MAX_PER_PAGE = 100
_YEAR = re.compile(r"^\s*(\d{4})\s*(?:(?:\.\.|-|–|～|~)\s*(\d{4})\s*)?$")


def _int(args: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = (args.get(name) or "").strip()
    return whole_number(name, raw, low, high) if raw else default


def query_from_args(args: Mapping[str, str], *, facets: bool = True, default_per_page: int = 20):
    """A SearchQuery from the request's GET parameters (ParamError naming a bad one)."""
    from storage.search import FORMATS, KINDS, SearchQuery

    year_from = year_to = None
    year = (args.get("year") or "").strip()
    if year:
        match = _YEAR.match(year)
        if not match:
            raise ParamError(f"year={year!r}: expected a year (2021) or a range (2019..2021)")
        year_from = int(match.group(1))
        year_to = int(match.group(2) or match.group(1))
        if year_to < year_from:
            raise ParamError(f"year={year!r}: the range ends before it starts")
    check = (args.get("check") or "").strip()
    if check not in ("", "failed", "ok"):
        raise ParamError(f"check={check!r}: expected 'failed' or 'ok'")
    fmt = (args.get("format") or "").strip()
    if fmt and fmt not in FORMATS:
        raise ParamError(f"format={fmt!r}: expected {' or '.join(FORMATS)}")
    kind = (args.get("kind") or "").strip()
    if kind and kind not in KINDS:
        raise ParamError(f"kind={kind!r}: expected {' or '.join(repr(str(k)) for k in KINDS)}")
    return SearchQuery(
        text=(args.get("q") or "").strip(),
        year_from=year_from,
        year_to=year_to,
        agency=(args.get("agency") or "").strip() or None,
        region=(args.get("region") or "").strip() or None,
        kind=kind or None,
        format=fmt or None,
        check_failed={"failed": True, "ok": False}.get(check),
        all_versions=(args.get("all_versions") or "") in ("1", "true", "on", "yes"),
        page=_int(args, "page", 1, 1, 1_000_000),
        per_page=_int(args, "per_page", default_per_page, 1, MAX_PER_PAGE),
        facets=facets,
    )


def result_dict(result: Any) -> dict[str, Any]:
    q = result.query
    return {
        "query": {"text": q.text, "year_from": q.year_from, "year_to": q.year_to, "agency": q.agency,
                  "region": q.region, "kind": q.kind, "format": q.format, "check_failed": q.check_failed,
                  "all_versions": q.all_versions, "page": q.page, "per_page": q.per_page},
        "total": result.total,
        "hits": [h.to_dict() for h in result.hits],
        "facets": result.facets,
    }


def all_hits(archive: Any, query: Any, cap: int, search_fn: Any) -> tuple[int, list[Any]]:
    """Every hit of the query, page after page, up to `cap`; returns (total, hits)."""
    hits: list[Any] = []
    page, total = 1, 0
    while len(hits) < cap:
        result = search_fn(archive, replace(query, page=page, per_page=MAX_PER_PAGE, facets=False))
        total = result.total
        hits.extend(result.hits)
        if not result.hits or len(hits) >= total:
            break
        page += 1
    return total, hits[:cap]



def region_levels(counts: Mapping[str, int], region: str | None) -> dict[str, int]:
    """The region facet as the search page lists it: one level below the region filter (the
    provinces when there is none), each with the matches in it. The filter is a path prefix, so a
    listed region's link finds exactly its count. The full paths would be one link per county,
    ~2,000 on a national archive (bench/web.py: most of the page's time and 400 KB); the API's
    facets keep them."""
    prefix = "/".join(part for part in (region or "").strip().strip("/").split("/") if part)
    below = prefix + "/" if prefix else ""
    shown: dict[str, int] = {}
    for value, count in counts.items():
        # A path under the filter is cut one level below it; anything else (the filter itself,
        # "none", a path beside it) is listed as it is. Prefixes of strings, not lists of parts:
        # this runs over every region with a match for every new query (~2,000 on 10,000 reports).
        if value != "none" and value.startswith(below) and value != prefix:
            rest = value[len(below):]
            cut = rest.find("/")
            key = value if cut < 0 else value[:len(below) + cut]
        else:
            key = value
        shown[key] = shown.get(key, 0) + count
    return dict(sorted(shown.items(), key=lambda item: (-item[1], item[0])))
