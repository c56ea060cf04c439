"""Full-text search: every query length, phrases, boolean operators, filters, pages, ranking,
normalisation, errors; each on SQLite and PostgreSQL, checked against a brute-force oracle."""

from __future__ import annotations

import pytest

from storage.search import QueryError, SearchQuery, search, snippet
from storage.textnorm import normalize


def oracle(corpus, predicate, current_only: bool = True) -> set[int]:
    return {vid for vid, text in corpus.version_texts(current_only).items() if predicate(normalize(text))}


def found(archive, text: str, **filters) -> set[int]:
    result = search(archive, SearchQuery(text, per_page=200, **filters))
    assert result.total == len(result.hits)
    return {hit.version_id for hit in result.hits}


@pytest.mark.parametrize("term", [
    "罚", "蜂",                # 1 character: a common one and a rare one
    "复议", "蜂鸟", "资讯",     # 2 characters
    "依申请", "蜂鸟计",         # 3 characters
    "行政复议纠正案件",          # 8 characters
    "政府信息公开工作",          # 8 characters, in every report
])
def test_search_term_of_every_length_matches_substring_oracle(corpus, term: str) -> None:
    expected = oracle(corpus, lambda text: normalize(term) in text)
    assert expected, f"the corpus should contain {term}"
    assert found(corpus.archive, term) == expected


def test_search_absent_terms_find_nothing(corpus) -> None:
    assert found(corpus.archive, "鲲") == set()
    assert found(corpus.archive, "鲲鹏") == set()
    assert found(corpus.archive, "鲲鹏展翅") == set()


def test_search_phrase_with_space_matches_joined_text(corpus) -> None:
    expected = oracle(corpus, lambda text: "行政复议" in text)
    assert found(corpus.archive, '"行政 复议"') == expected
    assert found(corpus.archive, "“行政 复议”") == expected


@pytest.mark.parametrize("query, predicate", [
    ("蜂鸟 复议", lambda t: "蜂鸟" in t and "复议" in t),
    ("蜂鸟 AND 纠正案件", lambda t: "蜂鸟" in t and "纠正案件" in t),
    ("蜂鸟 OR 资讯", lambda t: "蜂鸟" in t or "资讯" in t),
    ("蜂鸟 -试点", lambda t: "蜂鸟" in t and "试点" not in t),  # 纠正: a label of table 四, in every report
    ("蜂鸟 NOT 纠正案件", lambda t: "蜂鸟" in t and "纠正案件" not in t),
    ("NOT 蜂", lambda t: "蜂" not in t),  # 罚: in 行政处罚, a label of table 二, in every report
    ("(蜂鸟 OR abc123) 行政", lambda t: ("蜂鸟" in t or "abc123" in t) and "行政" in t),
    # NOT binds tightest, then AND (implicit), then OR
    ('"abc123" OR 罚 -(蜂鸟 OR 资讯)', lambda t: "abc123" in t or ("罚" in t and not ("蜂鸟" in t or "资讯" in t))),
    ('("abc123" OR 罚) -(蜂鸟 OR 资讯)', lambda t: ("abc123" in t or "罚" in t) and not ("蜂鸟" in t or "资讯" in t)),
])
def test_search_boolean_operators_match_oracle(corpus, query: str, predicate) -> None:
    expected = oracle(corpus, predicate)
    assert found(corpus.archive, query) == expected
    assert 0 < len(expected) < len(corpus.version_texts())  # a query that tells reports apart


def test_search_full_width_and_half_width_find_each_other(corpus) -> None:
    assert len(found(corpus.archive, "abc123")) == 1
    assert found(corpus.archive, "ＡＢＣ１２３") == found(corpus.archive, "abc123")
    assert found(corpus.archive, "Abc") == found(corpus.archive, "abc123")


