"""A crawl shared by several worker processes (`nianbao crawl --workers redis://…`).

What this package owns: the life of one distributed crawl in Redis, around the reliable queue of
`crawler.redis_queue` (scrapy-redis underneath):

- **joining** (`.state`): ``nianbao:crawl`` names the crawl in progress; the first worker creates
  one (an id and its start time), later ones join it, provided their registry is the same one;
- **preparing** (`.state`): one worker (under a Redis lock) brings the agencies' rows in line with
  the registry and opens one `CrawlRun` row per agency for the whole crawl; every worker's
  captures point at those rows;
- **seeding** (`.worker`): the registry's column URLs (and the reports archived before,
  rechecked) are queued once per crawl, by whichever worker starts first, in one step with the
  dupefilter;
- **liveness** (`.membership`): each worker refreshes a heartbeat key with a TTL; any worker
  finding another's heartbeat expired puts that worker's in-flight requests back on the queue
  (so a worker killed with SIGKILL loses nothing);
- **outcomes** (`.outcomes`): each response's effect on its agency's outcome (pages listed,
  reports found, errors, a challenge wall, report links listed) is measured around its callback
  and added to Redis hashes in the same step as the request's ack, so it counts exactly once
  whichever worker did the work, and however often it was redone;
- **the end** (`.membership`): the crawl is over when it was seeded, the queue is empty and no
  worker holds a request. The first worker to see that writes the outcomes into the crawl's
  `CrawlRun` rows (one per agency), marks the crawl recorded and frees ``nianbao:crawl`` for
  the next crawl.

All workers write to one database (PostgreSQL, $NIANBAO_DATABASE_URL) and one blob store
($NIANBAO_DATA, on a filesystem every worker mounts).
"""

from crawler.distributed.state import CURRENT_CRAWL, DistributedCrawlError, connect, join_crawl
from crawler.distributed.worker import WorkerResult, run_worker

__all__ = ["CURRENT_CRAWL", "DistributedCrawlError", "WorkerResult", "connect", "join_crawl", "run_worker"]
