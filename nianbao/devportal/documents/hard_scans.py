"""The hard scan set: scanned reports made harder than `scans.scan_pdf`'s office scan, to measure
OCR on pages it was not fitted to (issue 13).

Sources, each with its expected table cells:
- the seed records (../shared/fixtures/seeds/*.expected.json) and the fixture records
  (tests/fixtures/parsing/*.expected.json whose three tables are complete), rendered as report
  PDFs in one of several CJK fonts, their tables drawn with or without ruling lines;
- the real PDFs (../shared/fixtures/real/*.pdf; expected records tests/fixtures/real/ and
  tests/fixtures/parsing/pdf_huaian_city_2024.expected.json), rasterised as printed.

Each page is then scanned badly: 150-300 dpi, a red seal over a table, turned up to ±2°,
slightly out of square (perspective), uneven light, blur, grain and specks, and saved as JPEG at
quality 30-80 inside an image-only PDF. Everything is drawn from `seed` and the source's id, so
the same seed gives the same bytes.

The set is split into a DEV half (tuning allowed) and an EVALUATION half (never tuned on) by
`half_of`: the parity of the first byte of sha256(source id), fixed before any result was seen.
A source's variants all fall in its half, so no record is tuned on and then evaluated.
"""

from __future__ import annotations

import hashlib
import io
import json
import math
import random
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from PIL import Image, ImageFilter
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from nianbao.devportal.render import ReportTables, _closing, _opening
from parsing import schema
from parsing.schema import APPLICANT_COLUMNS, APPLICATION_ROWS, RESULTS_HEADING

from .pdf import CONTENT_WIDTH, FONT, MARGIN
from .scans import _seal_image
from .tables import FormGrid, active_grid, applications_grid, full_width, review_grid

REPOSITORY = Path(__file__).resolve().parents[3]
SHARED_FIXTURES = REPOSITORY.parent / "shared" / "fixtures"
SEEDS = SHARED_FIXTURES / "seeds"
FIXTURE_RECORDS = REPOSITORY / "tests" / "fixtures" / "parsing"
REAL_RECORDS = [
    *sorted((REPOSITORY / "tests" / "fixtures" / "real").glob("*.expected.json")),
    FIXTURE_RECORDS / "pdf_huaian_city_2024.expected.json",
]
TABLES = ("active", "applications", "review_litigation")

# Fonts: reportlab's CID STSong-Light (not embedded: the rasteriser substitutes a system Song
# face) and three embedded TrueType faces from Debian packages (scripts/setup.sh): a sans
# (文泉驿正黑, fonts-wqy-zenhei), a Ming/Song (AR PL UMing, fonts-arphic-uming) and a Kai
# (AR PL UKai, fonts-arphic-ukai).
# Installing a CJK font system-wide changes what STSong-Light is rasterised as (pdfium searches
# /usr/share/fonts and takes an installed CJK face for it, which moved the other scan tests'
# pages), so scripts/setup.sh unpacks the two AR PL packages into the venv
# (.venv/share/nianbao-fonts), out of pdfium's and fontconfig's sight; reportlab is handed the
# files by path. FONT_ROOTS are searched in order; a caller may extend it.
TTF_FONTS = {
    "WQY-ZenHei": ("wqy/wqy-zenhei.ttc", "fonts-wqy-zenhei"),
    "ARPL-UMing": ("arphic/uming.ttc", "fonts-arphic-uming"),
    "ARPL-UKai": ("arphic/ukai.ttc", "fonts-arphic-ukai"),
}
FONT_ROOTS: list[Path] = [
    Path("/usr/share/fonts/truetype"),
    REPOSITORY / ".venv" / "share" / "nianbao-fonts" / "usr" / "share" / "fonts" / "truetype",
    Path(sys.prefix) / "share" / "nianbao-fonts" / "usr" / "share" / "fonts" / "truetype",
]
FONTS = (FONT, *TTF_FONTS)

DEV, EVALUATION = "dev", "evaluation"


def half_of(source_id: str) -> str:
    """DEV or EVALUATION, by the parity of sha256(source id)'s first byte (fixed rule)."""
    return DEV if hashlib.sha256(source_id.encode("utf-8")).digest()[0] % 2 == 0 else EVALUATION


@cache
def _font(name: str) -> str:
    if name in TTF_FONTS:
        relative, package = TTF_FONTS[name]
        paths = [root / relative for root in FONT_ROOTS if (root / relative).exists()]
        if not paths:
            raise FileNotFoundError(f"{relative} missing under {[str(r) for r in FONT_ROOTS]}: scripts/setup.sh"
                                    f" unpacks Debian's {package} into .venv/share/nianbao-fonts")
        pdfmetrics.registerFont(TTFont(name, str(paths[0]), subfontIndex=0))
    return name


