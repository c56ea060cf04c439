"""`nianbao serve`: the web UI and JSON API under waitress (nianbao.web.server)."""

from __future__ import annotations

from pathlib import Path

import click

from ..web.server import ConnectionLimits
from .agencies import data_registry
from .options import config_option

DEFAULT_LIMITS = ConnectionLimits()


def interface_language(value: str | None) -> str:
    """--language checked against the languages the web UI speaks (nianbao.web.i18n, imported
    here and not at the top: it loads Flask and Babel, which other commands do without)."""
    from ..web.i18n import DEFAULT_LANGUAGE, LANGUAGES

    if value is None:
        return DEFAULT_LANGUAGE
    if value not in LANGUAGES:
        raise click.BadParameter(f"{value!r}: one of {', '.join(LANGUAGES)}")
    return value


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@config_option("Agency registry (TOML file or folder) for the monitoring pages; default: the one "
               "$NIANBAO_DATA was crawled with, else config/agencies.")
@click.option("--language", metavar="zh|en", callback=lambda _context, _param, value: interface_language(value),
              help="The interface's language when neither ?lang=, its cookie nor the browser's Accept-Language "
                   "names one (default: zh, Chinese).")
@click.option("--threads", default=DEFAULT_LIMITS.threads, show_default=True, type=click.IntRange(1, 64),
              help="Worker threads per process.")
@click.option("--processes", default=1, show_default=True, type=click.IntRange(1, 64),
              help="Server processes on one port: one uses one CPU core however many threads it has; "
                   "give it the cores the machine can spare.")
@click.option("--export-cap", default=5000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Most search results one CSV/JSON download holds.")
@click.option("--connection-limit", default=DEFAULT_LIMITS.connection_limit, show_default=True,
              type=click.IntRange(1, 100_000),
              help="Open connections at once; more wait until one closes.")
@click.option("--channel-timeout", default=DEFAULT_LIMITS.channel_timeout, show_default=True, type=click.IntRange(1, 3600),
              help="Seconds an idle connection is kept open.")
def serve_command(host: str, port: int, config: Path | None, language: str, threads: int, processes: int,
                  export_cap: int, connection_limit: int, channel_timeout: int) -> None:
    """Serve the web UI: search, reports, versions and diffs, agencies, monitoring, JSON API.

    Reads the archive under $NIANBAO_DATA (or $NIANBAO_DATABASE_URL). Read-only: nothing is
    written to the archive. Prints the address it listens on.

    \b
    Example:
      nianbao serve --port 8000 --config config/agencies
      nianbao serve --language en
    """
    from storage import Archive
    from storage.db import data_dir

    from ..web.app import create_app
    from ..web.server import ServerConfigError, serve, serve_processes

    registry = data_registry(config)
    limits = ConnectionLimits(connection_limit=connection_limit, channel_timeout=channel_timeout, threads=threads)

    def listening(url: str) -> None:
        click.echo(f"nianbao serving on {url} (Ctrl-C to stop)", err=True)

    try:
        if processes == 1:
            archive = Archive.open()
            try:
                serve(create_app(archive, registry=registry, export_cap=export_cap, default_language=language),
                      host, port, limits, listening)
            finally:
                archive.close()
            return
        Archive.open().close()  # migrated once, here, before the processes open it

        def make_app():
            return create_app(Archive.open(), registry=registry, export_cap=export_cap, default_language=language,
                              shared_cache=data_dir() / "cache" / "web")

        serve_processes(make_app, host, port, processes, limits, listening)
    except ServerConfigError as exc:
        raise click.ClickException(str(exc)) from None
