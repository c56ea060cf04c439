"""The content-addressed blob store: every payload once, under its sha256.

Writes are atomic and durable before any database row points at them: the bytes go to a
temporary file in the same folder, are fsynced, renamed into place, and the folder is fsynced.
A crash can leave an orphan blob (found by `nianbao db check`), never a row without its bytes.

`BlobBatch` does the same for many payloads at once (the archive's group commit): a pool of
threads writes and fsyncs each temporary file as soon as it is staged (concurrent creations and
fsyncs share the filesystem's journal commits), then all are renamed and their folders (and
the parents of folders made) fsynced together; the batch's database rows are committed only
after `durable()` returns.
"""

from __future__ import annotations

import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

from .files import FSYNC_THREADS, fsync_path, write_atomically

TEMP_PREFIX = ".tmp-"  # temporaries() finds what a crash leaves


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
        write_atomically(target, body, prefix=TEMP_PREFIX)
        return digest

    def batch(self) -> BlobBatch:
        """A batch of puts made durable together (see `BlobBatch`)."""
        return BlobBatch(self)

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
            if path.is_file() and not path.name.startswith(TEMP_PREFIX):
                yield path.name

    def temporaries(self) -> Iterator[Path]:
        """Leftovers of writes interrupted before their rename."""
        if self.root.is_dir():
            yield from self.root.glob(f"??/??/{TEMP_PREFIX}*")

    def remove_temporaries(self) -> list[Path]:
        """Delete the leftovers of interrupted writes (no row points at them); the paths removed.
        Run it while no crawl or import writes to this store: a write in flight has one too."""
        removed = sorted(self.temporaries())
        for path in removed:
            path.unlink(missing_ok=True)
        return removed


class BlobBatch:
    """Payloads stored together: `stage` hands each new payload to a pool of threads that
    writes it to a temporary file beside its place and fsyncs it (making its folders first);
    `durable` waits for them, renames each into place and fsyncs every folder whose entries
    changed, folder by folder in the pool. Until `durable` returns, no row may point at a staged
    payload; a crash before it leaves temporaries (`BlobStore.temporaries`), a crash after it
    orphans at most (rows not committed yet), as a single put does. `discard` removes what was
    staged and not yet made durable.

    Creating files is what a batch waits on (each creation a journal operation: 0.3-1.5 ms a
    file on the loaded 2-core dev machine, serially 2/3 of a batch in bench/ingest.py's
    profile), so creations run concurrently, as the fsyncs already did."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self._staged: dict[str, str] = {}  # digest -> its temporary file
        self._pool: ThreadPoolExecutor | None = None  # writes and fsyncs staged files
        self._writes: dict[str, Future[list[str]]] = {}  # digest -> its write: the folders it made
        self._count = 0
        self._bodies: dict[str, bytes] = {}  # digest -> payload, readable before it is durable
        self.done = False

    def stage(self, body: bytes, digest: str | None = None) -> str:
        """Have `body` written to a temporary file unless it is stored or staged already; its sha256."""
        digest = digest or sha256_hex(body)
        if digest in self._staged:
            return digest
        # Plain os.path strings, not pathlib: this runs for every capture of a crawl (pathlib's
        # parsing was a third of staging's time in bench/ingest.py's profile).
        folder = os.path.join(self.store.root, digest[:2], digest[2:4])
        if os.path.isfile(os.path.join(folder, digest)):
            return digest
        if self.done:
            raise RuntimeError("this blob batch is durable already; start another")
        self._count += 1
        # Unique among writers: this process's id and a count (another process staging the same
        # payload writes its own temporary; both rename the same bytes into place).
        tmp = os.path.join(folder, f"{TEMP_PREFIX}{digest[:16]}-{os.getpid()}-{id(self):x}-{self._count}")
        self._staged[digest] = tmp
        self._bodies[digest] = body
        if self._pool is None:
            self._pool = ThreadPoolExecutor(FSYNC_THREADS, thread_name_prefix="blob-write")
        self._writes[digest] = self._pool.submit(_write_temporary, self.store.root, digest, tmp, body)
        return digest

    def body(self, digest: str) -> bytes:
        """A payload of this batch, staged or not (staged ones are read from memory)."""
        staged = self._bodies.get(digest)
        return staged if staged is not None else self.store.get(digest)

    def __len__(self) -> int:
        return len(self._staged)

    def durable(self) -> list[str]:
        """Make every staged payload durable under its name; the digests written."""
        if self.done:
            return list(self._staged)
        try:
            made: set[str] = set()  # folders created by this batch: their parents' entries changed
            for write in self._writes.values():  # each staged file's bytes on disk (the first error raised)
                made.update(write.result())
            by_folder: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for digest, tmp in self._staged.items():
                by_folder[os.path.dirname(tmp)].append((tmp, digest))
            if self._pool is not None:
                # Each folder's files renamed into place (the same bytes if another writer put
                # one meanwhile), then the folder fsynced; and the parents of new folders.
                for _ in self._pool.map(_rename_into_place, by_folder.items()):
                    pass
                for _ in self._pool.map(fsync_path, {os.path.dirname(f) for f in made} - set(by_folder)):
                    pass
        finally:
            self._close_pool()
        self.done = True
        self._bodies.clear()
        return list(self._staged)

    def keep_only(self, digests: set[str]) -> None:
        """Unstage the payloads not in `digests` (before `durable`): their temporaries removed."""
        if self.done:
            return
        for digest in [d for d in self._staged if d not in digests]:
            write = self._writes.pop(digest, None)
            if write is not None:
                write.exception()  # finished (its error, if any, no longer matters)
            Path(self._staged.pop(digest)).unlink(missing_ok=True)
            self._bodies.pop(digest, None)

    def discard(self) -> None:
        """Remove the temporaries of a batch that will not be made durable."""
        if not self.done:
            self._close_pool()  # the writes under way finished first
            for tmp in self._staged.values():
                Path(tmp).unlink(missing_ok=True)
            self._staged.clear()
            self._bodies.clear()
            self.done = True

    def _close_pool(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True)
            self._pool = None


def _write_temporary(root: Path, digest: str, tmp: str, body: bytes) -> list[str]:
    """Write and fsync one staged payload's temporary file; the folders made for it."""
    made = []
    for folder in (os.path.join(root, digest[:2]), os.path.dirname(tmp)):
        try:
            os.mkdir(folder)
        except FileExistsError:
            continue
        except FileNotFoundError:  # the store's root itself is new
            os.makedirs(folder, exist_ok=True)
            made.append(str(root))
        made.append(folder)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return made


def _rename_into_place(job: tuple[str, list[tuple[str, str]]]) -> None:
    folder, files = job
    for tmp, digest in files:
        os.replace(tmp, os.path.join(folder, digest))
    fsync_path(folder)
