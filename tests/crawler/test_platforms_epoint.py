"""新点 (Epoint) WebBuilder lists (crawler/platforms/epoint.py), one behaviour each; the golden
fixtures epoint_* are checked by test_platforms.py, a loopback crawl by test_crawl_epoint.py."""

from __future__ import annotations

import json

import pytest

from crawler.platforms import ListPageError, detect_platform, parse_list_page

API = "http://www.moushi.gov.cn/EWB-FRONT/rest/lightfrontaction/getgovinfolist"
SENT = json.dumps({"deptcode": "", "categorynum": "003006", "pageIndex": 0, "pageSize": 10, "siteGuid": "g"})


def _answer(custom: object) -> str:
    return json.dumps({"custom": custom, "status": {"code": 1}}, ensure_ascii=False)


ITEM = {"title": "某市2023年政府信息公开工作年度报告", "infourl": "/zwgk/a.html", "infodate": "2024-01-25"}


def test_custom_as_a_json_string_is_read() -> None:
    page = parse_list_page(API, _answer(json.dumps({"data": [ITEM], "total": 1}, ensure_ascii=False)), sent=SENT)
    assert [(link.url, link.date) for link in page.links] == [("http://www.moushi.gov.cn/zwgk/a.html", "2024-01-25")]
    assert page.next_pages == ()


def test_later_pages_run_to_the_stated_total_from_the_page_answered() -> None:
    sent = json.dumps({**json.loads(SENT), "pageIndex": 2})
    page = parse_list_page(API, _answer({"data": [ITEM], "total": 45}), sent=sent)
    assert [json.loads(r.body)["pageIndex"] for r in page.next_pages] == [3, 4]
    assert all(r.method == "POST" and dict(r.headers)["Content-Type"] == "application/json" for r in page.next_pages)


def test_an_answer_without_the_request_body_names_no_later_page() -> None:
    assert parse_list_page(API, _answer({"data": [ITEM], "total": 45})).next_pages == ()


def test_an_empty_answer_to_the_bare_body_asks_again_wrapped_then_gives_up() -> None:
    page = parse_list_page(API, json.dumps({"custom": "", "status": {"code": 0}}), sent=SENT)
    assert [json.loads(r.body) for r in page.next_pages] == [{"params": json.loads(SENT)}]
    with pytest.raises(ListPageError, match="getgovinfolist: an Epoint list answer without custom.data"):
        parse_list_page(API, json.dumps({"custom": "", "status": {"code": 0}}), sent=page.next_pages[0].body)


def test_wrapped_pages_stay_wrapped() -> None:
    sent = json.dumps({"params": json.loads(SENT)})
    page = parse_list_page(API, _answer({"data": [ITEM], "total": 25}), sent=sent)
    assert [json.loads(r.body)["params"]["pageIndex"] for r in page.next_pages] == [1, 2]


def test_a_site_script_without_site_info_is_an_error_naming_the_url() -> None:
    url = "http://www.moushi.gov.cn/js/webBuilderCommon.js?categorynum=003006&deptcode="
    with pytest.raises(ListPageError, match=r"webBuilderCommon\.js\?categorynum=003006.*without its siteInfo"):
        parse_list_page(url, "var WebUtil = {};")


def test_the_site_guid_and_project_come_from_the_sites_own_script() -> None:
    url = "http://www.moushi.gov.cn/js/webBuilderCommon.js?categorynum=003006&deptcode=001"
    script = 'var siteInfo = {"siteGuid":"3373428a-5c73","projectName":"/EWB_YK_Mid"}\n'
    (request,) = parse_list_page(url, script).next_pages
    assert request.url == "http://www.moushi.gov.cn/EWB_YK_Mid/rest/lightfrontaction/getgovinfolist"
    assert json.loads(request.body) == {"deptcode": "001", "categorynum": "003006", "pageIndex": 0,
                                        "pageSize": 20, "siteGuid": "3373428a-5c73"}


def test_an_epoint_page_is_not_taken_for_another_platform_by_its_footer() -> None:
    body = ('<html><head><script src="/js/webBuilderCommon.js"></script></head><body><ul></ul>'
            '<script src="https://pucha.kaipuyun.cn/exposure/jiucuo.js"></script></body></html>')
    assert detect_platform("http://www.moushi.gov.cn/dynamic/zwgk/list.html?categorynum=003006", body) == "epoint"
