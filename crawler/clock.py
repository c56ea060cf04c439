"""Which clock a crawl reads: the `NIANBAO_CLOCK` Scrapy setting.

The setting holds a `storage.clock.Clock` (a callable returning an aware UTC datetime) or the
import path of one (crawler/settings.py: ``"storage.clock.system_clock"``). The spider stamps
each agency's start and each capture with it, the pipeline the end of each agency's run, a
distributed crawl its end; `crawler.run.run_crawl` and `crawler.distributed.run_worker` set it
from their `clock` argument. Tests give a `storage.clock.fixed_clock`.
"""

from __future__ import annotations

from scrapy.settings import BaseSettings
from scrapy.utils.misc import load_object

from storage.clock import Clock, system_clock


def crawl_clock(settings: BaseSettings) -> Clock:
    value = settings.get("NIANBAO_CLOCK")
    if value is None:
        return system_clock
    return load_object(value) if isinstance(value, str) else value
