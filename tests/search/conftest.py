"""Search test fixtures: the storage tests' `archive` (every test on SQLite and on PostgreSQL),
a small corpus of real seed reports with marked sentences, agencies, regions and kinds
(`corpus`, `corpus_entries`), and the helpers that fill and read an archive, as fixtures:
`seed_body`, `ingest`, `set_agency`, `set_value`, `version_texts`."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from sqlalchemy.orm.attributes import flag_modified

from storage import Archive, CaptureIn
from storage.models import Agency, Report, ReportVersion

UTC = dt.UTC


def ingest(archive: Archive, url: str, body: bytes, *, day: int = 1, agency: str | None = None,
           content_type: str = "text/plain", parse: bool = True):
    return archive.ingest(CaptureIn(url, body, dt.datetime(2024, 3, day, 12, tzinfo=UTC),
                                    content_type=content_type, agency=agency), parse=parse)


def set_agency(archive: Archive, name: str, region: str | None, kind: str | None) -> None:
    with archive.session() as session, session.begin():
        agency = session.scalar(select(Agency).where(Agency.name == name))
        agency.region, agency.kind = region, kind


def set_value(archive: Archive, url: str, path: str, value, *, delete: bool = False) -> None:
    """Write one value into the report's every version (a hand-built archive)."""
    *parents, leaf = path.split(".")
    with archive.session() as session, session.begin():
        for version in session.scalars(select(ReportVersion).join(Report).where(Report.url == url)):
            record = copy.deepcopy(version.record)
            node = record
            for part in parents:
                node = node.setdefault(part, {})
            if delete:
                node.pop(leaf, None)
            else:
                node[leaf] = value
            version.record = record
            flag_modified(version, "record")


@dataclass(frozen=True)
class Corpus:
    archive: Archive
    urls: dict[str, str]  # key -> report URL

    def version_texts(self, current_only: bool = True) -> dict[int, str]:
        return version_texts(self.archive, current_only)


# key: (seed, marked sentence, agency, region, kind)
CORPUS = {
    "a": (0, "本局试点开展蜂鸟计划，行政复议纠正案件三件。", "甲局", "江苏省/淮安市/清江浦区", "department"),
    "b": (1, "蜂鸟计划之外，本单位行政复议案件无。", "乙局", "江苏省/淮安市", "department"),
    "c": (2, "全年办理資訊公開申請，依申请公开答复规范。", "丙政府", "江苏省/宿迁市", "government"),
    "d": (3, "ＡＢＣ１２３平台上线，行政处罚决定一律公开。", "丁政府", "福建省/福州市", "government"),
    "e": (4, "", "戊局", None, None),
}


@pytest.fixture(name="seed_body", scope="session")
def seed_body_fixture(paths) -> Callable[..., bytes]:
    """`seed_body(index, extra="")`: seed report `index` as text, with `extra` as the first
    paragraph of 一、总体情况."""
    seed_files = paths.seed_reports()

    def seed_body(index: int, extra: str = "") -> bytes:
        text = seed_files[index].read_text(encoding="utf-8")
        if extra:
            text = text.replace("一、总体情况\n", f"一、总体情况\n{extra}\n", 1)
        return text.encode("utf-8")

    return seed_body


@pytest.fixture(name="ingest", scope="session")
def ingest_fixture() -> Callable:
    """`ingest(archive, url, body, *, day=1, agency=None, content_type="text/plain", parse=True)`:
    a capture on 2024-03-`day`, ingested."""
    return ingest


@pytest.fixture(name="set_agency", scope="session")
def set_agency_fixture() -> Callable[[Archive, str, str | None, str | None], None]:
    """`set_agency(archive, name, region, kind)`."""
    return set_agency


@pytest.fixture(name="set_value", scope="session")
def set_value_fixture() -> Callable[..., None]:
    """`set_value(archive, url, path, value, delete=False)`: one record value in every version of a report."""
    return set_value


@pytest.fixture(name="version_texts", scope="session")
def version_texts_fixture() -> Callable[..., dict[int, str]]:
    """`version_texts(archive, current_only=True)`: version id -> text, for a brute-force oracle."""
    return version_texts


@pytest.fixture(scope="session")
def corpus_entries() -> dict[str, tuple]:
    """The corpus: key -> (seed, marked sentence, agency, region, kind)."""
    return CORPUS


@pytest.fixture
def corpus(archive: Archive, seed_body) -> Corpus:
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

