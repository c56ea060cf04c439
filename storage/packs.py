"""Pack files: the payloads of one blob batch in one append-only file, and the `blob_packs`
table (migration 0013) that says where each packed payload lies.

Why packs: creating a file is what bounded the group commit (each new payload its own blob
file: a temporary, an fsync, a rename and a folder fsync, 0.3-1.5 ms a file on the loaded 2-core
dev machine). A batch's payloads written into one new file cost one creation and one fsync.

A pack is `PACK_MAGIC`, then for each payload an entry header (`ENTRY_MAGIC`, the raw sha256,
the length as 8 bytes big-endian) and the payload. The file is written once, by one writer,
under a random name (several writers share a blobs folder: distributed workers on PostgreSQL;
nobody appends to another's pack), fsynced with its folder before the transaction holding
the captures that point into it commits, and never changed after.

Why the index is a table, not a sidecar file: its rows are inserted in that same transaction,
so a capture row and the location of its payload commit together or not at all (no window in
which a committed capture's payload cannot be found, no index file to fsync and keep in step),
every writer and reader of an archive shares it through the database it already uses
(PostgreSQL for distributed workers: no scanning of other writers' packs), and finding a digest
is one indexed lookup however many packs there are. The entry headers make every pack readable
without the table too (`read_entries`: an audit, or rebuilding the index by hand).

A pack no row points into is what a process killed between writing it and committing leaves
(torn, if killed while writing it): nothing reads it; `BlobStore.temporaries` lists it and
`nianbao db check --repair` deletes it, like an interrupted loose write's temporary file.
"""

from __future__ import annotations

import contextlib
import os
import struct
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy import BigInteger, Column, Engine, String, Table, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection

from .files import fsync_path
from .models import Base

PACK_MAGIC = b"NBPACK1\n"  # a pack's first bytes
ENTRY_MAGIC = b"NBPE"
ENTRY_HEADER = struct.Struct(">4s32sQ")  # magic, raw sha256, payload length
PACKS = "packs"  # the folder under the blob store's root (its loose blobs are in ??/??/)
SUFFIX = ".pack"
IN_CHUNK = 500  # digests per IN (...) list

# The table is declared on the models' metadata, so that `migrate`'s schema and the models are
# compared with it (tests/storage/test_migrations.py); Core, as no ORM object is ever loaded.
blob_packs = Table(
    "blob_packs", Base.metadata,
    Column("digest", String(64), primary_key=True),  # the payload's sha256 (hex)
    Column("pack", String(64), nullable=False, index=True),  # the pack file's name, without SUFFIX
    Column("start", BigInteger, nullable=False),  # the payload's first byte in the pack
    Column("size", BigInteger, nullable=False),  # its length
)


class PackError(Exception):
    """A pack's bytes are not what its index or its own headers say."""


@dataclass(frozen=True)
class PackEntry:
    digest: str
    pack: str
    start: int
    size: int


def new_pack_name() -> str:
    """A name no other writer will choose: 128 random bits."""
    return uuid.uuid4().hex


def pack_path(root: str | os.PathLike[str], name: str) -> str:
    return os.path.join(root, PACKS, name[:2], name + SUFFIX)


def layout(name: str, payloads: Sequence[tuple[str, bytes]]) -> list[PackEntry]:
    """Where each payload of a pack named `name` lies, in order."""
    entries, at = [], len(PACK_MAGIC)
    for digest, body in payloads:
        at += ENTRY_HEADER.size
        entries.append(PackEntry(digest, name, at, len(body)))
        at += len(body)
    return entries


def write_pack(root: str | os.PathLike[str], name: str, payloads: Sequence[tuple[str, bytes]]) -> None:
    """Write a new pack of `payloads` ((sha256 hex, bytes) in `layout`'s order) and make it
    durable: the file fsynced, then its folder and the folders above it. A
    failure removes the file (no row points into it yet)."""
    path = pack_path(root, name)
    made = _make_folders(os.path.dirname(path))
    parts = [PACK_MAGIC]
    for digest, body in payloads:
        parts.append(ENTRY_HEADER.pack(ENTRY_MAGIC, bytes.fromhex(digest), len(body)))
        parts.append(body)
    data = b"".join(parts)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)
        raise
    # The pack's folder and the two above it (packs/, the store's root): their entries may be
    # new, made by this writer or by one that died before fsyncing them, and an unchanged
    # folder's fsync is cheap; and the parent of any folder made above the root.
    shard = os.path.dirname(path)
    top = os.path.dirname(shard)
    folders = [shard, top, os.path.dirname(top)]
    folders += [parent for parent in map(os.path.dirname, made) if parent not in folders]
    for folder in folders:
        fsync_path(folder)