# --- the record side ------------------------------------------------------------------------

def tables_from_expected(expected: dict, agency: str | None = None) -> ReportTables | None:
    """A `ReportTables` holding an expected record's three tables, or None when a cell of the
    form is missing from it (a partial or hybrid record)."""
    fmt = expected.get("format")
    if fmt not in schema.FORMATS:
        return None
    shape = {
        "active": [(row.key, row.columns) for row in schema.ACTIVE_ROWS[fmt]],
        "applications": [(row, APPLICANT_COLUMNS) for row in APPLICATION_ROWS[fmt]],
        "review_litigation": [(group, schema.REVIEW_OUTCOMES) for group in schema.REVIEW_GROUPS],
    }
    tables: dict[str, dict] = {}
    for table, rows in shape.items():
        tables[table] = {}
        for row, columns in rows:
            keys = [f"{table}.{row}.{column}" for column in columns]
            if any(key not in expected for key in keys):
                return None
            tables[table][row] = {column: expected[key] for column, key in zip(columns, keys)}
    return ReportTables(agency or expected.get("agency") or "某某区人民政府办公室", expected.get("year") or 2021, fmt,
                        tables["active"], tables["applications"], tables["review_litigation"])


def table_cells(t: ReportTables) -> dict[str, object]:
    """The dotted table cells of a `ReportTables` (the `*.expected.json` keys)."""
    cells: dict[str, object] = {}
    for table in TABLES:
        for row, columns in getattr(t, table).items():
            for column, value in columns.items():
                cells[f"{table}.{row}.{column}"] = value
    return cells


# --- rendering ------------------------------------------------------------------------------

def _styles(font: str) -> dict[str, ParagraphStyle]:
    return {
        "title": ParagraphStyle("t", fontName=font, fontSize=18, leading=28, alignment=TA_CENTER, spaceAfter=12,
                                wordWrap="CJK"),
        "heading": ParagraphStyle("h", fontName=font, fontSize=14, leading=24, spaceBefore=6, spaceAfter=4,
                                  wordWrap="CJK"),
        "body": ParagraphStyle("b", fontName=font, fontSize=12, leading=20, firstLineIndent=24, wordWrap="CJK"),
        "left": ParagraphStyle("l", fontName=font, fontSize=8.5, leading=11, alignment=TA_LEFT, wordWrap="CJK",
                               rightIndent=8.5),
        "center": ParagraphStyle("c", fontName=font, fontSize=8.5, leading=11, alignment=TA_CENTER,
                                 wordWrap="CJK"),
    }


def _table(grid: FormGrid, styles: dict[str, ParagraphStyle], ruled: bool) -> Table:
    """`pdf.pdf_table`'s table in another font; unruled, only the cells' placement shows it."""
    data = []
    for r, row in enumerate(grid.cells):
        out = []
        for c, text in enumerate(row):
            left = r >= grid.header_rows and c < grid.label_columns and text != RESULTS_HEADING
            out.append(Paragraph(escape(text), styles["left" if left else "center"]) if text else "")
        data.append(out)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 2.5),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2.5),
        ("TOPPADDING", (0, 0), (-1, -1), 3.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3.5),
        *[("SPAN", (c0, r0), (c1, r1)) for c0, r0, c1, r1 in grid.spans],
    ]
    if ruled:
        style.append(("GRID", (0, 0), (-1, -1), 0.6, colors.black))
    return Table(data, colWidths=[w * CONTENT_WIDTH for w in grid.widths], style=TableStyle(style))


def render_report(t: ReportTables, font: str, ruled: bool) -> bytes:
    """The report as `pdf.render_pdf` lays it out (title, 一…六, the three tables), in `font`."""
    s = _styles(_font(font))
    para = lambda text, style="body": Paragraph(escape(full_width(text)), s[style])  # noqa: E731
    opening, closing = _opening(t), _closing()
    story: list = [Paragraph(escape(t.title), s["title"]), para(opening[1], "heading"), para(opening[2]),
                   para(opening[3]), para(opening[4], "heading"), _table(active_grid(t), s, ruled), Spacer(1, 8),
                   para(schema.SECTION_TITLES["applications"], "heading"), _table(applications_grid(t), s, ruled),
                   Spacer(1, 8), para(schema.SECTION_TITLES["review_litigation"], "heading"),
                   _table(review_grid(t), s, ruled), Spacer(1, 8),
                   para(closing[0], "heading"), para(closing[1]), para(closing[2], "heading"), para(closing[3])]
    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=60, bottomMargin=60,
                      invariant=1).build(story)
    return buf.getvalue()


