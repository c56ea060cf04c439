"""The agency registry: who must publish, and where their report column is (config/agencies/).

Data only: TOML files of `[[agency]]` entries. Validation is strict: an unknown key, a missing
required key, a wrong type or a duplicate name is an error naming the file, the entry and the
key, so a typo never silently turns off a setting.

Where an agency publishes: `list_urls` (its report columns), or `portal` (its home page, from
which discovery finds the columns), or neither yet: a government imported from the national
list of divisions (`code`, its 区划代码) is owed a report before anyone knows its site.
`former_names`: the names an agency published under before a rename, so its older reports are
still its own; no name is two agencies' (current or former).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import os
import tempfile
import tomllib
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from storage.vocab import AgencyKind

log = logging.getLogger(__name__)

PLATFORMS: tuple[str, ...] = ("trs", "hanweb", "vsb", "ucap", "gkmlpt", "static", "cicro", "openinfo", "epoint")
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "config" / "agencies"

REQUIRED = ("name", "region", "kind")
OPTIONAL = ("list_urls", "portal", "code", "platform", "allowed_domains", "crawl_delay", "max_pages",
            "max_depth", "notes", "former_names", "browser")


class RegistryError(Exception):
    """The registry is invalid; the message names the file, the entry and the key."""


@dataclass(frozen=True)
class Agency:
    name: str  # as the agency names itself in its reports
    region: tuple[str, ...]  # 省/市/县 path
    kind: AgencyKind  # which deadline it has: AgencyKind.deadline (条例 第四十九条)
    list_urls: tuple[str, ...] = ()  # its report columns; empty: see `portal`
    platform: str | None = None  # detected when absent
    allowed_domains: tuple[str, ...] = ()  # default: the list URLs' hosts
    crawl_delay: float | None = None  # seconds between requests to its host; default: settings
    max_pages: int = 50  # list pages followed per column
    max_depth: int = 3
    notes: str = ""
    source: str = field(default="", compare=False)  # the file it came from
    portal: str | None = None  # its home page, where discovery starts when no column is known
    code: str | None = None  # 区划代码 of the division it governs (governments from the national list)
    # Names it published under before a rename (洪泽县人民政府 before 洪泽区): its older reports
    # are filed under it by these (crawler.attribution).
    former_names: tuple[str, ...] = ()
    # Its list pages are read through a browser from the first (crawler/browser.py), where the
    # plain path is known to fail; otherwise the browser is used only where the plain path fails.
    browser: bool = False

    @property
    def region_path(self) -> str:
        return "/".join(self.region)

    @property
    def domains(self) -> tuple[str, ...]:
        if self.allowed_domains:
            return self.allowed_domains
        urls = self.list_urls or ((self.portal,) if self.portal else ())
        return tuple(dict.fromkeys(urlsplit(u).hostname or "" for u in urls))


def _fail(source: str, index: int, name: str | None, message: str) -> RegistryError:
    who = f"agency #{index + 1}" + (f" ({name})" if name else "")
    return RegistryError(f"{source}: {who}: {message}")


def _entry(raw: dict[str, Any], source: str, index: int) -> Agency:
    name = raw.get("name") if isinstance(raw.get("name"), str) else None
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise _fail(source, index, name, f"unknown key(s) {', '.join(unknown)} (known: {', '.join(REQUIRED + OPTIONAL)})")
    for key in REQUIRED:
        if key not in raw:
            raise _fail(source, index, name, f"missing required key {key!r}")
    if not name or not name.strip():
        raise _fail(source, index, None, "'name' must be a non-empty string")
    region = raw["region"]
    if not isinstance(region, str) or not all(part.strip() for part in region.split("/")):
        raise _fail(source, index, name, f"'region' must be a 省/市/县 path like '河南省/新乡市/卫辉市', got {region!r}")
    kinds = [kind.value for kind in AgencyKind]
    if raw["kind"] not in kinds:
        raise _fail(source, index, name, f"'kind' must be one of {', '.join(kinds)}, got {raw['kind']!r}")
    urls = raw.get("list_urls", [])
    if not isinstance(urls, list) or ("list_urls" in raw and not urls):
        raise _fail(source, index, name, "'list_urls' must be a non-empty list of URLs")
    for url in urls:
        if not _is_http_url(url):
            raise _fail(source, index, name, f"'list_urls' holds {url!r}, not an http(s) URL")
    portal = raw.get("portal")
    if portal is not None and not _is_http_url(portal):
        raise _fail(source, index, name, f"'portal' must be an http(s) URL, got {portal!r}")
    code = raw.get("code")
    if code is not None and not (isinstance(code, str) and len(code) == 6 and code.isascii() and code.isdigit()):
        raise _fail(source, index, name, f"'code' must be a 6-digit 区划代码 string like \"321322\", got {code!r}")
    platform = raw.get("platform")
    if platform is not None and platform not in PLATFORMS:
        raise _fail(source, index, name, f"'platform' must be one of {', '.join(PLATFORMS)}, got {platform!r}")
    domains = raw.get("allowed_domains", [])
    if not isinstance(domains, list) or not all(isinstance(d, str) and d for d in domains):
        raise _fail(source, index, name, "'allowed_domains' must be a list of host names")
    delay = raw.get("crawl_delay")
    if delay is not None and (not isinstance(delay, int | float) or isinstance(delay, bool) or delay < 0):
        raise _fail(source, index, name, f"'crawl_delay' must be a number of seconds >= 0, got {delay!r}")
    for key in ("max_pages", "max_depth"):
        value = raw.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value < 1):
            raise _fail(source, index, name, f"{key!r} must be a whole number >= 1, got {value!r}")
    notes = raw.get("notes", "")
    if not isinstance(notes, str):
        raise _fail(source, index, name, "'notes' must be a string")
    former = raw.get("former_names", [])
    if (not isinstance(former, list) or ("former_names" in raw and not former)
            or not all(isinstance(f, str) and f.strip() for f in former)):
        raise _fail(source, index, name, "'former_names' must be a non-empty list of names")
    if name.strip() in (f.strip() for f in former) or len({f.strip() for f in former}) != len(former):
        raise _fail(source, index, name, "'former_names' repeats a name (its own, or one twice)")
    browser = raw.get("browser", False)
    if not isinstance(browser, bool):
        raise _fail(source, index, name, f"'browser' must be true or false, got {browser!r}")
    return Agency(
        name=name.strip(),
        region=tuple(part.strip() for part in region.split("/")),
        kind=AgencyKind(raw["kind"]),
        list_urls=tuple(urls),
        platform=platform,
        allowed_domains=tuple(domains),
        crawl_delay=float(delay) if delay is not None else None,
        max_pages=raw.get("max_pages", 50),
        max_depth=raw.get("max_depth", 3),
        notes=notes,
        source=source,
        portal=portal,
        code=code,
        former_names=tuple(f.strip() for f in former),
        browser=browser,
    )


def _is_http_url(url: Any) -> bool:
    parts = urlsplit(url) if isinstance(url, str) else None
    return parts is not None and parts.scheme in ("http", "https") and bool(parts.hostname)


def load_file(path: Path) -> list[Agency]:
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-8")
    except OSError as exc:
        raise RegistryError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    if len(raw) < CACHE_MIN_BYTES:
        return load_text(text, str(path))
    key = _cache_key(raw)
    cached = _read_cache(key, str(path))
    if cached is not None:
        return cached
    agencies = load_text(text, str(path))
    _write_cache(key, agencies)
    return agencies


# -- the cache of large registry files -------------------------------------------------------------
# A national registry file (100,000 entries, ~10 MB) takes ~2.5 s to parse and validate: most of a
# `nianbao monitor` run from cron when 1% of the agencies changed. Its validated entries are kept
# in the user's cache folder under the sha256 of the file's bytes and of this module's source (the
# rules that validated them), as msgpack (msgspec: data, never code): read again in ~0.3 s. A
# changed file, or changed rules, is another key, parsed and validated again; an unreadable or
# unwritable cache is only slower, never an error.
CACHE_MIN_BYTES = 256 * 1024  # smaller files parse faster than a cache entry is found
_CACHED_FIELDS = tuple(f.name for f in fields(Agency) if f.name != "source")
_SOURCE_AT = [f.name for f in fields(Agency)].index("source")


@functools.cache
def _cached_row_type() -> Any:
    """A cached entry's fields as msgspec decodes them: typed (a region a tuple, a kind an AgencyKind)."""
    hints = typing.get_type_hints(Agency)
    return tuple[tuple(hints[name] for name in _CACHED_FIELDS)]  # type: ignore[misc]


