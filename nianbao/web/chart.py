"""Bar charts as geometry an inline SVG template draws (templates/_chart.html): no script, no
inline style (the UI's CSP allows neither), nothing fetched.

`bar_chart` lays out one mark per row: horizontal bars for agencies and regions (their names are
long), vertical columns for years (time runs left to right). A row without a value keeps its place
and its label, with a zero-length mark and the text "—", so the chart and the table list the
same rows. Every mark carries its value as text, the axes carry their labels and a few ticks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

LABEL_CHARS = 14  # a longer name is cut with "…" (the whole name stays in the mark's <title>)
ROW = 24  # a horizontal bar's band
LABEL_WIDTH = 200
PLOT_WIDTH = 380
VALUE_ROOM = 70  # right of the longest bar, for its value
COLUMN = 44  # a vertical column's band
PLOT_HEIGHT = 200
TOP, BOTTOM_AXIS = 34, 48
MIN_WIDTH = 520


@dataclass(frozen=True)
class Mark:
    label: str  # the row's whole name
    short: str  # as drawn
    value: float | int | None
    text: str  # the value as shown ("—" for none)
    x: float
    y: float
    width: float
    height: float
    text_x: float
    text_y: float
    label_x: float
    label_y: float


@dataclass(frozen=True)
class Tick:
    value: float
    text: str
    x1: float
    y1: float
    x2: float
    y2: float
    text_x: float
    text_y: float


@dataclass(frozen=True)
class Chart:
    title: str
    value_axis: str  # what the bars measure
    group_axis: str  # what the rows are
    vertical: bool
    width: int
    height: int
    marks: tuple[Mark, ...]
    ticks: tuple[Tick, ...] = field(default=())
    # the axes' own lines and labels
    axis: tuple[float, float, float, float] = (0, 0, 0, 0)
    value_axis_at: tuple[float, float] = (0, 0)
    group_axis_at: tuple[float, float] = (0, 0)


def nice_ticks(top: float, most: int = 5) -> list[float]:
    """0 and round steps (1, 2 or 5 × 10^n) up to at least `top`, at most `most` + 1 of them."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / most
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    count = math.ceil(top / step - 1e-9)
    return [step * i for i in range(count + 1)]


def _tick_text(value: float) -> str:
    return f"{value:g}" if value < 1e6 else f"{value:.3g}"


def _short(label: str) -> str:
    return label if len(label) <= LABEL_CHARS else label[: LABEL_CHARS - 1] + "…"


def bar_chart(title: str, value_axis: str, group_axis: str, rows: list[tuple[str, float | int | None, str]],
              *, vertical: bool = False) -> Chart:
    """One mark per row of (label, value or None, value as text); bars from 0 (values are counts,
    sums or shares, never negative: a negative one is drawn as 0 and its text says it)."""
    values = [v for _, v, _ in rows if v is not None]
    ticks = nice_ticks(max(values, default=0))
    top = ticks[-1] or 1
    marks, drawn_ticks = [], []
    if not vertical:
        left, plot = LABEL_WIDTH, PLOT_WIDTH
        height = TOP + ROW * max(len(rows), 1) + BOTTOM_AXIS
        base_y = TOP + ROW * max(len(rows), 1)
        for i, (label, value, text) in enumerate(rows):
            length = plot * max(value or 0, 0) / top
            y = TOP + i * ROW + 4
            marks.append(Mark(label, _short(label), value, text, left, y, round(length, 2), ROW - 8,
                              round(left + length + 4, 2), y + ROW - 12, left - 6, y + ROW - 12))
        for tick in ticks:
            x = round(left + plot * tick / top, 2)
            drawn_ticks.append(Tick(tick, _tick_text(tick), x, TOP, x, base_y + 4, x, base_y + 18))
        return Chart(title, value_axis, group_axis, False, left + plot + VALUE_ROOM, height, tuple(marks),
                     tuple(drawn_ticks), (left, TOP, left, base_y), (left + plot / 2, base_y + 38),
                     (12, TOP + (base_y - TOP) / 2))
    left, top_y = 70, TOP + 18  # room for the value axis's label, written level above the plot
    width = max(left + COLUMN * max(len(rows), 1) + 20, MIN_WIDTH)
    base_y = top_y + PLOT_HEIGHT
    band = (width - 20 - left) / max(len(rows), 1)  # a few years spread over the plot, not huddled left
    bar = COLUMN - 16
    for i, (label, value, text) in enumerate(rows):
        length = PLOT_HEIGHT * max(value or 0, 0) / top
        x = round(left + i * band + (band - bar) / 2, 2)
        marks.append(Mark(label, _short(label), value, text, x, round(base_y - length, 2), bar,
                          round(length, 2), x + bar / 2, round(base_y - length - 5, 2), x + bar / 2, base_y + 16))
    for tick in ticks:
        y = round(base_y - PLOT_HEIGHT * tick / top, 2)
        drawn_ticks.append(Tick(tick, _tick_text(tick), left - 4, y, width - 20, y, left - 8, y + 4))
    return Chart(title, value_axis, group_axis, True, width, base_y + BOTTOM_AXIS, tuple(marks), tuple(drawn_ticks),
                 (left, base_y, width - 20, base_y), (4, TOP + 8), (left + (width - 20 - left) / 2, base_y + 38))
