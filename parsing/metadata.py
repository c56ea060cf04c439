"""Title, agency, the year reported on, and the publication date of a report.

Pure functions over the report's lines (text or the HTML page's text with its chrome), so the
same rules serve every source.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter

from .cells import normalize_text

_TITLE = re.compile(r"(?:政府|政务)?信息公开.{0,10}报告")
_YEAR_IN_TITLE = re.compile(r"((?:19|20)\d{2}|[〇零一二三四五六七八九]{4})\s*年(?:度)?")
_ORGAN_SUFFIX = (
    r"(?:人民政府办公室|人民政府办公厅|人民政府|街道办事处|办事处|管理委员会|委员会|管理局|总局|局|厅"
    r"|办公室|中心|研究院|院|署|站|所|馆|队|集团)"
)
_REGION = r"(?:省|自治区|市|区|县|州|旗|盟|镇|乡|街道)"
_ORGAN_IN_TEXT = re.compile(rf"[\u4e00-\u9fa5]{{1,10}}?{_REGION}[\u4e00-\u9fa5]{{0,14}}?{_ORGAN_SUFFIX}")
_ORGAN_WHOLE = re.compile(rf"^[\u4e00-\u9fa5()（）]{{2,40}}{_ORGAN_SUFFIX}$")

_CN_DIGITS = {"〇": 0, "零": 0, "○": 0, "Ｏ": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5,
              "六": 6, "七": 7, "八": 8, "九": 9}
_DATE = re.compile(
    r"(?P<y>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<m>\d{1,2})\s*(?:[-/.]|月)\s*(?P<d>\d{1,2})(?!\d)"
)
_CN_DATE = re.compile(
    r"(?P<y>[〇零○一二三四五六七八九]{4})年(?P<m>[一二三四五六七八九十]{1,2})月(?P<d>[一二三四五六七八九十]{1,3})日"
)
_PUBLISHED_DATE = re.compile(r"(?:发布|公开|上网)(?:时间|日期)|^日期|^时间")
_LABELLED_DATE = re.compile(r"(?:发布|公开|上网|成文|发文|印发|生成)(?:时间|日期)|^日期|^时间")
_DIGIT_CJK_SPACE = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=\d)|(?<=\d)\s+(?=[\u4e00-\u9fff])")
_CHROME_NEAR_DATE = re.compile(r"来源|点击|浏览|阅读|作者|字体|发布")


def _cn_number(text: str) -> int:
    """一 → 1, 十 → 10, 十二 → 12, 二十 → 20, 二十一 → 21, 三十一 → 31."""
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)
    return _CN_DIGITS[text]


def _cn_year(text: str) -> int:
    return int("".join(str(_CN_DIGITS[ch]) for ch in text))


def _date(year: int, month: int, day: int) -> dt.date | None:
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def find_date(text: str) -> dt.date | None:
    """The first calendar date written in `text` (2022-01-25, 2022年1月25日, 二〇二二年一月二十五日)."""
    text = normalize_text(text)
    match = _DATE.search(text)
    if match:
        return _date(int(match["y"]), int(match["m"]), int(match["d"]))
    match = _CN_DATE.search(text)
    if match:
        return _date(_cn_year(match["y"]), _cn_number(match["m"]), _cn_number(match["d"]))
    return None


# Markdown converters mark the title up ("# 淮安市人民政府…", "**…**"); a crawler's page text
# labels it ("标题: 平潭综合实验区2021年度…", tests/fixtures/collected/pingtan_*.txt).
_MARKDOWN_MARKS = re.compile(r"^#{1,6}\s+|\*\*|__|^(?:标题|题目|title)\s*[:：]\s*", re.IGNORECASE)


def find_title(lines: list[str], candidates: list[str] = ()) -> str | None:
    """The report's title: the first candidate (HTML headings) or early line that reads like one."""
    title = _find_title(lines, candidates)
    # PDF text puts spaces between digits and Chinese ("2024 年"); titles are cited without them.
    return _DIGIT_CJK_SPACE.sub("", title) if title else None


