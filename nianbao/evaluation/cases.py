"""Every case of the golden evaluation, each with its input, its expected fields and its half.

Documents: the five shared seeds (../shared/fixtures/seeds/*.txt) and the three real PDFs
(../shared/fixtures/real/*.pdf, expected records under tests/fixtures/). Cases per document:

- the document itself (`seed` or `pdf`);
- for a PDF, the text of each converter (`converted`: tests/fixtures/converted/<doc>.<converter>.*,
  made by scripts/convert_real_documents.sh), expected the PDF's fields;
- every broken-structure variant (`variant`: nianbao/devportal/documents/converted_variants.py),
  built from the document's expected record and its real text (the seed's text, or the PDF's
  `pdftotext -layout` output);
- every collected real document (`collected`: tests/fixtures/collected/<name>.<html|md|txt>, with
  <name>.expected.json beside it): real reports found as text in public repositories (markdown
  conversions, crawler text, portal HTML), saved as found and typed by hand from the source. Their
  expected files leave out the cells the source does not determine, so they get no variants.

Halves, fixed by document (issue 13): EVALUATION is hongze_district_2024 and the seeds
001_50ced4fe608d0220 and 003_9844fa13dd042d5a, with every converter output and variant of them;
it is never tuned on. DEV is everything else. A collected document's half is fixed by its name
alone, by a rule set before any of them was parsed: EVALUATION when int(sha256(name), 16) is even
(`collected_half`), DEV when odd. That rule is the first batch's. The second batch
(`SECOND_BATCH_DEV`) is all DEV: collected after the evaluation half was measured, to give the dev
half the shapes it lacked (glued page text of the 2021 format, a 2019-format portal HTML, …)
without touching the held-out half.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from hashlib import sha256
from pathlib import Path
from typing import Any

from parsing import Record, parse_report
from nianbao.devportal.documents.converted_variants import render_variant, shapes_for, variant_expected

from .scoring import fields_of

REPOSITORY = Path(__file__).resolve().parents[2]  # nianbao/evaluation/ -> the repository
SHARED_FIXTURES = REPOSITORY.parent / "shared" / "fixtures"
SEEDS = SHARED_FIXTURES / "seeds"
FIXTURES = REPOSITORY / "tests" / "fixtures"
CONVERTED = FIXTURES / "converted"
COLLECTED = FIXTURES / "collected"
COLLECTED_SUFFIXES: tuple[str, ...] = (".html", ".md", ".txt")
# The real PDFs' expected records (huaian's stays where test_golden.py reads it).
PDF_EXPECTED: dict[str, Path] = {
    "hongze_district_2023": FIXTURES / "real" / "hongze_district_2023.expected.json",
    "hongze_district_2024": FIXTURES / "real" / "hongze_district_2024.expected.json",
    "huaian_city_2024": FIXTURES / "parsing" / "pdf_huaian_city_2024.expected.json",
}
# The converters of scripts/convert_real_documents.sh, by the suffix of the files they wrote.
CONVERTERS: tuple[str, ...] = (
    "pdftotext.txt", "pdftotext-layout.txt", "pdfminer.txt", "markitdown.md", "pymupdf4llm.md"
)
VARIANT_TEXT_CONVERTER = "pdftotext-layout.txt"  # a PDF's real text for its variants

EVALUATION = "evaluation"
DEV = "dev"


# The second batch of collected documents: all DEV (see the module docstring).
SECOND_BATCH_DEV: frozenset[str] = frozenset({
    "pingtan_2022", "pingtan_2023", "pingtan_2025", "shanghai_office_2019", "shuyang_fgj_2023",
})


def collected_half(name: str) -> str:
    """A collected document's half, from its name alone (the rules in the module docstring)."""
    if name in SECOND_BATCH_DEV:
        return DEV
    return EVALUATION if int(sha256(name.encode("utf-8")).hexdigest(), 16) % 2 == 0 else DEV


def collected_documents() -> list[str]:
    return sorted(p.name.removesuffix(".expected.json") for p in COLLECTED.glob("*.expected.json"))


