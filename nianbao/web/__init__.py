"""The web UI (`nianbao serve`): search, report, agency and monitoring pages and a read-only JSON
API over the archive. `nianbao.web.app.create_app(archive)` builds the WSGI app; nianbao.commands.serve is
the command. Nothing is imported here, so the CLI starts without loading Flask."""
