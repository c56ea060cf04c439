"""Text whose table cells were glued together: a crawler's or a copy-paste's text of a portal
page, the body on one line, every cell run into the next with no separator.

    …规章000行政规范性文件693665第二十条第（五）项信息内容本年处理决定数量行政许可2293…
    …一、本年新收政府信息公开申请数量640020470二、上年结转政府信息公开申请数量0000000…
    …尚未审结总计10203120001200000五、存在的主要问题及改进情况…

(平潭综合实验区's reports as the pingtan-gov-zwgk-archive crawler saved them, tests/fixtures/
collected/pingtan_*.txt.) A row of single-digit cells reads unambiguously ('7000007' is
7 0 0 0 0 0 7); a row with wider numbers does not: '640020470' may be cut into seven cells in
28 ways. The form decides where it can: a cut is kept only when it is the one cut that fits the
identities, first the row's own (总计 is the sum of the others; 四's groups likewise), then,
for table 三's rows that still have several, the columns' (balance and the results' sum) over
every combination of the candidates. Table 二 has no identity: a row is cut only when there is
one way to cut it (as many digits as cells, or one cell). A row left uncut keeps a cell that
says so, which the table reader reports as unreadable: null, with a warning naming the cell.

`read_glued` takes such text apart into lines (section headings on lines of their own) and the
rows the table reader reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal
from itertools import product
from math import prod

from .cells import CellValue
from .checks import failed_check_cells
from .labels import ACTIVE_RULES, APPLICATION_RULES, format_scores, match_rule, table_marker
from .rows import Cell, Row, split_plain_line
from .schema import APPLICANT_COLUMNS, REVIEW_GROUPS, REVIEW_OUTCOMES, Format, active_row, application_rows

MIN_GLUED_LINE = 600  # characters: a body on one line, not a paragraph
MAX_COMBINATIONS = 512  # table 三's ambiguous rows tried together against the column identities
MAX_DIGITS = 9  # one count; wider runs are cut

_LABEL_AND_NUMBER = re.compile(r"(?:数量|申请|公开|信息|情形\)|情形）|处理|总计|办理|许可|处罚|强制|收费|规章|文件)\d")
# A section heading run into the text around it: on a line of its own.
_SECTION = re.compile(
    r"\s*([一二三四五六七]、\s*(?:总体情况|主动公开政府信息情况|收到和处理政府信息公开申请情况|"
    r"(?:因)?政府信息公开(?:申请)?(?:行政复议|提起).{0,8}?行政诉讼(?:的)?情况|"
    r"(?:政府信息公开工作)?存在的主要问题及改进情况|其他需要报告的事项))\s*"
)
_TABLES_START = re.compile(r"[二2][、.]\s*主动公开政府信息情况")
_TABLES_END = re.compile(r"[五5][、.]\s*(?:政府信息公开工作)?存在的主要问题")
# A number run: digits with spaces or commas between, decimal parts, and minus signs inside
# (本年增/减 '35-15': 35, then -15).
_NUMBER_RUN = re.compile(r"\d[\d ,]*(?:\.\d+)?(?:-\d[\d ,]*(?:\.\d+)?)*")
# Pieces of the label text between numbers: headers, markers and row labels run together.
_HEADER_WORDS = re.compile(
    r"(第二十条第[（(][一二三四五六七八九十]+[)）]项|信息内容|本年制发件数|本年废止件数|现行有效件数|本年处理决定数量|"
    r"本年收费金额[（(]单位[：:]万元[)）]|本年新制作数量|本年新公开数量|对外公开总数量|上一年项目数量|本年增/减|"
    r"处理决定数量|采购项目数量|采购总金额|行政复议|行政诉讼|结果维持|结果纠正|其他结果|尚未审结|未经复议直接起诉|"
    r"复议后起诉|申请人情况|自然人|法人或其他组织)"
)
_ROW_START = re.compile(r"(?=[一二三四五六七八九十]、|[（(][一二三四五六七八九十][)）]|(?<![\d.])\d\.(?=\D))")
GLUED = "cells glued together"


def is_glued(line: str) -> bool:
    """A line long enough to be a whole body, with the form's labels run into numbers."""
    return len(line) >= MIN_GLUED_LINE and len(_LABEL_AND_NUMBER.findall(line)) >= 5


