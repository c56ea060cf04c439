"""The records a list page is read into: its listed links, the requests for the column's later
pages, and the error for a page that cannot be read as the platform named.

Every platform reader (crawler.platforms.trs, .hanweb, .vsb, .ucap, .gkmlpt, .static) returns a
`ListPage`; `attachment_links` returns `ListedLink`s too.
"""

from __future__ import annotations

from dataclasses import dataclass


class ListPageError(ValueError):
    """A page cannot be read as the platform named; the message names the URL and platform."""


@dataclass(frozen=True)
class ListedLink:
    url: str  # absolute
    title: str  # the link's title as listed (title attribute preferred over truncated text)
    date: str | None  # the listed date, YYYY-MM-DD, if the list shows one


@dataclass(frozen=True)
class PageRequest:
    url: str  # absolute
    method: str = "GET"  # "POST" for Hanweb's dataproxy
    body: str | None = None  # urlencoded form body for POST
    headers: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class ListPage:
    platform: str  # "trs" | "hanweb" | "vsb" | "ucap" | "gkmlpt" | "static"
    links: tuple[ListedLink, ...]  # every item of the list (not navigation, not footer links)
    next_pages: tuple[PageRequest, ...]  # the later pages of this column to fetch
