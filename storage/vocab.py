"""The archive's closed sets of words, each defined once.

Each is a `StrEnum`: members are the very strings stored in the database and written to JSON
and CSV, so `CrawlOutcome.REACHED == "reached"` and rows written before the enums existed read
back unchanged. What the words mean:

- `AgencyKind`: which deadline an agency has (条例 第四十九条): a department reports by 31 January,
  a county-level-and-above government (its consolidated report) by 31 March.
- `CaptureRole`: why the crawler fetched a page: a column's list page, a report page, an
  attachment linked from a report page, or a recheck of a report archived before; or the DOM a
  browser rendered from a page.
- `CrawlOutcome`: what one crawl of one agency's column came to. Only `reached` and
  `reached (browser)` are evidence about the agency; the others are the crawler's failures, never the agency's: a wall, a
  robots.txt that keeps nianbao out, a column that moved, a page that is only a script, a
  column that did not answer, a crawler that broke. `CrawlOutcome.meaning` says which in words.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum


class AgencyKind(StrEnum):
    DEPARTMENT = "department"
    GOVERNMENT = "government"

    def deadline(self, year: int) -> dt.date:
        """The last on-time day (China's calendar) for the report on `year`."""
        return dt.date(year + 1, 1, 31) if self is AgencyKind.DEPARTMENT else dt.date(year + 1, 3, 31)


class CaptureRole(StrEnum):
    LIST = "list"
    REPORT = "report"
    ATTACHMENT = "attachment"
    RECHECK = "recheck"
    RENDERED = "rendered"  # the DOM a browser rendered from a page (crawler/browser.py), never parsed


class CrawlOutcome(StrEnum):
    REACHED = "reached"  # the column answered and was read
    REACHED_BROWSER = "reached (browser)"  # read only through a browser (a JS challenge, a list built by script)
    BLOCKED = "blocked"  # a JS-challenge wall (412, 521) stood before the column
    UNREACHABLE = "unreachable"  # the column did not answer (DNS, refused, time-outs, 5xx)
    FAILED = "failed"  # the column answered but listed no report where reports were archived before
    ROBOTS = "robots"  # the site's robots.txt disallows the column: nianbao does not read it
    MOVED = "moved"  # the column answered 404/410 or redirected away (home page, another site)
    SCRIPT_ONLY = "script_only"  # the column is a script (no links, no list) nianbao cannot follow

    @property
    def reached(self) -> bool:
        """The column was read, plainly or through a browser: evidence about the agency."""
        return self in (CrawlOutcome.REACHED, CrawlOutcome.REACHED_BROWSER)

    @property
    def meaning(self) -> str:
        """What the outcome says, in words for the monitor's evidence."""
        return _OUTCOME_MEANINGS[self]


_OUTCOME_MEANINGS = {
    CrawlOutcome.REACHED: "the column answered and was read",
    CrawlOutcome.REACHED_BROWSER: "the column was read through a browser (a JS challenge or a list built by script)",
    CrawlOutcome.BLOCKED: "a JS-challenge wall stood before the column",
    CrawlOutcome.UNREACHABLE: "the column did not answer",
    CrawlOutcome.FAILED: "the column listed no report where reports were archived before: the crawler broke",
    CrawlOutcome.ROBOTS: "robots.txt disallows the column, so nianbao does not read it",
    CrawlOutcome.MOVED: "the column is gone from its address (404, or redirected away): it moved",
    CrawlOutcome.SCRIPT_ONLY: "the column page is only a script nianbao cannot follow",
}
assert set(_OUTCOME_MEANINGS) == set(CrawlOutcome), "every outcome needs its meaning"