# --- scanning -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Degradation:
    """How one document is scanned (every page alike, as one pass through one scanner)."""

    dpi: int
    jpeg_quality: int
    angle: float  # degrees
    perspective: float  # largest corner displacement, as a fraction of the page's width
    grain: float  # gaussian noise's standard deviation, in grey levels
    specks: float  # fraction of pixels flipped black or white
    light: float  # darkest corner's light, 1 = even
    blur: float  # gaussian blur radius in pixels at the scan's dpi
    seal: bool

    @classmethod
    def draw(cls, rng: random.Random) -> Degradation:
        return cls(
            dpi=rng.choice([150, 180, 200, 240, 300]),
            jpeg_quality=rng.randint(30, 80),
            angle=round(rng.uniform(-2.0, 2.0), 2),
            perspective=round(rng.uniform(0.0, 0.012), 4),
            grain=round(rng.uniform(3.0, 12.0), 1),
            specks=round(rng.uniform(0.0, 0.004), 4),
            light=round(rng.uniform(0.7, 0.95), 2),
            blur=round(rng.uniform(0.0, 0.9), 2),
            seal=rng.random() < 0.8,
        )


_SEAL_WORDS = ("本年新收", "申请人情况", "信息内容", "行政复议")


def _seal_spot(pdf: bytes) -> tuple[int, float, float] | None:
    """(page, x, y in points) where the seal goes: over the right part of the first table (found
    by its ruling lines, or by a word of its labels when it has none)."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for i, page in enumerate(doc.pages):
            tables = page.find_tables()
            if tables:
                x0, top, x1, bottom = tables[0].bbox
                return i, x1 - (x1 - x0) * 0.22, bottom - min(60.0, (bottom - top) / 2)
        for i, page in enumerate(doc.pages):
            text = page.extract_text() or ""
            for word in _SEAL_WORDS:
                if word in text:
                    hits = page.search(word)
                    if hits:
                        return i, page.width * 0.7, hits[0]["bottom"] + 40
    return None


def _perspective_coefficients(size: tuple[int, int], shift: list[tuple[float, float]]) -> list[float]:
    """PIL's 8 PERSPECTIVE coefficients mapping the output's corners to the input corners moved
    by `shift` (pixels)."""
    w, h = size
    out = [(0, 0), (w, 0), (w, h), (0, h)]
    src = [(x + dx, y + dy) for (x, y), (dx, dy) in zip(out, shift)]
    a = []
    b = []
    for (x, y), (u, v) in zip(out, src):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b += [u, v]
    return [float(c) for c in np.linalg.solve(np.array(a, dtype=np.float64), np.array(b, dtype=np.float64))]


def _light_field(height: int, width: int, darkest: float, rng: np.random.Generator) -> np.ndarray:
    """A smooth light falloff: a linear gradient in a random direction plus a vignette."""
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    theta = rng.uniform(0, 2 * math.pi)
    ramp = (xx / width - 0.5) * math.cos(theta) + (yy / height - 0.5) * math.sin(theta) + 0.5
    radial = ((xx / width - 0.5) ** 2 + (yy / height - 0.5) ** 2) * 2
    fall = np.clip(0.7 * ramp + 0.3 * radial, 0, 1)
    return 1.0 - (1.0 - darkest) * fall


def scan_badly(pdf: bytes, how: Degradation, seed: int, seal_text: str = "政府信息公开") -> bytes:
    """Every page of `pdf` rasterised and degraded as `how` says, as a JPEG-only PDF."""
    rng = np.random.default_rng(seed)
    document = pdfium.PdfDocument(pdf)
    spot = _seal_spot(pdf) if how.seal else None
    stamp = _seal_image(seal_text, how.dpi) if spot else None
    scale = how.dpi / 72
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1)
    for index in range(len(document)):
        page = document[index]
        points = (page.get_width(), page.get_height())
        image = page.render(scale=scale).to_pil().convert("RGB")
        if stamp is not None and spot is not None and spot[0] == index:
            x, y = spot[1] * scale, spot[2] * scale
            image.paste(stamp, (int(x - stamp.width / 2), int(y - stamp.height / 2)), stamp)
        w, h = image.size
        shift = [(float(dx), float(dy)) for dx, dy in rng.uniform(-how.perspective, how.perspective, (4, 2)) * w]
        image = image.transform(image.size, Image.Transform.PERSPECTIVE, _perspective_coefficients(image.size, shift),
                                Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
        image = image.rotate(how.angle, resample=Image.Resampling.BICUBIC, fillcolor=(255, 255, 255))
        if how.blur:
            image = image.filter(ImageFilter.GaussianBlur(how.blur))
        pixels = np.asarray(image, dtype=np.float32)
        paper = np.array([250, 247, 238], dtype=np.float32) / 255  # off-white paper
        pixels = pixels * paper * _light_field(h, w, how.light, rng)[:, :, None]
        pixels += rng.normal(0, how.grain, (h, w))[:, :, None]
        flips = rng.random((h, w))
        pixels[flips < how.specks / 2] = 20
        pixels[(flips >= how.specks / 2) & (flips < how.specks)] = 250
        scanned = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
        jpeg = io.BytesIO()
        scanned.save(jpeg, "JPEG", quality=how.jpeg_quality)
        c.setPageSize(points)
        # reportlab embeds a JPEG as it is (DCTDecode): the artefacts are the ones saved above.
        c.drawImage(ImageReader(io.BytesIO(jpeg.getvalue())), 0, 0, width=points[0], height=points[1])
        c.showPage()
    c.save()
    return buf.getvalue()


# --- the set --------------------------------------------------------------------------------

@dataclass(frozen=True)
class HardScan:
    """One document of the set: where it came from, how it was drawn and scanned, what its
    tables hold."""

    case_id: str
    source_id: str  # the record or real PDF it was made from (the half follows it)
    half: str
    font: str | None  # None: a real PDF, rasterised as printed
    ruled: bool
    how: Degradation
    seed: int
    expected: dict[str, object] = field(repr=False, compare=False)
    _printed: bytes | None = field(default=None, repr=False, compare=False)
    _tables: ReportTables | None = field(default=None, repr=False, compare=False)

    def pdf(self) -> bytes:
        """The scanned PDF (built on each call: a few seconds)."""
        printed = self._printed if self._printed is not None else render_report(self._tables, self.font, self.ruled)
        return scan_badly(printed, self.how, self.seed)


def _sources() -> list[tuple[str, dict, Path | None]]:
    """(source id, expected record, real PDF or None) for every source, seeds first."""
    out: list[tuple[str, dict, Path | None]] = []
    seen: set[str] = set()
    for path in sorted(SEEDS.glob("*.expected.json")) + sorted(FIXTURE_RECORDS.glob("*.expected.json")):
        expected = json.loads(path.read_text(encoding="utf-8"))
        if path.name == "pdf_huaian_city_2024.expected.json" or tables_from_expected(expected) is None:
            continue
        tables = table_cells(tables_from_expected(expected))
        fingerprint = json.dumps(tables, sort_keys=True)
        if fingerprint in seen:  # the same tables in another shape (the huaian DOC and DOCX)
            continue
        seen.add(fingerprint)
        kind = "seed" if path.parent == SEEDS else "fixture"
        out.append((f"{kind}/{path.name.removesuffix('.expected.json')}", expected, None))
    for path in REAL_RECORDS:
        expected = json.loads(path.read_text(encoding="utf-8"))
        out.append((f"real/{path.name.removesuffix('.expected.json')}", expected,
                    SHARED_FIXTURES / expected["_source"]))
    return out


def hard_scan_set(seed: int = 13) -> list[HardScan]:
    """The set: one document per record source (font and ruling taking turns, so every font
    meets ruled and unruled tables), two per real PDF; degradations drawn from `seed`."""
    scans = []
    for n, (source_id, expected, real) in enumerate(_sources()):
        rng = random.Random(f"{seed}/{source_id}")
        if real is None:
            t = tables_from_expected(expected)
            font, ruled = FONTS[n % len(FONTS)], (n // len(FONTS)) % 2 == 0
            scans.append(HardScan(f"{source_id}@{font}{'' if ruled else '-unruled'}", source_id,
                                  half_of(source_id), font, ruled, Degradation.draw(rng), rng.randrange(2**31),
                                  table_cells(t), _tables=t))
            continue
        cells = {k: v for k, v in expected.items() if k.split(".")[0] in TABLES}
        printed = real.read_bytes()
        for variant in range(2):
            scans.append(HardScan(f"{source_id}@scan{variant}", source_id, half_of(source_id), None, True,
                                  Degradation.draw(rng), rng.randrange(2**31), cells, _printed=printed))
    return scans
