"""Tables printed without ruling lines, read cell by cell: a grid rebuilt from where the numbers
sit, so each value is read again on its own (and witnessed, with the "both" engine) and an unsure
value carries its own warning, as in a ruled table.

A page's words outside the ruled tables arrive as text lines (`ocr_words.reading_order`). A line
ending in numbers is a table line: its label is the words before the numbers, its values the
numbers. The numbers' horizontal centres, over the whole page, give the value columns; a column
position in a table line where no word was found but ink is printed is a number the page pass
missed (a lone 0 is the usual one), read like the others, so a row never loses a cell and shifts
its values. A word box holding several numbers (the detector joined two columns) is cut at its
wide ink gaps.

Without an unruled table on the page (fewer than MIN_TABLE_LINES lines with two values or more),
nothing here applies and the text lines go on as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .labels import table_marker
from .ocr_grid import DARK
from .ocr_words import Word, ink_pixels, join

MIN_TABLE_LINES = 3  # lines ending in numbers that make an unruled table (or one with three numbers)
# A number as the engines give it ("1,523", "36.75", "0", "-2"), digit slips included (see ocr.py).
NUMBER_LIKE = re.compile(r"^[0-9OoD〇○口lI|SBZ,.，。+\-]*[0-9〇○口Oo][0-9OoD〇○口lI|SBZ,.，。+\-]*$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
COLUMN_GAP = 1.2  # column centres further apart than this many text heights are two columns
SPLIT_GAP = 1.0  # an ink gap this many text heights wide parts two numbers
MIN_GLYPH = 0.4  # ink shorter than this many text heights is a speck, not a glyph
BAND = 0.65  # a table line's values are looked for this many text heights above and below its centre
MAX_LABEL_LINES = 3  # lines without numbers (wrapped labels, headers) inside one table
_HEADING = re.compile(r"^[一二三四五六七八九十]{1,2}[、丶，,.．]\S{6,}")
INK_PIXELS = 25  # as ocr.INK_PIXELS: a number's least ink
FAINT_INK = 6  # ink pixels in a column's place that make it a cell to read, not a blank


@dataclass
class ValueBox:
    """A value cell of an unruled table: its box on the page (x0, y0, x1, y1)."""

    x0: int
    y0: int
    x1: int
    y1: int


def _compact(text: str) -> str:
    return text.replace(" ", "").strip(".,，。:：·、'\"")


def number_like(word: Word) -> bool:
    compact = _compact(word["text"])
    return bool(compact) and len(compact) <= 12 and bool(NUMBER_LIKE.match(compact))


def _short(word: Word) -> bool:
    """One or two characters, at most one of them Chinese: a digit an engine misread."""
    compact = _compact(word["text"])
    return 0 < len(compact) <= 2 and len(_CJK.findall(compact)) <= 1


def _width(word: Word) -> float:
    return float(word.get("width", word["height"] * max(len(word["text"]), 1) * 0.6))


def _trailing(line: list[Word]) -> list[Word]:
    """The words a line ends with that are numbers (or a short misread after a number)."""
    out: list[Word] = []
    for word in reversed(line):
        if number_like(word) or (_short(word) and any(number_like(w) for w in line[: line.index(word)])):
            out.append(word)
        else:
            break
    return out[::-1]


def _segments(dark: np.ndarray, y0: int, y1: int, x0: int, x1: int, text_height: float) -> list[tuple[int, int]]:
    """(x0, x1) of each number printed in a strip of a table line: runs of ink columns parted by
    gaps wider than SPLIT_GAP text heights; specks (too short to be a glyph) dropped."""
    strip = dark[y0:y1, x0:x1]
    if strip.size == 0:
        return []
    xs = np.flatnonzero(strip.any(axis=0))
    if len(xs) == 0:
        return []
    parts, start, last = [], xs[0], xs[0]
    for x in xs[1:]:
        if x - last > SPLIT_GAP * text_height:
            parts.append((start, last + 1))
            start = x
        last = x
    parts.append((start, last + 1))
    kept = []
    for a, b in parts:
        ink_rows = np.flatnonzero(strip[:, a:b].any(axis=1))
        if ink_rows[-1] - ink_rows[0] + 1 >= MIN_GLYPH * text_height and strip[:, a:b].sum() > INK_PIXELS:
            kept.append((x0 + a, x0 + b))
    return kept


def _blocks(lines: list[list[Word]], trailing: list[list[Word]]) -> list[list[int]]:
    """The table lines (indexes) grouped into tables: a heading, or more than MAX_LABEL_LINES
    lines without numbers, ends a table."""
    blocks: list[list[int]] = []
    gap = MAX_LABEL_LINES + 1
    for n, (line, values) in enumerate(zip(lines, trailing)):
        if not values:
            gap += 1
            if _HEADING.match(join([w["text"] for w in line])):
                gap = MAX_LABEL_LINES + 1
            continue
        if gap > MAX_LABEL_LINES or not blocks:
            blocks.append([])
        blocks[-1].append(n)
        gap = 0
    return blocks


def _columns(centres: list[list[float]], text_height: float) -> list[float]:
    """The value columns of one table: the centres of the numbers of its lines with two numbers
    or more, clustered."""
    found = sorted(c for line in centres if len(line) >= 2 for c in line)
    return _spaced(_clustered(found, text_height)) if found else []


def _clustered(found: list[float], text_height: float) -> list[float]:
    """The medians of sorted positions grouped where neighbours lie within COLUMN_GAP text
    heights of each other."""
    groups = [[found[0]]]
    for c in found[1:]:
        if c - groups[-1][-1] > COLUMN_GAP * text_height:
            groups.append([c])
        else:
            groups[-1].append(c)
    return [float(np.median(g)) for g in groups]


HEADER_LINES = 3  # lines above a table's first value line searched for its column headers
HEADER_WIDTH = 3.6  # a column's header line is at most this many text heights wide (wider: spanning)
HEADER_EVENNESS = 1.5  # header columns are a form's equal columns: widest gap / narrowest at most this


def _phrases(line: list[Word], text_height: float) -> list[tuple[float, float]]:
    """(centre, width) of a line's words, neighbours closer than half a text height joined (an
    engine that gives one word per character)."""
    spans = sorted((w["x"] - _width(w) / 2, w["x"] + _width(w) / 2) for w in line)
    out: list[list[float]] = []
    for a, b in spans:
        if out and a - out[-1][1] < 0.5 * text_height:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [((a + b) / 2, b - a) for a, b in out]


def _header_columns(lines: list[list[Word]], trailing: list[list[Word]], first: int, values_start: float,
                    columns: list[float], text_height: float) -> list[float] | None:
    """A table's value columns from its header: where the numbers do not show every column (a
    mostly blank table: the dev scans html_trs_xxgk_2019_mostly_blank and text_cellperline_2021
    put a lone value one column off), the column headers right above its first value line
    ("自然人 商业企业 … 总计", "结果维持 … 总计") are centred on the columns. Taken only when
    they are evenly spaced, three or more, and every column the numbers use lies on one of
    them; None otherwise (a spanning header like 行政诉讼 over ten columns breaks the evenness,
    so fewer lines are tried)."""
    for count in range(HEADER_LINES, 0, -1):
        above = [n for n in range(max(first - count, 0), first) if not trailing[n]]
        if len(above) < min(count, first) or any(_HEADING.match(join([w["text"] for w in lines[n]])) for n in above):
            continue
        found = sorted(c for n in above for c, w in _phrases(lines[n], text_height)
                       if c > values_start and w <= HEADER_WIDTH * text_height
                       and _CJK.search(join([x["text"] for x in lines[n]])))
        if len(found) < 3:
            continue
        headed = _clustered(found, text_height)
        gaps = np.diff(headed)
        if len(headed) < 3 or gaps.max() > HEADER_EVENNESS * gaps.min():
            continue
        # A number column off the headers' ends (a header the detector joined to its
        # neighbours, too wide to be taken) must lie on their grid, whole steps away.
        step = float(np.median(gaps))
        for c in columns:
            if any(abs(c - h) <= COLUMN_GAP * text_height for h in headed):
                continue
            k = round((c - headed[0]) / step)
            if abs(headed[0] + k * step - c) > COLUMN_GAP * text_height:
                break
            headed.append(c)
        else:
            return _spaced(sorted(headed))
    return None


def _columns_shown(centres: list[list[float]], columns: list[float], text_height: float) -> bool:
    """Whether the numbers show every column (none put back by `_spaced`), and three or more."""
    found = [c for line in centres if len(line) >= 2 for c in line]
    return len(columns) >= 3 and all(any(abs(c - f) <= COLUMN_GAP * text_height for f in found) for c in columns)


def _spaced(centres: list[float]) -> list[float]:
    """The columns with those no number of the table uses put back: a form's value columns are
    equally wide, so a gap of k column widths between two found columns holds k-1 more (blank
    in every row, or misread everywhere)."""
    if len(centres) < 3:
        return centres
    gaps = np.diff(centres)
    step = float(np.median(gaps[gaps <= 1.3 * gaps.min()]))
    out = [centres[0]]
    for a, b in zip(centres, centres[1:]):
        k = round((b - a) / step)
        if k >= 2 and abs((b - a) / k - step) <= 0.12 * step:
            out.extend(a + (b - a) * i / k for i in range(1, k))
        out.append(b)
    return out


@dataclass
class TableLine:
    """A text line of an unruled table: its label and its value boxes, left to right (None: a
    blank cell, a column position with no ink)."""

    label: str
    values: list[ValueBox | None]
    # The values' columns rest on a guess: blanks put in by the column positions of a table
    # whose columns the numbers did not all show (fewer than three found, or some put back by
    # `_spaced`), so a value may sit one column off; its cells are then unsure.
    guessed: bool = False


def _glued(word: Word) -> tuple[Word, Word] | None:
    """A label word with a number glued to its end ("行政许可14.285"): the label and the number,
    each with its share of the box (a Chinese character counts as two digits' width)."""
    match = re.match(r"^(.*[\u4e00-\u9fff）)])([0-9][0-9,.，。]*)$", word["text"])
    if not match:
        return None
    weight = lambda text: sum(2 if _CJK.match(c) or ord(c) > 0xff00 else 1 for c in text)  # noqa: E731
    share = weight(match.group(1)) / weight(word["text"])
    x0 = word["x"] - _width(word) / 2
    cut = x0 + share * _width(word)
    label = Word(text=match.group(1), conf=word["conf"], x=(x0 + cut) / 2, y=word["y"], height=word["height"],
                 width=cut - x0)
    number = Word(text=match.group(2), conf=word["conf"], x=(cut + x0 + _width(word)) / 2, y=word["y"],
                  height=word["height"], width=x0 + _width(word) - cut)
    return label, number


def _unglued(line: list[Word]) -> list[Word]:
    if not line or number_like(line[-1]):
        return line
    parts = _glued(line[-1])
    return line[:-1] + list(parts) if parts else line


def table_lines(lines: list[list[Word]], gray: np.ndarray) -> dict[int, TableLine] | None:
    """The lines of `lines` (each in reading order) that belong to an unruled table, by index,
    each with its label and the boxes of its values; None when the page has no unruled table."""
    return page_tables(lines, gray)[0]


def page_tables(lines: list[list[Word]], gray: np.ndarray, carried: list[float] | None = None
                ) -> tuple[dict[int, TableLine] | None, list[float] | None]:
    """`table_lines`, given the columns the page before ended with (`carried`: a table continued
    from that page, whose blocks here may show too few numbers to give its columns), and the
    columns this page ends with, for the next page."""
    lines = [_unglued(line) for line in lines]
    trailing = [_trailing(line) for line in lines]
    if sum(bool(t) for t in trailing) < MIN_TABLE_LINES and not any(len(t) >= 3 for t in trailing):
        return None, carried if not any(table_marker(join([w["text"] for w in line])) for line in lines) else None
    dark = gray < DARK
    height, width = gray.shape
    out: dict[int, TableLine] = {}
    # The columns of the last table block whose numbers (or headers) showed them all: a mostly
    # blank table is cut into blocks by runs of rows without numbers, and a later block of lone
    # values takes them when every one of its numbers sits on one of them (dev scans
    # html_trs_xxgk_2019_mostly_blank, text_cellperline_2021: 予以公开 "1 … 1" read as the last
    # two columns). From the page before (`carried`), they may be shifted a little (the sheet
    # lay differently on the scanner), and the values placed by them are unsure.
    known, from_before = carried, carried is not None
    for block in _blocks(lines, trailing):
        if any(table_marker(join([w["text"] for w in lines[n]]))
               for n in range(max(block[0] - MAX_LABEL_LINES - 1, 0), block[0] + 1)):
            known, from_before = None, False  # a new table: another table's columns say nothing of it
        # Where the value columns start: the labels end left of it (a wrapped label's other
        # lines too, whose ink may reach into a line's band).
        firsts = [trailing[n][0]["x"] - _width(trailing[n][0]) / 2 for n in block if lines[n][0] is not trailing[n][0]]
        heights = [w["height"] for n in block for w in trailing[n]]
        block_height = float(np.median(heights))
        values_start = (float(np.percentile(firsts, 10)) if firsts else 0.0) - block_height
        found: dict[int, tuple[str, float, list[tuple[int, int]], int, int, float]] = {}
        for n in block:
            values = trailing[n]
            labels = lines[n][: len(lines[n]) - len(values)]
            if not labels and len(values) == 1 and len(block) == 1:
                continue  # a number alone on a line, outside any table: a page number, a year
            text_height = float(np.median([w["height"] for w in values]))
            y = float(np.median([w["y"] for w in values]))
            y0 = int(max(y - BAND * text_height, 0))
            y1 = int(min(y + BAND * text_height, height))
            label_end = max((w["x"] + _width(w) / 2 for w in labels), default=0.0) + 0.3 * text_height
            start = max(label_end, min(values_start, values[0]["x"] - _width(values[0]) / 2 - 0.3 * text_height))
            segments = _segments(dark, y0, y1, int(max(start, 0)), width, text_height)
            if not segments:
                continue
            found[n] = (join([w["text"] for w in labels]), text_height, segments, y0, y1, start)
        if not found:
            continue
        text_height = float(np.median([f[1] for f in found.values()]))
        centres = [[(a + b) / 2 for a, b in f[2]] for f in found.values()]
        columns = _columns(centres, text_height)
        shown = _columns_shown(centres, columns, text_height)
        carried_here = False
        if not shown:
            headed = _header_columns(lines, trailing, block[0], values_start, columns, text_height)
            if headed:
                columns, shown = headed, True
            elif known and (fitted := _fitted(known, centres, text_height, shifted=from_before)):
                columns, shown = fitted, True
                carried_here = from_before
        if shown:
            known, from_before = columns, carried_here
        for n, (label, _, segments, y0, y1, start) in found.items():
            boxes: list[ValueBox] = []
            margin = int(0.3 * text_height)
            for i, (a, b) in enumerate(segments):
                left = max(a - margin, (segments[i - 1][1] + a) // 2 if i else a - margin)
                right = min(b + margin, (b + segments[i + 1][0]) // 2 if i + 1 < len(segments) else b + margin)
                boxes.append(ValueBox(int(max(left, 0)), y0, int(min(right, width)), y1))
            values = _with_blanks(boxes, segments, columns, start, text_height, dark)
            out[n] = TableLine(label, values, guessed=carried_here or (
                len(boxes) >= 2 and not shown and (len(values) != len(boxes) or len(columns) < 3)))
    return out, known


def _fitted(known: list[float], centres: list[list[float]], text_height: float, *, shifted: bool) -> list[float] | None:
    """`known` columns, when every number of a block sits on one of them; from another page
    (`shifted`), moved by the one shift (under half a column) that puts every number within a
    fifth of a column of one. None when the numbers do not fit (or fit two shifts)."""
    found = [c for line in centres for c in line]
    if not found or len(known) < 3:
        return None
    if not shifted:
        fits = all(any(abs(c - k) <= COLUMN_GAP * text_height for k in known) for c in found)
        return known if fits else None
    step = float(np.median(np.diff(known)))
    shifts = sorted({round(c - k) for c in found for k in known if abs(c - k) < 0.45 * step
                     and all(min(abs(f - (q + c - k)) for q in known) <= 0.2 * step for f in found)})
    if not shifts or shifts[-1] - shifts[0] > 0.2 * step:
        return None
    shift = float(np.median(shifts))
    return [k + shift for k in known]


def _with_blanks(boxes: list[ValueBox], segments: list[tuple[int, int]], columns: list[float],
                 start: float, text_height: float, dark: np.ndarray) -> list[ValueBox | None]:
    """A line's value boxes with a blank (None) at each of its table's columns that holds no
    ink, right of the first column the line's numbers use: only for a line of two numbers or
    more that sit one to a column (a single number may span the columns: table 二's one-value
    groups)."""
    if len(segments) < 2 or len(columns) < 2:
        return list(boxes)
    near = [min(range(len(columns)), key=lambda k: abs(columns[k] - (a + b) / 2)) for a, b in segments]
    if len(set(near)) != len(near) or any(abs(columns[k] - (a + b) / 2) > COLUMN_GAP * text_height
                                          for k, (a, b) in zip(near, segments)):
        return list(boxes)
    # From the leftmost column right of where the values start (the label's end).
    first = next(k for k in range(len(columns)) if columns[k] > start or k == min(near))
    out: list[ValueBox | None] = []
    by_column = dict(zip(near, boxes))
    step = float(np.median(np.diff(columns)))
    for k in range(first, len(columns)):
        if k in by_column:
            out.append(by_column[k])
            continue
        # No number found here; any ink at all in the column's place is read (a faint or
        # broken glyph the segmenting dropped), so a printed value never becomes a blank.
        a, b = int(max(columns[k] - step / 3, 0)), int(min(columns[k] + step / 3, dark.shape[1]))
        y0, y1 = boxes[0].y0, boxes[0].y1
        out.append(ValueBox(a, y0, b, y1) if dark[y0:y1, a:b].sum() > FAINT_INK else None)
    return out


MISSED_GAP = 0.5  # ink this many text heights right of a line's last word may be a number the page pass missed
MAX_NUMBER_WIDTH = 8.0  # a number's ink is at most this many text heights wide (a wider run is prose)


def with_missed_numbers(lines: list[list[Word]], gray: np.ndarray,
                        read: Callable[[list[np.ndarray]], list[list[Word]]],
                        trusted: Callable[[list[Word]], bool]) -> list[list[Word]]:
    """`lines` with the numbers the page pass did not detect put back: the ink right of each
    line's last word, cut into runs (`_segments`), each read as a value cell; a run read as a
    number becomes a word of its line. A text detector misses lone digits printed far from
    anything (an unruled table's "0" and "3"): on the dev scan text_cellperline_2021@ARPL-UKai-
    unruled RapidOCR found no number of table 二 and table 三, so no line ended in numbers, no
    table was found and all 200 cells were lost. `trusted(words)` says whether a reading is good
    enough to be a number (the value cells are read again, and witnessed, when the table is
    built)."""
    dark = gray < DARK
    height, width = gray.shape
    spots: list[tuple[int, float, float, float, int, int, int, int]] = []
    for n, line in enumerate(lines):
        if not line:
            continue
        text_height = float(np.median([w["height"] for w in line]))
        if text_height < 8:
            continue
        last = line[-1]
        y = float(np.median([w["y"] for w in line]))
        y0, y1 = int(max(y - BAND * text_height, 0)), int(min(y + BAND * text_height, height))
        if y1 <= y0:
            continue
        # Right of the line's last word; and between its label and its first number, where a
        # lone digit the page pass skipped leaves a gap (dev scan text_pdf_2021@ARPL-UKai-
        # unruled: 行政规范性文件 "2 0 11" read as "0 11", the 2 lost and the row short).
        stretches = [(int(last["x"] + _width(last) / 2 + MISSED_GAP * text_height), width)]
        first_number = next((i for i, w in enumerate(line) if number_like(w)), None)
        if first_number:
            label, number = line[first_number - 1], line[first_number]
            left = int(label["x"] + _width(label) / 2 + MISSED_GAP * text_height)
            right = int(number["x"] - _width(number) / 2 - 0.3 * text_height)
            if not number_like(label) and right - left > 2 * text_height:
                stretches.append((left, right))
        for start, end in stretches:
            if start >= end:
                continue
            for a, b in _segments(dark, y0, y1, start, end, text_height):
                if b - a <= MAX_NUMBER_WIDTH * text_height:
                    margin = int(0.3 * text_height)
                    spots.append((n, (a + b) / 2, y, text_height, max(a - margin, 0), y0, min(b + margin, width), y1))
    out = [list(line) for line in lines]
    # Ink on rows no word reaches: a line of numbers the detector missed whole (table 四's
    # label-less row of lone digits, on the same dev scan).
    page_height = float(np.median([w["height"] for line in lines for w in line])) if any(lines) else 0.0
    if page_height >= 8:
        reached = np.zeros(height, dtype=bool)
        for line in lines:
            for w in line:
                reached[int(max(w["y"] - w["height"] / 2 - 2, 0)) : int(w["y"] + w["height"] / 2 + 2)] = True
        inked = (dark.sum(axis=1) >= 3) & ~reached
        for top, bottom in _row_runs(inked):
            if not MIN_GLYPH * page_height <= bottom - top <= 1.6 * page_height:
                continue
            y = (top + bottom) / 2
            y0, y1 = int(max(y - BAND * page_height, 0)), int(min(y + BAND * page_height, height))
            out.append([])
            for a, b in _segments(dark, y0, y1, 0, width, page_height):
                if b - a <= MAX_NUMBER_WIDTH * page_height:
                    margin = int(0.3 * page_height)
                    spots.append((len(out) - 1, (a + b) / 2, y, page_height, max(a - margin, 0), y0,
                                  min(b + margin, width), y1))
    if not spots:
        return lines
    readings = read([gray[y0:y1, x0:x1] for _, _, _, _, x0, y0, x1, y1 in spots])
    for (n, x, y, text_height, x0, _, x1, _), found in zip(spots, readings):
        text = "".join(w["text"] for w in found)
        if not found or not trusted(found) or not number_like(Word(text=text, conf=0, x=0, y=0, height=0)):
            continue
        out[n].append(Word(text=text, conf=min(w["conf"] for w in found), x=x, y=y, height=text_height,
                           width=float(x1 - x0)))
        out[n].sort(key=lambda w: w["x"])  # a number found between the label and the line's numbers
    kept = [line for line in out if line]
    return sorted(kept, key=lambda line: float(np.median([w["y"] for w in line])))


def _row_runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(start, end) of each run of True in a 1-D mask."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], mask.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist()))


def read_boxes(boxes: list[ValueBox], gray: np.ndarray,
               read: Callable[[list[np.ndarray]], list[list[Word]]]) -> list[tuple[list[Word], int]]:
    """Each box read by `read` (the engine's value-cell reader): its words and its ink."""
    crops = [gray[b.y0 : b.y1, b.x0 : b.x1] for b in boxes]
    return [(found, ink_pixels(crop)) for found, crop in zip(read(crops), crops)]
