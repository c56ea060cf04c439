"""The registry a data folder remembers: the one it was crawled with.

A crawl given a registry (`nianbao crawl --config FILE|FOLDER`, `nianbao demo`) keeps a copy of
its TOML files in `$NIANBAO_DATA/registry/`, with `origin.json` naming where they came from.
Commands that read a registry for that data folder (`crawl`, `discover`, `monitor`, `serve`)
take, in order: `--config`; the data folder's copy; the checkout's config/agencies. So after
`nianbao demo --data D`, `NIANBAO_DATA=D nianbao monitor` judges the demo's agencies, not the
checkout's (which D never crawled: every one of them would be "unreachable", and that recorded
into the feed).

A copy, not only the path: a registry given as a temporary file, or moved or edited later,
still leaves the folder judged by what it was crawled with. Crawling again with `--config`
replaces the copy. Files are written each by an atomic rename, so workers of one distributed
crawl remembering the same registry at once leave the same copy.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

FOLDER = "registry"
ORIGIN = "origin.json"


def remembered(data: Path) -> Path | None:
    """The data folder's copy of its registry (a folder of TOML files), or None."""
    folder = Path(data) / FOLDER
    return folder if folder.is_dir() and any(folder.glob("*.toml")) else None


def origin(data: Path) -> str | None:
    """Where the remembered registry was copied from, as written when it was copied."""
    try:
        return json.loads((Path(data) / FOLDER / ORIGIN).read_text(encoding="utf-8")).get("source")
    except (OSError, ValueError):
        return None


def choose(config: Path | None, data: Path) -> Path | None:
    """The registry to read for `data`: `config` when given, else the folder's copy, else None
    (crawler.registry's default, config/agencies)."""
    return config if config is not None else remembered(data)


def remember(data: Path, config: Path) -> Path:
    """Keep a copy of the registry `config` (a TOML file or a folder of them) in `data`; the copy's
    folder. Nothing is copied when `config` is the folder's copy already."""
    folder = Path(data) / FOLDER
    config = Path(config)
    if config.resolve() == folder.resolve() or config.resolve().parent == folder.resolve():
        return folder
    files = sorted(config.glob("*.toml")) if config.is_dir() else [config]
    return _write(folder, {path.name: path.read_bytes() for path in files}, str(config.resolve()))


def remember_text(data: Path, name: str, toml: str, source: str) -> Path:
    """Keep a registry given as TOML text (`nianbao demo`'s) as the folder's copy, file `name`."""
    return _write(Path(data) / FOLDER, {name: toml.encode("utf-8")}, source)


def _write(folder: Path, files: dict[str, bytes], source: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    contents = {**files, ORIGIN: json.dumps({"source": source}, ensure_ascii=False, indent=1).encode("utf-8")}
    for name, body in contents.items():
        handle, temporary = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".tmp")
        with os.fdopen(handle, "wb") as out:
            out.write(body)
        os.replace(temporary, folder / name)
    for stale in folder.glob("*.toml"):  # files of the registry remembered before
        if stale.name not in files:
            stale.unlink(missing_ok=True)
    return folder
