"""A registry TOML naming the agencies of tests/web/build.py, for the monitoring pages."""

from __future__ import annotations

from pathlib import Path

from tests.web.build import EDITED_AGENCY, FAILED_AGENCY, HOSTILE_AGENCY

REGISTRY = f"""
[[agency]]
name = "{EDITED_AGENCY}"
region = "河南省/新乡市/卫辉市"
kind = "department"
list_urls = ["https://www.weihui.gov.cn/zwgk/ndbg/"]

[[agency]]
name = "{HOSTILE_AGENCY}"
region = "河南省/安阳市"
kind = "department"
list_urls = ["https://www.anyang.gov.cn/lyj/ndbg/"]

[[agency]]
name = "{FAILED_AGENCY}"
region = "河南省/商丘市/宁陵县"
kind = "department"
list_urls = ["https://www.ningling.gov.cn/wjw/"]

[[agency]]
name = "宁陵县人民政府"
region = "河南省/商丘市/宁陵县"
kind = "government"
list_urls = ["https://www.ningling.gov.cn/zfxxgk/"]
"""


def write_registry(folder: Path) -> Path:
    path = folder / "agencies.toml"
    path.write_text(REGISTRY, encoding="utf-8")
    return path