def test_search_traditional_and_simplified_find_each_other(corpus) -> None:
    simplified = found(corpus.archive, "资讯公开申请")
    assert len(simplified) == 1
    assert found(corpus.archive, "資訊公開申請") == simplified
    assert found(corpus.archive, "資訊") == simplified  # a 2-character traditional term
    traditional_query = found(corpus.archive, "蜂鳥計劃")  # the reports wrote 蜂鸟计划
    assert traditional_query == found(corpus.archive, "蜂鸟计划") and len(traditional_query) == 2


def test_search_snippet_highlights_the_original_text(corpus) -> None:
    [hit] = search(corpus.archive, SearchQuery("資訊公開")).hits
    marked = [segment for segment, matched in hit.snippet if matched]
    assert marked == ["資訊公開"]  # the report's own traditional characters, not the query's
    [hit] = search(corpus.archive, SearchQuery("abc")).hits
    assert [segment for segment, matched in hit.snippet if matched] == ["ＡＢＣ"]


def test_snippet_maps_a_match_across_a_line_break_back_to_the_original() -> None:
    segments = snippet("前文。行政复\n议纠正，后文", ["行政复议"])
    assert [s for s, m in segments if m] == ["行政复 议"]  # whitespace shown as one space
    assert "".join(s for s, _ in segments) == "前文。行政复 议纠正，后文"


def test_search_filters_by_year_agency_region_kind_format_checks(corpus) -> None:
    archive = corpus.archive
    everything = search(archive, SearchQuery("", per_page=200)).hits
    assert len(everything) == 5

    def ids(**filters) -> set[int]:
        return {h.version_id for h in search(archive, SearchQuery("", per_page=200, **filters)).hits}

    def where(predicate) -> set[int]:
        return {h.version_id for h in everything if predicate(h)}

    years = sorted({h.year for h in everything})
    assert len(years) >= 2
    assert ids(year_from=years[0], year_to=years[0]) == where(lambda h: h.year == years[0])
    assert ids(year_from=years[1]) == where(lambda h: h.year >= years[1])
    assert ids(agency="丙政府") == where(lambda h: h.agency == "丙政府") and len(ids(agency="丙政府")) == 1
    assert ids(region="江苏省") == where(lambda h: (h.region or "").startswith("江苏省")) and len(ids(region="江苏省")) == 3
    assert ids(region="江苏省/淮安市") == where(lambda h: h.agency in ("甲局", "乙局"))
    assert ids(region="江苏省/淮安") == set()  # a path prefix, not a string prefix
    assert ids(kind="government") == where(lambda h: h.kind == "government") and len(ids(kind="government")) == 2
    formats = {h.format for h in everything}
    for fmt in formats:
        assert ids(format=fmt) == where(lambda h, fmt=fmt: h.format == fmt)
    assert ids(check_failed=True) == where(lambda h: h.checks_failed > 0)
    assert ids(check_failed=False) == where(lambda h: h.checks_failed == 0)
    assert ids(check_failed=True) | ids(check_failed=False) == ids()
    assert ids(region="江苏省", kind="department") == where(lambda h: h.agency in ("甲局", "乙局"))


def test_search_hit_carries_report_metadata(corpus) -> None:
    [hit] = search(corpus.archive, SearchQuery("资讯公开")).hits
    assert (hit.agency, hit.region, hit.kind) == ("丙政府", "江苏省/宿迁市", "government")
    assert hit.url == corpus.urls["c"]
    assert hit.captured_at.tzinfo is not None and hit.captured_at.utcoffset().total_seconds() == 0
    assert hit.is_current and hit.year and hit.title is None or isinstance(hit.title, str)


def test_search_pages_cover_all_matches_once_with_a_constant_total(corpus) -> None:
    full = search(corpus.archive, SearchQuery("公开", per_page=200))
    assert full.total == 5
    seen = []
    for page in (1, 2, 3):
        result = search(corpus.archive, SearchQuery("公开", page=page, per_page=2))
        assert result.total == 5
        seen += [h.version_id for h in result.hits]
    assert seen == [h.version_id for h in full.hits]
    beyond = search(corpus.archive, SearchQuery("公开", page=9, per_page=2))
    assert beyond.total == 5 and beyond.hits == ()


