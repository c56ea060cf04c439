"""The national test web: a generated portal for every government of a real province (from
crawler.registry_divisions), each on its own loopback address, served from one process, with its
truth as data. Discovery and attribution are built and measured against it.

    from nianbao.devportal.national_web import NationalWeb

    with NationalWeb(seed=7, region="江苏省", limit=10) as web:   # 10 portals on 127.3.0.1-10:<port>
        truth = web.truth                   # agencies, portals, columns, reports, noise, moves
        csv_text = web.portal_csv()         # 区划代码,name,portal for `nianbao agencies import --portals`
        ...crawl...
        moves = web.move()                  # some 年报 roots move; the platform pages link the new ones
        web.truth                           # the truth after the move (moves done, columns' new URLs)
        web.requests.per_host()             # requests answered per portal

    python -m nianbao.devportal.national_web --seed 7 --region 江苏省 --truth truth.json --csv portals.csv
    # serves until SIGTERM; SIGUSR1 moves the columns (truth.json is rewritten); prints "ready PORT"

Each portal: a home page whose navigation leads (sometimes through a 政务公开 page) to the
government-information platform, worded 信息公开 / 政务公开 / 政府信息公开 / 法定主动公开内容 …;
the platform page links the 年报 column (政府信息公开年报, 工作年报, 年度报告 … in folders like
xxgknb, zfxxgknb, ndbg, gknb; hanweb: /col/colN/); the column in its platform's markup (trs,
hanweb, vsb, ucap, static, epoint, cicro; gkmlpt in 广东省; a web of as many portals as platforms
has each once), often split into sub-columns by year ("2023年",
…/gknb2023/) and by unit (部门, 乡镇街道, one column per department or township). Departments
and townships are agencies of their own (kind department: 沭阳县发展和改革局, 沭阳县金安镇人民政府),
not in the division registry: to be discovered. Reports for 2019–2023 (departments 2021–2023,
townships 2022–2023) as HTML pages, pages linking a PDF/DOCX, or a PDF linked from the list.

What a crawl must find: every report of `truth.reachable_reports()`, each filed under its
`agency` (a copy of the city's report in a county's column is the city's, `copy_of` says where
the original is); after `move()`, the moved columns at their new address (the old one answers
404 or redirects to the home page).

What it must not: archive as a report any URL of `truth.not_report_urls()` (notices about
compiling reports, 政务公开工作要点, 一图读懂/解读 interpretations); file an `other_agency` noise item
under the column's owner; read a robots-walled column (`access == "robots"`: robots.txt disallows
it) or count a script-only column (`access == "script_only"`: a page that only a browser would
fill) or a moved column as a government that published nothing. The reports behind those are in
`truth.reports` with `reachable` False and `unreachable_because` saying why.

Epoint (新点 WebBuilder) and Cicro columns are query-string pages, named by ids as Hanweb's are
(a sub-column is no folder under its parent; a move gives the root a new id): Epoint's
/dynamic/zwgk/govInfoPub.html?categorynum=…&deptcode=… is a shell whose /js/webBuilderCommon.js
names siteGuid and projectName, its list a POST of JSON to {projectName}/rest/lightfrontaction/
getgovinfolist (a JSON Content-Type and the site's siteGuid, else Epoint's error answer; some
sites want the body wrapped as {"params": …}); Cicro's /info/iList.jsp?cat_id=N pages go on by
&cur_page=N.

Modules: wording.py (the words and folders portals use), plan.py (the mutable description),
generate.py (seeded generation, `move`), paths.py (each platform's page paths), pages.py (the
pages, on markup.py's renderers), truth.py (the frozen truth), serve.py (one asyncio loop, every
address).
"""

from __future__ import annotations

import random
from typing import Self

from crawler.registry_divisions import Government

from .generate import GenerationError, address, generate, governments, move
from .pages import build_portal
from .plan import PortalPlan
from .serve import RequestLog, ServeError, WebServer
from .truth import (
    AgencyTruth,
    ColumnTruth,
    MoveTruth,
    NoiseTruth,
    PortalTruth,
    ReportTruth,
    Truth,
    truth_of,
)

__all__ = [
    "AgencyTruth", "ColumnTruth", "GenerationError", "MoveTruth", "NationalWeb", "NoiseTruth", "PortalTruth",
    "ReportTruth", "ServeError", "Truth", "address", "governments",
]


class NationalWeb:
    """The generated web for `region`'s governments (the first `limit`, or the `governments`
    given), from `seed`; served by `start()` (or `with`) on `port` (0: a free one)."""

    def __init__(self, seed: int = 0, region: str = "江苏省", *, limit: int | None = None,
                 governments_: list[Government] | None = None, port: int = 0) -> None:
        self.seed = seed
        chosen = governments_ if governments_ is not None else governments(region, limit)
        self.plans: list[PortalPlan] = generate(seed, chosen)
        self.server = WebServer([p.host for p in self.plans], port)
        self._cache: dict = {}

    # lifecycle

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> Self:
        port = self.server.bind()
        self.server.routes = {plan.host: build_portal(plan, port, self._cache) for plan in self.plans}
        self.server.start()
        return self

    def stop(self) -> None:
        self.server.stop()

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def requests(self) -> RequestLog:
        return self.server.requests

    # truth

    @property
    def truth(self) -> Truth:
        """The truth as of now, with URLs on the serving port (0 before `start`)."""
        return truth_of(self.plans, self.port, self.seed)

    def portal_csv(self) -> str:
        return self.truth.portal_csv()

    # changes between crawls

    def move(self) -> tuple[MoveTruth, ...]:
        """Move the 年报 root of every movable portal (once); the platform page links the new
        address, the old answers 404 or redirects to the home page. Returns the moves made."""
        rng = random.Random(f"{self.seed}/move")
        for plan in self.plans:
            if plan.movable and not plan.moved:
                move(plan, rng)
                if self.port:
                    self.server.routes[plan.host] = build_portal(plan, self.port, self._cache)
        return self.truth.moves
