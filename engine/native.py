"""The hot modules compiled to C with mypyc, used only while they match their sources.

``make install`` compiles the modules of the tick, the codec and the socket paths (the
Makefile's ``NATIVE`` list) in place: ``python -m engine.native engine/codec.py ...`` puts an
extension module beside each source, all of them sharing one library,
``engine/native__mypyc``. Python imports an extension in preference to the source beside it,
so a source edited after the build would be ignored: ``use_fresh_modules_only`` (called by
every package's ``__init__``) makes every compiled module load from its source instead when
any of them is older than its source, and logs which. The compiled modules behave as their
sources do; the sources stay the reference (and run as they are when nothing was built).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import importlib.util
import logging
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from types import ModuleType

logger = logging.getLogger(__name__)

GROUP = "engine.native"  # the compiled modules' shared library: engine/native__mypyc
ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("engine", "game", "lobby")
MYPYC_OPTIONS = ["--ignore-missing-imports", "--follow-imports=silent"]


def compiled_modules(root: Path = ROOT, packages: Iterable[str] = PACKAGES) -> dict[str, Path]:
    """Every compiled module under ``root``'s packages, by dotted name: its extension file."""
    suffixes = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    found: dict[str, Path] = {}
    for package in packages:
        for extension in sorted((root / package).rglob("*.so")):
            for suffix in suffixes:
                if extension.name.endswith(suffix):
                    source = extension.with_name(extension.name[: -len(suffix)] + ".py")
                    if source.exists():
                        parts = source.relative_to(root).with_suffix("").parts
                        found[".".join(parts)] = extension
                    break
    return found


def source_of(name: str, extension: Path) -> Path:
    """The source file beside a compiled module's extension."""
    return extension.parent / (name.rsplit(".", 1)[-1] + ".py")


def stale_modules(modules: dict[str, Path]) -> list[str]:
    """The compiled modules whose source changed after they were compiled."""
    return [
        name
        for name, extension in sorted(modules.items())
        if source_of(name, extension).stat().st_mtime > extension.stat().st_mtime
    ]


class SourceFirstFinder(importlib.abc.MetaPathFinder):
    """Finds the given modules' sources, ahead of the extensions compiled beside them."""

    def __init__(self, sources: dict[str, Path]) -> None:
        self.sources = sources

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        """The source's spec for one of the modules, else None (the next finder decides)."""
        source = self.sources.get(fullname)
        if source is None:
            return None
        return importlib.util.spec_from_file_location(fullname, source)


def prefer_sources_if_stale(
    root: Path = ROOT, packages: Iterable[str] = PACKAGES
) -> SourceFirstFinder | None:
    """Load every compiled module of ``root`` from its source if any is out of date: the
    finder put first on ``sys.meta_path`` then, else None.

    All or none: compiled modules call each other directly, so one stale module could not be
    replaced alone.
    """
    modules = compiled_modules(root, packages)
    stale = stale_modules(modules)
    if not stale:
        return None
    finder = SourceFirstFinder({name: source_of(name, ext) for name, ext in modules.items()})
    sys.meta_path.insert(0, finder)
    logger.warning(
        "%s changed since compiled: running every compiled module from its source "
        "(`make install` compiles them again)",
        ", ".join(stale),
    )
    return finder


_checked = False


def use_fresh_modules_only() -> None:
    """``prefer_sources_if_stale`` for the project, once per process."""
    global _checked
    if not _checked:
        _checked = True
        prefer_sources_if_stale()


def build(sources: list[str]) -> None:
    """Compile ``sources`` (paths relative to the project) in place, as one library."""
    from mypyc.build import mypycify
    from setuptools import setup

    extensions = mypycify([*MYPYC_OPTIONS, *sources], opt_level="3", group_name=GROUP)
    setup(
        name="arena-native",
        ext_modules=extensions,
        script_args=["build_ext", "--inplace", "--build-temp", "build/native"],
    )
    for extension in compiled_modules().values():
        extension.touch()  # the copy keeps an unchanged build's time: newer than its source now


if __name__ == "__main__":
    build(sys.argv[1:])
