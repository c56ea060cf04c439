"""The golden evaluation's cases (nianbao/evaluation/cases.py): every document, converter output,
variant and collected document is there, each input exists, and the halves are the fixed ones of
issue 13 (collected documents of the first batch: by the sha256 of their name; the second batch:
all dev)."""

from __future__ import annotations

import json
from collections import Counter

from nianbao.evaluation.cases import (
    COLLECTED,
    CONVERTED,
    CONVERTERS,
    DEV,
    EVALUATION,
    PDF_EXPECTED,
    SECOND_BATCH_DEV,
    SHARED_FIXTURES,
    all_cases,
    collected_documents,
    collected_half,
    collected_source,
    seed_documents,
)

DOCUMENTS = [
    "000_1cbfe8eba3cb4c24", "001_50ced4fe608d0220", "002_63ce56ee0dfdf8c9", "003_9844fa13dd042d5a",
    "004_64f6c83b9150245c", "hongze_district_2023", "hongze_district_2024", "huaian_city_2024",
]
FIRST_BATCH = [
    "kewei_shanghai_2024", "pingtan_2019", "pingtan_2020", "pingtan_2021", "pingtan_2024",
    "shanghai_office_2025", "shuyang_county_2025",
]
SECOND_BATCH = [
    "pingtan_2022", "pingtan_2023", "pingtan_2025", "shanghai_office_2019", "shuyang_fgj_2023",
]
COLLECTED_DOCUMENTS = sorted(FIRST_BATCH + SECOND_BATCH)


def test_cases_cover_every_seed_and_every_real_pdf() -> None:
    """Globs find the seeds and the PDFs: a missing file would drop its cases, not fail."""
    assert seed_documents() + sorted(PDF_EXPECTED) == DOCUMENTS
    assert sorted(p.stem for p in (SHARED_FIXTURES / "real").glob("*.pdf")) == sorted(PDF_EXPECTED)
    assert sorted({c.document for c in all_cases()}) == sorted(DOCUMENTS + COLLECTED_DOCUMENTS)


def test_cases_every_converter_output_of_every_pdf_is_a_case() -> None:
    converted = {c.id for c in all_cases() if c.kind == "converted"}
    assert len(converted) == len(PDF_EXPECTED) * len(CONVERTERS) == 15
    for document in PDF_EXPECTED:
        for converter in CONVERTERS:
            assert (CONVERTED / f"{document}.{converter}").is_file()
            assert f"{document}/converted/{converter.rsplit('.', 1)[0]}" in converted


def test_cases_every_document_has_every_variant_it_allows() -> None:
    shapes = Counter(c.id.rsplit("/", 1)[1] for c in all_cases() if c.kind == "variant")
    # hybrid is a 2021-format report printing 2019 rows: every document but the 2019 seed 003
    assert shapes == {"markdown_clean": 8, "torn_labels": 8, "review_three_tables": 8, "active_shifted": 8,
                      "hybrid": 7}


def test_cases_halves_are_fixed_by_document() -> None:
    halves = {c.document: c.half for c in all_cases() if c.kind != "collected"}
    assert sorted(d for d, h in halves.items() if h == EVALUATION) == [
        "001_50ced4fe608d0220", "003_9844fa13dd042d5a", "hongze_district_2024"
    ]
    assert sum(h == DEV for h in halves.values()) == 5


def test_cases_collected_halves_follow_the_name_rule() -> None:
    """First batch, fixed before any collected document was parsed: sha256(name) even -> evaluation.
    The evaluation half is exactly the first batch's five; the second batch adds none to it."""
    halves = {c.document: c.half for c in all_cases() if c.kind == "collected"}
    assert halves == {d: collected_half(d) for d in COLLECTED_DOCUMENTS}
    assert sorted(d for d, h in halves.items() if h == EVALUATION) == [
        "kewei_shanghai_2024", "pingtan_2020", "pingtan_2024", "shanghai_office_2025", "shuyang_county_2025"
    ]


def test_cases_second_batch_is_all_dev() -> None:
    """Collected after the evaluation half was measured: every one is dev, whatever its sha256 parity
    (pingtan_2025's is even, so the name rule alone would have put it in evaluation)."""
    assert sorted(SECOND_BATCH_DEV) == SECOND_BATCH
    halves = {c.document: c.half for c in all_cases() if c.kind == "collected"}
    assert {d: halves[d] for d in SECOND_BATCH} == {d: DEV for d in SECOND_BATCH}


def test_cases_every_collected_document_is_one_case_with_its_source_and_provenance() -> None:
    """A collected document: one source file beside its expected file, saved from a public
    repository whose path and commit the expected file names; every other file in the folder
    belongs to a document."""
    assert collected_documents() == COLLECTED_DOCUMENTS
    cases = {c.document: c for c in all_cases() if c.kind == "collected"}
    assert sorted(cases) == COLLECTED_DOCUMENTS
    named = set()
    for document, case in cases.items():
        source = collected_source(document)
        named |= {source.name, f"{document}.expected.json"}
        assert case.id == f"{document}/collected" and case.url == source.as_uri()
        assert case.load() == source.read_bytes()
        provenance = json.loads((COLLECTED / f"{document}.expected.json").read_text(encoding="utf-8"))["_provenance"]
        # A file whose repository and path the look-ups could not name is cited by its read_file id.
        assert (provenance.get("repo") and provenance.get("path") and len(provenance.get("commit", "")) == 40) or (
            provenance.get("read_file_id", "").isdigit()
        ), document
        assert provenance["what"], document
    assert {p.name for p in COLLECTED.iterdir()} == named


def test_cases_ids_are_unique_and_every_input_loads_with_fields_expected() -> None:
    cases = all_cases()
    assert len({c.id for c in cases}) == len(cases)
    for case in cases:
        assert case.load(), case.id
        assert not any(key.startswith("_") for key in case.expected)
        assert {"format", "year", "applications.total_processed.total"} <= set(case.expected), case.id
