"""nianbao (年报): an archive of Chinese government information-disclosure annual reports.

This package is the application: the `nianbao` CLI and, later, the web UI and monitoring.
"""

__version__ = "0.1.0"