def test_search_ranks_a_report_that_repeats_the_term_first(archive, ingest, seed_body) -> None:
    ingest(archive, "https://x.gov.cn/once.html", seed_body(0, "蜂鸟计划启动。"))
    ingest(archive, "https://x.gov.cn/often.html", seed_body(1, "蜂鸟计划启动。" * 3 + "蜂鸟计划、蜂鸟计划、蜂鸟计划。"))
    ingest(archive, "https://x.gov.cn/none.html", seed_body(2, "另一项工作。"))
    hits = search(archive, SearchQuery("蜂鸟计划")).hits
    assert [h.url for h in hits] == ["https://x.gov.cn/often.html", "https://x.gov.cn/once.html"]
    assert hits[0].score > hits[1].score


def test_search_facets_count_all_matches(corpus) -> None:
    result = search(corpus.archive, SearchQuery("公开", per_page=1, facets=True))
    assert len(result.hits) == 1
    assert result.facets["kind"] == {"department": 2, "government": 2, "none": 1}
    assert sum(result.facets["year"].values()) == result.total == 5
    assert result.facets["region"]["江苏省/宿迁市"] == 1
    assert sum(result.facets["checks"].values()) == 5
    assert search(corpus.archive, SearchQuery("公开")).facets == {}


@pytest.mark.parametrize("text, says", [
    ('"行政复议', "unbalanced quote"),
    ("(行政复议", "unbalanced parenthesis"),
    ("行政复议)", "unbalanced parenthesis"),
    ("NOT", "after NOT"),
    ("行政 AND", "after AND"),
    ("OR 行政", "found 'OR'"),
    ('"  "', "empty"),
    ("\u200b", "empty"),
    ("，", "punctuation"),
    ("行" * 501, "limit is 500"),
    ("行政复议" * 30, "longer than 100"),
])
def test_search_query_that_cannot_run_raises_query_error(archive, text: str, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        search(archive, SearchQuery(text))


@pytest.mark.parametrize("query, says", [
    (SearchQuery("x", per_page=201), "per_page"),
    (SearchQuery("x", per_page=0), "per_page"),
    (SearchQuery("x", page=0), "page"),
    (SearchQuery("x", kind="ministry"), "kind"),
    (SearchQuery("x", format="2020"), "format"),
    (SearchQuery("x", year_from=2023, year_to=2021), "year range"),
])
def test_search_bad_parameters_raise_query_error(archive, query: SearchQuery, says: str) -> None:
    with pytest.raises(QueryError, match=says):
        search(archive, query)


def test_search_ranks_only_the_newest_matches_within_the_rank_window(archive, ingest, seed_body) -> None:
    ingest(archive, "https://x.gov.cn/often.html", seed_body(1, "蜂鸟计划。" * 5))
    ingest(archive, "https://x.gov.cn/once-old.html", seed_body(0, "蜂鸟计划。"))
    ingest(archive, "https://x.gov.cn/once-new.html", seed_body(2, "蜂鸟计划。"))
    ranked = search(archive, SearchQuery("蜂鸟计划")).hits
    assert ranked[0].url == "https://x.gov.cn/often.html"
    windowed = search(archive, SearchQuery("蜂鸟计划"), rank_window=1).hits
    assert [h.url for h in windowed] == [  # the newest ranked, then the rest newest first
        "https://x.gov.cn/once-new.html", "https://x.gov.cn/once-old.html", "https://x.gov.cn/often.html"]
    assert windowed[0].score > 0 and windowed[1].score == windowed[2].score == 0
    pages = [search(archive, SearchQuery("蜂鸟计划", page=p, per_page=1), rank_window=1) for p in (1, 2, 3, 4)]
    assert [h.url for page in pages for h in page.hits] == [h.url for h in windowed]
    assert {page.total for page in pages} == {3}
