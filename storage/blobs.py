"""The content-addressed blob store: every payload once, under its sha256.

A payload is stored either as a loose file, `<root>/ab/cd/<sha256>`, or inside a pack file
(storage/packs.py: the payloads of one blob batch in one file, found through the `blob_packs`
table of the archive's database). Readers need not care which: `get` finds either, and checks
that the bytes hash to the digest asked for.

Writes are durable before any database row points at them. A loose file is written to a
temporary file in the same folder, fsynced, renamed into place, and the folder fsynced. A crash
can leave an orphan blob or a temporary (found by `nianbao db check`), never a row without its
bytes.

`BlobBatch` stores many payloads at once (the archive's group commit): as one pack file when
the store has a pack index and the batch has at least `PACK_FROM` new payloads (one creation,
one fsync, instead of one file each), else as loose files written concurrently; the batch's
database rows (and, for a pack, its index rows) are committed only after `durable()` returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .files import FSYNC_THREADS, fsync_path, write_atomically
from .packs import (PackEntry, PackError, PackIndex, layout, new_pack_name, pack_files, pack_path, read_payload,
                    write_pack)

TEMP_PREFIX = ".tmp-"  # temporaries() finds what a crash leaves
# New payloads from which a batch is written as one pack: below it, the few loose files cost
# about what a pack does (they are created concurrently), and a store of many tiny packs helps
# nobody. A single capture's put (`Archive.ingest`) stays a loose file.
PACK_FROM = 8


class BlobError(Exception):
    """A blob is missing or its bytes do not match its digest."""


class BlobMissingError(BlobError):
    """A blob is missing: no loose file, and no pack holds it (or its pack is gone)."""


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


class BlobStore:
    """Blobs under `root`; with `index` (the archive's `blob_packs` table) packed ones too, and
    batches written as packs."""

    def __init__(self, root: Path, index: PackIndex | None = None) -> None:
        self.root = Path(root)
        self.index = index

    def indexed(self, index: PackIndex) -> BlobStore:
        """The same store, finding and writing packs through `index`."""
        return BlobStore(self.root, index)

    def path(self, digest: str) -> Path:
        """Where `digest`'s loose file is (or would be)."""
        return self.root / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file() or (self.index is not None and self.index.locate(digest) is not None)

    def put(self, body: bytes) -> str:
        """Store `body` (if not already there, loose or packed) and return its sha256."""
        digest = sha256_hex(body)
        if self.exists(digest):
            return digest
        write_atomically(self.path(digest), body, prefix=TEMP_PREFIX)
        return digest

    def batch(self) -> BlobBatch:
        """A batch of puts made durable together (see `BlobBatch`)."""
        return BlobBatch(self)

    def get(self, digest: str) -> bytes:
        """The payload, loose or packed, checked against its digest."""
        try:
            body = self.path(digest).read_bytes()
        except FileNotFoundError:
            body = self._packed(digest)
        if sha256_hex(body) != digest:
            raise BlobError(f"blob {digest} is corrupt: its bytes hash to {sha256_hex(body)}")
        return body

    def _packed(self, digest: str) -> bytes:
        entry = self.index.locate(digest) if self.index is not None else None
        if entry is None:
            raise BlobMissingError(f"blob {digest} is missing from {self.root}")
        try:
            return read_payload(self.root, entry)
        except FileNotFoundError as exc:
            raise BlobMissingError(f"blob {digest} is missing from {self.root}: its pack {entry.pack} is gone") from exc
        except PackError as exc:
            raise BlobError(f"blob {digest} is corrupt: {exc}") from exc

    def digests(self) -> Iterator[str]:
        """Every digest stored: loose files, then packed payloads (a digest may be both)."""
        if self.root.is_dir():
            for path in self.root.glob("??/??/*"):
                if path.is_file() and not path.name.startswith(TEMP_PREFIX):
                    yield path.name
        if self.index is not None:
            yield from self.index.digests()

    def temporaries(self) -> Iterator[Path]:
        """Leftovers of writes interrupted before their rows were committed: loose temporary
        files, and packs no row points into (written, or torn, by a process killed before its
        batch committed). A write in flight has one too."""
        if not self.root.is_dir():
            return
        yield from self.root.glob(f"??/??/{TEMP_PREFIX}*")
        if self.index is not None:
            packs = list(pack_files(self.root))
            if packs:
                referenced = self.index.pack_names()
                yield from (Path(path) for name, path in packs if name not in referenced)

    def remove_temporaries(self) -> list[Path]:
        """Delete the leftovers of interrupted writes (no row points at them); the paths removed.
        Run it while no crawl or import writes to this store: a write in flight has one too."""
        removed = sorted(self.temporaries())
        for path in removed:
            path.unlink(missing_ok=True)
        return removed


class BlobBatch:
    """Payloads stored together. `stage` keeps each new payload (not stored loose already, not
    staged already) in memory; `seal` fixes how they will be written: one pack (when the store
    has a pack index and there are at least `PACK_FROM` of them) whose index entries it returns,
    for the caller to insert in the transaction that commits the rows pointing at them, or else
    loose files; `durable` writes and fsyncs them (the pack and its folders; or each loose
    file's temporary, concurrently, renamed into place and the folders fsynced).

    Until `durable` returns, no row may point at a staged payload. A crash before it leaves a
    torn pack or temporaries at most (`BlobStore.temporaries`); a crash after it and before the
    commit leaves a pack no row points into, or orphan loose files. `discard` forgets a batch
    that will not be made durable."""

    def __init__(self, store: BlobStore) -> None:
        self.store = store
        self._bodies: dict[str, bytes] = {}  # digest -> payload, staged, in order
        self._pack: str | None = None  # the pack's name once sealed as a pack
        self._entries: list[PackEntry] | None = None  # None until sealed
        self._written: list[str] = []
        self.done = False

    def stage(self, body: bytes, digest: str | None = None) -> str:
        """Keep `body` to be stored, unless it is stored loose or staged already; its sha256.
        (Packed payloads are the caller's to leave out: `PackIndex.packed`, in its transaction.)"""
        digest = digest or sha256_hex(body)
        if digest in self._bodies:
            return digest
        # Plain os.path strings, not pathlib: this runs for every capture of a crawl (pathlib's
        # parsing was a third of staging's time in bench/ingest.py's profile).
        root = self.store.root
        if os.path.isfile(os.path.join(root, digest[:2], digest[2:4], digest)):
            return digest
        if self._entries is not None or self.done:
            raise RuntimeError("this blob batch is sealed already; start another")
        self._bodies[digest] = body
        return digest

    def body(self, digest: str) -> bytes:
        """A payload of this batch, staged or not (staged ones are read from memory)."""
        staged = self._bodies.get(digest)
        return staged if staged is not None else self.store.get(digest)

    def staged(self) -> list[str]:
        return list(self._bodies)

    def __len__(self) -> int:
        return len(self._bodies)

    def keep_only(self, digests: set[str]) -> None:
        """Unstage the payloads not in `digests` (before `seal`)."""
        if self._entries is not None or self.done:
            return
        for digest in [d for d in self._bodies if d not in digests]:
            del self._bodies[digest]

    def seal(self) -> list[PackEntry]:
        """Fix what `durable` writes; the pack's index entries (none when written loose)."""
        if self._entries is None:
            if self.store.index is not None and len(self._bodies) >= PACK_FROM:
                self._pack = new_pack_name()
                self._entries = layout(self._pack, list(self._bodies.items()))
            else:
                self._entries = []
        return list(self._entries)

    def durable(self) -> list[str]:
        """Make every staged payload durable (sealing the batch first); the digests written."""
        if self.done:
            return list(self._written)
        self.seal()
        if self._pack is not None:
            write_pack(self.store.root, self._pack, list(self._bodies.items()))
        elif self._bodies:
            _write_loose(self.store.root, self._bodies)
        self.done = True
        self._written = list(self._bodies)
        self._bodies.clear()
        return list(self._written)

    def discard(self) -> None:
        """Forget a batch that will not be made durable (nothing of it is on disk until then)."""
        if not self.done:
            self._bodies.clear()
            self.done = True

    def abandon(self) -> None:
        """Forget a batch whose rows were rolled back: as `discard`, and the pack it wrote is
        deleted (its index entries were in the rolled-back transaction, so nothing points into
        it, and no other writer dedups against a pack no committed row names). Loose payloads
        stay: another writer's rows may name the same content-addressed file."""
        if self.done and self._pack is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(pack_path(self.store.root, self._pack))
            self._pack = None
        self.discard()


def _write_loose(root: Path, bodies: dict[str, bytes]) -> None:
    """Each payload written and fsynced to a temporary file beside its place, concurrently
    (creating files is what this waits on: 0.3-1.5 ms a file on the loaded 2-core dev machine;
    concurrent creations and fsyncs share the filesystem's journal commits); then renamed into
    place, each folder fsynced, and the parents of the folders made. A failure removes the
    temporaries not renamed."""
    temporaries = {digest: os.path.join(root, digest[:2], digest[2:4],
                                        f"{TEMP_PREFIX}{digest[:16]}-{os.getpid()}-{n}-{id(bodies):x}")
                   for n, digest in enumerate(bodies)}
    with ThreadPoolExecutor(min(FSYNC_THREADS, len(bodies)), thread_name_prefix="blob-write") as pool:
        writes = [pool.submit(_write_temporary, root, digest, temporaries[digest], bodies[digest]) for digest in bodies]
        try:
            made: set[str] = set()  # folders created: their parents' entries changed
            for write in writes:
                made.update(write.result())
            by_folder: dict[str, list[tuple[str, str]]] = defaultdict(list)
            for digest, tmp in temporaries.items():
                by_folder[os.path.dirname(tmp)].append((tmp, digest))
            # Each folder's files renamed into place (the same bytes if another writer put one
            # meanwhile), then the folder fsynced; and the parents of new folders.
            for _ in pool.map(_rename_into_place, by_folder.items()):
                pass
            for _ in pool.map(fsync_path, {os.path.dirname(f) for f in made} - set(by_folder)):
                pass
        except BaseException:
            for write in writes:
                write.exception()  # every write finished before its temporary is removed
            for tmp in temporaries.values():
                Path(tmp).unlink(missing_ok=True)
            raise


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
