"""`python manage.py startgame NAME`: scaffold a new game, the way `startapp` scaffolds an app.

It writes the game's engine package (``engine/games/NAME/``: a small real-time game to start
from), its browser module (``static/js/games/NAME/``) and its tests (``tests/engine/games/
NAME/``), and adds the one registration line to ``engine.games.INSTALLED_GAMES``. The lobby
offers the game from the next start of the server; docs/games.md explains every part.
"""

from __future__ import annotations

import keyword
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError, CommandParser
from django.core.management.templates import TemplateCommand

TEMPLATE = Path(__file__).resolve().parents[1] / "game_template"
REGISTRY = "engine/games/__init__.py"
NAME = re.compile(r"^[a-z][a-z0-9_]{1,30}$")


class Command(TemplateCommand):
    """Create a new game's engine package, browser module and tests, and register it."""

    help = "Create a new game: its engine package, browser module and tests, registered."
    missing_args_message = "Give the new game's name, e.g. `python manage.py startgame tag`."
    rewrite_template_suffixes = ((".py-tpl", ".py"), (".js-tpl", ".js"), (".md-tpl", ".md"))

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("name", help="the game's name: lowercase letters, digits and _")

    def handle(self, *args: Any, **options: Any) -> None:
        name: str = options["name"]
        if not NAME.match(name) or keyword.iskeyword(name):
            raise CommandError(
                f"{name!r} is not a game name: 2 to 31 lowercase letters, digits and _"
            )
        root = Path(settings.BASE_DIR)
        parts = {
            "engine": root / "engine" / "games" / name,
            "static": root / "static" / "js" / "games" / name,
            "tests": root / "tests" / "engine" / "games" / name,
        }
        for path in parts.values():
            if path.exists():
                raise CommandError(f"{path.relative_to(root)} already exists")
        for part, target in parts.items():
            target.mkdir(parents=True)
            super().handle(
                "game",
                name,
                str(target),
                template=str(TEMPLATE / part),
                extensions=["py", "js", "md"],
                files=[],
                verbosity=options.get("verbosity", 1),
            )
        self._register(root / REGISTRY, f"engine.games.{name}")
        self.stdout.write(
            f"Game {name!r} created: engine/games/{name}/, static/js/games/{name}/, "
            f"tests/engine/games/{name}/, registered in {REGISTRY}. Restart the server to "
            "offer it in the lobby; docs/games.md explains every part."
        )

    @staticmethod
    def _register(registry: Path, path: str) -> None:
        """Add ``path`` as the last entry of INSTALLED_GAMES."""
        text = registry.read_text()
        start = text.index("INSTALLED_GAMES")
        end = text.index(")", start)
        registry.write_text(text[:end] + f'    "{path}",\n' + text[end:])