EVALUATION_DOCUMENTS: frozenset[str] = frozenset(
    {"hongze_district_2024", "001_50ced4fe608d0220", "003_9844fa13dd042d5a"}
    | {d for d in collected_documents() if collected_half(d) == EVALUATION}
)


@dataclass(frozen=True)
class Case:
    """One input to parse and the fields its record must hold."""

    id: str  # <document>/<kind>[/<converter or shape>]
    document: str
    kind: str  # "seed", "pdf", "converted", "variant" or "collected"
    url: str
    expected: dict[str, Any] = field(repr=False, compare=False)
    load: Callable[[], bytes] = field(repr=False, compare=False)

    @property
    def half(self) -> str:
        return EVALUATION if self.document in EVALUATION_DOCUMENTS else DEV

    def parse(self) -> Record:
        return parse_report(self.load(), url=self.url)


@cache
def _json(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"))


def seed_documents() -> list[str]:
    return sorted(p.name.removesuffix(".expected.json") for p in SEEDS.glob("*.expected.json"))


def _reader(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _variant_reader(fields: dict[str, Any], text_path: Path, shape: str) -> Callable[[], bytes]:
    def load() -> bytes:
        return render_variant(fields, text_path.read_text(encoding="utf-8"), shape).encode("utf-8")

    return load


def _variants(document: str, fields: dict[str, Any], text_path: Path) -> list[Case]:
    return [
        Case(f"{document}/variant/{shape}", document, "variant", f"variant:{document}/{shape}.md",
             variant_expected(fields, shape), _variant_reader(fields, text_path, shape))
        for shape in shapes_for(fields)
    ]


def seed_cases(document: str) -> list[Case]:
    text = SEEDS / f"{document}.txt"
    fields = fields_of(_json(SEEDS / f"{document}.expected.json"))
    return [Case(f"{document}/seed", document, "seed", text.as_uri(), fields, _reader(text)),
            *_variants(document, fields, text)]


def pdf_cases(document: str) -> list[Case]:
    expected = _json(PDF_EXPECTED[document])
    fields = fields_of(expected)
    pdf = SHARED_FIXTURES / expected["_source"]
    cases = [Case(f"{document}/pdf", document, "pdf", pdf.as_uri(), fields, _reader(pdf))]
    for converter in CONVERTERS:
        path = CONVERTED / f"{document}.{converter}"
        name = converter.rsplit(".", 1)[0]
        cases.append(Case(f"{document}/converted/{name}", document, "converted", path.as_uri(), fields, _reader(path)))
    return cases + _variants(document, fields, CONVERTED / f"{document}.{VARIANT_TEXT_CONVERTER}")


def collected_source(document: str) -> Path:
    """The one saved source beside a collected document's expected file."""
    sources = [COLLECTED / f"{document}{suffix}" for suffix in COLLECTED_SUFFIXES
               if (COLLECTED / f"{document}{suffix}").is_file()]
    if len(sources) != 1:
        raise FileNotFoundError(f"collected document {document}: expected one source, found {sources}")
    return sources[0]


def collected_cases(document: str) -> list[Case]:
    source = collected_source(document)
    fields = fields_of(_json(COLLECTED / f"{document}.expected.json"))
    return [Case(f"{document}/collected", document, "collected", source.as_uri(), fields, _reader(source))]


def variant_sources() -> dict[str, tuple[dict[str, Any], Path]]:
    """Every document's expected fields and the real text its variants are built from."""
    sources = {d: (fields_of(_json(SEEDS / f"{d}.expected.json")), SEEDS / f"{d}.txt") for d in seed_documents()}
    for document, expected in sorted(PDF_EXPECTED.items()):
        sources[document] = (fields_of(_json(expected)), CONVERTED / f"{document}.{VARIANT_TEXT_CONVERTER}")
    return sources


def all_cases() -> list[Case]:
    """Every case, seeds first, then the real PDFs, then the collected documents; each document's
    cases together."""
    cases: list[Case] = []
    for document in seed_documents():
        cases += seed_cases(document)
    for document in sorted(PDF_EXPECTED):
        cases += pdf_cases(document)
    for document in collected_documents():
        cases += collected_cases(document)
    return cases
