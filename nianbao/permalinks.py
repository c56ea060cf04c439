"""The web UI's addresses of a report and an agency, for exports made outside a request.

The web UI builds these with Flask's `url_for("report_page", …)` and `url_for("agency_page",
…)` (nianbao/web/app.py: /reports/<id>?version=<id>, /agencies/<name>); an export from the
command line has no request to ask, so it builds the same paths here on a base URL: the
`--base-url` option, else $NIANBAO_BASE_URL, else where `nianbao serve` listens by default.
tests/test_exports_csv.py checks these paths against the web app's own url_for.
"""

from __future__ import annotations

import os
from urllib.parse import quote

DEFAULT_BASE_URL = "http://127.0.0.1:8000"  # nianbao serve's default --host and --port
BASE_URL_ENV = "NIANBAO_BASE_URL"
# What Werkzeug's path converter leaves unescaped in a path (werkzeug/routing/converters.py).
_PATH_SAFE = "!$&'()*+,/:;=@"


def base_url(given: str | None = None) -> str:
    """The web UI's root for permalinks: `given`, else $NIANBAO_BASE_URL, else the default."""
    return (given or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL).rstrip("/")


def report_url(base: str, report_id: int, version_id: int | None = None) -> str:
    """The report page (one version of it when `version_id` is given)."""
    return f"{base.rstrip('/')}/reports/{report_id}" + (f"?version={version_id}" if version_id else "")


def agency_url(base: str, name: str) -> str:
    """The agency page; its name percent-encoded as Werkzeug's path converter does."""
    return f"{base.rstrip('/')}/agencies/{quote(name, safe=_PATH_SAFE)}"
