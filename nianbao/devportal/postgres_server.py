"""A throwaway PostgreSQL server on loopback, for the storage tests and bench/ingest.py.

    with throwaway_server() as server:
        url = server.create_database("nianbao_test")   # postgresql+psycopg://postgres@127.0.0.1:PORT/...

The server runs from Debian's binaries (package `postgresql`, which scripts/setup.sh installs) in
a temporary folder: its data directory, its log and its unix socket all live there, it listens
on 127.0.0.1 only, on a free port, with trust authentication, so it never touches a system
cluster (Debian's `15/main` on 5432, running or not). initdb refuses to run as root, so as root
every server command runs as the `postgres` user through `runuser`.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

SETUP_HINT = "scripts/setup.sh installs it (Debian package postgresql)"


class PostgresUnavailable(RuntimeError):
    """The PostgreSQL server binaries are not installed, or the server would not start."""


def find_bindir() -> Path:
    """The newest installed server's bin folder (Debian keeps them under /usr/lib/postgresql/N/bin)."""
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0,
        reverse=True,
    )
    candidates += [Path(p).resolve().parent for p in [shutil.which("initdb")] if p]  # through symlinks
    for bindir in candidates:
        if (bindir / "initdb").is_file() and (bindir / "pg_ctl").is_file():
            return bindir
    raise PostgresUnavailable(f"PostgreSQL server binaries (initdb, pg_ctl) not found: {SETUP_HINT}")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PostgresServer:
    """One server in its own temporary folder; `start()` and `stop()` (which removes the folder)."""

    def __init__(self, *, durable: bool = False, bindir: Path | None = None) -> None:
        # durable=False turns fsync off: tests need a server that is fast, not one that survives
        # a power cut. The benchmark asks for durable=True so its figures are honest.
        self.durable = durable
        self.bindir = bindir or find_bindir()
        self.as_postgres = os.geteuid() == 0
        if self.as_postgres:
            try:
                self._owner = pwd.getpwnam("postgres")
            except KeyError as exc:
                raise PostgresUnavailable(f"running as root needs a `postgres` user: {SETUP_HINT}") from exc
        self.root: Path | None = None
        self.port = 0

    @property
    def data(self) -> Path:
        assert self.root is not None
        return self.root / "data"

    @property
    def sockets(self) -> Path:
        assert self.root is not None
        return self.root / "sockets"

    @property
    def log(self) -> Path:
        assert self.root is not None
        return self.root / "server.log"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        # cwd: the postgres user may not be allowed into the caller's folder (pg_ctl checks it).
        result = subprocess.run(command, cwd=self.root, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise PostgresUnavailable(
                f"`{' '.join(args)}` failed ({result.returncode}): {result.stderr.strip() or result.stdout.strip()}"
                + self._log_tail()
            )
        return result

    def _log_tail(self) -> str:
        try:
            lines = self.log.read_text(errors="replace").splitlines()[-15:]
        except OSError:
            return ""
        return "\nserver log:\n" + "\n".join(lines) if lines else ""

    def start(self) -> PostgresServer:
        self.root = Path(tempfile.mkdtemp(prefix="nianbao-pg-"))
        self.sockets.mkdir()
        if self.as_postgres:
            for path in (self.root, self.sockets):
                os.chown(path, self._owner.pw_uid, self._owner.pw_gid)
        try:
            self._run("initdb", "-D", str(self.data), "--auth=trust", "--username=postgres",
                      "--encoding=UTF8", "--locale=C", "--no-sync",
                      # Search no longer depends on LC_CTYPE (migration 0011 replaced pg_trgm, which
                      # saw no trigrams in Chinese under plain C); a UTF-8 ctype is what a real
                      # server for Chinese text is created with, so the tests' server is too.
                      "--lc-ctype=C.UTF-8")
            settings = [
                "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.sockets}",
                "-c max_connections=50",
            ]
            if not self.durable:
                settings += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
            for attempt in range(3):  # the free port can be taken between our check and the bind
                self.port = free_port()
                try:
                    self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                              "-o", " ".join([f"-p {self.port}", *settings]), "start")
                    break
                except PostgresUnavailable:
                    if attempt == 2:
                        raise
        except BaseException:
            self.stop()
            raise
        return self

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        args = ["createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres"]
        self._run(*args, *(["--template", template] if template else []), name)
        return self.url(name)

    def stop(self) -> None:
        if self.root is None:
            return
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(PostgresUnavailable):
                # immediate: nothing here needs a clean shutdown checkpoint, the folder goes next
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


@contextlib.contextmanager
def throwaway_server(*, durable: bool = False) -> Iterator[PostgresServer]:
    server = PostgresServer(durable=durable).start()
    try:
        yield server
    finally:
        server.stop()
