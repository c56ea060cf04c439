"""Render a report's tables into the shapes real reports arrive in (test and bench helper).

The property test renders random records through every shape and parses them back; the parse
benchmark uses the same pages. Shapes: trafilatura pipe rows, markdown (optionally split in two
tables), one cell per line, PDF-extracted text (with page footers and a wrapped label), and an
HTML page with the official form's rowspans/colspans inside portal chrome. Every label is the
form's own (parsing.schema), printed half-width as extracted text prints it (`text_form`); the
one variant wording printed on purpose is the pipe shape's wrapped 商业 企业/科研 机构.
"""

from __future__ import annotations

import html
import unicodedata
from dataclasses import dataclass

from parsing import schema
from parsing.schema import Format

Value = int | float | None


def text_form(label: str) -> str:
    """A label of the form as text extracted from a report prints it: half-width brackets and
    punctuation (NFKC: （一）予以公开 → (一)予以公开, （单位：万元） → (单位:万元)). The text
    shapes and the HTML page print this; the PDF and the DOCX print the form's own wording
    (nianbao/devportal/documents/)."""
    return unicodedata.normalize("NFKC", label)


# The applications table's column heads and the review table's, as the form words them
# (parsing.schema): 自然人 … 总计, and 结果维持 … 总计.
APPLICANT_HEADER = [schema.APPLICANT_LABELS[c].text for c in schema.APPLICANT_COLUMNS]
REVIEW_HEADER = [schema.REVIEW_OUTCOME_LABELS[o] for o in schema.REVIEW_OUTCOMES]
_ORGANISATIONS = APPLICANT_HEADER[1:-1]  # the five under 法人或其他组织
_LITIGATION = [schema.REVIEW_GROUP_LABELS[g] for g in schema.REVIEW_GROUPS[1:]]  # the two under 行政诉讼
_TITLES = {key: text_form(title) for key, title in schema.SECTION_TITLES.items()}


@dataclass(frozen=True)
class ReportTables:
    agency: str
    year: int
    format: Format
    active: dict[str, dict[str, Value]]
    applications: dict[str, dict[str, Value]]
    review_litigation: dict[str, dict[str, Value]]

    @property
    def title(self) -> str:
        return f"{self.agency}{self.year}年政府信息公开工作年度报告"


def fmt_value(value: Value, blank: str = "", signed: bool = False, thousands: bool = False) -> str:
    if value is None:
        return blank
    if signed and isinstance(value, int) and value > 0:
        return f"+{value}"
    if thousands and isinstance(value, int) and abs(value) >= 1000:
        return f"{value:,}"
    return str(value)


def _active_values(t: ReportTables, key: str, blank: str) -> list[str]:
    return [
        fmt_value(t.active[key][c], blank, signed=(c == "items_change"), thousands=(c == "decisions"))
        for c in schema.active_row(t.format, key).columns
    ]


def _app_label(row: str) -> list[str]:
    return [text_form(part) for part in schema.APPLICATION_LABELS[row] if part]


def _opening(t: ReportTables) -> list[str]:
    return [
        t.title,
        _TITLES["overview"],
        f"{t.year}年,{t.agency}认真贯彻落实《中华人民共和国政府信息公开条例》,扎实推进政务公开工作。",
        "(一)主动公开。通过门户网站主动公开政府信息,及时回应社会关切。",
        _TITLES["active_disclosure"],
    ]


def _closing() -> list[str]:
    return [
        _TITLES["problems"],
        "政务公开工作仍存在公开内容不够全面等问题,下一步将加强培训,提升公开质量。",
        _TITLES["other"],
        "本年度未收取信息处理费。",
    ]


