"""`nianbao serve`: the web UI and JSON API under waitress."""

from __future__ import annotations

import logging
from pathlib import Path

import click

log = logging.getLogger(__name__)


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free port).")
@click.option("--config", "registry", type=click.Path(exists=True, path_type=Path),
              help="Agency registry (TOML file or folder) for the monitoring pages; default config/agencies.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--export-cap", default=5000, show_default=True, type=click.IntRange(1, 1_000_000),
              help="Most search results one CSV/JSON download holds.")
def serve_command(host: str, port: int, registry: Path | None, threads: int, export_cap: int) -> None:
    """Serve the web UI: search, reports, versions and diffs, agencies, monitoring, JSON API.

    Reads the archive under $NIANBAO_DATA (or $NIANBAO_DATABASE_URL). Read-only: nothing is
    written to the archive. Prints the address it listens on.

    \b
    Example:
      nianbao serve --port 8000 --config config/agencies
    """
    from waitress.server import create_server

    from storage import Archive

    from .app import create_app

    archive = Archive.open()
    app = create_app(archive, registry=registry, export_cap=export_cap)
    server = create_server(app, host=host, port=port, threads=threads, ident="nianbao")
    click.echo(f"nianbao serving on http://{host}:{server.effective_port}/ (Ctrl-C to stop)", err=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        archive.close()
