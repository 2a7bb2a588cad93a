"""`python manage.py startgame demo` in a copy of the project: a registered game, offered by the
lobby, whose generated tests pass as they are."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from loadtest.stack import ROOT

pytestmark = pytest.mark.timeout(180)


def project_copy(target: Path) -> Path:
    """The project's tracked and new files, copied (the scaffold writes into it)."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    for name in listed:
        source = ROOT / name
        if source.is_file():
            destination = target / name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination)
    (target / "node_modules").symlink_to(ROOT / "node_modules")
    return target


def run(copy: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ARENA_", "REDIS_URL"))}
    env["DATABASE_URL"] = f"sqlite:///{copy / 'db.sqlite3'}"
    return subprocess.run(
        [sys.executable, *args], cwd=copy, env=env, capture_output=True, text=True, timeout=150
    )


def test_startgame_scaffolds_a_registered_game_whose_tests_pass(tmp_path: Path) -> None:
    copy = project_copy(tmp_path / "arena")
    made = run(copy, "manage.py", "startgame", "demo")
    assert made.returncode == 0, made.stderr
    for path in (
        "engine/games/demo/game.py",
        "static/js/games/demo/index.js",
        "static/js/games/demo/index.test.js",
        "tests/engine/games/demo/test_demo.py",
    ):
        assert (copy / path).is_file(), path
    assert '"engine.games.demo",' in (copy / "engine/games/__init__.py").read_text()
    offered = run(
        copy,
        "-c",
        "import os, json, django; os.environ['DJANGO_SETTINGS_MODULE'] = 'game.settings';"
        "django.setup(); from lobby.wiring import mode_specs, game_list;"
        "print(json.dumps([sorted(mode_specs()), game_list()['demo']['title']]))",
    )
    assert offered.returncode == 0, offered.stderr
    queues, title = json.loads(offered.stdout)
    assert "demo/ffa" in queues and title == "Demo"
    tested = run(copy, "-m", "pytest", "tests/engine/games/demo", "-q", "-p", "no:cacheprovider")
    assert tested.returncode == 0, tested.stdout + tested.stderr
    assert "5 passed" in tested.stdout
    node = subprocess.run(
        ["node", "--test", "static/js/games/"],
        cwd=copy,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert node.returncode == 0, node.stdout + node.stderr  # modules.test.js checks its imports
    again = run(copy, "manage.py", "startgame", "demo")
    assert again.returncode != 0 and "already exists" in again.stderr