def _row_cells(t: ReportTables, blank: str) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Active rows, application rows (labels + values) and the review value row, as text cells."""
    active: list[list[str]] = []
    for group in schema.ACTIVE_GROUPS[t.format]:
        active.append([text_form(group.heading)])
        active.append([schema.ACTIVE_ROW_HEADING, *map(text_form, group.column_labels)])
        for row in group.rows:
            active.append([row.label, *_active_values(t, row.key, blank)])
    apps: list[list[str]] = []
    for row in schema.APPLICATION_ROWS[t.format]:
        values = [fmt_value(t.applications[row][c], blank) for c in schema.APPLICANT_COLUMNS]
        apps.append([*_app_label(row), *values])
    review = [fmt_value(t.review_litigation[g][o], blank) for g in schema.REVIEW_GROUPS for o in schema.REVIEW_OUTCOMES]
    return active, apps, review


_NOTE = text_form(schema.APPLICATIONS_NOTE)
# The applications header's second row (自然人 | 法人或其他组织 | 总计) and third (商业企业 … 其他).
_APPLICANT_GROUPS = [APPLICANT_HEADER[0], schema.ORGANISATIONS_HEADING, APPLICANT_HEADER[-1]]
# The template's narrow cells wrap 商业企业 and 科研机构 (商业\n企业): the pipe shape prints
# them as a text extraction reads them, their variants in parsing.schema.
_ORGANISATIONS_WRAPPED = [
    next(iter(schema.APPLICANT_LABELS[c].variants), schema.APPLICANT_LABELS[c].text)
    for c in schema.APPLICANT_COLUMNS[1:-1]
]
_REVIEW_GROUPS = [schema.REVIEW_GROUP_LABELS["review"], schema.LITIGATION_HEADING]  # the review header's first row


def render_pipe(t: ReportTables) -> str:
    """trafilatura's table text: `a | b | c |`, with ragged trailing pipes."""
    active, apps, review = _row_cells(t, "")
    lines = _opening(t)
    lines += [" | ".join(cells) + " |" + " |" * (4 - len(cells) % 4) for cells in active]
    lines.append(_TITLES["applications"])
    lines.append(f"{_NOTE} | {schema.APPLICANTS_HEADING} |")
    lines.append(" | ".join(_APPLICANT_GROUPS) + " |")
    lines.append(" | ".join(_ORGANISATIONS_WRAPPED) + " |")
    lines += [" | ".join(cells) + " |" for cells in apps]
    lines.append(_TITLES["review_litigation"])
    lines.append(" | ".join(_REVIEW_GROUPS) + " | |")
    lines.append(" | ".join(REVIEW_HEADER + _LITIGATION) + " | |")
    lines.append(" | ".join(REVIEW_HEADER * 2) + " |")
    lines.append(" | ".join(review) + " |")
    return "\n".join(lines + _closing())


def render_markdown(t: ReportTables, split_at: str | None = "denied_prohibited") -> str:
    """Markdown tables (`| a | b |`), the applications table cut in two before `split_at`."""
    active, apps, review = _row_cells(t, "")

    def table(rows: list[list[str]], width: int) -> list[str]:
        out = []
        for i, cells in enumerate(rows):
            cells = cells + [""] * (width - len(cells))
            out.append("| " + " | ".join(cells) + " |")
            if i == 0:
                out.append("|" + "---|" * width)
        return out

    order = schema.APPLICATION_ROWS[t.format]
    lines = _opening(t) + [""] + table(active, 4) + ["", _TITLES["applications"], ""]
    header = [[_NOTE, "", "", *APPLICANT_HEADER]]
    padded = [[*([""] * (3 - len(_app_label(r)))), *_app_label(r), *cells[len(_app_label(r)):]]
              for r, cells in zip(order, apps)]
    cut = order.index(split_at) if split_at else len(padded)
    lines += table(header + padded[:cut], 10)
    if cut < len(padded):
        lines += ["", *table([[""] * 10] + padded[cut:], 10)]
    lines += ["", _TITLES["review_litigation"], ""]
    review_head = [_REVIEW_GROUPS[0], "", "", "", "", _REVIEW_GROUPS[1]] + [""] * 9
    lines += table([review_head, ["" for _ in range(15)], review], 15)
    return "\n".join(lines + [""] + _closing())


def render_cell_per_line(t: ReportTables) -> str:
    """One cell per line, paragraphs double-spaced, a blank cell an extra empty line (seed 003)."""
    active, apps, review = _row_cells(t, "")
    cells: list[str] = _opening(t)
    for row in active:
        cells += row
    cells.append(_TITLES["applications"])
    cells += [_NOTE, schema.APPLICANTS_HEADING, *_APPLICANT_GROUPS, *_ORGANISATIONS]
    seen_labels: set[str] = set()
    for row, values in zip(schema.APPLICATION_ROWS[t.format], apps):
        labels = _app_label(row)
        for label in labels:
            if label not in seen_labels:
                cells.append(label)
                seen_labels.add(label)
        cells += values[len(labels):]
    cells.append(_TITLES["review_litigation"])
    cells += [*_REVIEW_GROUPS, *REVIEW_HEADER, *_LITIGATION, *REVIEW_HEADER * 2]
    cells += review
    cells += _closing()
    out: list[str] = []
    for cell in cells:
        out.append(cell)
        if cell:
            out.append("")  # the paragraph separator
    return "\n".join(out)


