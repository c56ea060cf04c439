"""Report pages for hand-built monitoring archives: a title, a stated date (or none), the
narrative you choose, and the form's tables (nianbao/devportal/render.py); a portal's home
page and a column's list page."""

from __future__ import annotations

import html

from nianbao.devportal.render import ReportTables, render_html_tables
from nianbao.devportal.documents import sample_tables

DEFAULT_NARRATIVE = "本机关认真贯彻落实《中华人民共和国政府信息公开条例》，扎实推进政务公开工作。"
# Two narratives long enough to be compared for copying (nianbao.monitoring.copies), about as
# long as real ones, and unlike each other.
SAMPLE_NARRATIVE = (
    "本年度，我局坚持以习近平新时代中国特色社会主义思想为指导，全面贯彻党的二十大精神，围绕中心服务大局，"
    "将政务公开与优化营商环境、重点项目建设、民生保障工作紧密结合，全年主动公开政府信息1234条，其中规范性文件"
    "12件，政策解读材料45篇，召开新闻发布会6场。依托政府网站、政务新媒体和政务服务大厅公开专区，持续拓展公开渠道，"
    "健全政府信息公开申请办理工作机制，规范受理、登记、审核、答复各环节，确保依法按时答复。加强平台建设，"
    "完成网站集约化改版，优化栏目设置，提升检索功能，方便群众查询。强化监督保障，将政务公开纳入年度绩效考核，"
    "组织业务培训三次，开展网站内容自查八次，及时整改发现的问题，政务公开工作质量持续提升。"
)
OTHER_NARRATIVE = (
    "我委围绕全市发展改革中心任务，推动重大项目信息、价格收费信息和规划计划信息公开。全年通过门户网站发布信息"
    "九百余条，回应社会关切的热点问题，及时发布能源保供、粮食储备和物价监测情况。对依申请公开实行台账管理，"
    "逐件明确承办处室和答复时限，重大复杂申请由法规处会同业务处室研究答复口径。开展公开目录梳理，清理过时"
    "信息，调整基层政务公开标准目录事项，推进决策公开，重要政策出台前通过征求意见栏目公开草案。下一步将"
    "进一步加强政策解读和回应关切，完善公开平台功能，提高公开实效，更好服务经济社会发展和人民群众生产生活。"
)


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
