"""`nianbao serve` as a real process on a free loopback port: idle connections held open by one
client do not shut everyone else out (issue 12: waitress's defaults stopped answering at 100
idle sockets, for 120 s), and request bodies a read-only UI never needs are refused."""

from __future__ import annotations

import http.client
import os
import re
import resource
import signal
import socket
import subprocess
import time
from contextlib import ExitStack
from pathlib import Path

import pytest

from nianbao.devportal.crawl_process import NIANBAO_EXECUTABLE, crawl_environment
from nianbao.web.server import ConnectionLimits, ServerConfigError, ensure_file_descriptors

STARTUP_SECONDS = 60
ANSWER_SECONDS = 5


def start_serve(data: Path, *options: str) -> tuple[subprocess.Popen, int]:
    process = subprocess.Popen(
        [NIANBAO_EXECUTABLE, "serve", "--host", "127.0.0.1", "--port", "0", *options],
        env=crawl_environment(data), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + STARTUP_SECONDS
    lines = []
    while time.monotonic() < deadline:
        line = process.stderr.readline()
        if not line:
            break
        lines.append(line)
        found = re.search(r"serving on http://127\.0\.0\.1:(\d+)/", line)
        if found:
            return process, int(found.group(1))
    stop(process)
    raise AssertionError(f"nianbao serve did not start: {''.join(lines)}")


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
    process.stderr.close()


@pytest.fixture
def data(tmp_path: Path) -> Path:
    return tmp_path / "data"  # an empty archive: the search page still answers


def open_idle_sockets(stack: ExitStack, port: int, count: int) -> list[socket.socket]:
    sockets = []
    for _ in range(count):
        sock = stack.enter_context(socket.create_connection(("127.0.0.1", port), timeout=5))
        sockets.append(sock)
    return sockets


def get(port: int, path: str = "/") -> tuple[int, float]:
    """(status, seconds) of one request on a fresh connection, or a timeout error after ANSWER_SECONDS."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=ANSWER_SECONDS)
    try:
        connection.request("GET", path)
        status = connection.getresponse().status
    finally:
        connection.close()
    return status, time.monotonic() - started


def test_serve_answers_while_150_idle_connections_are_open(data):
    process, port = start_serve(data)
    try:
        with ExitStack() as stack:
            open_idle_sockets(stack, port, 150)
            status, seconds = get(port)
            assert status == 200 and seconds < ANSWER_SECONDS
    finally:
        stop(process)


def test_serve_closes_idle_connections_after_the_channel_timeout(data):
    # Fewer connections allowed than are held open: the request is answered only because the
    # idle ones are closed after a second.
    process, port = start_serve(data, "--connection-limit", "20", "--channel-timeout", "1")
    try:
        with ExitStack() as stack:
            idle = open_idle_sockets(stack, port, 30)
            status, seconds = get(port)
            assert status == 200 and seconds < ANSWER_SECONDS
            idle[0].settimeout(ANSWER_SECONDS)
            assert idle[0].recv(1) == b""  # the server hung up on it
    finally:
        stop(process)


def test_serve_refuses_a_large_request_body(data):
    process, port = start_serve(data)
    try:
        # The headers announce a megabyte; waitress answers before any of it is sent.
        with socket.create_connection(("127.0.0.1", port), timeout=ANSWER_SECONDS) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1048576\r\n\r\n")
            assert sock.makefile("rb").readline().split()[1] == b"413"
    finally:
        stop(process)


def test_connection_limits_refuse_zero():
    with pytest.raises(ServerConfigError):
        ConnectionLimits(channel_timeout=0)


def test_open_file_limit_is_raised_up_to_the_hard_limit(monkeypatch):
    raised = []
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (256, 4096))
    monkeypatch.setattr(resource, "setrlimit", lambda kind, limits: raised.append(limits))
    ensure_file_descriptors(1100)
    assert raised == [(1100, 4096)]


def test_more_connections_than_files_allowed_is_a_clear_error(monkeypatch):
    monkeypatch.setattr(resource, "getrlimit", lambda kind: (256, 1024))
    monkeypatch.setattr(resource, "setrlimit", lambda kind, limits: pytest.fail("must not change the limit"))
    with pytest.raises(ServerConfigError, match="ulimit -n"):
        ensure_file_descriptors(1100)


def child_pids(pid: int) -> set[int]:
    return {int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()}


def two(pids: set[int]) -> set[int] | None:
    return pids if len(pids) == 2 else None


def wait_for(condition, seconds: float = STARTUP_SECONDS):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = condition()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"not within {seconds} s: {condition}")


def test_serve_processes_share_one_port_and_replace_a_dead_one(data):
    process, port = start_serve(data, "--processes", "2")
    try:
        children = wait_for(lambda: two(child_pids(process.pid)))
        statuses = [get(port)[0] for _ in range(8)]  # fresh connections, whichever process accepts
        assert statuses == [200] * 8
        dead = sorted(children)[0]
        os.kill(dead, signal.SIGKILL)
        # The check: within the start-up time, two processes again, neither the dead one.
        replaced = wait_for(lambda: two(child_pids(process.pid) - {dead}))
        assert [get(port)[0] for _ in range(8)] == [200] * 8
    finally:
        stop(process)
    assert process.returncode == 0
    for child in children | replaced:  # terminating the server ends every process
        assert not Path(f"/proc/{child}").exists() or "zombie" in Path(f"/proc/{child}/status").read_text()


def test_processes_compute_a_kept_value_once_between_them(tmp_path: Path):
    """Two processes' kept values (nianbao.web.aggregates.PerState) over one SharedStore: the value
    is computed by one, read by the other, and a new archive state computes it again."""
    from nianbao.web.aggregates import PerState, SharedStore

    store = SharedStore(tmp_path / "shared")
    first, second = (PerState(archive=None, shared=store) for _ in range(2))
    calls: list[int] = []

    def compute() -> dict:
        calls.append(1)
        return {"evaluation": [1, 2, 3]}

    assert first.get(("monitor", 2023), compute, token=(1, 2)) == {"evaluation": [1, 2, 3]}
    assert second.get(("monitor", 2023), compute, token=(1, 2)) == {"evaluation": [1, 2, 3]}
    assert len(calls) == 1
    assert second.get(("monitor", 2023), compute, token=(1, 3)) == {"evaluation": [1, 2, 3]}
    assert len(calls) == 2
    second.get(("monitor", 2024), compute, token=(1, 3))
    assert len(calls) == 3


def test_server_processes_failing_at_start_stop_the_server_with_a_clear_error(monkeypatch):
    """A broken app (an archive that cannot be opened, say) would die again at every restart:
    after RESPAWN_LIMIT deaths in RESPAWN_WINDOW seconds the server stops and says so."""
    from nianbao.web import server

    def broken_app():
        raise RuntimeError("archive unreadable")

    monkeypatch.setattr(server.log, "exception", lambda *args, **kwargs: None)  # the children's report
    with pytest.raises(ServerConfigError, match=r"5 server processes exited within 30 s \(the last with status 256\)"):
        server.serve_processes(broken_app, "127.0.0.1", 0, 2)