def render_pdf_text(t: ReportTables) -> str:
    """pdftotext-style lines: label and space-separated numbers; blanks printed as "/"
    (a PDF's empty cells vanish from its text, so a lossless rendering needs a mark);
    page footers inside the tables, the vertical heading 三、本年度办理结果 one character
    per line glued onto data rows, and the longest label wrapped around its numbers."""
    active, apps, review = _row_cells(t, "/")
    lines = _opening(t)
    lines += [" ".join(cells) for cells in active]
    lines += ["- 2 -", _TITLES["applications"], schema.APPLICANTS_HEADING, " ".join(_APPLICANT_GROUPS),
              " ".join(_ORGANISATIONS)]
    vertical = list(schema.RESULTS_HEADING)
    for row, cells in zip(schema.APPLICATION_ROWS[t.format], apps):
        labels = _app_label(row)
        values = " ".join(cells[len(labels):])
        label = labels[-1]
        if row == "other_unpaid_fee":
            lines += [label[:14], values, label[14:]]
            continue
        if row == "not_processed_petition":
            lines.append("- 3 -")
        prefix = vertical.pop(0) + " " if row not in ("new_received", "carried_over") and vertical else ""
        lines.append(f"{prefix}{label} {values}")
    lines += vertical
    lines += [_TITLES["review_litigation"], " ".join(_REVIEW_GROUPS), " ".join(REVIEW_HEADER),
              " ".join(_LITIGATION), " ".join(REVIEW_HEADER * 2), " ".join(review)]
    return "\n".join(lines + _closing())


