"""Search test fixtures: the storage tests' `archive` (every test on SQLite and on PostgreSQL)
and a small corpus of real seed reports with marked sentences, agencies, regions and kinds."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from storage import Archive, CaptureIn
from storage.models import Agency, ReportVersion
from tests.conftest import SEEDS

UTC = dt.UTC
SEED_FILES = sorted(SEEDS.glob("*.txt"))


def seed_body(index: int, extra: str = "") -> bytes:
    """Seed report `index` as text, with `extra` as the first paragraph of 一、总体情况."""
    text = SEED_FILES[index].read_text(encoding="utf-8")
    if extra:
        text = text.replace("一、总体情况\n", f"一、总体情况\n{extra}\n", 1)
    return text.encode("utf-8")


def ingest(archive: Archive, url: str, body: bytes, *, day: int = 1, agency: str | None = None,
           content_type: str = "text/plain", parse: bool = True):
    return archive.ingest(CaptureIn(url, body, dt.datetime(2024, 3, day, 12, tzinfo=UTC),
                                    content_type=content_type, agency=agency), parse=parse)


def set_agency(archive: Archive, name: str, region: str | None, kind: str | None) -> None:
    with archive.session() as session, session.begin():
        agency = session.scalar(select(Agency).where(Agency.name == name))
        agency.region, agency.kind = region, kind


@dataclass(frozen=True)
class Corpus:
    archive: Archive
    urls: dict[str, str]  # key -> report URL


# key: (seed, marked sentence, agency, region, kind)
CORPUS = {
    "a": (0, "本局试点开展蜂鸟计划，行政复议纠正案件三件。", "甲局", "江苏省/淮安市/清江浦区", "department"),
    "b": (1, "蜂鸟计划之外，本单位行政复议案件无。", "乙局", "江苏省/淮安市", "department"),
    "c": (2, "全年办理資訊公開申請，依申请公开答复规范。", "丙政府", "江苏省/宿迁市", "government"),
    "d": (3, "ＡＢＣ１２３平台上线，行政处罚决定一律公开。", "丁政府", "福建省/福州市", "government"),
    "e": (4, "", "戊局", None, None),
}


@pytest.fixture
def corpus(archive: Archive) -> Corpus:
    urls = {}
    for key, (seed, extra, agency, region, kind) in CORPUS.items():
        url = f"https://www.example.gov.cn/{key}.html"
        result = ingest(archive, url, seed_body(seed, extra), agency=agency)
        assert result.new_version, (key, result)
        set_agency(archive, agency, region, kind)
        urls[key] = url
    return Corpus(archive, urls)


def version_texts(archive: Archive, current_only: bool = True) -> dict[int, str]:
    """version id -> text, for a brute-force oracle (current: Archive.latest_versions())."""
    if current_only:
        return {version.id: version.text for _, version, _ in archive.latest_versions()}
    with archive.session() as session:
        return {v.id: v.text for v in session.scalars(select(ReportVersion))}