def read_glued(text: str) -> tuple[list[str], list[Row], list[str]] | None:
    """The text's lines, rows and warnings with every glued line taken apart (see the module
    docstring), or None when no line is glued."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if not any(is_glued(line) for line in lines):
        return None
    out_lines: list[str] = []
    rows: list[Row] = []
    warnings: list[str] = []

    def plain(chunk: str) -> None:
        for line in chunk.split("\n"):
            out_lines.append(line)
            if line.strip():
                rows.append(Row(tuple(split_plain_line(line))))

    for line in lines:
        if not is_glued(line):
            plain(line)
            continue
        line = _SECTION.sub(r"\n\1\n", line)
        start, end = _TABLES_START.search(line), _TABLES_END.search(line)
        if not start or not end or end.start() < start.end():
            plain(line)
            continue
        plain(line[: start.end()])
        for text, row in _table_rows(line[start.end(): end.start()], warnings):
            rows.append(row)
            out_lines.append(text)
        plain(line[end.start():])
    return out_lines, rows, warnings


# --- the table region ---------------------------------------------------------------------

def _tokens(region: str) -> Iterator[tuple[str, str]]:
    """("label", text) and ("number", digits) in order. A run's last digit before "." and a
    label ("…00000002.其他法律…") is the next label's numbering, not a cell."""
    pos = 0
    for match in _NUMBER_RUN.finditer(region):
        number = match.group()
        end = match.end()
        if re.match(r"[.、]\D", region[end:end + 2]) and "." not in number:
            number, end = number[:-1], end - 1
        if match.start() > pos:
            yield "label", region[pos:match.start()]
        if number.strip():
            yield "number", number
            pos = end
        else:
            pos = match.start()
    if pos < len(region):
        yield "label", region[pos:]


def _label_pieces(text: str) -> list[str]:
    pieces: list[str] = []
    for part in _HEADER_WORDS.split(text):
        pieces.extend(p.strip() for p in _ROW_START.split(part) if p.strip())
    return pieces


def _number_ok(token: str) -> bool:
    if token.startswith("-"):
        token = token[1:]
        if token == "0":
            return False
    if "." in token:
        whole, _, frac = token.partition(".")
        return bool(frac) and (whole == "0" or (whole[:1] != "0" and len(whole) <= MAX_DIGITS))
    return token == "0" or (token[:1] != "0" and len(token) <= MAX_DIGITS)


def cuts(run: str, n: int) -> list[list[str]]:
    """Every way to cut a number run into `n` numbers: spaces and commas are cuts that must be
    made; no number but 0 starts with 0. Without the spaces' cuts if none fits with them."""
    chunks = [c for c in re.split(r"[ ,]+|(?=-)", run.strip()) if c]
    found = _cuts_of(chunks, n)
    if not found and len(chunks) > 1:
        # The spaces were not cuts after all (a minus sign always is one).
        merged = [c for c in re.split(r"(?=-)", "".join(chunks)) if c]
        if merged != chunks:
            found = _cuts_of(merged, n)
    return found


def _cuts_of(chunks: list[str], n: int) -> list[list[str]]:
    if not chunks:
        return [[]] if n == 0 else []
    first, rest = chunks[0], chunks[1:]
    out: list[list[str]] = []
    for k in range(1, n - len(rest) + 1):
        for head in _cut_chunk(first, k):
            out.extend(head + tail for tail in _cuts_of(rest, n - k))
    return out


def _cut_chunk(chunk: str, k: int) -> list[list[str]]:
    if k == 1:
        return [[chunk]] if _number_ok(chunk) else []
    out: list[list[str]] = []
    for i in range(1 + chunk.startswith("-"), len(chunk) - k + 2):
        head = chunk[:i]
        if not _number_ok(head) or "." in chunk[i:i + 1]:
            continue
        out.extend([head] + tail for tail in _cut_chunk(chunk[i:], k - 1))
    return out


def _sums(cells: list[str], width: int) -> bool:
    values = [Decimal(c) for c in cells]
    return all(values[k + width - 1] == sum(values[k:k + width - 1]) for k in range(0, len(values), width))


