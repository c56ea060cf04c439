"""storage.search.facet_counts: the facets of a query alone equal those its search gives (both
backends), and so do the facets counted from the matches' ids against a table of every version's
facet values (storage.search.facet_table, SQLite: what the web UI keeps per archive state)."""

from __future__ import annotations

import datetime as dt

import pytest

from storage import Archive, CaptureIn
from storage.search import SearchQuery, counted_facets, facet_counts, facet_table, search

UTC = dt.timezone.utc


def test_facets_alone_and_from_the_table_equal_the_searchs(archive: Archive, paths) -> None:
    for index, seed in enumerate(paths.seed_reports()[:6]):
        archive.ingest(CaptureIn(f"https://x.gov.cn/{index}.html", seed.read_bytes(),
                                 dt.datetime(2024, 3, 1 + index, 12, tzinfo=UTC), content_type="text/plain",
                                 agency=f"机关{index % 3}"))
    table = facet_table(archive) if archive.engine.dialect.name == "sqlite" else None  # PostgreSQL: SQL only
    queries = [SearchQuery(""), SearchQuery("公开"), SearchQuery("行政复议"), SearchQuery("复议 OR 诉讼"),
               SearchQuery("公开 -复议"), SearchQuery("公开", year_from=2021, year_to=2023, check_failed=False),
               SearchQuery("公开", all_versions=True, agency="机关1"), SearchQuery("没有这样的词")]
    for query in queries:
        expected = search(archive, SearchQuery(**{**query.__dict__, "facets": True})).facets
        assert facet_counts(archive, query) == expected, query
        if table is not None:
            assert facet_counts(archive, query, table) == expected, query
        # With the matches counted from their ids (the web UI keeps the total with the facets),
        # the search's total is that count and its page is the same as when it counts again.
        counts, total = counted_facets(archive, query, table)
        assert counts == expected, query
        alone = search(archive, query)
        if table is not None:
            assert total == alone.total, query
        else:  # counted in SQL (PostgreSQL): no total comes with them
            assert total is None, query
        assert search(archive, query, total=total) == alone, query
    assert sum(facet_counts(archive, SearchQuery(""), table)["year"].values()) == search(archive, SearchQuery("")).total > 3
