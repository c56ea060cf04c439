"""nianbao as a user installs it: a wheel built from the checkout (not an editable install),
its `nianbao demo` run from another folder. The demo's simulated portal ships inside the package
(nianbao.devportal); nothing may come from tests/ or the source tree."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from nianbao.devportal import EXPECTED

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("pyproject.toml", "README.md", "nianbao", "parsing", "storage", "crawler")


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The wheel's contents unpacked into a folder, as pip would lay them into site-packages."""
    root = tmp_path_factory.mktemp("installed")
    source = root / "source"
    source.mkdir()
    for name in SOURCES:  # a copy, so the build leaves nothing in the checkout
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
        else:
            shutil.copy2(path, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(root / "dist"), str(source)], check=True, capture_output=True, timeout=300)
    (wheel,) = (root / "dist").glob("nianbao-*.whl")
    site = root / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def console_script(site: Path) -> tuple[str, str]:
    (entry_points,) = site.glob("nianbao-*.dist-info/entry_points.txt")
    config = configparser.ConfigParser()
    config.read(entry_points, encoding="utf-8")
    module, attr = config["console_scripts"]["nianbao"].split(":")
    return module, attr


def test_the_wheel_ships_the_dev_portal_and_the_migrations(installed: Path) -> None:
    assert (installed / "nianbao" / "devportal" / "server.py").is_file()
    assert list((installed / "storage" / "migrations" / "versions").glob("0001_*.py"))
    assert not (installed / "tests").exists()


def test_installed_demo_runs_from_another_folder(installed: Path, tmp_path: Path) -> None:
    module, attr = console_script(installed)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    program = (f"import sys, {module} as m, nianbao.devportal as d; "
               f"print('from', d.__file__, file=sys.stderr); "
               f"sys.argv = ['nianbao', 'demo', '--data', {str(tmp_path / 'data')!r}]; m.{attr}()")
    env = {k: v for k, v in os.environ.items() if k not in ("NIANBAO_DATABASE_URL", "NIANBAO_DATA")}
    # ahead of the checkout's editable install; what was on it stays after it (scripts/test.sh's
    # clock hook, so the clock-ahead run moves this process's clock too)
    env["PYTHONPATH"] = os.pathsep.join([str(installed), *filter(None, [os.environ.get("PYTHONPATH")])])
    done = subprocess.run([sys.executable, "-c", program], cwd=elsewhere, env=env, capture_output=True,
                          text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert f"from {installed}" in done.stderr, done.stderr[-2000:]
    assert "reports archived:" in done.stdout
    reports = [line for line in done.stdout.splitlines() if "checks ok" in line or "checks failed" in line]
    assert len(reports) == len(list(EXPECTED.reports())), done.stdout


def test_the_wheel_ships_the_interface_catalogues(installed: Path) -> None:
    """The web UI's Chinese catalogue (nianbao/web/translations, a .po compiled when the app starts)
    is in the wheel and read from there."""
    program = ("from nianbao.web import i18n; print(i18n.__file__); "
               "print(i18n.catalogues()['zh'].gettext('Search'))")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(installed), *filter(None, [os.environ.get("PYTHONPATH")])]))
    done = subprocess.run([sys.executable, "-c", program], cwd=installed.parent, env=env, capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    where, word = done.stdout.splitlines()
    assert where.startswith(str(installed)) and word == "检索"
