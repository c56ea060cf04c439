"""Plain static lists, and the list reading every HTML platform starts from.

A static list is dated anchors in a container and a 下一页 link (fixture static_list.html). The
items of any HTML list page are the anchors of the list container: the element whose items hold
the most dated links, so menus, footers and 相关链接 stay out; where no container holds two dated
items, every anchor with a date next to it. The TRS, Hanweb, VSB and UCAP readers use
`list_links` for their items and `next_link` where their pager states no page count.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit, urlunsplit

from lxml import etree

from crawler.platforms.links import (
    absolute,
    base_url,
    clean,
    item_titles,
    listed_link,
    main_anchor,
    own_date,
    parse_html,
    unique,
)
from crawler.platforms.pages import ListedLink, ListPage, PageRequest

_NEXT_WORDS = frozenset({"下一页", "下页", "后页", "下一页>", "下一页>>", ">", "›", "next", "next>"})


def _holds_more_items(element: etree._Element, titles: dict[etree._Element, str], limit: int) -> bool:
    """Whether `element` holds item links (`titles`: the page's item anchors) to more than
    `limit` places (stops counting early)."""
    hrefs: set[str] = set()
    for anchor in element.iter("a"):
        if anchor in titles:
            href = (anchor.get("href") or "").strip()
            if href not in hrefs:
                hrefs.add(href)
                if len(hrefs) > limit:
                    return True
    return False


def _dated_item(anchor: etree._Element, titles: dict[etree._Element, str]) -> tuple[etree._Element, str] | None:
    """The list item around `anchor` and its listed date: the nearest ancestor (at most three
    up) that shows a date and is not already the whole list (more than two item links)."""
    node: etree._Element | None = anchor
    for _ in range(4):
        if node is None or not isinstance(node.tag, str) or _holds_more_items(node, titles, 2):
            return None
        found = own_date(node)
        if found:
            item = node if node is not anchor else anchor.getparent()
            if item is None:
                return None
            if item.tag == "td" and item.getparent() is not None:
                item = item.getparent()  # a table row is the item, not its cell
            return item, found
        node = node.getparent()
    return None


def list_links(url: str, root: etree._Element) -> tuple[ListedLink, ...]:
    """Every item of the list on a page: the anchors of the container whose items hold the
    most dated links (menus, footers, 相关链接 left out), else every anchor with a date."""
    base = base_url(root, url)
    # Each anchor judged once: the containers below ask of the same anchors many times.
    titles = item_titles(root, base)
    dated: list[tuple[etree._Element, etree._Element, str]] = []
    seen_items: set[etree._Element] = set()
    for anchor in titles:
        found = _dated_item(anchor, titles)
        if found is None or found[0] in seen_items:
            continue
        seen_items.add(found[0])
        dated.append((anchor, found[0], found[1]))
    if not dated:
        return ()

    groups: Counter[etree._Element] = Counter()
    for _, item, _ in dated:
        parent = item.getparent()
        if parent is not None:
            groups[parent] += 1
    if not groups or max(groups.values()) < 2:
        mains = ((main_anchor(item, base, titles), a, d) for a, item, d in dated)
        return unique(_link(main if main is not None else a, base, d, titles) for main, a, d in mains)

    # Counter keeps first-seen order, so a tie goes to the list that comes first.
    best = max(groups, key=lambda p: groups[p])
    containers = [best]
    grand = best.getparent()
    if grand is not None:
        # Long lists are often cut into several <ul> of five under one box: take them all
        # (fixture trs_index.html).
        containers = [sib for sib in grand if sib.tag == best.tag and (sib is best or groups.get(sib))]
    item_tag = Counter(item.tag for _, item, _ in dated if item.getparent() in containers).most_common(1)[0][0]
    dates = {item: d for _, item, d in dated}
    links = []
    for container in containers:
        for item in container:
            if item.tag != item_tag:
                continue
            anchor = main_anchor(item, base, titles)
            if anchor is not None:
                links.append(_link(anchor, base, dates.get(item) or own_date(item), titles))
    return unique(links)


def _link(anchor: etree._Element, base: str, listed_date: str | None, titles: dict[etree._Element, str]) -> ListedLink:
    return listed_link(anchor, base, listed_date, titles.get(anchor))


def next_link(url: str, root: etree._Element) -> PageRequest | None:
    """The page a 下一页 / 下页 / > link leads to, if it leads anywhere but here."""
    base = base_url(root, url)
    here = urlunsplit(urlsplit(url)._replace(fragment=""))
    for anchor in root.iter("a"):
        text = clean("".join(anchor.itertext())).lower().replace(" ", "")
        classes = (anchor.get("class") or "").lower().split()
        if text in _NEXT_WORDS or (not text and "next" in classes) or text.startswith("下一页"):
            target = absolute(base, anchor.get("href"))
            if target and target != here:
                return PageRequest(target)
    return None


def plain_list(platform: str, url: str, root: etree._Element) -> ListPage:
    """A list page read without its platform's pager: its items and the page its 下一页 link
    leads to."""
    following = next_link(url, root)
    return ListPage(platform, list_links(url, root), (following,) if following else ())


def read_static(url: str, body: str) -> ListPage:
    root = parse_html(body)
    if root is None:
        return ListPage("static", (), ())
    return plain_list("static", url, root)