def _find_title(lines: list[str], candidates: list[str]) -> str | None:
    for text in candidates:
        text = normalize_text(text)
        if 6 <= len(text) <= 80 and _TITLE.search(text) and not _LABELLED_DATE.search(text):
            return text
    previous = ""
    for line in lines[:25]:
        text = _MARKDOWN_MARKS.sub("", normalize_text(line)).strip()
        if 6 <= len(text) <= 80 and _TITLE.search(text) and not _LABELLED_DATE.search(text):
            # A title broken after the organ's name: "鹤壁市淇滨区城市管理局" / "2021年政府信息…".
            if _YEAR_IN_TITLE.match(text) and _ORGAN_WHOLE.match(previous):
                return previous + text
            return text
        if text:
            previous = text
    return None


def year_from_title(title: str | None) -> int | None:
    if not title:
        return None
    match = _YEAR_IN_TITLE.search(title)
    if not match:
        return None
    raw = match.group(1)
    return int(raw) if raw.isdigit() else _cn_year(raw)


_ANY_YEAR = re.compile(r"((?:19|20)\d{2})\s*年(?!\s*\d{1,2}\s*月)")


def find_year(title: str | None, body_lines: list[str]) -> int | None:
    """The year reported on: from the title, else the opening text, else the most cited year."""
    year = year_from_title(title)
    if year:
        return year
    opening = "\n".join(body_lines[:12])
    match = _ANY_YEAR.search(opening)
    if match:
        return int(match.group(1))
    counts = Counter(int(m.group(1)) for m in _ANY_YEAR.finditer("\n".join(body_lines)))
    return counts.most_common(1)[0][0] if counts else None


def agency_from_title(title: str | None) -> str | None:
    if not title:
        return None
    text = re.sub(r"^关于", "", title)
    match = _YEAR_IN_TITLE.search(text)
    if not match:
        return None
    before = text[: match.start()].strip(" :：,，")
    after = text[match.end() :]
    if before and _ORGAN_WHOLE.match(before):
        return before
    tail = re.match(rf"([\u4e00-\u9fa5]{{2,40}}?{_ORGAN_SUFFIX})(?:政府|政务)?信息公开", after)
    return tail.group(1) if tail else None


def agency_from_opening(body_lines: list[str], overview_lines: list[str] = ()) -> str | None:
    """The organ named in the first sentence of the opening paragraphs ("2021年,X按照…"):
    the report's first paragraphs, then the first ones under 一、总体情况."""
    long_lines = lambda lines: [line for line in lines[:8] if len(normalize_text(line)) > 20][:2]  # noqa: E731
    paragraphs = long_lines(body_lines) + long_lines(list(overview_lines))
    for paragraph in paragraphs:
        first_sentence = re.split(r"[。;；]", normalize_text(paragraph), maxsplit=1)[0]
        match = _ORGAN_IN_TEXT.search(first_sentence)
        if match:
            return match.group(0)
    return None


def find_published_on(lines: list[str], meta_dates: list[str] = ()) -> dt.date | None:
    """Publication date: page metadata, a labelled chrome date, a date beside 来源/点击,
    else the dated line that signs the document."""
    for raw in meta_dates:
        date = find_date(raw)
        if date:
            return date
    # 发布日期 beats 成文日期 (the date the document was signed) when a page prints both.
    for pattern in (_PUBLISHED_DATE, _LABELLED_DATE):
        for line in lines[:40]:
            text = normalize_text(line)
            label = pattern.search(text)
            if label:
                date = find_date(text[label.start() :])
                if date:
                    return date
    for line in lines[:40]:
        text = normalize_text(line)
        if len(text) <= 120 and _CHROME_NEAR_DATE.search(text):
            date = find_date(text)
            if date:
                return date
    for line in reversed(lines[-15:]):
        text = normalize_text(line)
        if len(text) <= 30:
            date = find_date(text)
            if date:
                return date
    return None
