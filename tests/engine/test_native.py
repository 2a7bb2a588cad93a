"""The compiled hot modules: used while fresh, replaced by their sources once one is stale."""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from engine import native

SUFFIX = importlib.machinery.EXTENSION_SUFFIXES[0]


@pytest.fixture
def package(tmp_path: Path) -> Iterator[Path]:
    """A package ``pkg`` with two modules, each with a 'compiled' file beside it that cannot
    be loaded (so importing one would fail loudly)."""
    root = tmp_path / "pkg"
    root.mkdir()
    (root / "__init__.py").write_text("")
    for name in ("hot", "warm"):
        (root / f"{name}.py").write_text(f"WHERE = 'source of {name}'\n")
        (root / f"{name}{SUFFIX}").write_bytes(b"not a shared object")
    (root / f"lib__mypyc{SUFFIX}").write_bytes(b"the shared library has no source")
    sys.path.insert(0, str(tmp_path))
    yield root
    sys.path.remove(str(tmp_path))
    for name in [m for m in sys.modules if m == "pkg" or m.startswith("pkg.")]:
        del sys.modules[name]
    sys.meta_path[:] = [f for f in sys.meta_path if not isinstance(f, native.SourceFirstFinder)]


def age(path: Path, seconds: float) -> None:
    stat = path.stat()
    os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def test_compiled_modules_are_those_with_a_source(package: Path) -> None:
    found = native.compiled_modules(package.parent, ["pkg"])
    assert found == {"pkg.hot": package / f"hot{SUFFIX}", "pkg.warm": package / f"warm{SUFFIX}"}


def test_fresh_extensions_are_left_to_the_import_system(package: Path) -> None:
    for name in ("hot", "warm"):
        age(package / f"{name}.py", 60)
    assert native.prefer_sources_if_stale(package.parent, ["pkg"]) is None
    with pytest.raises(ImportError):  # the 'compiled' file is what Python would load
        importlib.import_module("pkg.hot")


def test_one_stale_extension_sends_every_compiled_module_to_its_source(
    package: Path, caplog: pytest.LogCaptureFixture
) -> None:
    age(package / "warm.py", 60)  # warm is fresh; hot's source is newer than its extension
    age(package / f"hot{SUFFIX}", 60)
    finder = native.prefer_sources_if_stale(package.parent, ["pkg"])
    assert finder is not None and sys.meta_path[0] is finder
    assert importlib.import_module("pkg.hot").WHERE == "source of hot"
    assert importlib.import_module("pkg.warm").WHERE == "source of warm"
    assert "pkg.hot changed since compiled" in caplog.text


def test_the_project_runs_its_compiled_modules_when_they_are_built() -> None:
    built = native.compiled_modules()
    if not built:
        pytest.skip("no compiled modules in this tree (`make install` builds them)")
    assert native.stale_modules(built) == [], "`make install` compiles the changed sources"
    for name in built:
        loader = importlib.import_module(name).__loader__
        assert isinstance(loader, importlib.machinery.ExtensionFileLoader), name
