"""Scanned reports: a PDF rasterised page by page, a red official seal (公章) stamped partly over
its first table, each page turned slightly and given gaussian and salt-and-pepper noise, saved
as an image-only PDF with no text layer (what OCR has to read)."""

from __future__ import annotations

import io
import math

import numpy as np
import pdfplumber
import pypdfium2 as pdfium
from PIL import Image
from reportlab.lib import colors
from reportlab.pdfgen import canvas

from .pdf import FONT


def _seal_image(text: str, dpi: int, diameter_mm: float = 42.0) -> Image.Image:
    """A red official seal (公章): ring, five-pointed star, text along the upper arc, as RGBA
    with transparent background. Drawn with reportlab so the CID font supplies the glyphs."""
    size = diameter_mm / 25.4 * 72
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(size, size), invariant=1)
    red = colors.Color(0.85, 0.05, 0.05)
    c.setStrokeColor(red)
    c.setFillColor(red)
    cx = cy = size / 2
    c.setLineWidth(size * 0.035)
    c.circle(cx, cy, size / 2 - size * 0.03, stroke=1, fill=0)
    star_r = size * 0.14
    points = [
        (cx + (star_r if k % 2 == 0 else star_r * 0.38) * math.cos(math.pi / 2 + k * math.pi / 5),
         cy + (star_r if k % 2 == 0 else star_r * 0.38) * math.sin(math.pi / 2 + k * math.pi / 5))
        for k in range(10)
    ]
    path = c.beginPath()
    path.moveTo(*points[0])
    for p in points[1:]:
        path.lineTo(*p)
    path.close()
    c.drawPath(path, stroke=0, fill=1)
    font_size = size * 0.12
    c.setFont(FONT, font_size)
    radius = size / 2 - size * 0.2
    sweep = math.radians(220)
    for i, ch in enumerate(text):
        angle = math.pi / 2 + sweep / 2 - sweep * (i + 0.5) / len(text)
        c.saveState()
        c.translate(cx + radius * math.cos(angle), cy + radius * math.sin(angle))
        c.rotate(math.degrees(angle) - 90)
        c.drawCentredString(0, -font_size / 3, ch)
        c.restoreState()
    c.setFont(FONT, size * 0.08)
    c.drawCentredString(cx, cy - size * 0.3, "专用章")
    c.showPage()
    c.save()
    page = pdfium.PdfDocument(buf.getvalue())[0]
    gray = np.asarray(page.render(scale=dpi / 72).to_pil().convert("RGB"), dtype=np.uint8)
    ink = 255 - gray[:, :, 1].astype(np.float32)  # red ink is where green is missing
    rgba = np.zeros((*ink.shape, 4), dtype=np.uint8)
    rgba[:, :, 0], rgba[:, :, 1], rgba[:, :, 2] = 215, 25, 30
    rgba[:, :, 3] = np.clip(ink * 0.7, 0, 255).astype(np.uint8)  # semi-transparent
    return Image.fromarray(rgba, "RGBA")


def _first_table_bbox(pdf: bytes) -> tuple[int, tuple[float, float, float, float]] | None:
    """(page index, (x0, top, x1, bottom) in points) of the first ruled table in the PDF."""
    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        for i, page in enumerate(doc.pages):
            tables = page.find_tables()
            if tables:
                return i, tables[0].bbox
    return None


def scan_pdf(pdf: bytes, *, dpi: int = 200, noise: float = 0.03, seal: bool = True, seed: int = 0,
             seal_text: str = "政府信息公开") -> bytes:
    """The PDF as a scanner would return it: each page rasterised at `dpi`, a red seal partly
    over the first table, turned by at most 0.5 degrees, with gaussian and salt-and-pepper
    noise (`noise` is the fraction of pixels flipped), saved as an image-only PDF."""
    rng = np.random.default_rng(seed)
    document = pdfium.PdfDocument(pdf)
    seal_at = _first_table_bbox(pdf) if seal else None
    stamp = _seal_image(seal_text, dpi) if seal else None
    scale = dpi / 72
    pages: list[Image.Image] = []
    for index in range(len(document)):
        image = document[index].render(scale=scale).to_pil().convert("RGB")
        if stamp is not None and seal_at is not None and seal_at[0] == index:
            x0, top, x1, bottom = seal_at[1]
            # Centre on the table's right part, low down: the ring covers some value cells.
            cx, cy = (x1 - (x1 - x0) * 0.2) * scale, (bottom - min(60.0, (bottom - top) / 2)) * scale
            image.paste(stamp, (int(cx - stamp.width / 2), int(cy - stamp.height / 2)), stamp)
        angle = float(rng.uniform(-0.5, 0.5))
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, expand=False, fillcolor=(255, 255, 255))
        pixels = np.asarray(image, dtype=np.float32)
        pixels += rng.normal(0, 10, pixels.shape[:2])[:, :, None]
        flips = rng.random(pixels.shape[:2])
        pixels[flips < noise / 2] = 0
        pixels[(flips >= noise / 2) & (flips < noise)] = 255
        pages.append(Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB"))
    buf = io.BytesIO()
    pages[0].save(buf, "PDF", save_all=True, append_images=pages[1:], resolution=float(dpi))
    return buf.getvalue()