def _table_rows(region: str, warnings: list[str]) -> list[tuple[str, Row]]:
    """The region's rows, each with its text as printed (label and digits, for the sections)."""
    fmt: Format = "2021" if (s := format_scores(re.sub(r"\s", "", region)))["2021"] >= s["2019"] else "2019"
    state: str | None = None
    label = ""
    # label, the application row's key, cuts, run, width, the active row's key
    runs: list[tuple[str, str | None, list[list[str]], str, int, str | None]] = []
    order: list[str | int] = []  # label pieces, and indexes into runs
    for kind, text in _tokens(region):
        if kind == "label":
            pieces = _label_pieces(text)
            for piece in pieces:
                state = table_marker(piece) or state
            order.extend(pieces[:-1])
            label = pieces[-1] if pieces else ""
            continue
        key: str | None = None
        found_key: str | None = None
        if state == "active":
            found_key = match_rule(label, ACTIVE_RULES)
            width = len(active_row(fmt, found_key).columns) if found_key and _in_format(fmt, found_key) else 1
            candidates = cuts(text, width)  # no identity: one way to cut, or none
        elif state == "review":
            width = len(REVIEW_OUTCOMES) * (len(REVIEW_GROUPS) if len(re.sub(r"\D", "", text)) >= 15 else 1)
            candidates = [c for c in cuts(text, width) if _sums(c, len(REVIEW_OUTCOMES))]
        else:
            width = len(APPLICANT_COLUMNS)
            key = match_rule(label, APPLICATION_RULES)
            candidates = [c for c in cuts(text, width) if _sums(c, width)]
        order.append(len(runs))
        runs.append((label, key, candidates, text, width, found_key))
        label = ""
    if label:
        order.append(label)
    chosen = _choose_application_cuts(fmt, [(k, c) for _, k, c, _, _, _ in runs])
    rows: list[tuple[str, Row]] = []
    for item in order:
        if isinstance(item, str):
            rows.append((item, Row((Cell.of(item),))))
            continue
        row_label, _, candidates, run, width, key_of_active = runs[item]
        cut = chosen.get(item) or (candidates[0] if len(candidates) == 1 else None)
        if cut is not None:
            values = [Cell.of(v) for v in cut]
            if key_of_active and width > 1 and len(cut) > 1:
                warnings.append(
                    f"active.{key_of_active}: cut from the glued digits '{run.strip()}' in the one way they can be; "
                    "a cell printed blank would not show in them"
                )
        else:
            why = f"{len(candidates)} ways to cut it fit" if candidates else "no way to cut it fits"
            raw = f"{GLUED} '{run.strip()}', {why}"
            values = [Cell(raw, CellValue("unreadable", raw))] * width
        rows.append((f"{row_label} {run.strip()}".strip(),
                     Row(((Cell.of(row_label),) if row_label else ()) + tuple(values))))
    return rows


def _in_format(fmt: Format, key: str) -> bool:
    try:
        active_row(fmt, key)
    except KeyError:
        return False
    return True


def _choose_application_cuts(fmt: Format, runs: list[tuple[str | None, list[list[str]]]]) -> dict[int, list[str]]:
    """Table 三's rows with several cuts that fit their own total: the one combination that
    fits the columns' identities too, when there is exactly one; only when every row of the
    table is there, recognised, with at least one cut (else the columns cannot be summed)."""
    keyed = {key: n for n, (key, _) in enumerate(runs) if key}
    ambiguous = [n for n in keyed.values() if len(runs[n][1]) > 1]
    if not ambiguous or any(not runs[n][1] for n in keyed.values()):
        return {}
    if set(application_rows(fmt, keyed)) - set(keyed) or prod(len(runs[n][1]) for n in ambiguous) > MAX_COMBINATIONS:
        return {}
    fixed = {key: runs[n][1][0] for key, n in keyed.items() if n not in ambiguous}
    fitting = []
    for combo in product(*(runs[n][1] for n in ambiguous)):
        cells = dict(fixed)
        cells.update({runs[n][0]: cut for n, cut in zip(ambiguous, combo)})
        grid = {key: dict(zip(APPLICANT_COLUMNS, (Decimal(v) for v in cut))) for key, cut in cells.items()}
        if not failed_check_cells(fmt, {"applications": grid}):
            fitting.append(combo)
    return dict(zip(ambiguous, fitting[0])) if len(fitting) == 1 else {}
