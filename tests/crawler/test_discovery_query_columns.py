"""Discovery's unit sub-columns on CMSs whose columns are named by the query of one page
(Epoint govInfoPub.html?categorynum=…&deptcode=…, Cicro iList.jsp?cat_id=…): on a 年报 column,
a unit's link to the same page with another column's query is a unit column; the same column's
other page (a page number) and a link elsewhere are not."""

from __future__ import annotations

import pytest

from crawler.discovery.links import LinkKind, score_link

EPOINT = "http://x.gov.cn/dynamic/zwgk/govInfoPub.html?categorynum=003007&deptcode=001001"
CICRO = "http://x.gov.cn/info/iList.jsp?cat_id=28208"


@pytest.mark.parametrize("page, url, text", [
    (EPOINT, "http://x.gov.cn/dynamic/zwgk/govInfoPub.html?categorynum=003007&deptcode=001001002", "某县财政局"),
    (EPOINT, "http://x.gov.cn/dynamic/zwgk/govInfoPub.html?categorynum=003007001&deptcode=001001", "部门"),
    (CICRO, "http://x.gov.cn/info/iList.jsp?cat_id=28209", "某县金安镇人民政府"),
])
def test_score_link_a_query_named_unit_column_on_a_column(page: str, url: str, text: str) -> None:
    scored = score_link(url, text, page, on_column=True)
    assert scored is not None and scored.kind == LinkKind.UNIT


@pytest.mark.parametrize("page, url, text", [
    (CICRO, "http://x.gov.cn/info/iList.jsp?cat_id=28208&cur_page=2", "某县财政局"),  # the same list, page 2
    (EPOINT, "http://x.gov.cn/dynamic/zwgk/other.html?categorynum=003007&deptcode=001001002", "某县财政局"),
    (CICRO, "http://y.gov.cn/info/iList.jsp?cat_id=28209", "某县财政局"),  # another site
])
def test_score_link_the_same_list_or_another_page_is_no_query_named_unit(page: str, url: str, text: str) -> None:
    scored = score_link(url, text, page, on_column=True)
    assert scored is None or scored.kind != LinkKind.UNIT
