"""Page chrome that survives into a report's text: bylines, 来源, click counters, print links.

trafilatura removes most of a page's chrome; CMS templates put some of it inside the article
container (seed 003 keeps "2020-03-06 14:38 来源:… (点击: )", "附件【….docx已下载" and "关闭窗口").
Text files saved from pages carry all of it. A line is chrome when it is short and made of
these phrases, never because a phrase occurs somewhere in a long paragraph.
"""

from __future__ import annotations

import re

from .cells import normalize_text

_CHROME = re.compile(
    r"来源\s*[:：]|发布(?:时间|日期|机构|单位)\s*[:：]|作者\s*[:：]|责任编辑|编辑\s*[:：]|信息来源"
    r"|(?:点击|浏览|阅读|访问)(?:次数|量|数)?\s*[:：(（]|(?:点击|浏览|阅读)\s*\d+\s*次"
    r"|字体\s*[:：]?\s*[【\[]?\s*大|【\s*大\s*】|[大中小]\s*[】\]]?\s*[【\[]?\s*中\s*[】\]]?\s*[【\[]?\s*小"
    r"|打印本页|打印此页|【\s*打印\s*】|^打印$|关闭窗口|关闭本页|【\s*关闭\s*】|^关闭$|分享到|收藏本页|扫一扫"
    r"|^附件\s*[:：【]|\.(?:docx?|pdf|xlsx?|wps|zip|rar)\b.*(?:下载|$)|已下载"
    r"|上一篇|下一篇|返回顶部|返回首页|当前位置|您的位置|^首页\s*[>»]"
    r"|版权所有|主办单位|承办单位|网站标识码|ICP\s*备|公网安备|联系我们|网站地图|^索\s*引\s*号"
    r"|^【\s*(?:我要纠错|打印|关闭|收藏)"
)
MAX_CHROME_LINE = 120


def is_chrome_line(line: str) -> bool:
    text = normalize_text(line)
    return bool(text) and len(text) <= MAX_CHROME_LINE and bool(_CHROME.search(text))


def strip_chrome(lines: list[str]) -> list[str]:
    return [line for line in lines if not is_chrome_line(line)]
