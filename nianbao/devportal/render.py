"""Render a report's tables into the shapes real reports arrive in (test and bench helper).

The property test renders random records through every shape and parses them back; the parse
benchmark uses the same pages. Shapes: trafilatura pipe rows, markdown (optionally split in two
tables), one cell per line, PDF-extracted text (with page footers and a wrapped label), and an
HTML page with the official form's rowspans/colspans inside portal chrome.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from parsing.schema import (
    ACTIVE_ROWS,
    APPLICANT_COLUMNS,
    APPLICATION_ROWS,
    REVIEW_GROUPS,
    REVIEW_OUTCOMES,
    Format,
)

Value = int | float | None

APPLICATION_LABELS: dict[str, tuple[str, str, str]] = {
    # row -> (level-1 label, level-2 label, level-3 label) as the form prints them
    "new_received": ("一、本年新收政府信息公开申请数量", "", ""),
    "carried_over": ("二、上年结转政府信息公开申请数量", "", ""),
    "granted": ("三、本年度办理结果", "(一)予以公开", ""),
    "partially_granted": ("三、本年度办理结果", "(二)部分公开(区分处理的,只计这一情形,不计其他情形)", ""),
    "denied_state_secret": ("三、本年度办理结果", "(三)不予公开", "1.属于国家秘密"),
    "denied_prohibited": ("三、本年度办理结果", "(三)不予公开", "2.其他法律行政法规禁止公开"),
    "denied_security": ("三、本年度办理结果", "(三)不予公开", "3.危及“三安全一稳定”"),
    "denied_third_party": ("三、本年度办理结果", "(三)不予公开", "4.保护第三方合法权益"),
    "denied_internal": ("三、本年度办理结果", "(三)不予公开", "5.属于三类内部事务信息"),
    "denied_process": ("三、本年度办理结果", "(三)不予公开", "6.属于四类过程性信息"),
    "denied_enforcement_files": ("三、本年度办理结果", "(三)不予公开", "7.属于行政执法案卷"),
    "denied_query": ("三、本年度办理结果", "(三)不予公开", "8.属于行政查询事项"),
    "unavailable_not_held": ("三、本年度办理结果", "(四)无法提供", "1.本机关不掌握相关政府信息"),
    "unavailable_needs_creation": ("三、本年度办理结果", "(四)无法提供", "2.没有现成信息需要另行制作"),
    "unavailable_unclear": ("三、本年度办理结果", "(四)无法提供", "3.补正后申请内容仍不明确"),
    "not_processed_petition": ("三、本年度办理结果", "(五)不予处理", "1.信访举报投诉类申请"),
    "not_processed_duplicate": ("三、本年度办理结果", "(五)不予处理", "2.重复申请"),
    "not_processed_publication": ("三、本年度办理结果", "(五)不予处理", "3.要求提供公开出版物"),
    "not_processed_excessive": ("三、本年度办理结果", "(五)不予处理", "4.无正当理由大量反复申请"),
    "not_processed_confirmation": ("三、本年度办理结果", "(五)不予处理", "5.要求行政机关确认或重新出具已获取信息"),
    "other_no_correction": (
        "三、本年度办理结果", "(六)其他处理", "1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",
    ),
    "other_unpaid_fee": (
        "三、本年度办理结果", "(六)其他处理", "2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",
    ),
    "other_other": ("三、本年度办理结果", "(六)其他处理", "3.其他"),
    "other": ("三、本年度办理结果", "(六)其他处理", ""),
    "total_processed": ("三、本年度办理结果", "(七)总计", ""),
    "carried_forward": ("四、结转下年度继续办理", "", ""),
}

ACTIVE_GROUPS: dict[Format, list[tuple[str, list[str], list[str]]]] = {
    # (第二十条 heading, column headers, rows)
    "2021": [
        ("第二十条第(一)项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["regulations", "normative_documents"]),
        ("第二十条第(五)项", ["本年处理决定数量"], ["licensing"]),
        ("第二十条第(六)项", ["本年处理决定数量"], ["punishment", "coercion"]),
        ("第二十条第(八)项", ["本年收费金额(单位:万元)"], ["fees"]),
    ],
    "2019": [
        ("第二十条第(一)项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["regulations", "normative_documents"]),
        ("第二十条第(五)项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["licensing", "other_services"]),
        ("第二十条第(六)项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["punishment", "coercion"]),
        ("第二十条第(八)项", ["上一年项目数量", "本年增/减"], ["fees"]),
        ("第二十条第(九)项", ["采购项目数量", "采购总金额"], ["procurement"]),
    ],
}
ACTIVE_LABELS = {
    "regulations": "规章", "normative_documents": "行政规范性文件", "licensing": "行政许可",
    "other_services": "其他对外管理服务事项", "punishment": "行政处罚", "coercion": "行政强制",
    "fees": "行政事业性收费", "procurement": "政府集中采购",
}
APPLICANT_HEADER = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"]
REVIEW_HEADER = ["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"]


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
    spec = next(r for r in ACTIVE_ROWS[t.format] if r.key == key)
    return [
        fmt_value(t.active[key][c], blank, signed=(c == "items_change"), thousands=(c == "decisions"))
        for c in spec.columns
    ]


def _app_label(row: str) -> list[str]:
    return [part for part in APPLICATION_LABELS[row] if part]


def _narrative(t: ReportTables, heading: str, body: str) -> list[str]:
    return [heading, body]


def _opening(t: ReportTables) -> list[str]:
    return [
        t.title,
        "一、总体情况",
        f"{t.year}年,{t.agency}认真贯彻落实《中华人民共和国政府信息公开条例》,扎实推进政务公开工作。",
        "(一)主动公开。通过门户网站主动公开政府信息,及时回应社会关切。",
        "二、主动公开政府信息情况",
    ]


def _closing() -> list[str]:
    return [
        "五、存在的主要问题及改进情况",
        "政务公开工作仍存在公开内容不够全面等问题,下一步将加强培训,提升公开质量。",
        "六、其他需要报告的事项",
        "本年度未收取信息处理费。",
    ]


def _row_cells(t: ReportTables, blank: str) -> tuple[list[list[str]], list[list[str]], list[str]]:
    """Active rows, application rows (labels + values) and the review value row, as text cells."""
    active: list[list[str]] = []
    for heading, headers, keys in ACTIVE_GROUPS[t.format]:
        active.append([heading])
        active.append(["信息内容", *headers])
        for key in keys:
            active.append([ACTIVE_LABELS[key], *_active_values(t, key, blank)])
    apps: list[list[str]] = []
    for row in APPLICATION_ROWS[t.format]:
        values = [fmt_value(t.applications[row][c], blank) for c in APPLICANT_COLUMNS]
        apps.append([*_app_label(row), *values])
    review = [fmt_value(t.review_litigation[g][o], blank) for g in REVIEW_GROUPS for o in REVIEW_OUTCOMES]
    return active, apps, review


def render_pipe(t: ReportTables) -> str:
    """trafilatura's table text: `a | b | c |`, with ragged trailing pipes."""
    active, apps, review = _row_cells(t, "")
    lines = _opening(t)
    lines += [" | ".join(cells) + " |" + " |" * (4 - len(cells) % 4) for cells in active]
    lines.append("三、收到和处理政府信息公开申请情况")
    lines.append("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和) | 申请人情况 |")
    lines.append("自然人 | 法人或其他组织 | 总计 |")
    lines.append("商业 企业 | 科研 机构 | 社会公益组织 | 法律服务机构 | 其他 |")
    lines += [" | ".join(cells) + " |" for cells in apps]
    lines.append("四、政府信息公开行政复议、行政诉讼情况")
    lines.append("行政复议 | 行政诉讼 | |")
    lines.append(" | ".join(REVIEW_HEADER) + " | 未经复议直接起诉 | 复议后起诉 | |")
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

    lines = _opening(t) + [""] + table(active, 4) + ["", "三、收到和处理政府信息公开申请情况", ""]
    header = [["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "", "", *APPLICANT_HEADER]]
    padded = [[*([""] * (3 - len(_app_label(r)))), *_app_label(r), *cells[len(_app_label(r)):]]
              for r, cells in zip(APPLICATION_ROWS[t.format], apps)]
    cut = APPLICATION_ROWS[t.format].index(split_at) if split_at else len(padded)
    lines += table(header + padded[:cut], 10)
    if cut < len(padded):
        lines += ["", *table([[""] * 10] + padded[cut:], 10)]
    lines += ["", "四、政府信息公开行政复议、行政诉讼情况", ""]
    lines += table([["行政复议", "", "", "", "", "行政诉讼"] + [""] * 9, ["" for _ in range(15)], review], 15)
    return "\n".join(lines + [""] + _closing())


def render_cell_per_line(t: ReportTables) -> str:
    """One cell per line, paragraphs double-spaced, a blank cell an extra empty line (seed 003)."""
    active, apps, review = _row_cells(t, "")
    cells: list[str] = _opening(t)
    for row in active:
        cells += row
    cells.append("三、收到和处理政府信息公开申请情况")
    cells += ["(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", "申请人情况",
              "自然人", "法人或其他组织", "总计", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    seen_labels: set[str] = set()
    for row, values in zip(APPLICATION_ROWS[t.format], apps):
        labels = _app_label(row)
        for label in labels:
            if label not in seen_labels:
                cells.append(label)
                seen_labels.add(label)
        cells += values[len(labels):]
    cells.append("四、政府信息公开行政复议、行政诉讼情况")
    cells += ["行政复议", "行政诉讼", *REVIEW_HEADER, "未经复议直接起诉", "复议后起诉", *REVIEW_HEADER * 2]
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
    lines += ["- 2 -", "三、收到和处理政府信息公开申请情况", "申请人情况", "自然人 法人或其他组织 总计",
              "商业企业 科研机构 社会公益组织 法律服务机构 其他"]
    vertical = list("三、本年度办理结果")
    for n, (row, cells) in enumerate(zip(APPLICATION_ROWS[t.format], apps)):
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
    lines += ["四、政府信息公开行政复议、行政诉讼情况", "行政复议 行政诉讼", " ".join(REVIEW_HEADER),
              "未经复议直接起诉 复议后起诉", " ".join(REVIEW_HEADER * 2), " ".join(review)]
    return "\n".join(lines + _closing())


def _td(text: str, rowspan: int = 1, colspan: int = 1) -> str:
    attrs = (f' rowspan="{rowspan}"' if rowspan > 1 else "") + (f' colspan="{colspan}"' if colspan > 1 else "")
    return f"<td{attrs}>{html.escape(text) if text else '&nbsp;'}</td>"


def render_html_tables(t: ReportTables) -> str:
    """The three tables as the official form lays them out (rowspan/colspan), as HTML."""
    parts = ["<p>二、主动公开政府信息情况</p>"]
    blank = ""
    for heading, headers, keys in ACTIVE_GROUPS[t.format]:
        rows = [f"<tr>{_td(heading, colspan=len(headers) + 1)}</tr>",
                "<tr>" + _td("信息内容") + "".join(_td(h) for h in headers) + "</tr>"]
        for key in keys:
            rows.append("<tr>" + _td(ACTIVE_LABELS[key]) + "".join(_td(v) for v in _active_values(t, key, blank)) + "</tr>")
        parts.append('<table border="1">' + "".join(rows) + "</table>")
    parts.append("<p>三、收到和处理政府信息公开申请情况</p>")
    rows = [
        "<tr>" + _td("(本列数据的勾稽关系为:第一项加第二项之和,等于第三项加第四项之和)", rowspan=3, colspan=3)
        + _td("申请人情况", colspan=7) + "</tr>",
        "<tr>" + _td("自然人", rowspan=2) + _td("法人或其他组织", colspan=5) + _td("总计", rowspan=2) + "</tr>",
        "<tr>" + "".join(_td(h) for h in APPLICANT_HEADER[1:6]) + "</tr>",
    ]
    order = APPLICATION_ROWS[t.format]
    result_rows = [r for r in order if APPLICATION_LABELS[r][0] == "三、本年度办理结果"]
    group_sizes: dict[str, int] = {}
    for r in order:
        group_sizes[APPLICATION_LABELS[r][1]] = group_sizes.get(APPLICATION_LABELS[r][1], 0) + 1
    opened: set[str] = set()
    for r in order:
        top, mid, leaf = APPLICATION_LABELS[r]
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
        cells += "".join(_td(fmt_value(t.applications[r][c])) for c in APPLICANT_COLUMNS)
        rows.append(f"<tr>{cells}</tr>")
    parts.append('<table border="1">' + "".join(rows) + "</table>")
    parts.append("<p>四、政府信息公开行政复议、行政诉讼情况</p>")
    review = [
        "<tr>" + _td("行政复议", colspan=5) + _td("行政诉讼", colspan=10) + "</tr>",
        "<tr>" + "".join(_td(h, rowspan=2) for h in REVIEW_HEADER) + _td("未经复议直接起诉", colspan=5)
        + _td("复议后起诉", colspan=5) + "</tr>",
        "<tr>" + "".join(_td(h) for h in REVIEW_HEADER * 2) + "</tr>",
        "<tr>" + "".join(_td(fmt_value(t.review_litigation[g][o])) for g in REVIEW_GROUPS for o in REVIEW_OUTCOMES) + "</tr>",
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
