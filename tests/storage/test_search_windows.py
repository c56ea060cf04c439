"""PostgreSQL search through the windows of each text's parts (storage.search_index: search_parts
and nianbao_windows): the same matches and totals as SQLite's FTS5 and as a brute-force oracle
for terms of every length (1, 2, 3, 6 and more characters), phrases, OR and NOT; exact across
the seams between parts; kept in step on new versions, deletion and reindex."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from sqlalchemy import create_engine, select, text

from storage import Archive, CaptureIn, search_index
from storage.models import Report
from storage.search import SearchQuery, search
from storage.search_syntax import And, Not, Or, Term, parse_query
from storage.textnorm import normalize

UTC = dt.timezone.utc

# Extra paragraphs, one per seed report: rare words, punctuation a tsquery would parse, and a
# phrase longer than a window in only some reports.
EXTRAS = [
    "本局试点开展蜂鸟计划，行政复议纠正案件三件。代号a'b\\c。",
    "蜂鸟计划之外，本单位行政复议案件无。代号a'b\\d。",
    "全年办理資訊公開申請，依申请公开答复规范。",
    "ＡＢＣ１２３平台上线，行政处罚决定一律公开。蜂鸟在列。",
    "",
    "本局试点开展鲲鹏计划，政府信息公开工作平稳。",
]

QUERIES = [
    "罚", "蜂", "2", "a",                      # 1 character
    "复议", "蜂鸟", "资讯", "abc", "12",         # 2 characters (abc: 3)
    "依申请", "蜂鸟计", "a'b", "b\\c", "'b\\",   # 3 characters, some a tsquery would parse
    "政府信息公开", "行政复议纠正", "蜂鸟计划之外",  # 6 characters
    "行政复议纠正案件", "政府信息公开工作", "本局试点开展鲲鹏计划", "代号a'b\\c。",  # longer
    "没有这样的词语", "蜂鸟计划之内", "x:*", "b\\c:*", "a'b'|'公开",  # absent, or a tsquery's syntax
    '"行政 复议" 纠正', "蜂鸟 OR 鲲鹏", "公开 -复议", "(蜂鸟 OR 处罚) AND 2023", "NOT 蜂鸟计划",
    "行政复议纠正案件 OR 罚", "-\"a'b\" 公开", "蜂鸟计划之外 OR 依申请公开答复",
]


def _holds(node, normalized: str) -> bool:
    if isinstance(node, Term):
        return node.text in normalized
    if isinstance(node, Not):
        return not _holds(node.part, normalized)
    if isinstance(node, And):
        return all(_holds(part, normalized) for part in node.parts)
    assert isinstance(node, Or)
    return any(_holds(part, normalized) for part in node.parts)


def _ingest(archive: Archive, url: str, body: bytes, day: int, agency: str) -> None:
    archive.ingest(CaptureIn(url, body, dt.datetime(2024, 3, day, 12, tzinfo=UTC),
                             content_type="text/plain", agency=agency))


def _fill(archive: Archive, seeds: list[Path]) -> None:
    for index, extra in enumerate(EXTRAS):
        body = seeds[index % len(seeds)].read_text(encoding="utf-8")
        if extra:
            body = body.replace("一、总体情况\n", f"一、总体情况\n{extra}\n", 1)
        _ingest(archive, f"https://x.gov.cn/{index}.html", body.encode(), 1 + index, f"机关{index % 3}")
    # A second version of report 0 (one more sentence): its first version is found with all_versions only.
    body = seeds[0].read_text(encoding="utf-8").replace("一、总体情况\n", f"一、总体情况\n{EXTRAS[0]}鲲鹏改版。\n", 1)
    _ingest(archive, "https://x.gov.cn/0.html", body.encode(), 20, "机关0")


def _matches(archive: Archive, query: str, all_versions: bool) -> tuple[int, list[int]]:
    result = search(archive, SearchQuery(query, per_page=200, all_versions=all_versions))
    return result.total, sorted(hit.version_id for hit in result.hits)


def _texts(archive: Archive, all_versions: bool) -> dict[int, str]:
    """Version id -> normalised text: every version, or the current ones (Archive.latest_versions())."""
    if all_versions:
        with archive.engine.connect() as connection:
            texts = dict(connection.execute(text("SELECT id, text FROM report_versions")).all())
    else:
        texts = {version.id: version.text for _, version, _ in archive.latest_versions()}
    return {vid: normalize(body) for vid, body in texts.items()}


def _oracle(texts: dict[int, str], query: str) -> list[int]:
    node = parse_query(query)
    return sorted(vid for vid, body in texts.items() if _holds(node, body))


def test_search_postgresql_and_sqlite_find_the_same_versions_as_the_oracle(
        tmp_path: Path, fresh_postgres_url: str, paths) -> None:
    seeds = paths.seed_reports()
    archives = {}
    try:
        for name, url in (("sqlite", f"sqlite:///{tmp_path / 'sqlite' / 'nianbao.sqlite3'}"),
                          ("postgresql", fresh_postgres_url)):
            (tmp_path / name).mkdir()
            archives[name] = Archive.open(tmp_path / name, url)
            _fill(archives[name], seeds)
        texts = {all_versions: _texts(archives["sqlite"], all_versions) for all_versions in (False, True)}
        for all_versions, known in texts.items():  # the same versions under the same ids
            assert _texts(archives["postgresql"], all_versions) == known
        nonempty = 0
        for query in QUERIES:
            for all_versions in (False, True):
                expected = _oracle(texts[all_versions], query)
                for name, archive in archives.items():
                    total, ids = _matches(archive, query, all_versions)
                    assert (total, ids) == (len(expected), expected), (name, query, all_versions)
                nonempty += bool(expected)
        assert nonempty == 2 * len(QUERIES) - 2 * 6  # all but the absent terms and 公开 -复议 find some
    finally:
        for archive in archives.values():
            archive.close()


def test_windows_of_the_parts_find_exactly_the_substrings_of_a_long_text(fresh_postgres_url: str) -> None:
    """The parts and their windows, with the index's own operator: a term of up to WINDOW_CHARS
    characters is found exactly when it is in the text (across the seams between parts too), a
    longer one whenever it is there (its pieces are a necessary condition)."""
    rng = random.Random(17)
    alphabet = "政府信息公开工作年度报告复议诉讼a'\\:*&|!()"
    body = "".join(rng.choice(alphabet) for _ in range(2 * search_index.PART_STEP + 500))
    parts = search_index.text_parts(body)
    assert len(parts) == 3 and "".join(p[: search_index.PART_STEP] for p in parts) == body
    seams = [search_index.PART_STEP * n for n in (1, 2)]
    terms = set()
    for length in (3, 4, 6, 7, 13, 40, 100):
        for seam in seams:  # straddling each seam, at every offset
            terms.update(body[start : start + length] for start in range(seam - length + 1, seam))
        terms.update(body[start : start + length] for start in rng.sample(range(len(body) - length), 30))
        terms.update("".join(rng.choice(alphabet) for _ in range(length)) for _ in range(30))  # mostly absent
    terms.update({body[-3:], body[-6:], body[:6]})
    engine = create_engine(fresh_postgres_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("CREATE TEMPORARY TABLE t (part text)"))
            connection.execute(text("INSERT INTO t VALUES (:part)"), [{"part": p} for p in parts])
            connection.execute(text("CREATE TEMPORARY TABLE w AS SELECT nianbao_windows(part) AS w FROM t"))
            found = {term: connection.scalar(text("SELECT bool_or(w @@ CAST(:q AS tsquery)) FROM w"),
                                             {"q": search_index.windows_query(term)}) for term in sorted(terms)}
    finally:
        engine.dispose()
    present = 0
    for term, hit in found.items():
        if search_index.windows_exact(term):
            assert hit == (term in body), term
        else:
            assert hit or term not in body, term
        present += term in body
    assert present > len(terms) // 2


def test_search_postgresql_index_follows_new_versions_deletion_and_reindex(
        tmp_path: Path, fresh_postgres_url: str, paths) -> None:
    archive = Archive.open(tmp_path, fresh_postgres_url)
    try:
        _fill(archive, paths.seed_reports())
        before = {q: _matches(archive, q, True) for q in ("蜂鸟计划", "鲲鹏改版", "行政复议纠正案件", "依申请")}
        assert before["鲲鹏改版"][0] == 1 and before["蜂鸟计划"][0] == 3
        with archive.engine.begin() as connection:
            assert search_index.verify(connection) == []
            parts = connection.scalar(text("SELECT count(*) FROM search_parts"))
            entries = connection.scalar(text("SELECT count(*) FROM search_entries"))
            assert parts == entries == 7
            search_index.retext(connection)  # what `nianbao db reindex` runs: drop, create, fill
            assert search_index.verify(connection) == []
        assert {q: _matches(archive, q, True) for q in before} == before
        with archive.session() as session, session.begin():  # delete report 1 and its versions
            report = session.scalar(select(Report).where(Report.url == "https://x.gov.cn/1.html"))
            session.delete(report)
        with archive.engine.connect() as connection:
            assert connection.scalar(text("SELECT count(*) FROM search_parts")) == 6
            assert search_index.verify(connection) == []
        assert _matches(archive, "蜂鸟计划之外", True) == (0, [])
        assert _matches(archive, "蜂鸟计划", True)[0] == 2
        with archive.engine.begin() as connection:  # a lost part is reported, and repaired by recreate
            connection.execute(text("DELETE FROM search_parts WHERE version_id = (SELECT min(version_id) FROM search_entries)"))
            assert search_index.verify(connection) == ["1 search index entries have no text parts (search_parts)"]
            search_index.recreate(connection)
            assert search_index.verify(connection) == []
        assert _matches(archive, "蜂鸟计划", True)[0] == 2
    finally:
        archive.close()


@pytest.mark.parametrize("term, query", [
    ("政府信息公开", "'政府信息公开':*"),
    ("a'b", "'a''b':*"),
    ("b\\c", "'b\\\\c':*"),
    ("行政复议纠正案件", "'行政复议纠正' & '复议纠正案件'"),
    ("一二三四五六七八九十一二", "'一二三四五六' & '七八九十一二'"),
])
def test_windows_query_prefix_up_to_a_window_and_pieces_beyond(term: str, query: str) -> None:
    assert search_index.windows_query(term) == query
