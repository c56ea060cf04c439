"""A child process for tests/storage/test_packs.py: ingests `captures()` in one batch into the
archive at DATA (database URL), killing itself with SIGKILL where MODE says:

    python -m tests.storage.pack_crash_child DATA URL MODE

MODE `after-pack`: once the batch's pack file is written and fsynced, before its transaction
commits; `mid-pack`: while the pack file is being written (half of its bytes on disk);
`none`: no kill (the rerun)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import sys
from pathlib import Path

T0 = dt.datetime(2024, 5, 6, 9, 0, tzinfo=dt.timezone.utc)
COUNT = 40


def captures():
    from storage import CaptureIn

    return [CaptureIn(url=f"https://www.example.gov.cn/art/{n}.html", captured_at=T0 + dt.timedelta(seconds=n),
                      body=f"<html><body><p>第{n}号 政务动态</p>{'x' * (n * 37)}</body></html>".encode(),
                      content_type="text/html; charset=utf-8") for n in range(COUNT)]


def _kill() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def main(data: str, url: str, mode: str) -> None:
    import storage.blobs
    from storage import Archive

    if mode == "after-pack":
        written = storage.blobs.write_pack

        def write_then_die(*args, **kwargs) -> None:
            written(*args, **kwargs)
            _kill()

        storage.blobs.write_pack = write_then_die
    elif mode == "mid-pack":
        real_write = os.write

        def torn_write(fd: int, data) -> int:
            if not os.readlink(f"/proc/self/fd/{fd}").endswith(".pack"):
                return real_write(fd, data)
            real_write(fd, bytes(data[:len(data) // 2]))
            os.fsync(fd)
            _kill()
            raise AssertionError("not reached")

        os.write = torn_write
    archive = Archive.open(Path(data), url)
    archive.ingest_many(captures(), parse=False)
    archive.close()


if __name__ == "__main__":
    main(*sys.argv[1:])