def cache_dir() -> Path:
    """$NIANBAO_CACHE_DIR, else $XDG_CACHE_HOME/nianbao, else ~/.cache/nianbao."""
    explicit = os.environ.get("NIANBAO_CACHE_DIR")
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nianbao"


def _cache_key(raw: bytes) -> str:
    rules = Path(__file__).read_bytes()
    return hashlib.sha256(hashlib.sha256(rules).digest() + raw).hexdigest()


def _cache_path(key: str) -> Path:
    return cache_dir() / "registry" / f"{key}.msgpack"


def _read_cache(key: str, source: str) -> list[Agency] | None:
    import msgspec

    try:
        rows = msgspec.msgpack.decode(_cache_path(key).read_bytes(), type=list[_cached_row_type()])
        at = _SOURCE_AT
        return [Agency(*row[:at], source, *row[at:]) for row in rows]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, TypeError, msgspec.DecodeError) as exc:
        log.warning("registry cache %s unreadable (%s); parsing %s again", _cache_path(key), exc, source)
        return None


def _write_cache(key: str, agencies: list[Agency]) -> None:
    import msgspec

    path = _cache_path(key)
    rows = [[getattr(agency, name) for name in _CACHED_FIELDS] for agency in agencies]
    temporary: str | None = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as out:
            temporary = out.name
            out.write(msgspec.msgpack.encode(rows))
        os.replace(temporary, path)  # whole or not at all, whoever else writes the same key
    except OSError as exc:
        log.info("registry cache %s not written: %s", path, exc)
        if temporary is not None:
            with contextlib.suppress(OSError):
                os.unlink(temporary)