def _td(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{attrs}>{html.escape(text) if text else '&nbsp;'}</td>"


def render_html_tables(t: ReportTables) -> str:
    """The three tables as the official form lays them out (rowspan/colspan), as HTML."""
    parts = [f"<p>{_TITLES['active_disclosure']}</p>"]
    blank = ""
    for group in schema.ACTIVE_GROUPS[t.format]:
        headers = [text_form(label) for label in group.column_labels]
        rows = [f"<tr>{_td(text_form(group.heading), colspan=len(headers) + 1)}</tr>",
                "<tr>" + _td(schema.ACTIVE_ROW_HEADING) + "".join(_td(h) for h in headers) + "</tr>"]
        for row in group.rows:
            rows.append("<tr>" + _td(row.label) + "".join(_td(v) for v in _active_values(t, row.key, blank)) + "</tr>")
        parts.append('<table border="1">' + "".join(rows) + "</table>")
    parts.append(f"<p>{_TITLES['applications']}</p>")
    rows = [
        "<tr>" + _td(_NOTE, rowspan=3, colspan=3) + _td(schema.APPLICANTS_HEADING, colspan=7) + "</tr>",
        "<tr>" + _td(_APPLICANT_GROUPS[0], rowspan=2) + _td(_APPLICANT_GROUPS[1], colspan=5)
        + _td(_APPLICANT_GROUPS[2], rowspan=2) + "</tr>",
        "<tr>" + "".join(_td(h) for h in _ORGANISATIONS) + "</tr>",
    ]
    order = schema.APPLICATION_ROWS[t.format]
    labels = {r: tuple(map(text_form, schema.APPLICATION_LABELS[r])) for r in order}
    result_rows = [r for r in order if schema.APPLICATION_LABELS[r][0] == schema.RESULTS_HEADING]
    group_sizes: dict[str, int] = {}
    for r in order:
        group_sizes[labels[r][1]] = group_sizes.get(labels[r][1], 0) + 1
    opened: set[str] = set()
    for r in order:
        top, mid, leaf = labels[r]
        cells = ""
        if not mid:
            cells += _td(top, colspan=3)
        else:
            if top not in opened:
                cells += _td(top, rowspan=len(result_rows))
                opened.add(top)
            if leaf:
                if mid not in opened:
                    cells += _td(mid, rowspan=group_sizes[mid])
                    opened.add(mid)
                cells += _td(leaf)
            else:
                cells += _td(mid, colspan=2)
        cells += "".join(_td(fmt_value(t.applications[r][c])) for c in schema.APPLICANT_COLUMNS)
        rows.append(f"<tr>{cells}</tr>")
    parts.append('<table border="1">' + "".join(rows) + "</table>")
    parts.append(f"<p>{_TITLES['review_litigation']}</p>")
    review = [
        "<tr>" + _td(_REVIEW_GROUPS[0], colspan=5) + _td(_REVIEW_GROUPS[1], colspan=10) + "</tr>",
        "<tr>" + "".join(_td(h, rowspan=2) for h in REVIEW_HEADER) + "".join(_td(g, colspan=5) for g in _LITIGATION)
        + "</tr>",
        "<tr>" + "".join(_td(h) for h in REVIEW_HEADER * 2) + "</tr>",
        "<tr>" + "".join(_td(fmt_value(t.review_litigation[g][o]))
                         for g in schema.REVIEW_GROUPS for o in schema.REVIEW_OUTCOMES) + "</tr>",
    ]
    parts.append('<table border="1">' + "".join(review) + "</table>")
    return "\n".join(parts)


NAV_ITEMS = ["首页", "政务公开", "政务服务", "互动交流", "走进本市", "行政许可", "行政处罚", "政府信息公开", "年度报告",
             "政策解读", "财政信息", "人事信息", "规划计划", "统计数据", "应急管理", "建议提案"]


def render_html_page(t: ReportTables, published: str = "2022-01-25 09:30", filler_links: int = 170) -> str:
    """A whole portal page (~30 KB): navigation, byline chrome, the report, related links, footer."""
    nav = "".join(f'<li><a href="/col/col{i}/index.html">{item}</a></li>' for i, item in enumerate(NAV_ITEMS))
    links = "".join(
        f'<li><a href="/art/2022/1/{i}/art_{1000 + i}.html">关于印发某某工作方案的通知（第{i}号）</a><span>2022-01-{i % 28 + 1:02d}</span></li>'
        for i in range(filler_links)
    )
    body_lines = _opening(t)[1:-1]
    narrative = "".join(f"<p>{html.escape(line)}</p>" for line in body_lines)
    closing = "".join(f"<p>{html.escape(line)}</p>" for line in _closing())
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{html.escape(t.title)}_{html.escape(t.agency)}</title>
<meta name="ArticleTitle" content="{html.escape(t.title)}">
<link rel="stylesheet" href="/css/main.css"><script src="/js/jquery.min.js"></script>
<script>var pageId = 12345; function setFont(s){{document.body.style.fontSize=s;}}</script>
</head><body>
<div class="header"><div class="logo"><img src="/img/logo.png" alt="{html.escape(t.agency)}"></div>
<div class="search"><input type="text" placeholder="请输入关键字"><button>搜索</button></div></div>
<div class="nav"><ul>{nav}</ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/zwgk/">政务公开</a> &gt; <a href="/zwgk/ndbg/">年度报告</a></div>
<div class="main"><div class="article">
<h1 class="title">{html.escape(t.title)}</h1>
<div class="info">发布时间：{published}　来源：{html.escape(t.agency)}　浏览次数：<span id="hits">1024</span>
　字体：[<a href="javascript:setFont('18px')">大</a> <a href="javascript:setFont('16px')">中</a> <a href="javascript:setFont('14px')">小</a>]</div>
<div class="content" id="zoom">
{narrative}
{render_html_tables(t)}
{closing}
</div>
<div class="fj">附件：<a href="/attach/report.docx">{html.escape(t.title)}.docx</a></div>
<div class="tools"><a href="javascript:window.print()">打印本页</a> <a href="javascript:window.close()">关闭窗口</a>
<span>分享到：</span><a class="wx">微信</a><a class="wb">微博</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul>{links}</ul></div></div>
<div class="footer"><p>版权所有：{html.escape(t.agency)}　主办单位：{html.escape(t.agency)}办公室</p>
<p>网站标识码：1234000001　ICP备12345678号　公网安备 12345678901234号</p><p><a href="/lxwm">联系我们</a> | <a href="/wzdt">网站地图</a></p></div>
</body></html>"""


SHAPES = {
    "pipe": render_pipe,
    "markdown": render_markdown,
    "cell_per_line": render_cell_per_line,
    "pdf_text": render_pdf_text,
}
