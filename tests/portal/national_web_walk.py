"""A polite breadth-first walk of one national-web portal over HTTP, as a crawler without
discovery heuristics would walk it: robots.txt obeyed, every <a href> followed, list pages read
by crawler.platforms (their later pages and POSTs, with the headers and body each names, at the
same depth), script redirects
followed. Returns the depth (links from the home page) at which each URL was first reachable."""

from __future__ import annotations

import html
import http.client
import re
import urllib.robotparser
from collections import deque
from urllib.parse import urldefrag, urljoin, urlsplit

from crawler.platforms import ListPageError, parse_list_page, script_redirect

HREF = re.compile(r"""<a\b[^>]*\bhref\s*=\s*["']([^"']+)["']""", re.IGNORECASE)
Headers = tuple[tuple[str, str], ...]  # a list page's request headers (Epoint's JSON POST names its type)
CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


class Client:
    """Kept-alive connections, one per host."""

    def __init__(self) -> None:
        self.connections: dict[tuple[str, int], http.client.HTTPConnection] = {}

    def fetch(self, url: str, method: str = "GET", body: str | None = None,
              headers: tuple[tuple[str, str], ...] = ()) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(url)
        key = (parts.hostname or "", parts.port or 80)
        conn = self.connections.get(key)
        if conn is None:
            conn = self.connections[key] = http.client.HTTPConnection(*key, timeout=30)
        sent = dict(headers)
        if body is not None:
            sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
        conn.request(method, parts.path + (f"?{parts.query}" if parts.query else ""), body=body, headers=sent)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()

    def close(self) -> None:
        for conn in self.connections.values():
            conn.close()


def decode(body: bytes) -> str:
    declared = CHARSET.search(body[:2048])
    return body.decode(declared[1].decode() if declared else "utf-8", "replace")


def walk(home: str, *, no_expand: frozenset[str] = frozenset(), no_fetch: frozenset[str] = frozenset(),
         max_depth: int = 10) -> dict[str, int]:
    client = Client()
    host = urlsplit(home).hostname
    robots = urllib.robotparser.RobotFileParser()
    robots.parse(decode(client.fetch(urljoin(home, "/robots.txt"))[2]).splitlines())
    seen: dict[str, int] = {home: 0}
    queue: deque[tuple[str, int, str, str | None, Headers]] = deque([(home, 0, "GET", None, ())])
    try:
        while queue:
            url, depth, method, body, sent_headers = queue.popleft()
            if depth > max_depth or url in no_fetch or not robots.can_fetch("*", url):
                continue
            status, headers, data = client.fetch(url, method, body, sent_headers)
            if status in (301, 302):
                found = [(urljoin(url, headers.get("Location", "/")), depth, "GET", None, ())]
            elif status != 200 or url in no_expand:
                continue
            else:
                found = _links(url, depth, decode(data), body)
            for target, d, m, b, h in found:
                key = target + (b or "")
                if urlsplit(target).hostname != host or seen.get(key, max_depth + 1) <= d:
                    continue
                seen[key] = d
                (queue.appendleft if d == depth else queue.append)((target, d, m, b, h))
    finally:
        client.close()
    return seen


def _clean(url: str) -> str:
    """The URL without its fragment, except a gkmlpt column's (#category names the column)."""
    return url if "/gkmlpt/index#" in url else urldefrag(url)[0]


def _links(url: str, depth: int, text: str, sent: str | None) -> list[tuple[str, int, str, str | None, Headers]]:
    found: list[tuple[str, int, str, str | None, Headers]] = []
    try:
        page = parse_list_page(url, text, sent=sent)  # sent: the POST body this page answers (Epoint)
    except ListPageError:
        page = None
    if page is not None:
        found += [(r.url, depth, r.method, r.body, r.headers) for r in page.next_pages]
        found += [(_clean(link.url), depth + 1, "GET", None, ()) for link in page.links]
    redirect = script_redirect(url, text)
    if redirect:
        found.append((redirect, depth + 1, "GET", None, ()))
    for href in HREF.findall(text):
        if not href.startswith(("javascript:", "mailto:")):
            found.append((_clean(urljoin(url, html.unescape(href))), depth + 1, "GET", None, ()))
    return found
