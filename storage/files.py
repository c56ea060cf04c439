"""Writing a file so that readers and crashes see the old file or the new one, never half."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO


@contextmanager
def atomic_output(target: Path, *, prefix: str = ".tmp-", suffix: str = "") -> Iterator[BinaryIO]:
    """A binary file to write `target`'s new bytes into, as a stream: a temporary file beside
    `target` (named `prefix`…`suffix`), fsynced and renamed over `target` when the block ends,
    then the folder fsynced. An exception in the block removes it; a crash leaves at most it.
    The folder must exist."""
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=prefix, suffix=suffix)
    try:
        with os.fdopen(fd, "wb") as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    dir_fd = os.open(target.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def write_atomically(target: Path, data: bytes, *, prefix: str = ".tmp-") -> None:
    """Write `data` over `target` through `atomic_output`, making its folder first."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_output(target, prefix=prefix) as out:
        out.write(data)
