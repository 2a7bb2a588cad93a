"""The import graph: no cycles, the layers of the project, games apart from the runtime.

``game`` (the Django project and the match app) composes everything; ``lobby`` (players, their
sockets and matchmaking) sits below it; ``engine`` (the runtime and the games) below both. A
game uses only the game API and its own modules; nothing outside a game imports it (the
runtime finds games through the registry, ``engine.games``, by name).
"""

from __future__ import annotations

import functools
import itertools

import grimp
import pytest

PACKAGES = ("engine", "game", "lobby", "loadtest")
LAYERS = ("loadtest", "game", "lobby", "engine")  # each imports only those after it
GAME_API = {"engine.game", "engine.schema", "engine.protocol", "engine.bots"}


@functools.cache
def graph() -> grimp.ImportGraph:
    """The import graph of the project's packages (imports inside functions included)."""
    return grimp.build_graph(*PACKAGES, include_external_packages=True, cache_dir=None)


def project_modules() -> set[str]:
    return {m for m in graph().modules if m.split(".")[0] in PACKAGES}


def test_no_module_imports_itself_back() -> None:
    g = graph()
    modules = sorted(project_modules())
    cycles = []
    for module in modules:
        for imported in g.find_modules_directly_imported_by(module):
            if imported in project_modules() and g.chain_exists(imported, module):
                cycles.append(f"{module} -> {imported} -> ... -> {module}")
    assert cycles == []


@pytest.mark.parametrize(("upper", "lower"), list(itertools.combinations(LAYERS, 2)))
def test_a_lower_layer_never_imports_an_upper_one(upper: str, lower: str) -> None:
    chains = graph().find_shortest_chains(importer=lower, imported=upper)
    assert chains == set(), f"{lower} imports {upper}: {sorted(chains)[:3]}"


def game_packages() -> list[str]:
    return sorted(m for m in graph().find_children("engine.games") if m.count(".") == 2)


def test_every_registered_game_is_a_package_of_its_own() -> None:
    from engine.games import INSTALLED_GAMES

    assert set(INSTALLED_GAMES) <= set(game_packages())


@pytest.mark.parametrize("package", game_packages())
def test_a_game_uses_only_the_game_api(package: str) -> None:
    g = graph()
    outside = set()
    for module in {package} | g.find_descendants(package):
        for imported in g.find_modules_directly_imported_by(module):
            if imported.split(".")[0] in PACKAGES and not (
                imported == package or imported.startswith(package + ".")
            ):
                outside.add((module, imported))
    assert {imported for _, imported in outside} <= GAME_API, sorted(outside)
    externals = {
        imported
        for module in {package} | g.find_descendants(package)
        for imported in g.find_modules_directly_imported_by(module)
        if imported.split(".")[0] in ("django", "channels", "redis", "asyncio")
    }
    assert externals == set(), "a game is pure: no Django, Channels, Redis or asyncio"


@pytest.mark.parametrize("package", game_packages())
def test_nothing_outside_a_game_imports_it(package: str) -> None:
    g = graph()
    game_modules = {package} | g.find_descendants(package)
    importers = {
        importer
        for module in game_modules
        for importer in g.find_modules_that_directly_import(module)
        if importer not in game_modules and importer.split(".")[0] in ("engine", "game", "lobby")
    }
    assert importers == set(), f"{package} is imported by {sorted(importers)}"
