"""Scrapy's filesystem HTTP cache, written so that a killed crawl cannot leave half an entry.

FilesystemCacheStorage writes an entry's files one by one into its final folder; a crawl killed
with SIGKILL mid-write left a truncated response_body, which the resumed crawl then revalidated
(304) and parsed as the page (tests/crawler/test_crawl_failures.py found TRS and VSB columns
listing nothing). Here an entry is written to a temporary folder and renamed into place.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from scrapy.extensions.httpcache import FilesystemCacheStorage


class AtomicFilesystemCacheStorage(FilesystemCacheStorage):
    def store_response(self, spider, request, response) -> None:
        final = Path(self._get_request_path(spider, request))
        temporary = final.with_name(f".{final.name}.tmp-{os.getpid()}")
        shutil.rmtree(temporary, ignore_errors=True)
        real_path = self._get_request_path
        self._get_request_path = lambda _spider, _request: str(temporary)  # type: ignore[method-assign]
        try:
            super().store_response(spider, request, response)
        finally:
            del self._get_request_path  # back to the class's method
        assert real_path(spider, request) == str(final)
        if final.exists():
            shutil.rmtree(final)  # a kill here loses the entry, which only costs a refetch
        os.replace(temporary, final)
