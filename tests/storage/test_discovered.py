"""Discovered columns in the archive (storage.discovered), on SQLite and PostgreSQL: stored with
their evidence, reused, marked moved, and the move recorded when discovery finds the column again."""

from __future__ import annotations

import datetime as dt

from storage.discovered import ColumnIn, active_columns, discovered_columns, mark_moved, record_discovery

AGENCY = "某县人民政府"
PORTAL = "http://www.mouxian.gov.cn/"
FIRST = dt.datetime(2031, 4, 1, 8, 0, tzinfo=dt.UTC)
LATER = FIRST + dt.timedelta(days=30)


def _column(url: str, role: str, text: str) -> ColumnIn:
    evidence = [{"page": PORTAL, "url": PORTAL + "zwgk/", "text": "政务公开", "kind": "platform", "score": 2.0,
                 "reasons": ["titled '政务公开'"]},
                {"page": PORTAL + "zwgk/", "url": url, "text": text, "kind": role, "score": 3.0, "reasons": ["…"]}]
    return ColumnIn(url, role, evidence, reports_listed=1, platform="trs")


ROOT = _column(PORTAL + "zwgk/nb/", "column", "政府信息公开年报")
YEAR = _column(PORTAL + "zwgk/nb/gknb2023/", "year", "2023年")


def test_record_discovery_stores_columns_with_their_evidence(archive) -> None:
    record_discovery(archive, AGENCY, PORTAL, [ROOT, YEAR], FIRST)
    stored = discovered_columns(archive)
    assert [(c.agency, c.url, c.role, c.status, c.platform) for c in stored] == [
        (AGENCY, ROOT.url, "column", "active", "trs"), (AGENCY, YEAR.url, "year", "active", "trs")]
    assert stored[1].evidence == YEAR.evidence and stored[1].label == "2023年"
    assert stored[0].first_seen_at == FIRST
    assert active_columns(archive, [AGENCY]) == {AGENCY: [ROOT.url, YEAR.url]}


def test_record_discovery_again_renews_a_known_column(archive) -> None:
    record_discovery(archive, AGENCY, PORTAL, [ROOT], FIRST)
    record_discovery(archive, AGENCY, PORTAL, [ROOT], LATER)
    (column,) = discovered_columns(archive)
    assert (column.first_seen_at, column.last_seen_at) == (FIRST, LATER)


def test_a_moved_column_is_not_read_and_its_replacement_records_the_move(archive) -> None:
    record_discovery(archive, AGENCY, PORTAL, [ROOT, YEAR], FIRST)
    assert mark_moved(archive, AGENCY, YEAR.url, "HTTP 404", LATER)
    assert active_columns(archive, [AGENCY]) == {AGENCY: [ROOT.url]}
    new_year = _column(PORTAL + "zwgk/nb/2023n/", "year", "2023年")
    record_discovery(archive, AGENCY, PORTAL, [ROOT, new_year], LATER)
    by_url = {c.url: c for c in discovered_columns(archive)}
    assert (by_url[YEAR.url].status, by_url[YEAR.url].moved_why, by_url[YEAR.url].moved_to) == (
        "moved", "HTTP 404", new_year.url)
    assert by_url[YEAR.url].moved_at == LATER
    assert by_url[new_year.url].moved_from == YEAR.url
    assert active_columns(archive, [AGENCY]) == {AGENCY: [ROOT.url, new_year.url]}


def test_a_move_is_matched_by_year_not_by_order(archive) -> None:
    y2022 = _column(PORTAL + "zwgk/nb/gknb2022/", "year", "2022年")
    record_discovery(archive, AGENCY, PORTAL, [YEAR, y2022], FIRST)
    mark_moved(archive, AGENCY, y2022.url, "redirected away to the home page", LATER)
    new_2023 = _column(PORTAL + "zwgk/nb/x2023/", "year", "2023年")
    new_2022 = _column(PORTAL + "zwgk/nb/x2022/", "year", "2022年")
    record_discovery(archive, AGENCY, PORTAL, [new_2023, new_2022], LATER)
    by_url = {c.url: c for c in discovered_columns(archive)}
    assert by_url[y2022.url].moved_to == new_2022.url
    assert by_url[new_2023.url].moved_from is None


def test_mark_moved_refuses_an_unknown_column(archive) -> None:
    record_discovery(archive, AGENCY, PORTAL, [ROOT], FIRST)
    assert not mark_moved(archive, AGENCY, PORTAL + "elsewhere/", "HTTP 404", LATER)
    assert not mark_moved(archive, "另一县人民政府", ROOT.url, "HTTP 404", LATER)
