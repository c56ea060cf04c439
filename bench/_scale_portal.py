"""A generated portal of many agency sites for bench/scale.py, served from one process.

Each site is a county government's report column on the plain static platform of nianbao/devportal
(same markup, same report pages: `build_routes`), with two annual reports (2023, 2022), one
notice and `filler` more documents (more list pages, no more reports), on its own loopback
address 127.1.x.y (Linux routes all of 127.0.0.0/8 to lo). nianbao/devportal's `Portal` runs a thread
per site, which at 2,000 sites is 2,000 threads polling; here one Twisted reactor listens on
every address (one socket each: 2,000 descriptors, within the usual 20,000 `ulimit -n`) and
answers from pages rendered before the crawl starts, so serving costs the crawl little CPU.

    python -m bench._scale_portal --sites 2000 --filler 0   # prints "ready PORT", serves until killed
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import UTC
from email.utils import format_datetime

from nianbao.devportal.markup import Resource, build_routes
from nianbao.devportal.sites import Site, normalize_target, other_entry, pad_column, report_entry

SYLLABLES = "东西南北金银玉白赤丹安宁平和永兴长乐清河"  # 20^3 = 8,000 distinct place names
MAX_SITES = 250 * 250


@dataclass
class ScaleSite(Site):
    address: str = ""

    @property
    def host(self) -> str:  # type: ignore[override]
        return self.address


def address(index: int) -> str:
    """127.1.x.y for site `index` (y from 1 to 250, so no .0 or .255)."""
    if not 0 <= index < MAX_SITES:
        raise ValueError(f"at most {MAX_SITES} sites")
    return f"127.1.{index // 250}.{index % 250 + 1}"


def place(index: int) -> str:
    a, rest = divmod(index, 400)
    b, c = divmod(rest, 20)
    return SYLLABLES[a % 20] + SYLLABLES[b] + SYLLABLES[c]


def scale_sites(count: int, filler: int = 0) -> dict[str, Site]:
    if count > 8000:
        raise ValueError("at most 8,000 sites (distinct place names)")
    sites: dict[str, Site] = {}
    for i in range(count):
        name = f"{place(i)}县人民政府"
        site = ScaleSite(f"s{i}", 0, "static", name, f"江苏省/云溪市/{place(i)}县", "government",
                         "/zwgk/ndbg/index.htm", per_page=4, next_id=5001, address=address(i))
        site.entries = [
            report_entry(site, 2023, "2024-03-29 10:00"),
            other_entry(site, f"{name}关于调整县政府领导分工的通知", "2023-12-01 09:00"),
            report_entry(site, 2022, "2023-03-30 09:00"),
        ]
        if filler:
            pad_column(site, filler)
        sites[site.key] = site
    return sites


def rendered(sites: dict[str, Site], port: int) -> dict[str, dict[str, Resource]]:
    """Every page of every site by address and target, rendered now."""
    pages: dict[str, dict[str, Resource]] = {}
    cache: dict = {}
    for site in sites.values():
        routes = build_routes(site, sites, port, cache)
        pages[site.host] = {target: (page() if callable(page) else page) for target, page in routes.pages.items()}
    return pages


def serve(count: int, filler: int, port: int) -> None:
    from twisted.internet import reactor
    from twisted.web import resource, server

    sites = scale_sites(count, filler)
    pages = rendered(sites, port)

    class Pages(resource.Resource):
        isLeaf = True

        def render_GET(self, request):  # noqa: N802 (Twisted's name)
            host = request.getHost().host
            page = pages.get(host, {}).get(normalize_target(request.uri.decode("latin-1")))
            if page is None:
                request.setResponseCode(404)
                request.setHeader("Content-Type", "text/plain")
                return b"not found"
            request.setHeader("Content-Type", page.content_type)
            if page.modified is not None:
                request.setHeader("Last-Modified", format_datetime(page.modified.astimezone(UTC), usegmt=True))
            for name, value in page.headers:
                request.setHeader(name, value)
            return page.body

    factory = server.Site(Pages())
    factory.log = lambda _request: None  # no access log: 2,000 sites' worth of lines
    for host in pages:
        reactor.listenTCP(port, factory, backlog=128, interface=host)
    print(f"ready {port} {sum(len(p) for p in pages.values())} pages", flush=True)
    reactor.run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sites", type=int, default=2000)
    parser.add_argument("--filler", type=int, default=0)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args(argv)
    serve(args.sites, args.filler, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
