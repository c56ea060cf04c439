"""Report pages for hand-built monitoring archives: a title, a stated date (or none), the
narrative you choose, and the form's tables (nianbao/devportal/render.py)."""

from __future__ import annotations

import html

from nianbao.devportal.render import ReportTables, render_html_tables
from nianbao.devportal.documents import sample_tables

DEFAULT_NARRATIVE = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开工作。"


def tables(agency: str, year: int, seed: int = 7) -> ReportTables:
    return sample_tables("2021", agency=agency, year=year, seed=seed)


def report_page(t: ReportTables, published: str | None, narrative: str = DEFAULT_NARRATIVE,
                *, hits: int = 100, problems: str = "公开内容不够全面，下一步将加强培训。") -> bytes:
    """`hits`: the page's click counter (page chrome: changes the bytes, not the report)."""
    stated = f"<div class=\"info\">发布时间：{published}　浏览次数：{hits}</div>" if published else \
        f"<div class=\"info\">浏览次数：{hits}</div>"
    body = "".join(f"<p>{html.escape(p)}</p>" for p in narrative.split("\n") if p)
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(t.title)}</title></head>
<body><div class="article"><h1>{html.escape(t.title)}</h1>{stated}
<div class="content"><p>一、总体情况</p>{body}
<p>二、主动公开政府信息情况</p>
{render_html_tables(t)}
<p>五、存在的主要问题及改进情况</p><p>{html.escape(problems)}</p>
<p>六、其他需要报告的事项</p><p>无。</p></div></div></body></html>""".encode()


def home_page(agency: str) -> bytes:
    return f"""<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{agency}门户网站</title></head>
<body><h1>{agency}</h1><ul><li><a href="/zwgk/">政务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul>
<p>欢迎访问{agency}门户网站。</p></body></html>""".encode()


def list_page(agency: str, links: list[tuple[str, str, str]]) -> bytes:
    items = "".join(f'<li><a href="{u}">{html.escape(t)}</a><span>{d}</span></li>' for u, t, d in links)
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>年度报告</title></head>
<body><ul class="list">{items}</ul></body></html>""".encode()
