"""A simulated government portal for the crawler tests, the crawl benchmark and `nianbao demo`.

`sites` describes the sites (one per portal platform, each on its own 127.0.0.N address), the
reports and decoys they list, and the registry (`registry_toml`); `expected` the outcome a
complete crawl must reach (`EXPECTED`); `markup` renders each platform's pages as the real CMS
does; `server` serves them (`Portal`) and counts every request.
"""

from .server import Portal
from .expected import EXPECTED, Expected, ExpectedAgency, ExpectedDecoy, ExpectedReport
from .sites import registry_toml

__all__ = ["EXPECTED", "Expected", "ExpectedAgency", "ExpectedDecoy", "ExpectedReport", "Portal", "registry_toml"]
