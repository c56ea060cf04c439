"""Scrapy's HTTP cache kept as one file per entry, written so that a killed crawl cannot leave half an entry.

FilesystemCacheStorage writes an entry's files one by one into its final folder; a crawl killed
with SIGKILL mid-write left a truncated response_body, which the resumed crawl then revalidated
(304) and parsed as the page (tests/crawler/test_crawl_failures.py found TRS and VSB columns
listing nothing). Here an entry is one file (a pickle of what Scrapy's folder holds for reading
it back: the metadata, the response's raw headers, its body and its other attributes), written
under a temporary name and renamed into place. One file, not seven in a folder renamed into
place: storing entries that way was about a tenth of a crawl's CPU (bench/crawl profile).

Entries a crawl wrote in Scrapy's folder layout (before this format) are still read; a new
entry for the same request shadows the old folder, which is then left as it is.
"""

from __future__ import annotations

import os
import pickle
from pathlib import Path
from time import time
from typing import Any

from scrapy.extensions.httpcache import FilesystemCacheStorage
from scrapy.http import Request, Response
from scrapy.utils.response import response_from_dict

ENTRY_SUFFIX = ".entry"


class AtomicFilesystemCacheStorage(FilesystemCacheStorage):
    def __init__(self, settings) -> None:
        super().__init__(settings)
        self._folders: set[str] = set()  # the fingerprint folders known to exist

    def _entry_path(self, spider, request: Request) -> Path:
        return Path(self._entry_file(spider, request))

    def _entry_file(self, spider, request: Request) -> str:
        # A str, not a Path, where entries are read and stored: pathlib's parsing of the paths
        # was a fifth of storing an entry.
        return self._get_request_path(spider, request) + ENTRY_SUFFIX

    def retrieve_response(self, spider, request: Request) -> Response | None:
        path = self._entry_file(spider, request)
        try:
            with open(path, "rb") as f:
                mtime = os.fstat(f.fileno()).st_mtime
                if 0 < self.expiration_secs < time() - mtime:
                    return None  # expired
                entry: dict[str, Any] = pickle.load(f)  # noqa: S301 - our own cache, as Scrapy's
        except FileNotFoundError:
            return super().retrieve_response(spider, request)  # an entry in Scrapy's folder layout
        request.meta["cache_timestamp"] = entry["meta"]["timestamp"]
        return _response(entry)

    def store_response(self, spider, request: Request, response: Response) -> None:
        final = self._entry_file(spider, request)
        folder, name = os.path.split(final)
        if folder not in self._folders:
            os.makedirs(folder, exist_ok=True)
            self._folders.add(folder)
        entry = {
            "meta": {"url": request.url, "method": request.method, "status": response.status,
                     "response_url": response.url, "timestamp": time()},
            "headers": {k: list(vs) for k, vs in response.headers.items()},
            "body": response.body,
            "data": {key: value for key, value in response.to_dict().items()
                     if key not in {"url", "status", "headers", "body"}},
        }
        temporary = os.path.join(folder, f".{name}.tmp-{os.getpid()}")
        with open(temporary, "wb") as f:
            pickle.dump(entry, f, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, final)  # a kill before this leaves only the temporary file


def _response(entry: dict[str, Any]) -> Response:
    """The cached response, made as Scrapy's own storage makes it from its folder."""
    meta = entry["meta"]
    return response_from_dict({"url": meta["response_url"], "status": meta["status"], "headers": entry["headers"],
                               "body": entry["body"], **entry["data"]})
