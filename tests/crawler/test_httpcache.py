"""The crawl's HTTP cache storage (crawler.httpcache): one file per entry, read back as Scrapy's
own folder storage reads its entries, entries in that older layout still read, and no half entry."""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Spider
from scrapy.extensions.httpcache import FilesystemCacheStorage
from scrapy.http import HtmlResponse, Request, Response
from scrapy.utils.test import get_crawler

from crawler.httpcache import ENTRY_SUFFIX, AtomicFilesystemCacheStorage


def _storage(cls, folder: Path):
    crawler = get_crawler(Spider, {"HTTPCACHE_DIR": str(folder)})
    spider = Spider("reports")
    spider.crawler = crawler
    storage = cls(crawler.settings)
    storage.open_spider(spider)
    return storage, spider


RESPONSES = [
    HtmlResponse("http://127.0.0.11/xxgk/ndbg/index.html", status=200,
                 headers={"ETag": '"5f-1"', "Set-Cookie": ["a=1", "b=2"], "Content-Type": "text/html; charset=gbk"},
                 body="<html>年报</html>".encode("gbk"), flags=["cached"], protocol="HTTP/1.1"),
    Response("http://127.0.0.13/upload/2023.pdf", status=200,
             headers={"Last-Modified": "Mon, 22 Jan 2024 08:00:00 GMT", "Content-Type": "application/pdf"},
             body=b"%PDF-1.7 ..."),
]


@pytest.mark.parametrize("response", RESPONSES, ids=["html", "pdf"])
def test_httpcache_entry_reads_back_as_scrapys_storage_reads_it(tmp_path, response):
    request = Request(response.url)
    read = {}
    for cls in (FilesystemCacheStorage, AtomicFilesystemCacheStorage):
        storage, spider = _storage(cls, tmp_path / cls.__name__)
        storage.store_response(spider, request, response.replace(request=request))
        meta: dict = {}
        cached = storage.retrieve_response(spider, request.replace(meta=meta))
        read[cls] = (type(cached), cached.to_dict(), sorted(meta))
    assert read[AtomicFilesystemCacheStorage] == read[FilesystemCacheStorage]


def test_httpcache_entry_is_one_file(tmp_path):
    storage, spider = _storage(AtomicFilesystemCacheStorage, tmp_path)
    request = Request(RESPONSES[0].url)
    storage.store_response(spider, request, RESPONSES[0])
    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert [p.suffix for p in files] == [ENTRY_SUFFIX]


def test_httpcache_reads_an_entry_in_scrapys_folder_layout(tmp_path):
    request = Request(RESPONSES[0].url)
    old, spider = _storage(FilesystemCacheStorage, tmp_path)
    old.store_response(spider, request, RESPONSES[0])
    new, spider = _storage(AtomicFilesystemCacheStorage, tmp_path)
    assert new.retrieve_response(spider, request).body == RESPONSES[0].body
    newer = RESPONSES[0].replace(body=b"<html>edited</html>")
    new.store_response(spider, request, newer)
    assert new.retrieve_response(spider, request).body == b"<html>edited</html>"


def test_httpcache_write_cut_short_leaves_no_entry(tmp_path):
    """A crawl killed mid-write leaves only its temporary file, which is never read as the entry."""
    storage, spider = _storage(AtomicFilesystemCacheStorage, tmp_path)
    request = Request(RESPONSES[0].url)
    final = storage._entry_path(spider, request)
    final.parent.mkdir(parents=True)
    (final.parent / f".{final.name}.tmp-12345").write_bytes(b"\x80\x05\x95 cut")
    assert storage.retrieve_response(spider, request) is None
