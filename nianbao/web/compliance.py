"""The monitor page's compliance summary, one region level below its region filter.

The evaluation's summary has a row per agency region (省/市/县 path) and kind: ~2,000 on a
national registry, drawn as 2,000 bars and table rows (722 KB of the monitor page on bench/web.py's
2,059 agencies). The page sums them one level below the filter instead (the provinces when there
is none, a province's prefectures under ?region=江苏省), as the search page's region facet does
(nianbao.web.search_params.region_levels), each a link to that region; the JSON API keeps the
full rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..monitoring.report import ALL_REGIONS, ComplianceRow
from .status_grid import STATUSES


def region_level(region: str, prefix: str) -> str:
    """`region` cut one level below the path `prefix` ('' for none); a region that is not under
    it (the prefix itself, the all-regions row) as it is."""
    below = prefix + "/" if prefix else ""
    if region == ALL_REGIONS or region == prefix or not region.startswith(below):
        return region
    cut = region.find("/", len(below))
    return region if cut < 0 else region[:cut]


def summary_levels(summary: Sequence[Mapping[str, Any]], region: str | None) -> list[dict[str, Any]]:
    """The summary's rows (an evaluation's JSON form) summed by region one level below `region`
    and by kind, in the evaluation's order (by region and kind, the all-regions rows last); each
    with `region_filter`, the ?region= that lists its agencies (None: every region's row)."""
    prefix = "/".join(part for part in (region or "").strip().strip("/").split("/") if part)
    groups: dict[tuple[str, str], dict[str, int]] = {}
    for row in summary:
        counts = groups.setdefault((region_level(row["region"], prefix), row["kind"]), dict.fromkeys(STATUSES, 0))
        for status in STATUSES:
            counts[status] += int(row.get(status) or 0)
    return [dict(ComplianceRow(name, kind, **counts).to_dict(), region_filter=None if name == ALL_REGIONS else name)
            for (name, kind), counts in sorted(groups.items(), key=lambda item: (item[0][0] == ALL_REGIONS, item[0]))]
