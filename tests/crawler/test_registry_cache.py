"""A large registry file's validated entries are kept in the cache folder (crawler.registry): read
back equal to parsing the file, under the path they are loaded from; a changed file or changed
rules are parsed again; a damaged or unwritable cache is only slower."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from crawler import registry
from crawler.registry import CACHE_MIN_BYTES, RegistryError, load_registry, load_text


def _big_registry(path: Path, entries: int = 1400, *, note: str = "") -> Path:
    lines = []
    for i in range(entries):
        extra = ('former_names = ["旧名%05d局"]\n' % i) if i % 7 == 0 else ""
        extra += 'crawl_delay = 2.5\nbrowser = true\n' if i % 11 == 0 else ""
        lines.append(f'[[agency]]\nname = "测试{i:05d}局"\nregion = "某省/市{i % 50:02d}/县{i % 7}"\n'
                     f'kind = "{"department" if i % 3 else "government"}"\n'
                     f'list_urls = ["http://www.a{i}.gov.cn/ndbg/", "http://www.a{i}.gov.cn/xxgk/"]\n'
                     f'notes = "{note}第{i}个：填充文字填充文字填充文字"\n{extra}')
    path.write_text("\n".join(lines), encoding="utf-8")
    assert path.stat().st_size >= CACHE_MIN_BYTES
    return path


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(folder))
    return folder / "registry"


def test_a_cached_registry_equals_the_parsed_file(tmp_path, cache) -> None:
    path = _big_registry(tmp_path / "national.toml")
    parsed = load_text(path.read_text(encoding="utf-8"), str(path))
    first = load_registry(path)
    assert len(list(cache.glob("*.msgpack"))) == 1  # written by the first load
    again = load_registry(path)  # read from the cache
    assert again == first == parsed
    # Every field, typed as parsing makes it (compare=False leaves source out of ==).
    assert [a.__dict__ for a in again] == [a.__dict__ for a in parsed]
    assert isinstance(again[0].region, tuple) and type(again[0].kind) is type(parsed[0].kind)
    # The same bytes elsewhere: the same cache entry, the entries under the path they came from.
    moved = tmp_path / "moved.toml"
    moved.write_bytes(path.read_bytes())
    assert {a.source for a in load_registry(moved)} == {str(moved)}
    assert len(list(cache.glob("*.msgpack"))) == 1


def test_a_changed_file_is_parsed_again(tmp_path, cache) -> None:
    path = _big_registry(tmp_path / "national.toml")
    load_registry(path)
    _big_registry(path, note="改")
    assert load_registry(path)[3].notes.startswith("改第3个")
    assert len(list(cache.glob("*.msgpack"))) == 2


def test_changed_rules_are_another_key(tmp_path, cache, monkeypatch) -> None:
    path = _big_registry(tmp_path / "national.toml")
    load_registry(path)
    rules = tmp_path / "registry_rules.py"
    rules.write_bytes(Path(registry.__file__).read_bytes() + b"\n# a rule changed\n")
    monkeypatch.setattr(registry, "__file__", str(rules))
    load_registry(path)
    assert len(list(cache.glob("*.msgpack"))) == 2


def test_a_damaged_cache_entry_is_parsed_again(tmp_path, cache, caplog) -> None:
    path = _big_registry(tmp_path / "national.toml")
    expected = load_registry(path)
    [entry] = cache.glob("*.msgpack")
    entry.write_bytes(entry.read_bytes()[: entry.stat().st_size // 2])
    with caplog.at_level(logging.WARNING, logger="crawler.registry"):
        assert load_registry(path) == expected
    assert "unreadable" in caplog.text and str(path) in caplog.text
    entry.write_bytes(b"\x93\x01\x02\x03")  # well-formed msgpack, not entries
    assert load_registry(path) == expected


def test_an_unwritable_cache_folder_only_costs_time(tmp_path, monkeypatch) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("NIANBAO_CACHE_DIR", str(blocker))
    path = _big_registry(tmp_path / "national.toml")
    assert len(load_registry(path)) == 1400


def test_an_invalid_large_file_is_refused_and_not_cached(tmp_path, cache) -> None:
    path = _big_registry(tmp_path / "national.toml")
    path.write_text(path.read_text(encoding="utf-8") + '\n[[agency]]\nname = "测试00001局"\nregion = "某省"\nkind = "department"\n',
                    encoding="utf-8")
    with pytest.raises(RegistryError, match="already defined"):
        load_registry(path)
    path.write_text(path.read_text(encoding="utf-8") + "\nkind = 3\n", encoding="utf-8")
    with pytest.raises(RegistryError):
        load_registry(path)
    assert len(list(cache.glob("*.msgpack"))) <= 1  # the file's entries validated; the duplicate is load_registry's
