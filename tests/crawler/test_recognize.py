"""Report recognition from link titles: reports of a year in, notices and sector reports out."""

from __future__ import annotations

import pytest

from crawler.recognize import report_year


@pytest.mark.parametrize(
    ("title", "year"),
    [
        ("淮安市人民政府2024年政府信息公开工作年度报告", 2024),
        ("卫辉市信访局2021年政府信息公开工作年度报告", 2021),
        ("天山区人民政府2019年度政府信息公开工作报告", 2019),
        ("2022年度政府信息公开工作年度报告", 2022),
        ("宿迁市政府办公室2014年政府信息公开年度报告", 2014),
        ("某县自然资源局二〇二三年政府信息公开工作年度报告", 2023),
        ("【年度报告】某区统计局2020年政府信息公开工作年度报告.pdf", 2020),
        # a unit's own column (the national test web's SHORT_TITLES): no name, 工作年报
        ("2021年度信息公开工作年报", 2021),
    ],
)
def test_report_titles_are_recognised_with_their_year(title: str, year: int) -> None:
    verdict = report_year(title)
    assert verdict.is_report, verdict.reason
    assert verdict.year == year


@pytest.mark.parametrize(
    "title",
    [
        "关于做好2023年度政府信息公开工作年度报告编制和发布工作的通知",
        "2024年政务公开工作要点",
        "某某大学2022-2023学年信息公开工作年度报告",
        "某市人民医院2022年信息公开工作年度报告",
        "某市供水集团有限公司2022年信息公开年度报告",
        "政府信息公开指南",
        "2023年法治政府建设年度报告",
        "关于2022年政府信息公开工作年度报告的解读",
    ],
)
def test_notices_sector_reports_and_other_documents_are_not_reports(title: str) -> None:
    assert not report_year(title).is_report


@pytest.mark.parametrize(
    "title",
    [
        "一图读懂淮安市人民政府2023年政府信息公开工作年度报告",
        "图解：沭阳县2023年政府信息公开工作年度报告",
        "《淮安市2023年政府信息公开工作年度报告》政策解读",
        "一图看懂｜洪泽区2024年政府信息公开工作年度报告",
        "我市2023年政府信息公开工作年度报告正式发布",
        "洪泽区召开2023年度政府信息公开工作年度报告编制培训会",
        "关于做好2024年度政府信息公开工作年度报告工作的通知",
    ],
)
def test_interpretations_and_news_about_reports_are_not_reports(title: str) -> None:
    from crawler.recognize import not_a_report_page

    assert not report_year(title).is_report
    assert not_a_report_page(title)


@pytest.mark.parametrize(
    "title",
    [
        "淮安市人民政府2024年政府信息公开工作年度报告",
        "国务院新闻办公室2023年政府信息公开工作年度报告",  # 新闻 is in organs' names
        "沭阳县发展和改革局2023年政府信息公开年度报告",
        "平潭综合实验区2023年度政府信息公开工作年度报告",
        None,
    ],
)
def test_report_pages_are_not_taken_for_interpretations(title: str | None) -> None:
    from crawler.recognize import not_a_report_page

    assert not_a_report_page(title) is None
