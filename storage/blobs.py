"""The content-addressed blob store: every payload once, under its sha256.

Writes are atomic and durable before any database row points at them: the bytes go to a
temporary file in the same folder, are fsynced, renamed into place, and the folder is fsynced.
A crash can leave an orphan blob (found by `nianbao db check`), never a row without its bytes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path

from .files import write_atomically


class BlobError(Exception):
    """A blob is missing or its bytes do not match its digest."""


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        return self.root / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def put(self, body: bytes) -> str:
        """Store `body` (if not already there) and return its sha256."""
        digest = sha256_hex(body)
        target = self.path(digest)
        if target.is_file():
            return digest
        write_atomically(target, body, prefix=".tmp-")  # temporaries() finds what a crash leaves
        return digest

    def get(self, digest: str) -> bytes:
        try:
            body = self.path(digest).read_bytes()
        except FileNotFoundError as exc:
            raise BlobError(f"blob {digest} is missing from {self.root}") from exc
        if sha256_hex(body) != digest:
            raise BlobError(f"blob {digest} is corrupt: its bytes hash to {sha256_hex(body)}")
        return body

    def digests(self) -> Iterator[str]:
        if not self.root.is_dir():
            return
        for path in self.root.glob("??/??/*"):
            if path.is_file() and not path.name.startswith(".tmp-"):
                yield path.name

    def temporaries(self) -> Iterator[Path]:
        """Leftovers of writes interrupted before their rename."""
        if self.root.is_dir():
            yield from self.root.glob("??/??/.tmp-*")

    def remove_temporaries(self) -> list[Path]:
        """Delete the leftovers of interrupted writes (no row points at them); the paths removed.
        Run it while no crawl or import writes to this store: a write in flight has one too."""
        removed = sorted(self.temporaries())
        for path in removed:
            path.unlink(missing_ok=True)
        return removed
