"""``python manage.py announce "text" [--game G]``: a message to every connected socket."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from engine.protocol import MAX_CHAT_TEXT_BYTES
from lobby.chat.broadcast import BroadcastFailed, announce
from lobby.chat.models import Announcement
from lobby.wiring import game_list


class Command(BaseCommand):
    """Send an announcement to every lobby, match and spectator socket on every web process."""

    help = (
        "Send an announcement to every connected lobby, match and spectator socket on every "
        "web process (of one game's with --game). Needs REDIS_URL: the web processes' channel "
        "layer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        """The text, and optionally the game."""
        parser.add_argument("text", help="what to announce")
        parser.add_argument("--game", help="only the lobby room, matches and spectators of it")

    def handle(self, *args: Any, **options: Any) -> None:
        """Send it, and record it in the admin's announcements."""
        text = " ".join(options["text"].split())
        game = options["game"]
        if not text or len(text.encode()) > MAX_CHAT_TEXT_BYTES:
            raise CommandError(f"the text must have 1 to {MAX_CHAT_TEXT_BYTES} bytes")
        if game is not None and game not in game_list():
            raise CommandError(f"no game called {game!r} (games: {', '.join(game_list())})")
        if settings.ARENA.redis_url is None:
            raise CommandError(
                "without REDIS_URL the web process's channel layer is in its memory: "
                "announce from the admin (Announcements) instead"
            )
        item = Announcement.objects.create(text=text, game=game or "")
        try:
            announce(text, game)
        except BroadcastFailed as exc:
            raise CommandError(str(exc)) from exc
        item.sent_at = timezone.now()
        item.save(update_fields=["sent_at"])
        self.stdout.write(f"announced to {'every game' if game is None else game}: {text}")