def read_payload(root: str | os.PathLike[str], entry: PackEntry) -> bytes:
    """The `entry.size` bytes at `entry.start` of its pack (FileNotFoundError when the pack is
    gone, PackError when it is shorter: a torn or damaged pack)."""
    fd = os.open(pack_path(root, entry.pack), os.O_RDONLY)
    try:
        body = os.pread(fd, entry.size, entry.start)
    finally:
        os.close(fd)
    if len(body) != entry.size:
        raise PackError(f"pack {entry.pack} ends {entry.size - len(body)} bytes before the payload {entry.digest} does")
    return body


def read_entries(path: str | os.PathLike[str]) -> Iterator[PackEntry]:
    """A pack's entries by its own headers, up to the first torn or damaged one."""
    name = os.path.basename(path).removesuffix(SUFFIX)
    with open(path, "rb") as stream:
        if stream.read(len(PACK_MAGIC)) != PACK_MAGIC:
            return
        at = len(PACK_MAGIC)
        size = os.fstat(stream.fileno()).st_size
        while True:
            header = stream.read(ENTRY_HEADER.size)
            if len(header) < ENTRY_HEADER.size:
                return
            magic, raw, length = ENTRY_HEADER.unpack(header)
            at += ENTRY_HEADER.size
            if magic != ENTRY_MAGIC or at + length > size:
                return
            yield PackEntry(raw.hex(), name, at, length)
            at += length
            stream.seek(at)


def pack_files(root: str | os.PathLike[str]) -> Iterator[tuple[str, str]]:
    """(name, path) of every pack file under a blob store's root."""
    top = os.path.join(root, PACKS)
    if not os.path.isdir(top):
        return
    for shard in sorted(os.listdir(top)):
        folder = os.path.join(top, shard)
        if not os.path.isdir(folder):
            continue
        for file in sorted(os.listdir(folder)):
            if file.endswith(SUFFIX):
                yield file.removesuffix(SUFFIX), os.path.join(folder, file)


class PackIndex:
    """The `blob_packs` table of an archive's database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def locate(self, digest: str) -> PackEntry | None:
        with self.engine.connect() as connection:
            row = connection.execute(select(blob_packs).where(blob_packs.c.digest == digest)).first()
        return PackEntry(row.digest, row.pack, row.start, row.size) if row is not None else None

    def packed(self, connection: Connection, digests: Iterable[str]) -> set[str]:
        """Which of `digests` are packed already (committed, or in `connection`'s transaction)."""
        wanted = sorted(set(digests))
        found: set[str] = set()
        for start in range(0, len(wanted), IN_CHUNK):
            found.update(connection.scalars(
                select(blob_packs.c.digest).where(blob_packs.c.digest.in_(wanted[start:start + IN_CHUNK]))))
        return found

    def record(self, connection: Connection, entries: Sequence[PackEntry]) -> None:
        """Insert `entries` in `connection`'s transaction. A digest another writer packed and
        committed meanwhile keeps its row (its pack is durable too): this pack's copy is dead bytes."""
        if not entries:
            return
        dialect = connection.dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        connection.execute(insert(blob_packs).on_conflict_do_nothing(index_elements=["digest"]),
                           [{"digest": e.digest, "pack": e.pack, "start": e.start, "size": e.size} for e in entries])

    def digests(self) -> Iterator[str]:
        with self.engine.connect() as connection:
            yield from connection.scalars(select(blob_packs.c.digest))

    def pack_names(self) -> set[str]:
        """The packs some row points into."""
        with self.engine.connect() as connection:
            return set(connection.scalars(select(blob_packs.c.pack).distinct()))


def _make_folders(folder: str) -> list[str]:
    """Make `folder` and its missing parents; the folders that were missing, outermost first."""
    missing = []
    while not os.path.isdir(folder):
        missing.append(folder)
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    missing.reverse()
    for path in missing:
        # Made by another writer meanwhile: still ours to fsync (that writer may have died first).
        with contextlib.suppress(FileExistsError):
            os.mkdir(path)
    return missing

