"""A throwaway Redis server on loopback, for the distributed crawl tests and bench/scale.py.

    with throwaway_redis() as server:
        server.url            # redis://127.0.0.1:PORT/0
        server.client()       # a redis.Redis on it

Debian's `redis-server` binary (scripts/setup.sh installs it) runs in a temporary folder on
127.0.0.1 at a free port, with no persistence, so it never touches a system Redis (Debian's
service on 6379, running or not).
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import redis

from nianbao.devportal.postgres_server import free_port

SETUP_HINT = "scripts/setup.sh installs it (Debian package redis-server)"
START_TIMEOUT = 20.0


class RedisUnavailable(RuntimeError):
    """redis-server is not installed, or it would not start."""


class RedisServer:
    def __init__(self, *, maxmemory: str | None = None) -> None:
        binary = shutil.which("redis-server") or (
            "/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
        if binary is None:
            raise RedisUnavailable(f"redis-server is not installed; {SETUP_HINT}")
        self.binary = binary
        self.maxmemory = maxmemory
        self.folder = Path(tempfile.mkdtemp(prefix="nianbao-redis-"))
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis.from_url(self.url)

    def start(self) -> RedisServer:
        self.port = free_port()
        command = [self.binary, "--bind", "127.0.0.1", "--port", str(self.port), "--dir", str(self.folder),
                   "--save", "", "--appendonly", "no", "--daemonize", "no",
                   "--logfile", str(self.folder / "redis.log")]
        if self.maxmemory:
            command += ["--maxmemory", self.maxmemory]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RedisUnavailable(f"redis-server exited with {self.process.returncode}: "
                                       f"{self.process.stderr.read().decode(errors='replace')[-500:]}")
            with contextlib.suppress(redis.ConnectionError):
                if self.client().ping():
                    return self
            time.sleep(0.05)
        self.stop()
        raise RedisUnavailable(f"redis-server did not answer on port {self.port} within {START_TIMEOUT} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        shutil.rmtree(self.folder, ignore_errors=True)


@contextlib.contextmanager
def throwaway_redis(*, maxmemory: str | None = None) -> Iterator[RedisServer]:
    server = RedisServer(maxmemory=maxmemory).start()
    try:
        yield server
    finally:
        server.stop()