def load_text(text: str, source: str) -> list[Agency]:
    """The entries of one registry file's text (`source` names it in errors)."""
    path = source
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RegistryError(f"{path}: not valid TOML: {exc}") from exc
    extra = sorted(set(data) - {"agency"})
    if extra:
        raise RegistryError(f"{path}: unknown top-level key(s) {', '.join(extra)}; entries go in [[agency]] tables")
    entries = data.get("agency", [])
    if not isinstance(entries, list):
        raise RegistryError(f"{path}: 'agency' must be an array of tables ([[agency]])")
    return [_entry(raw, path, index) for index, raw in enumerate(entries)]


def load_registry(config: Path | None = None) -> list[Agency]:
    """Every agency in `config` (a TOML file, or a folder of them; default config/agencies/)."""
    config = Path(config) if config is not None else DEFAULT_CONFIG
    if config.is_dir():
        files = sorted(config.glob("*.toml"))
    elif config.is_file():
        files = [config]
    else:
        raise RegistryError(f"{config}: no such file or folder")
    agencies: list[Agency] = []
    seen: dict[str, str] = {}
    codes: dict[str, str] = {}
    former: dict[str, str] = {}  # a former name -> whose
    for path in files:
        for agency in load_file(path):
            if agency.name in seen:
                raise RegistryError(f"{path}: agency {agency.name!r} is already defined in {seen[agency.name]}")
            if agency.name in former:
                raise RegistryError(f"{path}: agency {agency.name!r} is a former name of {former[agency.name]}")
            for old in agency.former_names:
                if old in seen:
                    raise RegistryError(f"{path}: agency {agency.name!r} has former name {old!r}, the name of "
                                        f"an agency defined in {seen[old]}")
                if old in former:
                    raise RegistryError(f"{path}: agency {agency.name!r} has former name {old!r}, already "
                                        f"a former name of {former[old]}")
                former[old] = f"{agency.name!r} in {path}"
            if agency.code is not None and agency.code in codes:
                raise RegistryError(f"{path}: agency {agency.name!r} has code {agency.code}, "
                                    f"already {codes[agency.code]}'s")
            seen[agency.name] = str(path)
            if agency.code is not None:
                codes[agency.code] = f"{agency.name!r} in {path}"
            agencies.append(agency)
    return agencies
